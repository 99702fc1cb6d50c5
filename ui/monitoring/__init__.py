"""The dashboard (领导驾驶舱) and the admin tab for warning rules and holidays."""
