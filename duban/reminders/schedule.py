"""What the worker runs and when: a job is a name, a slot function and a body.

A slot names one occurrence of a job ("2026-12-01T09:00", "2026-W49", "2026-12"). The
worker asks each job for the slot due at this moment; a job run is claimed by inserting
(job, slot) into job_run (unique), so two workers never run one occurrence twice, and a
worker started late still runs today's occurrence (the slot stays due until it is claimed).
Slots follow the working-day calendar: a job "on working days at 9:00" has no slot on a
holiday and has one on a make-up working day (调休).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from duban.monitoring.workdays import WorkCalendar

# (now, calendar) -> the slot due now, or None
SlotFn = Callable[[dt.datetime, WorkCalendar], str | None]
# (session, now, calendar) -> a JSON-able summary for job_run.detail
RunFn = Callable[[Session, dt.datetime, WorkCalendar], dict]


@dataclass(frozen=True)
class Job:
    name: str
    slot: SlotFn
    run: RunFn


def every_working_day(at: dt.time) -> SlotFn:
    """Due from `at` on each working day until the day ends."""

    def slot(now: dt.datetime, cal: WorkCalendar) -> str | None:
        if not cal.is_workday(now.date()) or now.time() < at:
            return None
        return f"{now.date().isoformat()}T{at:%H:%M}"

    return slot


def every_day(at: dt.time) -> SlotFn:
    """Due from `at` on every calendar day (housekeeping)."""

    def slot(now: dt.datetime, cal: WorkCalendar) -> str | None:
        return None if now.time() < at else f"{now.date().isoformat()}T{at:%H:%M}"

    return slot


def first_working_day_of_week(at: dt.time) -> SlotFn:
    """Due from `at` on the week's first working day (Monday, or the next working day when
    Monday is a holiday), until the week ends; the slot is the ISO week."""

    def slot(now: dt.datetime, cal: WorkCalendar) -> str | None:
        day = now.date()
        monday = day - dt.timedelta(days=day.weekday())
        first = next(
            (
                monday + dt.timedelta(days=i)
                for i in range(7)
                if cal.is_workday(monday + dt.timedelta(days=i))
            ),
            None,
        )
        if first is None or (day, now.time()) < (first, at):
            return None
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"

    return slot


def first_working_day_of_month(at: dt.time) -> SlotFn:
    """Due from `at` on the month's first working day until the month ends; slot "YYYY-MM"."""

    def slot(now: dt.datetime, cal: WorkCalendar) -> str | None:
        day = now.date()
        first = day.replace(day=1)
        while not cal.is_workday(first) and first.month == day.month:
            first += dt.timedelta(days=1)
        if first.month != day.month or (day, now.time()) < (first, at):
            return None
        return f"{day:%Y-%m}"

    return slot
