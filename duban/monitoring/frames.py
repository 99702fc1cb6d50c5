"""The tables the dashboard and the register need, read once per data version into polars.

On PostgreSQL the big tables (tasks, assignments, progress reports) go through ADBC
(``pl.read_database`` over one ADBC connection: ~5x faster than SQLAlchemy rows, see
STACK_NOTES). On SQLite everything goes through the engine's own driver (pysqlite), raw
DB-API rows straight into polars: ADBC bundles a second SQLite library, and closing its file
handle drops this process's POSIX locks on the database (disk I/O errors after a write).
Dates are selected as integer days since 1970-01-01 on both databases: SQLite stores them as
text, and integers keep one code path (and ADBC's type guess from the first rows) simple.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import polars as pl
from sqlalchemy import text
from sqlalchemy.engine import Engine

from duban.core.db import analytics_uri

__all__ = ["RawFrames", "read_frames"]


@dataclass(frozen=True)
class RawFrames:
    """The stored facts the dashboard needs, as read (no colours, no derived flags)."""

    tasks: pl.DataFrame
    assignments: pl.DataFrame
    reports: pl.DataFrame
    report_days: pl.DataFrame
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
    phases = [json.loads(p) if isinstance(p, str) and p else [] for p in plans["phases"]]
    frames["plans"] = plans.with_columns(pl.Series("phases", phases, dtype=pl.List(pl.String)))
    frames["reports"] = frames["reports"].sort(["assignment_id", "reported_on", "report_id"])
    return RawFrames(**frames)


# ----------------------------------------------------------------------------- the SQL
_D = pl.Date
_I = pl.Int64
_F = pl.Float64
_S = pl.String

# A table's read: the SQL template and the exact schema of its frame.
_Schema = dict[str, type[pl.DataType]]
_Spec = tuple[str, _Schema]


def _day_sql(dialect: str, col: str) -> str:
    """SQL giving `col` (a date or timestamp) as integer days since 1970-01-01, NULL kept."""
    if dialect == "sqlite":
        return f"CAST(julianday(substr({col}, 1, 10)) - 2440587.5 AS INTEGER)"
    return f"(CAST({col} AS DATE) - DATE '1970-01-01')"


# A plan still being imported (intake.importer writes it in chunks) is nobody's yet: its
# tasks and their rows are left out until its import is complete. Both sets are empty nearly
# always, and each subquery runs once.
_IMPORTING_PLANS = "SELECT id FROM plan WHERE importing_at IS NOT NULL"
_SHOWN_TASKS = f" WHERE plan_id NOT IN ({_IMPORTING_PLANS})"
_OF_SHOWN_TASKS = (
    f" WHERE task_id NOT IN (SELECT id FROM task WHERE plan_id IN ({_IMPORTING_PLANS}))"
)

# name -> (SQL template, schema). {d:x} marks a date column; text columns that may be NULL
# are COALESCEd to '' (turned back into NULL after reading) for the ADBC type guess.
_BIG: dict[str, _Spec] = {
    "tasks": (
        "SELECT id AS task_id, plan_id, parent_id, COALESCE(code, '') AS code, title,"
        " COALESCE(phase, '') AS phase, status, {d:start_date} AS start_date,"
        " {d:deadline} AS deadline, {d:original_deadline} AS original_deadline, weight,"
        " COALESCE(sort_key, '') AS sort_key, {d:assigned_at} AS assigned_on,"
        " {d:submitted_at} AS submitted_on, {d:completed_at} AS completed_on,"
        " COALESCE(report_cycle, '') AS report_cycle, category_id,"
        " COALESCE(CAST(custom AS TEXT), '') AS custom FROM task" + _SHOWN_TASKS,
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
            "report_cycle": _S,
            # 督办事项来源 and the office's own fields (JSON text; duban.fields.frame)
            "category_id": _I,
            "custom": _S,
        },
    ),
    "assignments": (
        "SELECT id AS assignment_id, task_id, department_id, role,"
        " {d:assigned_at} AS assigned_on, {d:acknowledged_at} AS acknowledged_at"
        " FROM assignment" + _OF_SHOWN_TASKS,
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
        " FROM progress_report WHERE NOT EXISTS (SELECT 1 FROM progress_report c"
        " WHERE c.supersedes_id = progress_report.id)",  # a corrected report is not current
        {"report_id": _I, "assignment_id": _I, "percent": _F, "reported_on": _D},
    ),
    # Every day a unit reported, corrected reports included: a report sent on time and
    # corrected later was still sent on time (报送频次, duban.monitoring.cycles).
    "report_days": (
        "SELECT DISTINCT assignment_id, {d:reported_at} AS reported_on FROM progress_report",
        {"assignment_id": _I, "reported_on": _D},
    ),
}
_SMALL: dict[str, _Spec] = {
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
        " {d:due_date} AS due_date, {d:done_on} AS done_on FROM milestone" + _OF_SHOWN_TASKS,
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
        " direction, unit FROM target" + _OF_SHOWN_TASKS,
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
        "SELECT target_id, value, {d:recorded_at} AS recorded_on FROM target_reading"
        " WHERE NOT EXISTS (SELECT 1 FROM progress_report c"
        " WHERE c.supersedes_id = target_reading.report_id)",
        {"target_id": _I, "value": _F, "recorded_on": _D},
    ),
    "plans": (
        "SELECT id AS plan_id, title AS plan_title, CAST(phases AS TEXT) AS phases,"
        " COALESCE(report_cycle, '') AS report_cycle FROM plan WHERE importing_at IS NULL",
        {"plan_id": _I, "plan_title": _S, "phases": _S, "report_cycle": _S},
    ),
}
_NULL_IF_EMPTY = {"tasks": ("phase",)}


def _sql(template: str, dialect: str) -> str:
    """The template with each {d:column} replaced by the dialect's integer-day expression."""
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


