"""Dashboard figures: frames read once per data version, coloured by the warning engine, in polars.

Reading: on PostgreSQL the big tables (tasks, assignments, progress reports) go through ADBC
(``pl.read_database`` over one ADBC connection: ~5x faster than SQLAlchemy rows, see
STACK_NOTES). On SQLite everything goes through the engine's own driver (pysqlite), raw
DB-API rows straight into polars: ADBC bundles a second SQLite library, and closing its file
handle drops this process's POSIX locks on the database (disk I/O errors after a write).
Dates are selected as integer days since 1970-01-01 on both databases: SQLite stores them as
text, and integers keep one code path (and ADBC's type guess from the first rows) simple.

Everything after the read is pure: ``build_status(raw, today=..., rules=..., cal=...)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import quote

import polars as pl
from sqlalchemy import text
from sqlalchemy.engine import Engine

from duban.core import clock
from duban.core.db import analytics_uri
from duban.monitoring.lights import WarningRules, assess_frame
from duban.monitoring.workdays import WorkCalendar

__all__ = [
    "RawFrames",
    "StatusFrames",
    "Dashboard",
    "Filters",
    "build_dashboard",
    "build_status",
    "export_excel",
    "last_week",
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
        "SELECT id AS report_id, assignment_id, percent, {d:reported_at} AS reported_on"
        " FROM progress_report",
        {"report_id": _I, "assignment_id": _I, "percent": _F, "reported_on": _D},
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
        "SELECT id AS plan_id, title AS plan_title, CAST(phases AS TEXT) AS phases FROM plan",
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
        # Never on SQLite: ADBC brings its own SQLite library, and when it closes its file handle
        # POSIX releases every lock this process holds on the file, including pysqlite's WAL
        # locks. The next query of the app's engine then fails with "disk I/O error" (seen after
        # drafting a notice in the same process) and concurrent writers risk corruption.
        return None
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
            # Raw DB-API cursor: no SQLAlchemy Row objects for 300k report rows.
            cur = conn.connection.dbapi_connection.cursor()
            try:
                for name, q in queries.items():
                    cur.execute(q)
                    rows = cur.fetchall()
                    # Day columns arrive as integers; _conform turns them into dates.
                    schema = {
                        k: (pl.Int64 if v == pl.Date else v) for k, v in specs[name][1].items()
                    }
                    frames[name] = pl.DataFrame(rows or None, schema=schema, orient="row")
            finally:
                cur.close()
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

    from duban.monitoring import holidays
    from duban.monitoring import rules as rules_mod

    today = today or clock.today()
    if rules is None or cal is None:
        with Session(engine) as s:
            rules = rules or rules_mod.load_warning_rules(s)
            cal = cal or holidays.load_calendar(s)
    return build_status(read_frames(engine), today=today, rules=rules, cal=cal)


# ----------------------------------------------------------------------------- dashboard
# The dashboard's definitions (tests/test_analytics.py checks each against plain Python):
#
# * Scope: tasks not draft/cancelled, matching plan, phase, deadline window [from, to], and —
#   with a department — tasks where that unit has an assignment (in the chosen role). The
#   scope's assignments are those tasks' assignments (only the unit's / role's when chosen).
# * Open: status assigned/acknowledged/in_progress/submitted and not grey (started).
#   Overdue: open and deadline < today. Due soon: open, not overdue, due_in_wd <= rule.
#   Stagnant: open, not submitted, stale_wd >= rule. On time: completed on or before the
#   deadline in effect. Average progress and 序时进度 are means over open tasks with both
#   dates (a task without a report counts 0).
# * "Since last week" recomputes everything as of today − 7 from timestamps (see _as_of).
# * Trend, per week ending Sunday: completions in the week; overdue at the week's end (the
#   same rule as above, with the deadline then in effect); mean 序时 and actual progress of
#   the tasks open then (actual = the lead unit's latest percent reported by then).

OPEN = ("assigned", "acknowledged", "in_progress", "submitted")
COLOUR_ORDER = {"red": 0, "yellow": 1, "green": 2, "grey": 3, "blue": 4}
NO_PHASE = "未分阶段"
GANTT_ROWS = 40
RED_LIST_ROWS = 50


@dataclass(frozen=True)
class Filters:
    """What the leader narrowed the dashboard to; all optional. Kept in the URL."""

    plan_id: int | None = None
    phase: str | None = None
    department_id: int | None = None
    role: str | None = None  # "lead" | "responsible"
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def to_query(self) -> dict[str, str]:
        """URL query parameters (only the ones set)."""
        out = {
            "plan": self.plan_id,
            "phase": self.phase,
            "dept": self.department_id,
            "role": self.role,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }
        return {k: str(v) for k, v in out.items() if v not in (None, "")}

    @classmethod
    def from_query(cls, params) -> Filters:
        """Parse URL parameters; anything malformed is ignored rather than failing the page."""

        def _int(key):
            try:
                return int(params.get(key))
            except (TypeError, ValueError):
                return None

        def _date(key):
            try:
                return dt.date.fromisoformat(str(params.get(key)))
            except (TypeError, ValueError):
                return None

        role = params.get("role")
        phase = params.get("phase")
        return cls(
            plan_id=_int("plan"),
            phase=str(phase) if phase else None,
            department_id=_int("dept"),
            role=role if role in ("lead", "responsible") else None,
            date_from=_date("from"),
            date_to=_date("to"),
        )


@dataclass(frozen=True)
class Kpi:
    key: str
    value: float | None
    delta: float | None
    unit: str = ""  # "%" or "" (count) or "pt"
    inverse: bool = False  # True when a rise is bad (overdue, stagnant)


@dataclass(frozen=True)
class Dashboard:
    """Everything the page shows, computed once per (data version, filters, today)."""

    today: dt.date
    filters: Filters
    kpis: list[Kpi]
    red_list: pl.DataFrame
    red_total: int
    departments: pl.DataFrame
    heatmap: pl.DataFrame
    gantt: pl.DataFrame
    gantt_total: int
    milestones: pl.DataFrame
    trend: pl.DataFrame
    targets: pl.DataFrame
    calendar_warning: str | None
    avg_progress: float | None = None
    avg_expected: float | None = None


def scope(sf: StatusFrames, f: Filters) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(tasks, assignments) in scope for the filters."""
    t = sf.tasks.filter(~pl.col("status").is_in(["draft", "cancelled"]))
    if f.plan_id is not None:
        t = t.filter(pl.col("plan_id") == f.plan_id)
    if f.phase:
        t = t.filter(pl.col("phase").fill_null(NO_PHASE) == f.phase)
    if f.date_from:
        t = t.filter(pl.col("deadline") >= pl.lit(f.date_from, dtype=pl.Date))
    if f.date_to:
        t = t.filter(pl.col("deadline") <= pl.lit(f.date_to, dtype=pl.Date))
    a = sf.assignments
    if f.department_id is not None:
        a = a.filter(pl.col("department_id") == f.department_id)
    if f.role:
        a = a.filter(pl.col("role") == f.role)
    if f.department_id is not None:
        t = t.filter(pl.col("task_id").is_in(a.get_column("task_id").implode()))
    a = a.filter(pl.col("task_id").is_in(t.get_column("task_id").implode()))
    return t, a


