"""The jobs the worker runs (duban.reminders.worker): reminders, periodic bulletin drafts,
housekeeping. Each is a duban.reminders.schedule.Job."""

from __future__ import annotations

from duban.reminders.schedule import Job

JOBS: list[Job] = []
