"""Dashboard figures: frames read once per data version, coloured by the warning engine, in polars.

Reading: the big tables (tasks, assignments, progress reports) go through ADBC
(``pl.read_database`` over one ADBC connection: ~5x faster than SQLAlchemy rows, see
STACK_NOTES), the small ones through SQLAlchemy. Dates are selected as integer days since
1970-01-01 on both SQLite and PostgreSQL: SQLite stores dates as text, and ADBC's SQLite
driver guesses a column's type from its first rows, so a nullable date column that starts
with NULLs would otherwise fail ("Type mismatch"). An in-memory SQLite database (tests)
cannot be opened by a second driver, so it is read through SQLAlchemy with the same SQL.

Everything after the read is pure: ``build_status(raw, today=..., rules=..., cal=...)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import quote

import polars as pl
from sqlalchemy import text
from sqlalchemy.engine import Engine

from duban import clock
from duban.db import analytics_uri
from duban.warnings import WarningRules, assess_frame
from duban.workdays import WorkCalendar

__all__ = [
    "RawFrames",
    "StatusFrames",
    "build_status",
    "read_frames",
    "status_frames",
]

# ----------------------------------------------------------------------------- reading
_D = pl.Date
_I = pl.Int64
_F = pl.Float64
_S = pl.String


def _day_sql(dialect: str, col: str) -> str:
    """SQL giving `col` (a date or timestamp) as integer days since 1970-01-01, NULL kept."""
    if dialect == "sqlite":
        return f"CAST(julianday(substr({col}, 1, 10)) - 2440587.5 AS INTEGER)"
    return f"(CAST({col} AS DATE) - DATE '1970-01-01')"


# name -> (SQL template, schema). {d:x} marks a date column; text columns that may be NULL
# are COALESCEd to '' (turned back into NULL after reading) for the ADBC type guess.
_BIG = {
    "tasks": (
        "SELECT id AS task_id, plan_id, parent_id, COALESCE(code, '') AS code, title,"
        " COALESCE(phase, '') AS phase, status, {d:start_date} AS start_date,"
        " {d:deadline} AS deadline, {d:original_deadline} AS original_deadline, weight,"
        " COALESCE(sort_key, '') AS sort_key, {d:assigned_at} AS assigned_on,"
        " {d:submitted_at} AS submitted_on, {d:completed_at} AS completed_on FROM task",
        {
            "task_id": _I,
            "plan_id": _I,
            "parent_id": _I,
            "code": _S,
            "title": _S,
            "phase": _S,
            "status": _S,
            "start_date": _D,
            "deadline": _D,
            "original_deadline": _D,
            "weight": _F,
            "sort_key": _S,
            "assigned_on": _D,
            "submitted_on": _D,
            "completed_on": _D,
        },
    ),
    "assignments": (
        "SELECT id AS assignment_id, task_id, department_id, role,"
        " {d:assigned_at} AS assigned_on, {d:acknowledged_at} AS acknowledged_at"
        " FROM assignment",
        {
            "assignment_id": _I,
            "task_id": _I,
            "department_id": _I,
            "role": _S,
            "assigned_on": _D,
            "acknowledged_at": _D,
        },
    ),
    "reports": (
        "SELECT id AS report_id, assignment_id, task_id, department_id, kind, percent,"
        " {d:reported_at} AS reported_on FROM progress_report",
        {
            "report_id": _I,
            "assignment_id": _I,
            "task_id": _I,
            "department_id": _I,
            "kind": _S,
            "percent": _F,
            "reported_on": _D,
        },
    ),
}
_SMALL = {
    "departments": (
        "SELECT id AS department_id, name AS department_name,"
        " COALESCE(short_name, name) AS department_short, sort_order, parent_id"
        " FROM department",
        {
            "department_id": _I,
            "department_name": _S,
            "department_short": _S,
            "sort_order": _I,
            "parent_id": _I,
        },
    ),
    "extensions": (
        "SELECT task_id, department_id, {d:previous_deadline} AS previous_deadline,"
        " {d:approved_date} AS approved_date, {d:decided_at} AS decided_on"
        " FROM extension_request WHERE status = 'approved'",
        {
            "task_id": _I,
            "department_id": _I,
            "previous_deadline": _D,
            "approved_date": _D,
            "decided_on": _D,
        },
    ),
    "urgings": (
        "SELECT n.id AS notice_id, nt.task_id, nr.department_id, {d:n.reply_due} AS reply_due,"
        " {d:nr.replied_at} AS replied_on, {d:n.issued_at} AS issued_on"
        " FROM notice n JOIN notice_recipient nr ON nr.notice_id = n.id"
        " JOIN notice_task nt ON nt.notice_id = n.id"
        " WHERE n.kind = 'urging' AND n.status = 'issued'",
        {
            "notice_id": _I,
            "task_id": _I,
            "department_id": _I,
            "reply_due": _D,
            "replied_on": _D,
            "issued_on": _D,
        },
    ),
    "findings": (
        "SELECT id AS finding_id, task_id, department_id, {d:due_date} AS due_date, status,"
        " {d:answered_at} AS answered_on, {d:created_at} AS created_on"
        " FROM finding WHERE task_id IS NOT NULL",
        {
            "finding_id": _I,
            "task_id": _I,
            "department_id": _I,
            "due_date": _D,
            "status": _S,
            "answered_on": _D,
            "created_on": _D,
        },
    ),
    "milestones": (
        "SELECT id AS milestone_id, task_id, title AS milestone_title,"
        " {d:due_date} AS due_date, {d:done_on} AS done_on FROM milestone",
        {
            "milestone_id": _I,
            "task_id": _I,
            "milestone_title": _S,
            "due_date": _D,
            "done_on": _D,
        },
    ),
    "targets": (
        "SELECT id AS target_id, task_id, text AS target_text, baseline, target_value,"
        " direction, unit FROM target",
        {
            "target_id": _I,
            "task_id": _I,
            "target_text": _S,
            "baseline": _F,
            "target_value": _F,
            "direction": _S,
            "unit": _S,
        },
    ),
    "readings": (
        "SELECT target_id, value, {d:recorded_at} AS recorded_on FROM target_reading",
        {"target_id": _I, "value": _F, "recorded_on": _D},
    ),
    "plans": (
        "SELECT id AS plan_id, title AS plan_title, phases FROM plan",
        {"plan_id": _I, "plan_title": _S, "phases": _S},
    ),
}
_NULL_IF_EMPTY = {"tasks": ("phase",)}


def _sql(template: str, dialect: str) -> str:
    out, i = [], 0
    while True:
        j = template.find("{d:", i)
        if j < 0:
            out.append(template[i:])
            return "".join(out)
        k = template.index("}", j)
        out.append(template[i:j])
        out.append(_day_sql(dialect, template[j + 3 : k]))
        i = k + 1


def _conform(df: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Exactly `schema`: integer day columns become pl.Date, everything else is cast."""
    cols = []
    for name, dtype in schema.items():
        s = df.get_column(name) if name in df.columns else pl.Series(name, [None] * df.height)
        if dtype == pl.Date:
            s = s.cast(pl.Int32).cast(pl.Date)
        else:
            s = s.cast(dtype)
        cols.append(s.alias(name))
    return pl.DataFrame(cols) if cols else df