def _flags(df: pl.DataFrame, today: dt.date, rules: WarningRules) -> pl.DataFrame:
    is_open = pl.col("status").is_in(OPEN) & (pl.col("colour") != "grey")
    overdue = is_open & (pl.col("deadline") < pl.lit(today, dtype=pl.Date))
    return df.with_columns(
        is_open.alias("_open"),
        overdue.fill_null(False).alias("_overdue"),
        (is_open & ~overdue.fill_null(False) & (pl.col("due_in_wd") <= rules.due_soon_working_days))
        .fill_null(False)
        .alias("_due_soon"),
        (
            is_open
            & (pl.col("status") != "submitted")
            & (pl.col("stale_wd") >= rules.stagnant_working_days)
        )
        .fill_null(False)
        .alias("_stagnant"),
        (
            (pl.col("status") == "completed")
            & (
                pl.col("completed_on").is_null()
                | pl.col("deadline").is_null()
                | (pl.col("completed_on") <= pl.col("deadline"))
            )
        ).alias("_on_time"),
    )


def kpi_values(tasks: pl.DataFrame, today: dt.date, rules: WarningRules) -> dict[str, float | None]:
    """The KPI numbers for a scope's tasks."""
    t = _flags(tasks, today, rules)
    completed = t.filter(pl.col("status") == "completed").height
    on_time = int(t.get_column("_on_time").sum())
    prog = t.filter(pl.col("_open") & pl.col("expected_progress").is_not_null())
    avg_p = prog.get_column("progress").fill_null(0.0).mean() if prog.height else None
    avg_e = prog.get_column("expected_progress").mean() if prog.height else None
    return {
        "total": t.height,
        "completed": completed,
        "on_time_rate": (on_time / completed * 100.0) if completed else None,
        "overdue": int(t.get_column("_overdue").sum()),
        "red": t.filter(pl.col("colour") == "red").height,
        "due_soon": int(t.get_column("_due_soon").sum()),
        "stagnant": int(t.get_column("_stagnant").sum()),
        "avg_progress": avg_p,
        "progress_gap": (avg_p - avg_e) if avg_p is not None else None,
        "avg_expected": avg_e,
    }


