"""The admin tabs for departments, users and the audit log."""
