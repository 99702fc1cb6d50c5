"""The 通知通报 page and the admin tab for notice rules and templates."""
