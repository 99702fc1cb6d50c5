"""Reminders in the UI: channels, the delivery log, reminder rules, preferences, messages."""