def _adbc_connect(engine: Engine):
    """An ADBC DB-API connection for the engine's database, or None (in-memory SQLite)."""
    backend = engine.url.get_backend_name()
    if backend == "sqlite":
        path = engine.url.database
        if not path or path == ":memory:" or path.startswith("file:"):
            return None
        import adbc_driver_sqlite.dbapi as drv

        return drv.connect(path)
    if backend == "postgresql":
        import adbc_driver_postgresql.dbapi as drv

        uri = analytics_uri(engine)
        # Honour a search_path set through connect_args (the tests' private schema).
        with engine.connect() as conn:
            search_path = conn.execute(text("SHOW search_path")).scalar()
        if search_path and search_path.replace(" ", "") != '"$user",public':
            sep = "&" if "?" in uri else "?"
            uri += f"{sep}options={quote('-csearch_path=' + search_path.replace(' ', ''))}"
        return drv.connect(uri)
    return None


def _read_all(engine: Engine, specs: dict, *, big: bool) -> dict[str, pl.DataFrame]:
    dialect = engine.url.get_backend_name()
    queries = {name: _sql(q, dialect) for name, (q, _s) in specs.items()}
    frames: dict[str, pl.DataFrame] = {}
    adbc = _adbc_connect(engine) if big else None
    if adbc is not None:
        with adbc:
            for name, q in queries.items():
                frames[name] = pl.read_database(q, adbc)
    else:
        with engine.connect() as conn:
            for name, q in queries.items():
                rows = conn.execute(text(q)).all()
                cols = list(specs[name][1])
                frames[name] = pl.DataFrame(
                    [list(c) for c in zip(*rows, strict=True)] if rows else None,
                    schema=cols,
                    orient="col",
                )
    out = {}
    for name, df in frames.items():
        df = _conform(df, specs[name][1])
        for c in _NULL_IF_EMPTY.get(name, ()):
            df = df.with_columns(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c))
        out[name] = df
    return out