_KPI_SPECS = [
    ("total", "", False),
    ("completed", "", False),
    ("on_time_rate", "%", False),
    ("overdue", "", True),
    ("due_soon", "", True),
    ("stagnant", "", True),
    ("progress_gap", "pt", False),
]


def kpis(now: dict[str, float | None], before: dict[str, float | None]) -> list[Kpi]:
    out = []
    for key, unit, inverse in _KPI_SPECS:
        v, b = now[key], before[key]
        delta = None if v is None or b is None else v - b
        out.append(Kpi(key, v, delta, unit, inverse))
    return out


def red_list(tasks: pl.DataFrame, assignments: pl.DataFrame) -> pl.DataFrame:
    """Red tasks, worst first, with reasons, lead unit and the units whose own light is red."""
    late_units = (
        assignments.filter(pl.col("colour") == "red")
        .sort(["role", "department_short"])
        .group_by("task_id")
        .agg(pl.col("department_short").str.join("、").alias("late_units"))
    )
    return (
        tasks.filter(pl.col("colour") == "red")
        .join(late_units, on="task_id", how="left")
        .sort(
            ["overdue_wd", "behind_points", "deadline", "task_id"],
            descending=[True, True, False, False],
            nulls_last=True,
        )
        .select(
            "task_id",
            "code",
            "title",
            "lead_name",
            "late_units",
            "deadline",
            "original_deadline",
            "extensions",
            "overdue_wd",
            "progress",
            "expected_progress",
            pl.col("reasons").list.join("；").alias("reason_text"),
        )
    )


def by_department(assignments: pl.DataFrame, today: dt.date, rules: WarningRules) -> pl.DataFrame:
    """Per unit: lights as lead and as responsible, overdue count, on-time rate, extensions."""
    a = _flags(assignments, today, rules)
    colour_cols = []
    for role, prefix in (("lead", "lead"), ("responsible", "resp")):
        for c in COLOUR_ORDER:
            colour_cols.append(
                ((pl.col("role") == role) & (pl.col("colour") == c))
                .sum()
                .cast(pl.Int64)
                .alias(f"{prefix}_{c}")
            )
    out = a.group_by("department_id").agg(
        pl.col("department_name").first(),
        pl.col("department_short").first(),
        pl.len().cast(pl.Int64).alias("assignments"),
        *colour_cols,
        pl.col("_overdue").sum().cast(pl.Int64).alias("overdue"),
        (pl.col("colour") == "red").sum().cast(pl.Int64).alias("red"),
        (pl.col("status") == "completed").sum().cast(pl.Int64).alias("completed"),
        pl.col("_on_time").sum().cast(pl.Int64).alias("on_time"),
        pl.col("extensions").sum().cast(pl.Int64).alias("extensions"),
        pl.col("overdue_wd").filter(pl.col("_overdue")).sum().cast(pl.Int64).alias("overdue_wd"),
    )
    return out.with_columns(
        pl.when(pl.col("completed") > 0)
        .then(pl.col("on_time") / pl.col("completed") * 100.0)
        .otherwise(None)
        .alias("on_time_rate")
    ).sort(["overdue", "red", "department_name"], descending=[True, True, False])