def _conform(df: pl.DataFrame, schema: _Schema) -> pl.DataFrame:
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


def _adbc_connect(engine: Engine) -> Any:
    """An ADBC DB-API connection for the engine's database, or None (in-memory SQLite)."""
    backend = engine.url.get_backend_name()
    if backend == "sqlite":
        # Never on SQLite: ADBC brings its own SQLite library, and when it closes its file handle
        # POSIX releases every lock this process holds on the file, including pysqlite's WAL
        # locks. The next query of the app's engine then fails with "disk I/O error" (seen after
        # drafting a notice in the same process) and concurrent writers risk corruption.
        return None
    if backend == "postgresql":
        # Imported here: the driver brings pyarrow (~1 s), and SQLite never needs it.
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


def _read_all(engine: Engine, specs: dict[str, _Spec], *, big: bool) -> dict[str, pl.DataFrame]:
    """Each spec's table as a frame of exactly its schema (ADBC for the big tables on PostgreSQL)."""
    dialect = engine.url.get_backend_name()
    queries = {name: _sql(q, dialect) for name, (q, _s) in specs.items()}
    adbc = _adbc_connect(engine) if big else None
    if adbc is not None:
        with adbc:
            frames = {name: pl.read_database(q, adbc) for name, q in queries.items()}
    else:
        frames = _read_dbapi(engine, queries, specs)
    out = {}
    for name, df in frames.items():
        df = _conform(df, specs[name][1])
        for c in _NULL_IF_EMPTY.get(name, ()):
            df = df.with_columns(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c))
        out[name] = df
    return out


def _read_dbapi(
    engine: Engine, queries: dict[str, str], specs: dict[str, _Spec]
) -> dict[str, pl.DataFrame]:
    """The queries through the engine's own driver: raw DB-API rows straight into polars."""
    frames: dict[str, pl.DataFrame] = {}
    with engine.connect() as conn:
        dbapi = conn.connection.dbapi_connection
        if dbapi is None:
            raise RuntimeError("the database connection is closed")
        # Raw DB-API cursor: no SQLAlchemy Row objects for 300k report rows.
        cur = dbapi.cursor()
        try:
            for name, q in queries.items():
                cur.execute(q)
                rows = cur.fetchall()
                # Day columns arrive as integers; _conform turns them into dates.
                schema = {k: (pl.Int64 if v == pl.Date else v) for k, v in specs[name][1].items()}
                frames[name] = pl.DataFrame(rows or None, schema=schema, orient="row")
        finally:
            cur.close()
    return frames
