"""Reminders that reach people: the rules the office edits, each user's channels (e-mail,
DingTalk and WeCom group robots), the outbox of notifications and deliveries, and the worker
that runs due jobs on the working-day calendar, safe to run twice."""
