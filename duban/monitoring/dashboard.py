"""The leadership dashboard's figures for one filter set: KPIs, red list, units, sources of
tasks (督办事项来源), heatmap, timeline, weekly trend and numeric targets, from the coloured
status frames (pure polars)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from duban.monitoring._scalars import first_day, last_day, mean
from duban.monitoring.frames import RawFrames
from duban.monitoring.holidays import unknown_years_warning
from duban.monitoring.lights import OPEN_STATUSES, WarningRules
from duban.monitoring.status import StatusFrames
from duban.monitoring.workdays import WorkCalendar

__all__ = [
    "Dashboard",
    "Filters",
    "Kpi",
    "NO_CATEGORY",
    "NO_PHASE",
    "RED_LIST_ROWS",
    "build_dashboard",
    "filter_options",
]

# The dashboard's definitions (tests/test_analytics.py checks each against plain Python):
#
# * Scope: tasks not draft/cancelled, matching plan, phase, deadline window [from, to], and —
#   with a department — tasks where that unit has an assignment (in the chosen role). The
#   scope's assignments are those tasks' assignments (only the unit's / role's when chosen).
#   With "未按期报送" (missed): only tasks where a unit in scope (the chosen unit, in the
#   chosen role) is 未按期报送 now (status.missed_reports > 0, the task not grey).
#   With a 事项来源 (category): only tasks of that category; "未分类" (NO_CATEGORY): only tasks
#   without one. A retired category still selects the tasks that keep it.
# * Open: status assigned/acknowledged/in_progress/submitted and not grey (started).
#   Overdue: open and deadline < today. Due soon: open, not overdue, due_in_wd <= rule.
#   Stagnant: open, not submitted, stale_wd >= rule. On time: completed on or before the
#   deadline in effect. Average progress and 序时进度 are means over open tasks with both
#   dates (a task without a report counts 0).
# * "Since last week" recomputes everything as of today − 7 from timestamps (see status._as_of).
# * Trend, per week ending Sunday: completions in the week; overdue at the week's end (the
#   same rule as above, with the deadline then in effect); mean 序时 and actual progress of
#   the tasks open then (actual = the lead unit's latest percent reported by then).
# * By 事项来源, over the scope's tasks: per category (and 未分类), tasks; red and yellow (the
#   task's colour); overdue (as above); average progress (as the KPI: the mean over the open
#   tasks with both dates, a task without a report counting 0; null when there is none).
#   Categories in the office's order, 未分类 last; a category without tasks in scope is left out.

_COLOUR_ORDER = {"red": 0, "yellow": 1, "green": 2, "grey": 3, "blue": 4}
NO_PHASE = "未分阶段"
NO_CATEGORY = 0  # the filter value of "未分类" (no 督办事项来源); category ids start at 1
NO_CATEGORY_NAME = "未分类"
_GANTT_ROWS = 40
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
    missed: bool = False  # only tasks with a unit 未按期报送 now
    category_id: int | None = None  # 督办事项来源; NO_CATEGORY: tasks without one

    def to_query(self) -> dict[str, str]:
        """URL query parameters (only the ones set)."""
        out = {
            "missed": "1" if self.missed else None,
            "cat": (
                None
                if self.category_id is None
                else "none"
                if self.category_id == NO_CATEGORY
                else self.category_id
            ),
            "plan": self.plan_id,
            "phase": self.phase,
            "dept": self.department_id,
            "role": self.role,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }
        return {k: str(v) for k, v in out.items() if v not in (None, "")}

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> Filters:
        """Parse URL parameters; anything malformed is ignored rather than failing the page."""

        def _int(key: str) -> int | None:
            value = params.get(key)
            if value is None:
                return None
            try:
                return int(value)
            except (TypeError, ValueError):
                return None

        def _date(key: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(str(params.get(key)))
            except (TypeError, ValueError):
                return None

        role = params.get("role")
        phase = params.get("phase")
        cat = _int("cat")
        category = NO_CATEGORY if params.get("cat") == "none" else cat if cat and cat > 0 else None
        return cls(
            plan_id=_int("plan"),
            phase=str(phase) if phase else None,
            department_id=_int("dept"),
            role=role if role in ("lead", "responsible") else None,
            date_from=_date("from"),
            date_to=_date("to"),
            missed=str(params.get("missed", "")).lower() in ("1", "true", "yes"),
            category_id=category,
        )


@dataclass(frozen=True)
class Kpi:
    """One KPI card: the figure now and its change since last week."""

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
    calendar_years: tuple[int, ...] = ()  # years without holiday data (the warning's)
    avg_progress: float | None = None
    avg_expected: float | None = None
    missed_units: int = 0  # units 未按期报送 now in the scope (each unit once)
    missed_tasks: int = 0  # tasks in the scope with such a unit
    # per 督办事项来源: category_id (null: 未分类), category, tasks, red, yellow, overdue,
    # avg_progress
    by_category: pl.DataFrame = field(default_factory=pl.DataFrame)


def build_dashboard(
    sf: StatusFrames,
    before: StatusFrames,
    filters: Filters,
    *,
    rules: WarningRules,
    cal: WorkCalendar,
    red_rows: int | None = RED_LIST_ROWS,
    categories: Mapping[int, str] | None = None,
) -> Dashboard:
    """All the dashboard's figures for one filter set (``before`` = status as of a week ago).

    The red list keeps its worst ``red_rows`` (None: all, for the Excel export); ``red_total``
    counts them all. Keeping the cached result small keeps a warm render flat as data grows.
    ``categories`` names the 督办事项来源 (id -> name, in the office's order; retired ones too).
    """
    today = sf.today
    t, a = _scope(sf, filters)
    t0, _a0 = _scope(before, filters)
    reds = _red_list(t, sf.assignments, missed=filters.missed)
    missing = _missing(a)
    g, ms = _gantt_rows(t, sf.raw.milestones)
    phases = filter_options(sf)["phases"]
    dates = [d for d in (first_day(t["start_date"]), last_day(t["deadline"])) if d] + [today]
    warning = unknown_years_warning(cal, min(dates), max(dates))
    values = _kpi_values(t, today, rules)
    return Dashboard(
        today=today,
        filters=filters,
        kpis=_kpis(values, _kpi_values(t0, before.today, rules)),
        avg_progress=values["avg_progress"],
        avg_expected=values["avg_expected"],
        red_list=reds if red_rows is None else reds.head(red_rows),
        red_total=reds.height,
        departments=_by_department(a, today, rules),
        heatmap=_heatmap(t, a, phases),
        gantt=g,
        gantt_total=t.filter(pl.col("deadline").is_not_null()).height,
        milestones=ms,
        trend=_trend(t, sf.raw, today, cal),
        targets=_targets(t, sf.raw),
        calendar_warning=warning,
        calendar_years=tuple(cal.unknown_years(min(dates), max(dates))) if dates else (),
        missed_units=missing.get_column("department_id").n_unique(),
        missed_tasks=missing.get_column("task_id").n_unique(),
        by_category=by_category(t, today, rules, categories or {}),
    )


def filter_options(sf: StatusFrames, categories: Mapping[int, str] | None = None) -> dict[str, Any]:
    """Choices for the filter widgets: plans, phases (plan order), units, and the 事项来源
    the tasks carry (``categories`` names them, in the office's order; NO_CATEGORY when some
    task has none)."""
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
    shown = sf.tasks.filter(~pl.col("status").is_in(["draft", "cancelled"]))
    used_cats = set(shown.get_column("category_id").drop_nulls().unique().to_list())
    cats = {cid: name for cid, name in (categories or {}).items() if cid in used_cats}
    cats |= {cid: f"#{cid}" for cid in sorted(used_cats - set(cats))}
    if shown.get_column("category_id").null_count():
        cats[NO_CATEGORY] = NO_CATEGORY_NAME
    return {
        "plans": dict(zip(plans["plan_id"].to_list(), plans["plan_title"].to_list(), strict=True)),
        "categories": cats,
        "phases": phases,
        "departments": dict(
            zip(depts["department_id"].to_list(), depts["department_name"].to_list(), strict=True)
        ),
    }


# ----------------------------------------------------------------------------- figures
def _scope(sf: StatusFrames, f: Filters) -> tuple[pl.DataFrame, pl.DataFrame]:
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
    if f.category_id == NO_CATEGORY:
        t = t.filter(pl.col("category_id").is_null())
    elif f.category_id is not None:
        t = t.filter(pl.col("category_id") == f.category_id)
    a = sf.assignments
    if f.department_id is not None:
        a = a.filter(pl.col("department_id") == f.department_id)
    if f.role:
        a = a.filter(pl.col("role") == f.role)
    if f.department_id is not None:
        t = t.filter(pl.col("task_id").is_in(a.get_column("task_id").implode()))
    if f.missed:
        t = t.filter(pl.col("task_id").is_in(_missing(a).get_column("task_id").implode()))
    a = a.filter(pl.col("task_id").is_in(t.get_column("task_id").implode()))
    return t, a


def _missing(assignments: pl.DataFrame) -> pl.DataFrame:
    """The assignments whose unit is 未按期报送 now (a task not started yet owes nothing)."""
    return assignments.filter((pl.col("missed_reports") > 0) & (pl.col("colour") != "grey"))


def _flags(df: pl.DataFrame, today: dt.date, rules: WarningRules) -> pl.DataFrame:
    is_open = pl.col("status").is_in(OPEN_STATUSES) & (pl.col("colour") != "grey")
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


def _kpi_values(
    tasks: pl.DataFrame, today: dt.date, rules: WarningRules
) -> dict[str, float | None]:
    """The KPI numbers for a scope's tasks."""
    t = _flags(tasks, today, rules)
    completed = t.filter(pl.col("status") == "completed").height
    on_time = int(t.get_column("_on_time").sum())
    prog = t.filter(pl.col("_open") & pl.col("expected_progress").is_not_null())
    avg_p = mean(prog.get_column("progress").fill_null(0.0)) if prog.height else None
    avg_e = mean(prog.get_column("expected_progress")) if prog.height else None
    return {
        "total": t.height,
        "completed": completed,
        "on_time_rate": (on_time / completed * 100.0) if completed else None,
        "overdue": int(t.get_column("_overdue").sum()),
        "red": t.filter(pl.col("colour") == "red").height,
        "due_soon": int(t.get_column("_due_soon").sum()),
        "stagnant": int(t.get_column("_stagnant").sum()),
        "avg_progress": avg_p,
        "progress_gap": (avg_p - avg_e) if avg_p is not None and avg_e is not None else None,
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


def _kpis(now: dict[str, float | None], before: dict[str, float | None]) -> list[Kpi]:
    out = []
    for key, unit, inverse in _KPI_SPECS:
        v, b = now[key], before[key]
        delta = None if v is None or b is None else v - b
        out.append(Kpi(key, v, delta, unit, inverse))
    return out


def _red_list(
    tasks: pl.DataFrame, assignments: pl.DataFrame, *, missed: bool = False
) -> pl.DataFrame:
    """Red tasks, worst first, with reasons, lead unit and the units whose own light is red;
    with ``missed`` (the scope is already the tasks with a unit 未按期报送) every such task,
    red or yellow, the most missed cycles first. missed_unit_list: the units 未按期报送 now."""
    missing_units = (
        _missing(assignments)
        .sort(["missed_reports", "department_short"], descending=[True, False])
        .group_by("task_id", maintain_order=True)
        .agg(
            pl.col("department_short").str.join("、").alias("missed_units_text"),
            pl.col("department_short").alias("missed_unit_list"),
        )
    )
    late_units = (
        assignments.filter(pl.col("colour") == "red")
        .sort(["role", "department_short"])
        .group_by("task_id")
        .agg(
            pl.col("department_short").str.join("、").alias("late_units"),
            pl.col("department_short").alias("late_unit_list"),  # joined per UI language
        )
    )
    listed = tasks.filter(
        pl.col("colour").is_in(["red", "yellow"]) if missed else pl.col("colour") == "red"
    )
    order = ["overdue_wd", "behind_points", "deadline", "task_id"]
    descending = [True, True, False, False]
    if missed:
        order, descending = ["_red", "missed_reports", *order], [True, True, *descending]
    return (
        listed.join(late_units, on="task_id", how="left")
        .join(missing_units, on="task_id", how="left")
        .with_columns(
            (pl.col("colour") == "red").alias("_red"),
            pl.col("missed_unit_list").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        )
        .sort(order, descending=descending, nulls_last=True)
        .select(
            "task_id",
            "code",
            "title",
            "lead_name",
            "late_units",
            "late_unit_list",
            "deadline",
            "original_deadline",
            "extensions",
            "overdue_wd",
            "progress",
            "expected_progress",
            pl.col("reasons").list.join("；").alias("reason_text"),
            "colour",
            "missed_reports",
            "missed_units_text",
            "missed_unit_list",
        )
    )


def _by_department(assignments: pl.DataFrame, today: dt.date, rules: WarningRules) -> pl.DataFrame:
    """Per unit: lights as lead and as responsible, overdue count, on-time rate, extensions."""
    a = _flags(assignments, today, rules)
    colour_cols = []
    for role, prefix in (("lead", "lead"), ("responsible", "resp")):
        for c in _COLOUR_ORDER:
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


_CATEGORY_SCHEMA = {
    "category_id": pl.Int64,
    "category": pl.String,
    "tasks": pl.Int64,
    "red": pl.Int64,
    "yellow": pl.Int64,
    "overdue": pl.Int64,
    "avg_progress": pl.Float64,
}


def by_category(
    tasks: pl.DataFrame, today: dt.date, rules: WarningRules, names: Mapping[int, str]
) -> pl.DataFrame:
    """Per 督办事项来源 (null: 未分类): tasks, red, yellow, overdue, average progress (as the
    KPI); the office's order (``names``), 未分类 last."""
    if tasks.height == 0:
        return pl.DataFrame(schema=_CATEGORY_SCHEMA)
    t = _flags(tasks, today, rules)
    counted = pl.col("_open") & pl.col("expected_progress").is_not_null()
    out = t.group_by("category_id").agg(
        pl.len().cast(pl.Int64).alias("tasks"),
        (pl.col("colour") == "red").sum().cast(pl.Int64).alias("red"),
        (pl.col("colour") == "yellow").sum().cast(pl.Int64).alias("yellow"),
        pl.col("_overdue").sum().cast(pl.Int64).alias("overdue"),
        pl.col("progress").fill_null(0.0).filter(counted).mean().alias("avg_progress"),
    )
    order = {cid: i for i, cid in enumerate(names)}
    known = pl.DataFrame(
        {"category_id": list(names), "category": list(names.values())},
        schema={"category_id": pl.Int64, "category": pl.String},
    )
    return (
        out.join(known, on="category_id", how="left")
        .with_columns(
            pl.when(pl.col("category_id").is_null())
            .then(pl.lit(NO_CATEGORY_NAME))
            .otherwise(pl.coalesce("category", pl.format("#{}", "category_id")))
            .alias("category"),
            pl.col("category_id")
            .replace_strict(order, default=len(order), return_dtype=pl.Int64)
            .fill_null(len(order) + 1)
            .alias("_order"),
        )
        .sort(["_order", "category_id"])
        .select(list(_CATEGORY_SCHEMA))
        .cast(_CATEGORY_SCHEMA)  # type: ignore[arg-type]
    )


def _heatmap(tasks: pl.DataFrame, assignments: pl.DataFrame, phases: list[str]) -> pl.DataFrame:
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


def _gantt_rows(
    tasks: pl.DataFrame, milestones: pl.DataFrame, limit: int = _GANTT_ROWS
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The tasks that matter most on a timeline (red first, then nearest deadline)."""
    order = pl.col("colour").replace_strict(_COLOUR_ORDER, return_dtype=pl.Int64)
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


def _targets(tasks: pl.DataFrame, raw: RawFrames) -> pl.DataFrame:
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


# ----------------------------------------------------------------------------- trend
_TREND_SCHEMA = {
    "week_end": pl.Date,
    "completed": pl.Int64,
    "overdue": pl.Int64,
    "expected": pl.Float64,
    "actual": pl.Float64,
}


def _trend(tasks: pl.DataFrame, raw: RawFrames, today: dt.date, cal: WorkCalendar) -> pl.DataFrame:
    """Weekly completions, overdue at week end, and mean 序时 vs actual progress."""
    firsts = [d for d in (first_day(tasks["start_date"]), first_day(tasks["assigned_on"])) if d]
    if tasks.height == 0 or not firsts:
        return pl.DataFrame(schema=_TREND_SCHEMA)
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
    x = _open_at_week_end(t, wk, raw.extensions)
    overdue = (
        x.filter(pl.col("deadline") < pl.col("at"))
        .group_by("week_end")
        .agg(pl.len().cast(pl.Int64).alias("overdue"))
    )
    progress = _progress_by_week(x, t, raw, weeks=weeks, today=today, cal=cal)
    return (
        wk.select("week_end")
        .join(_completions_by_week(t, wk), on="week_end", how="left")
        .join(overdue, on="week_end", how="left")
        .join(progress, on="week_end", how="left")
        .with_columns(pl.col("completed").fill_null(0), pl.col("overdue").fill_null(0))
        .select(list(_TREND_SCHEMA))
        .sort("week_end")
    )


def _week_ends(first: dt.date, today: dt.date, max_weeks: int = 104) -> list[dt.date]:
    end = today + dt.timedelta(days=(6 - today.weekday()))  # the Sunday ending this week
    start = first + dt.timedelta(days=(6 - first.weekday()))
    n = min((end - start).days // 7 + 1, max_weeks)
    return [end - dt.timedelta(days=7 * i) for i in range(n - 1, -1, -1)]


def _completions_by_week(t: pl.DataFrame, wk: pl.DataFrame) -> pl.DataFrame:
    """(week_end, completed): tasks completed in each week (up to today)."""
    return (
        t.filter(pl.col("completed_on").is_not_null())
        .join(wk, how="cross")
        .filter(
            (pl.col("completed_on") > pl.col("week_end") - pl.duration(days=7))
            & (pl.col("completed_on") <= pl.col("at"))
        )
        .group_by("week_end")
        .agg(pl.len().cast(pl.Int64).alias("completed"))
    )


def _open_at_week_end(t: pl.DataFrame, wk: pl.DataFrame, extensions: pl.DataFrame) -> pl.DataFrame:
    """One row per task and week for the tasks open at the week's end (``at``), with the
    deadline then in effect."""
    x = t.join(wk, how="cross")
    # The deadline in effect at `at`: undo extensions decided later (the earliest one's
    # previous deadline).
    ext = extensions.filter(pl.col("task_id").is_in(t.get_column("task_id").implode()))
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
    return x.filter(is_open)


def _progress_by_week(
    x: pl.DataFrame,
    t: pl.DataFrame,
    raw: RawFrames,
    *,
    weeks: list[dt.date],
    today: dt.date,
    cal: WorkCalendar,
) -> pl.DataFrame:
    """(week_end, expected, actual): 序时 and actual progress of the tasks open at each week's
    end with both dates (actual = the lead unit's latest percent reported by then)."""
    p = x.filter(pl.col("start_date").is_not_null() & pl.col("deadline").is_not_null())
    if not p.height:
        return pl.DataFrame(
            schema={"week_end": pl.Date, "expected": pl.Float64, "actual": pl.Float64}
        )
    lo = min(d for d in (first_day(p["start_date"]), first_day(p["deadline"]), weeks[0]) if d)
    hi = max(d for d in (last_day(p["deadline"]), today) if d)
    base, cum = cal.cumulative_index(lo, hi)
    p = p.with_columns(
        cal.cum_at(p.get_column("start_date"), base, cum).alias("_cs"),
        cal.cum_at(p.get_column("deadline"), base, cum).alias("_cd"),
        cal.cum_at(p.get_column("at"), base, cum).alias("_ct"),
    )
    at = pl.col("at")
    total = pl.col("_cd") - pl.col("_cs")
    exp = (
        pl.when(total <= 0)
        .then(pl.when(at >= pl.col("deadline")).then(100.0).otherwise(0.0))
        .otherwise(
            ((pl.col("_ct") - pl.col("_cs")) / total * 100.0).cast(pl.Float64).clip(0.0, 100.0)
        )
    )
    p = (
        p.with_columns(exp.alias("_exp"))
        .sort("at")
        .join_asof(
            _lead_reports(raw, t),
            left_on="at",
            right_on="reported_on",
            by="task_id",
            strategy="backward",
            check_sortedness=False,
        )
    )
    return p.group_by("week_end").agg(
        pl.col("_exp").mean().alias("expected"),
        pl.col("percent").fill_null(0.0).mean().alias("actual"),
    )


def _lead_reports(raw: RawFrames, t: pl.DataFrame) -> pl.DataFrame:
    """Every report of each task's lead unit, in time order."""
    return (
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