@dataclass(frozen=True)
class RawFrames:
    """The stored facts the dashboard needs, as read (no colours, no derived flags)."""

    tasks: pl.DataFrame
    assignments: pl.DataFrame
    reports: pl.DataFrame
    departments: pl.DataFrame
    extensions: pl.DataFrame
    urgings: pl.DataFrame
    findings: pl.DataFrame
    milestones: pl.DataFrame
    targets: pl.DataFrame
    readings: pl.DataFrame
    plans: pl.DataFrame


def read_frames(engine: Engine) -> RawFrames:
    """Read every table the dashboard uses (call once per data version)."""
    frames = _read_all(engine, _BIG, big=True) | _read_all(engine, _SMALL, big=False)
    plans = frames["plans"]
    import json

    phases = [json.loads(p) if isinstance(p, str) and p else [] for p in plans["phases"]]
    frames["plans"] = plans.with_columns(pl.Series("phases", phases, dtype=pl.List(pl.String)))
    frames["reports"] = frames["reports"].sort(["assignment_id", "reported_on", "report_id"])
    return RawFrames(**frames)


# ----------------------------------------------------------------------------- status
@dataclass(frozen=True)
class StatusFrames:
    """Tasks and assignments with colour, reasons and figures, as of ``today``."""

    today: dt.date
    tasks: pl.DataFrame
    assignments: pl.DataFrame
    raw: RawFrames = field(repr=False)


def _latest_reports(reports: pl.DataFrame) -> pl.DataFrame:
    """Latest percent and report day per assignment (reports must be sorted by time)."""
    return reports.group_by("assignment_id", maintain_order=True).agg(
        pl.col("percent").last().alias("progress"),
        pl.col("reported_on").last().alias("last_update"),
    )


