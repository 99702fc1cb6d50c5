"""Every task and assignment coloured by the warning lights as of a day, from the raw frames.

Pure polars after the read: ``build_status(raw, today=..., rules=..., cal=...)``; a look-back
view (``as_of``, ``last_week``) reconstructs what the stored data said at the end of that day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl
from sqlalchemy.engine import Engine
from sqlmodel import Session

from duban.core import clock
from duban.monitoring import cycles, holidays
from duban.monitoring import rules as rules_mod
from duban.monitoring.frames import RawFrames, read_frames
from duban.monitoring.lights import MISSED_COLUMN, MISSED_DTYPE, WarningRules, assess_frame
from duban.monitoring.workdays import WorkCalendar

__all__ = ["StatusFrames", "build_status", "last_week", "status_frames"]


@dataclass(frozen=True)
class StatusFrames:
    """Tasks and assignments with colour, reasons and figures, as of ``today``."""

    today: dt.date
    tasks: pl.DataFrame
    assignments: pl.DataFrame
    raw: RawFrames = field(repr=False)


def status_frames(
    engine: Engine,
    *,
    today: dt.date | None = None,
    rules: WarningRules | None = None,
    cal: WorkCalendar | None = None,
) -> StatusFrames:
    """Read the database and colour every task and assignment (rules/calendar from the DB)."""
    today = today or clock.today()
    if rules is None or cal is None:
        with Session(engine) as s:
            rules = rules or rules_mod.load_warning_rules(s)
            cal = cal or holidays.load_calendar(s)
    return build_status(read_frames(engine), today=today, rules=rules, cal=cal)


def build_status(
    raw: RawFrames,
    *,
    today: dt.date,
    rules: WarningRules,
    cal: WorkCalendar,
    as_of: dt.date | None = None,
) -> StatusFrames:
    """Colour every task and assignment as of ``as_of`` (default: today) — pure polars."""
    day = as_of or today
    if as_of is not None:
        raw = _as_of(raw, day)
    pairs = cycles.evaluate(raw, day, cal).pairs
    a = _assess(_assignment_facts(raw, day, pairs), day=day, rules=rules, cal=cal)
    tasks = _assess(_task_facts(raw, a), day=day, rules=rules, cal=cal)
    return StatusFrames(today=day, tasks=tasks, assignments=a, raw=raw)


def last_week(
    raw: RawFrames, *, today: dt.date, rules: WarningRules, cal: WorkCalendar
) -> StatusFrames:
    """The status as it stood a week ago (today − 7), for the KPI deltas."""
    return build_status(raw, today=today, rules=rules, cal=cal, as_of=today - dt.timedelta(days=7))


# ----------------------------------------------------------------------------- colouring
def _assess(
    df: pl.DataFrame, *, day: dt.date, rules: WarningRules, cal: WorkCalendar
) -> pl.DataFrame:
    """The warning lights over a frame whose start column is ``start_date``."""
    return assess_frame(df.rename({"start_date": "start"}), today=day, rules=rules, cal=cal).rename(
        {"start": "start_date"}
    )


# The statuses in which a unit owes its cycle's reports now (a task awaiting its 销号 is the
# office's turn; see cycles for which dues count at all).
_REPORTING = ("assigned", "acknowledged", "in_progress")


def _assignment_facts(raw: RawFrames, day: dt.date, pairs: pl.DataFrame) -> pl.DataFrame:
    """Each assignment with its unit, latest report, ignored urgings, overdue findings,
    extensions, its report cycle's facts and its task's dates: what the lights need, before
    colouring.

    Cycle facts (duban.monitoring.cycles): report_cycle (code, NULL without one),
    missed_reports (the current run of missed cycles: 未按期报送 now when > 0, counted only
    while the task is assigned, acknowledged or in progress), missed_since (the first missed
    due date of that run), missed_total (every missed cycle so far), next_report_due."""
    depts = raw.departments.select("department_id", "department_name", "department_short")
    task_dates = raw.tasks.select(
        "task_id", "status", "start_date", "deadline", "original_deadline", "completed_on"
    )
    unit_ext = raw.extensions.group_by(["task_id", "department_id"]).agg(
        pl.len().cast(pl.Int64).alias("extensions")
    )
    return (
        raw.assignments.join(depts, on="department_id", how="left")
        .join(_latest_reports(raw.reports), on="assignment_id", how="left")
        .join(_ignored_urgings(raw, day), on=["task_id", "department_id"], how="left")
        .join(_overdue_findings(raw, day), on=["task_id", "department_id"], how="left")
        .join(task_dates, on="task_id", how="inner")
        .with_columns(
            pl.col("ignored_urgings").fill_null(0),
            pl.col("overdue_rectifications").fill_null(0),
        )
        .join(unit_ext, on=["task_id", "department_id"], how="left")
        .with_columns(pl.col("extensions").fill_null(0))
        .join(_cycle_facts(pairs), on=["task_id", "department_id"], how="left")
        .with_columns(_missed_now())
        .with_columns(
            pl.when(pl.col("missed_reports") > 0)
            .then(
                pl.concat_list(
                    pl.struct(
                        pl.col("department_name").fill_null("").alias("unit"),
                        pl.col("missed_since").alias("since"),
                        pl.col("missed_reports").alias("run"),
                    )
                )
            )
            .otherwise(pl.lit([], dtype=MISSED_DTYPE))
            .cast(MISSED_DTYPE)
            .alias(MISSED_COLUMN)
        )
    )


def _cycle_facts(pairs: pl.DataFrame) -> pl.DataFrame:
    return pairs.select(
        "task_id",
        "department_id",
        pl.col("cycle").alias("report_cycle"),
        pl.col("missed_run").alias("missed_reports"),
        "missed_since",
        pl.col("missed").alias("missed_total"),
        pl.col("next_due").alias("next_report_due"),
    )


def _missed_now() -> list[pl.Expr]:
    """missed_reports and missed_since, zero / NULL unless the unit owes reports now."""
    owes = pl.col("status").is_in(_REPORTING) & (pl.col("missed_reports").fill_null(0) > 0)
    return [
        pl.when(owes).then(pl.col("missed_reports")).otherwise(0).cast(pl.Int64),
        pl.when(owes).then(pl.col("missed_since")).otherwise(None).cast(pl.Date),
        pl.col("missed_total").fill_null(0).cast(pl.Int64),
    ]


def _task_facts(raw: RawFrames, assignments: pl.DataFrame) -> pl.DataFrame:
    """Each task with its lead unit's progress, its units' urgings and findings, and its
    extensions: what the lights need, before colouring."""
    lead = (
        assignments.filter(pl.col("role") == "lead")
        .sort("assignment_id")
        .group_by("task_id", maintain_order=True)
        .agg(
            pl.col("department_id").first().alias("lead_department_id"),
            pl.col("department_name").first().alias("lead_name"),
            pl.col("department_short").first().alias("lead_short"),
            pl.col("progress").first(),
            pl.col("last_update").first(),
        )
    )
    # Units 未按期报送 in the task's reasons: lead first, then by name (the order is the
    # reasons' order).
    by_unit = assignments.sort(
        [pl.col("role") != "lead", "department_name", "assignment_id"], nulls_last=True
    )
    units = by_unit.group_by("task_id", maintain_order=True).agg(
        pl.len().cast(pl.Int64).alias("units"),
        pl.col("ignored_urgings").max().alias("ignored_urgings"),
        pl.col("overdue_rectifications").sum().cast(pl.Int64).alias("overdue_rectifications"),
        pl.col("missed_reports").max().cast(pl.Int64).alias("missed_reports"),
        (pl.col("missed_reports") > 0).sum().cast(pl.Int64).alias("missed_units"),
        pl.col("missed_since").min().alias("missed_since"),
        pl.col(MISSED_COLUMN)
        .list.explode(keep_nulls=False, empty_as_null=False)
        .alias(MISSED_COLUMN),
    )
    ext = raw.extensions.group_by("task_id").agg(pl.len().cast(pl.Int64).alias("extensions"))
    return (
        raw.tasks.join(lead, on="task_id", how="left")
        .join(units, on="task_id", how="left")
        .join(ext, on="task_id", how="left")
        .with_columns(
            pl.col("units").fill_null(0),
            pl.col("ignored_urgings").fill_null(0),
            pl.col("overdue_rectifications").fill_null(0),
            pl.col("extensions").fill_null(0),
            pl.col("missed_reports").fill_null(0),
            pl.col("missed_units").fill_null(0),
            pl.col(MISSED_COLUMN).fill_null(pl.lit([], dtype=MISSED_DTYPE)),
        )
    )


def _latest_reports(reports: pl.DataFrame) -> pl.DataFrame:
    """Latest percent and report day per assignment (reports must be sorted by time)."""
    return reports.group_by("assignment_id", maintain_order=True).agg(
        pl.col("percent").last().alias("progress"),
        pl.col("reported_on").last().alias("last_update"),
    )


def _ignored_urgings(raw: RawFrames, today: dt.date) -> pl.DataFrame:
    """(task_id, department_id, ignored_urgings): urging notices past their reply date, unanswered."""
    u = raw.urgings.filter(
        pl.col("replied_on").is_null()
        & pl.col("reply_due").is_not_null()
        & (pl.col("reply_due") < pl.lit(today, dtype=pl.Date))
    )
    return u.group_by(["task_id", "department_id"]).agg(
        pl.col("notice_id").n_unique().cast(pl.Int64).alias("ignored_urgings")
    )


def _overdue_findings(raw: RawFrames, today: dt.date) -> pl.DataFrame:
    """(task_id, department_id, overdue_rectifications): past due and still open.

    One rule everywhere (see ``inspections.is_overdue``): a rectification is overdue when its
    due date has passed and it is open — never answered, or its answer was not accepted at
    re-check. An answer waiting for the inspector's re-check is not the unit's delay. In a
    look-back view an answer given after that day does not count yet (answered_on is null).
    """
    f = raw.findings.filter(
        (pl.col("answered_on").is_null() | (pl.col("status") == "open"))
        & (pl.col("due_date") < pl.lit(today, dtype=pl.Date))
    )
    return f.group_by(["task_id", "department_id"]).agg(
        pl.len().cast(pl.Int64).alias("overdue_rectifications")
    )


# ----------------------------------------------------------------------------- as of a day
def _as_of(raw: RawFrames, day: dt.date) -> RawFrames:
    """What the stored data said at the end of ``day``, reconstructed from timestamps.

    Tasks assigned later are drafts; completion/submission after ``day`` is undone; an
    extension approved after ``day`` is undone (the deadline is its previous deadline);
    later reports, notices, answers and findings are dropped.
    """
    lit = pl.lit(day, dtype=pl.Date)
    return RawFrames(
        tasks=_deadlines_as_of(_tasks_as_of(raw.tasks, lit), raw.extensions, lit),
        assignments=raw.assignments,
        reports=raw.reports.filter(pl.col("reported_on") <= lit),
        report_days=raw.report_days.filter(pl.col("reported_on") <= lit),
        departments=raw.departments,
        extensions=raw.extensions.filter(pl.col("decided_on") <= lit),
        urgings=raw.urgings.filter(pl.col("issued_on") <= lit).with_columns(
            _unless_later("replied_on", lit)
        ),
        findings=raw.findings.filter(pl.col("created_on") <= lit).with_columns(
            _unless_later("answered_on", lit)
        ),
        milestones=raw.milestones,
        targets=raw.targets,
        readings=raw.readings.filter(pl.col("recorded_on") <= lit),
        plans=raw.plans,
    )


def _unless_later(column: str, lit: pl.Expr) -> pl.Expr:
    """The day column, null where it falls after the look-back day (not happened yet)."""
    return pl.when(pl.col(column) > lit).then(None).otherwise(pl.col(column)).alias(column)


def _tasks_as_of(tasks: pl.DataFrame, lit: pl.Expr) -> pl.DataFrame:
    """Task statuses as of the day: later assignment → draft, later completion or submission
    undone."""
    status = pl.col("status")
    return tasks.with_columns(
        pl.when(pl.col("assigned_on").is_not_null() & (pl.col("assigned_on") > lit))
        .then(pl.lit("draft"))
        .when((status == "completed") & (pl.col("completed_on") > lit))
        .then(
            pl.when(pl.col("submitted_on").is_not_null() & (pl.col("submitted_on") <= lit))
            .then(pl.lit("submitted"))
            .otherwise(pl.lit("in_progress"))
        )
        .when((status == "submitted") & (pl.col("submitted_on") > lit))
        .then(pl.lit("in_progress"))
        .otherwise(status)
        .alias("status"),
        _unless_later("completed_on", lit),
    )


def _deadlines_as_of(tasks: pl.DataFrame, extensions: pl.DataFrame, lit: pl.Expr) -> pl.DataFrame:
    """The deadline in effect on the day: extensions decided later are undone (the earliest
    one's previous deadline)."""
    later_ext = extensions.filter(pl.col("decided_on") > lit)
    if not later_ext.height:
        return tasks
    first = (
        later_ext.sort("decided_on")
        .group_by("task_id", maintain_order=True)
        .agg(pl.col("previous_deadline").first().alias("_prev"))
    )
    return (
        tasks.join(first, on="task_id", how="left")
        .with_columns(
            pl.when(pl.col("_prev").is_not_null())
            .then(pl.col("_prev"))
            .otherwise(pl.col("deadline"))
            .alias("deadline")
        )
        .drop("_prev")
    )