def heatmap(tasks: pl.DataFrame, assignments: pl.DataFrame, phases: list[str]) -> pl.DataFrame:
    """Units × phases: assignments, red ones, and the red share (long format)."""
    a = assignments.join(
        tasks.select("task_id", pl.col("phase").fill_null(NO_PHASE)), on="task_id", how="inner"
    )
    out = a.group_by(["department_short", "phase"]).agg(
        pl.len().cast(pl.Int64).alias("n"),
        (pl.col("colour") == "red").sum().cast(pl.Int64).alias("red"),
        (pl.col("colour") == "yellow").sum().cast(pl.Int64).alias("yellow"),
    )
    order = {p: i for i, p in enumerate(phases)}
    return out.with_columns(
        (pl.col("red") / pl.col("n") * 100.0).alias("red_share"),
        pl.col("phase")
        .replace_strict(order, default=len(order), return_dtype=pl.Int64)
        .alias("phase_order"),
    ).sort(["phase_order", "department_short"])


def gantt_rows(
    tasks: pl.DataFrame, milestones: pl.DataFrame, limit: int = GANTT_ROWS
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The tasks that matter most on a timeline (red first, then nearest deadline)."""
    order = pl.col("colour").replace_strict(COLOUR_ORDER, return_dtype=pl.Int64)
    rows = (
        tasks.filter(pl.col("deadline").is_not_null())
        .with_columns(order.alias("_o"))
        .sort(["_o", "deadline", "task_id"])
        .head(limit)
        .with_columns(
            pl.coalesce(
                "start_date", "assigned_on", pl.col("deadline") - pl.duration(days=30)
            ).alias("bar_start"),
            pl.when(pl.col("original_deadline") != pl.col("deadline"))
            .then(pl.col("original_deadline"))
            .otherwise(None)
            .alias("extended_from"),
            (pl.col("code") + " " + pl.col("title").str.slice(0, 18)).alias("label"),
        )
        .select(
            "task_id",
            "label",
            "title",
            "lead_short",
            "bar_start",
            "deadline",
            "extended_from",
            "colour",
            "progress",
            "status",
        )
    )
    ms = milestones.join(rows.select("task_id", "label"), on="task_id", how="inner")
    return rows, ms


def _week_ends(first: dt.date, today: dt.date, max_weeks: int = 104) -> list[dt.date]:
    end = today + dt.timedelta(days=(6 - today.weekday()))  # the Sunday ending this week
    start = first + dt.timedelta(days=(6 - first.weekday()))
    n = min((end - start).days // 7 + 1, max_weeks)
    return [end - dt.timedelta(days=7 * i) for i in range(n - 1, -1, -1)]


def trend(tasks: pl.DataFrame, raw: RawFrames, today: dt.date, cal: WorkCalendar) -> pl.DataFrame:
    """Weekly completions, overdue at week end, and mean 序时 vs actual progress."""
    schema = {
        "week_end": pl.Date,
        "completed": pl.Int64,
        "overdue": pl.Int64,
        "expected": pl.Float64,
        "actual": pl.Float64,
    }
    firsts = [
        d
        for d in (tasks.get_column("start_date").min(), tasks.get_column("assigned_on").min())
        if d
    ]
    if tasks.height == 0 or not firsts:
        return pl.DataFrame(schema=schema)
    weeks = _week_ends(min(firsts), today)
    wk = pl.DataFrame({"week_end": weeks}, schema={"week_end": pl.Date}).with_columns(
        pl.min_horizontal("week_end", pl.lit(today, dtype=pl.Date)).alias("at")
    )
    t = tasks.filter(~pl.col("status").is_in(["draft", "cancelled"])).select(
        "task_id",
        "status",
        "start_date",
        "deadline",
        "assigned_on",
        "completed_on",
        "lead_department_id",
    )
    completed = (
        t.filter(pl.col("completed_on").is_not_null())
        .join(wk, how="cross")
        .filter(
            (pl.col("completed_on") > pl.col("week_end") - pl.duration(days=7))
            & (pl.col("completed_on") <= pl.col("at"))
        )
        .group_by("week_end")
        .agg(pl.len().cast(pl.Int64).alias("completed"))
    )
    x = t.join(wk, how="cross")
    # The deadline in effect at `at`: undo extensions decided later (the earliest one's
    # previous deadline).
    ext = raw.extensions.filter(pl.col("task_id").is_in(t.get_column("task_id").implode()))
    if ext.height:
        later = (
            ext.join(wk, how="cross")
            .filter(pl.col("decided_on") > pl.col("at"))
            .sort("decided_on")
            .group_by(["task_id", "week_end"], maintain_order=True)
            .agg(pl.col("previous_deadline").first().alias("_prev"))
        )
        x = x.join(later, on=["task_id", "week_end"], how="left").with_columns(
            pl.coalesce("_prev", "deadline").alias("deadline")
        )
    at = pl.col("at")
    is_open = (
        ~pl.col("status").is_in(["suspended"])
        & (pl.col("assigned_on").is_null() | (pl.col("assigned_on") <= at))
        & (pl.col("completed_on").is_null() | (pl.col("completed_on") > at))
        & (pl.col("start_date").is_null() | (pl.col("start_date") <= at))
    )
    x = x.filter(is_open)
    overdue = (
        x.filter(pl.col("deadline") < at)
        .group_by("week_end")
        .agg(pl.len().cast(pl.Int64).alias("overdue"))
    )
    # 序时 and actual progress of the tasks open at `at` with both dates.
    p = x.filter(pl.col("start_date").is_not_null() & pl.col("deadline").is_not_null())
    if p.height:
        lo = min(p.get_column("start_date").min(), p.get_column("deadline").min(), weeks[0])
        hi = max(p.get_column("deadline").max(), today)
        base, cum = cal.cumulative_index(lo, hi)
        p = p.with_columns(
            cal.cum_at(p.get_column("start_date"), base, cum).alias("_cs"),
            cal.cum_at(p.get_column("deadline"), base, cum).alias("_cd"),
            cal.cum_at(p.get_column("at"), base, cum).alias("_ct"),
        )
        total = pl.col("_cd") - pl.col("_cs")
        exp = (
            pl.when(total <= 0)
            .then(pl.when(at >= pl.col("deadline")).then(100.0).otherwise(0.0))
            .otherwise(
                ((pl.col("_ct") - pl.col("_cs")) / total * 100.0).cast(pl.Float64).clip(0.0, 100.0)
            )
        )
        lead_reports = (
            raw.reports.join(
                raw.assignments.filter(pl.col("role") == "lead").select(
                    "assignment_id", "task_id", "department_id"
                ),
                on="assignment_id",
                how="inner",
            )
            .join(
                t.select("task_id", pl.col("lead_department_id").alias("department_id")),
                on=["task_id", "department_id"],
                how="inner",
            )
            .select("task_id", "reported_on", "report_id", "percent")
            .sort(["reported_on", "report_id"])
        )
        p = (
            p.with_columns(exp.alias("_exp"))
            .sort("at")
            .join_asof(
                lead_reports,
                left_on="at",
                right_on="reported_on",
                by="task_id",
                strategy="backward",
                check_sortedness=False,
            )
        )
        progress = p.group_by("week_end").agg(
            pl.col("_exp").mean().alias("expected"),
            pl.col("percent").fill_null(0.0).mean().alias("actual"),
        )
    else:
        progress = pl.DataFrame(
            schema={"week_end": pl.Date, "expected": pl.Float64, "actual": pl.Float64}
        )
    return (
        wk.select("week_end")
        .join(completed, on="week_end", how="left")
        .join(overdue, on="week_end", how="left")
        .join(progress, on="week_end", how="left")
        .with_columns(pl.col("completed").fill_null(0), pl.col("overdue").fill_null(0))
        .select(list(schema))
        .sort("week_end")
    )


def targets(tasks: pl.DataFrame, raw: RawFrames) -> pl.DataFrame:
    """Each numeric target of the scope's tasks: current value against target, and its path."""
    tg = raw.targets.join(
        tasks.select("task_id", "code", "title", "expected_progress", "lead_short"),
        on="task_id",
        how="inner",
    )
    readings = (
        raw.readings.sort(["recorded_on"])
        .group_by("target_id", maintain_order=True)
        .agg(pl.col("value").alias("path"), pl.col("value").last().alias("current"))
    )
    tg = tg.join(readings, on="target_id", how="left")
    span = pl.col("target_value") - pl.col("baseline")
    achieved = (
        pl.when(pl.col("current").is_null() | pl.col("target_value").is_null())
        .then(None)
        .when(pl.col("baseline").is_not_null() & (span != 0))
        .then((pl.col("current") - pl.col("baseline")) / span * 100.0)
        .when(pl.col("direction").is_in(["le", "<="]))
        .then(pl.when(pl.col("current") <= pl.col("target_value")).then(100.0).otherwise(0.0))
        .when(pl.col("target_value") != 0)
        .then(pl.col("current") / pl.col("target_value") * 100.0)
        .otherwise(None)
        .clip(0.0, 100.0)
    )
    met = (
        pl.when(pl.col("direction").is_in(["le", "<="]))
        .then(pl.col("current") <= pl.col("target_value"))
        .otherwise(pl.col("current") >= pl.col("target_value"))
    )
    return (
        tg.with_columns(achieved.alias("achieved"), met.alias("met"))
        .with_columns(
            (
                pl.col("met") | (pl.col("achieved") >= pl.col("expected_progress").fill_null(0.0))
            ).alias("on_track")
        )
        .sort(["on_track", "achieved"], nulls_last=False)
    )


def filter_options(sf: StatusFrames) -> dict:
    """Choices for the filter widgets: plans, phases (plan order), units."""
    plans = sf.raw.plans.sort("plan_id")
    phases: list[str] = []
    for ph in plans.get_column("phases").to_list():
        for p in ph or []:
            if p not in phases:
                phases.append(p)
    for p in sf.tasks.get_column("phase").drop_nulls().unique().sort().to_list():
        if p not in phases:
            phases.append(p)
    used = sf.assignments.get_column("department_id").unique().implode()
    depts = sf.raw.departments.filter(pl.col("department_id").is_in(used)).sort(
        ["sort_order", "department_name"]
    )
    return {
        "plans": dict(zip(plans["plan_id"].to_list(), plans["plan_title"].to_list(), strict=True)),
        "phases": phases,
        "departments": dict(
            zip(depts["department_id"].to_list(), depts["department_name"].to_list(), strict=True)
        ),
    }


def build_dashboard(
    sf: StatusFrames,
    before: StatusFrames,
    filters: Filters,
    *,
    rules: WarningRules,
    cal: WorkCalendar,
    red_rows: int | None = RED_LIST_ROWS,
) -> Dashboard:
    """All the dashboard's figures for one filter set (``before`` = status as of a week ago).

    The red list keeps its worst ``red_rows`` (None: all, for the Excel export); ``red_total``
    counts them all. Keeping the cached result small keeps a warm render flat as data grows.
    """
    from duban.monitoring.holidays import unknown_years_warning

    today = sf.today
    t, a = scope(sf, filters)
    t0, _a0 = scope(before, filters)
    reds = red_list(t, sf.assignments)
    g, ms = gantt_rows(t, sf.raw.milestones)
    phases = filter_options(sf)["phases"]
    dates = [d for d in (t.get_column("start_date").min(), t.get_column("deadline").max()) if d]
    warning = unknown_years_warning(cal, min(dates + [today]), max(dates + [today]))
    values = kpi_values(t, today, rules)
    return Dashboard(
        today=today,
        filters=filters,
        kpis=kpis(values, kpi_values(t0, before.today, rules)),
        avg_progress=values["avg_progress"],
        avg_expected=values["avg_expected"],
        red_list=reds if red_rows is None else reds.head(red_rows),
        red_total=reds.height,
        departments=by_department(a, today, rules),
        heatmap=heatmap(t, a, phases),
        gantt=g,
        gantt_total=t.filter(pl.col("deadline").is_not_null()).height,
        milestones=ms,
        trend=trend(t, sf.raw, today, cal),
        targets=targets(t, sf.raw),
        calendar_warning=warning,
    )


def last_week(
    raw: RawFrames, *, today: dt.date, rules: WarningRules, cal: WorkCalendar
) -> StatusFrames:
    """The status as it stood a week ago (today − 7), for the KPI deltas."""
    return build_status(raw, today=today, rules=rules, cal=cal, as_of=today - dt.timedelta(days=7))


def _excel_safe(df: pl.DataFrame) -> pl.DataFrame:
    """Lists become text (Excel cells hold scalars)."""
    return df.with_columns(
        pl.col(c).cast(pl.List(pl.String)).list.join("、")
        for c, dtype in df.schema.items()
        if isinstance(dtype, pl.List)
    )


def export_excel(d: Dashboard, lang: str = "zh") -> bytes:
    """The dashboard's figures as one workbook, one sheet per section (Chinese headers)."""
    import io

    import xlsxwriter

    from duban.i18n import t as _t

    kpi = pl.DataFrame(
        {
            "指标": [_t(f"dash.kpi.{k.key}", lang) for k in d.kpis],
            "当前": [None if k.value is None else round(float(k.value), 1) for k in d.kpis],
            "较上周": [None if k.delta is None else round(float(k.delta), 1) for k in d.kpis],
        }
    )
    red = d.red_list.rename(
        {
            "task_id": "任务ID",
            "code": "编号",
            "title": "任务",
            "lead_name": "牵头单位",
            "late_units": "亮红灯单位",
            "deadline": "完成时限",
            "original_deadline": "原完成时限",
            "extensions": "延期次数",
            "overdue_wd": "逾期工作日",
            "progress": "进度%",
            "expected_progress": "序时进度%",
            "reason_text": "原因",
        }
    )
    dept = d.departments.select(
        pl.col("department_name").alias("单位"),
        pl.col("assignments").alias("分工任务"),
        pl.col("lead_red").alias("牵头-红"),
        pl.col("lead_yellow").alias("牵头-黄"),
        pl.col("lead_green").alias("牵头-绿"),
        pl.col("lead_blue").alias("牵头-蓝"),
        pl.col("resp_red").alias("责任-红"),
        pl.col("resp_yellow").alias("责任-黄"),
        pl.col("resp_green").alias("责任-绿"),
        pl.col("resp_blue").alias("责任-蓝"),
        pl.col("overdue").alias("逾期"),
        pl.col("on_time_rate").round(1).alias("按期办结率%"),
        pl.col("extensions").alias("延期次数"),
    )
    heat = d.heatmap.select(
        pl.col("department_short").alias("单位"),
        pl.col("phase").alias("阶段"),
        pl.col("n").alias("分工任务"),
        pl.col("red").alias("红灯"),
        pl.col("yellow").alias("黄灯"),
        pl.col("red_share").round(1).alias("红灯占比%"),
    )
    trend = d.trend.select(
        pl.col("week_end").alias("周末日期"),
        pl.col("completed").alias("当周办结"),
        pl.col("overdue").alias("周末逾期"),
        pl.col("expected").round(1).alias("平均序时进度%"),
        pl.col("actual").round(1).alias("平均实际进度%"),
    )
    targets = _excel_safe(
        d.targets.select(
            pl.col("code").alias("任务编号"),
            pl.col("target_text").alias("指标"),
            pl.col("baseline").alias("基线"),
            pl.col("target_value").alias("目标值"),
            pl.col("unit").alias("单位"),
            pl.col("current").alias("当前值"),
            pl.col("achieved").round(1).alias("完成度%"),
            pl.col("path").alias("历次读数"),
        )
    )
    gantt = d.gantt.select(
        pl.col("label").alias("任务"),
        pl.col("lead_short").alias("牵头单位"),
        pl.col("bar_start").alias("开始"),
        pl.col("deadline").alias("完成时限"),
        pl.col("extended_from").alias("原完成时限"),
        pl.col("colour").replace_strict(COLOUR_NAMES, default="").alias("灯色"),
    )
    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf, {"in_memory": True}) as wb:
        for name, df in (
            ("指标卡", kpi),
            ("红灯任务", red),
            ("各单位", dept),
            ("单位×阶段", heat),
            ("时间轴", gantt),
            ("趋势", trend),
            ("量化指标", targets),
        ):
            df.write_excel(
                workbook=wb, worksheet=name, autofit=True, dtype_formats={pl.Date: "yyyy-mm-dd"}
            )
    return buf.getvalue()


COLOUR_NAMES = {"red": "红", "yellow": "黄", "green": "绿", "grey": "灰", "blue": "蓝"}