def _as_of(raw: RawFrames, day: dt.date) -> RawFrames:
    """What the stored data said at the end of ``day``, reconstructed from timestamps.

    Tasks assigned later are drafts; completion/submission after ``day`` is undone; an
    extension approved after ``day`` is undone (the deadline is its previous deadline);
    later reports, notices, answers and findings are dropped.
    """
    lit = pl.lit(day, dtype=pl.Date)
    t = raw.tasks
    status = pl.col("status")
    t = t.with_columns(
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
        pl.when(pl.col("completed_on") > lit)
        .then(None)
        .otherwise(pl.col("completed_on"))
        .alias("completed_on"),
    )
    later_ext = raw.extensions.filter(pl.col("decided_on") > lit)
    if later_ext.height:
        first = (
            later_ext.sort("decided_on")
            .group_by("task_id", maintain_order=True)
            .agg(pl.col("previous_deadline").first().alias("_prev"))
        )
        t = (
            t.join(first, on="task_id", how="left")
            .with_columns(
                pl.when(pl.col("_prev").is_not_null())
                .then(pl.col("_prev"))
                .otherwise(pl.col("deadline"))
                .alias("deadline")
            )
            .drop("_prev")
        )
    return RawFrames(
        tasks=t,
        assignments=raw.assignments,
        reports=raw.reports.filter(pl.col("reported_on") <= lit),
        departments=raw.departments,
        extensions=raw.extensions.filter(pl.col("decided_on") <= lit),
        urgings=raw.urgings.filter(pl.col("issued_on") <= lit).with_columns(
            pl.when(pl.col("replied_on") > lit)
            .then(None)
            .otherwise(pl.col("replied_on"))
            .alias("replied_on")
        ),
        findings=raw.findings.filter(pl.col("created_on") <= lit).with_columns(
            pl.when(pl.col("answered_on") > lit)
            .then(None)
            .otherwise(pl.col("answered_on"))
            .alias("answered_on")
        ),
        milestones=raw.milestones,
        targets=raw.targets,
        readings=raw.readings.filter(pl.col("recorded_on") <= lit),
        plans=raw.plans,
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
    """(task_id, department_id, overdue_rectifications): unanswered past their due date."""
    f = raw.findings.filter(
        pl.col("answered_on").is_null()
        & (pl.col("status") == "open")
        & (pl.col("due_date") < pl.lit(today, dtype=pl.Date))
    )
    return f.group_by(["task_id", "department_id"]).agg(
        pl.len().cast(pl.Int64).alias("overdue_rectifications")
    )


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
    depts = raw.departments.select("department_id", "department_name", "department_short")
    latest = _latest_reports(raw.reports)
    urg = _ignored_urgings(raw, day)
    rect = _overdue_findings(raw, day)
    t = raw.tasks
    a = (
        raw.assignments.join(depts, on="department_id", how="left")
        .join(latest, on="assignment_id", how="left")
        .join(urg, on=["task_id", "department_id"], how="left")
        .join(rect, on=["task_id", "department_id"], how="left")
        .join(
            t.select(
                "task_id", "status", "start_date", "deadline", "original_deadline", "completed_on"
            ),
            on="task_id",
            how="inner",
        )
        .with_columns(
            pl.col("ignored_urgings").fill_null(0),
            pl.col("overdue_rectifications").fill_null(0),
        )
    )
    unit_ext = raw.extensions.group_by(["task_id", "department_id"]).agg(
        pl.len().cast(pl.Int64).alias("extensions")
    )
    a = a.join(unit_ext, on=["task_id", "department_id"], how="left").with_columns(
        pl.col("extensions").fill_null(0)
    )
    a = assess_frame(a.rename({"start_date": "start"}), today=day, rules=rules, cal=cal).rename(
        {"start": "start_date"}
    )

    lead = (
        a.filter(pl.col("role") == "lead")
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
    units = a.group_by("task_id").agg(
        pl.len().cast(pl.Int64).alias("units"),
        pl.col("ignored_urgings").max().alias("ignored_urgings"),
        pl.col("overdue_rectifications").sum().cast(pl.Int64).alias("overdue_rectifications"),
    )
    ext = raw.extensions.group_by("task_id").agg(pl.len().cast(pl.Int64).alias("extensions"))
    tasks = (
        t.join(lead, on="task_id", how="left")
        .join(units, on="task_id", how="left")
        .join(ext, on="task_id", how="left")
        .with_columns(
            pl.col("units").fill_null(0),
            pl.col("ignored_urgings").fill_null(0),
            pl.col("overdue_rectifications").fill_null(0),
            pl.col("extensions").fill_null(0),
        )
    )
    tasks = assess_frame(
        tasks.rename({"start_date": "start"}), today=day, rules=rules, cal=cal
    ).rename({"start": "start_date"})
    return StatusFrames(today=day, tasks=tasks, assignments=a, raw=raw)


def status_frames(
    engine: Engine,
    *,
    today: dt.date | None = None,
    rules: WarningRules | None = None,
    cal: WorkCalendar | None = None,
) -> StatusFrames:
    """Read the database and colour every task and assignment (rules/calendar from the DB)."""
    from sqlmodel import Session

    from duban import rules as rules_mod

    today = today or clock.today()
    if rules is None or cal is None:
        with Session(engine) as s:
            rules = rules or rules_mod.load_rules(s)
            cal = cal or rules_mod.load_calendar(s)
    return build_status(read_frames(engine), today=today, rules=rules, cal=cal)
