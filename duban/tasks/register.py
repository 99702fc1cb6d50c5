"""The task register (任务台账) as a polars frame: filters, hierarchy order, Excel export."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import Engine
from sqlmodel import Session, select

from duban.core import clock, exports
from duban.core.exports import Column
from duban.core.permissions import Actor, can
from duban.fields import categories, definitions
from duban.fields import frame as field_frame
from duban.monitoring import cycles, frames, holidays, status
from duban.monitoring import rules as rules_mod
from duban.monitoring.lights import COLOUR_LABELS
from duban.tasks.labels import STATUS_LABELS
from models import CustomField, Plan, Task, TaskCategory

UNIT_ROLES = ("any", "lead", "responsible")


@dataclass
class RegisterFilter:
    plan_id: int | None = None
    phases: list[str] = field(default_factory=list)
    department_id: int | None = None
    unit_role: str = "any"  # any / lead / responsible
    statuses: list[str] = field(default_factory=list)
    colours: list[str] = field(default_factory=list)
    deadline_from: dt.date | None = None
    deadline_to: dt.date | None = None
    text: str = ""


def base_frame(
    engine: Engine, *, today: dt.date | None = None, raw: frames.RawFrames | None = None
) -> pl.DataFrame:
    """Every task with its colour, reasons, units and version, in register (sort_key) order.

    Expensive (reads and colours everything): cache it on the data version. `raw` is the
    dashboard's read of the same data version (frames.RawFrames), when it has one: then
    only the colouring is done here.
    """
    today = today or clock.today()
    if raw is None:
        sf = status.status_frames(engine, today=today)
    else:
        with Session(engine) as s:
            rules, cal = rules_mod.load_warning_rules(s), holidays.load_calendar(s)
        sf = status.build_status(raw, today=today, rules=rules, cal=cal)
    tasks, assigns = sf.tasks, sf.assignments
    units = (
        assigns.sort(["task_id", "role", "department_name"])
        .group_by("task_id", maintain_order=True)
        .agg(
            pl.col("department_id").alias("unit_ids"),
            pl.col("department_id").filter(pl.col("role") == "responsible").alias("resp_ids"),
            pl.col("department_name")
            .filter(pl.col("role") == "responsible")
            .str.join("、")
            .alias("responsible_names"),
            pl.col("department_name")  # the same, for the UI to join in its language
            .filter(pl.col("role") == "responsible")
            .alias("responsible_list"),
            pl.col("acknowledged_at").is_null().sum().cast(pl.Int64).alias("unacknowledged"),
        )
    )
    with Session(engine) as s:
        extra = s.exec(select(Task.id, Task.version, Task.description, Task.report_cycle)).all()
        plan_cycle = dict(s.exec(select(Plan.id, Plan.report_cycle)).all())
        plan_of = dict(s.exec(select(Task.id, Task.plan_id)).all())
        fields = definitions.list_fields(s)
        cats = categories.list_categories(s, include_retired=True)
    rows = [(*r, plan_cycle.get(plan_of.get(r[0]))) for r in extra]
    ext = pl.DataFrame(
        [list(c) for c in zip(*rows, strict=True)] if rows else None,
        schema={
            "task_id": pl.Int64,
            "version": pl.Int64,
            "description": pl.String,
            "own_cycle": pl.String,
            "plan_cycle": pl.String,
        },
        orient="col",
    ).pipe(_with_cycles)
    df = (
        tasks.with_columns(pl.col("task_id").cast(pl.Int64))
        .join(units.with_columns(pl.col("task_id").cast(pl.Int64)), on="task_id", how="left")
        .join(ext, on="task_id", how="left")
        .with_columns(
            pl.col("unit_ids").fill_null(pl.lit([], dtype=pl.List(pl.Int64))),
            pl.col("resp_ids").fill_null(pl.lit([], dtype=pl.List(pl.Int64))),
            pl.col("responsible_names").fill_null(""),
            pl.col("lead_name").fill_null(""),
            pl.col("reasons").list.join("；").fill_null("").alias("reasons_text"),
            pl.col("status")
            .replace_strict(
                {s.value: v for s, v in STATUS_LABELS.items()}, default=pl.col("status")
            )
            .alias("status_label"),
            pl.col("colour").replace_strict(COLOUR_LABELS, default="").alias("colour_label"),
            pl.when(pl.col("sort_key").fill_null("") != "")
            .then(pl.col("sort_key").str.count_matches(r"\.") - 1)
            .otherwise(pl.col("parent_id").is_not_null().cast(pl.Int64))
            .clip(0, 6)
            .cast(pl.Int64)
            .alias("depth"),
        )
        .sort(["plan_id", "sort_key", "task_id"], nulls_last=True)
    )
    return df.with_columns(_lowcode_columns(sf.raw.tasks, df["task_id"], fields, cats))


def _lowcode_columns(
    raw_tasks: pl.DataFrame,
    order: pl.Series,
    fields: list[CustomField],
    cats: list[TaskCategory],
) -> list[pl.Series]:
    """category_id, category (its name), category_weight and one cf_<id> column per active
    custom field (duban.fields.frame), aligned with `order` (the register's task ids)."""
    have = [c for c in ("category_id", "custom") if c in raw_tasks.columns]
    src = pl.DataFrame({"task_id": order}).join(
        raw_tasks.select(pl.col("task_id").cast(pl.Int64), *have), on="task_id", how="left"
    )
    cat_id = src["category_id"] if "category_id" in have else pl.Series([None] * len(order))
    cat_id = cat_id.cast(pl.Int64).alias("category_id")
    names = {c.id: c.name for c in cats}
    weights = {c.id: float(c.weight) for c in cats}
    out = [
        cat_id,
        cat_id.replace_strict(names, default=None, return_dtype=pl.String).alias("category"),
        cat_id.replace_strict(weights, default=1.0, return_dtype=pl.Float64)
        .fill_null(1.0)
        .alias("category_weight"),
    ]
    custom = src["custom"] if "custom" in have else pl.Series([None] * len(order), dtype=pl.String)
    decoded = field_frame.decode(custom, fields)
    out.extend(decoded.get_column(c) for c in decoded.columns)
    return out


def cycle_code(own: str | None, plan: str | None) -> str:
    """The effective 报送频次 code of a task (its own, else its plan's): "none" if neither."""
    return cycles.of(own, plan).code


def _with_cycles(ext: pl.DataFrame) -> pl.DataFrame:
    """cycle (the effective code), cycle_label (its words), cycle_from_plan and task_cycle
    (the task's own code, "" for the plan's), computed once per distinct (own, plan) pair
    rather than per task."""
    pairs = ext.select("own_cycle", "plan_cycle").unique()
    codes = [cycle_code(o, p) for o, p in pairs.iter_rows()]
    lookup = pairs.with_columns(
        pl.Series("cycle", codes, dtype=pl.String),
        pl.Series("cycle_label", [cycles.label(cycles.parse(c)) for c in codes], dtype=pl.String),
    )
    return (
        ext.join(lookup, on=["own_cycle", "plan_cycle"], how="left", nulls_equal=True)
        .with_columns(
            pl.col("own_cycle").fill_null("").eq("").alias("cycle_from_plan"),
            pl.col("own_cycle").fill_null("").alias("task_cycle"),
        )
        .drop("own_cycle", "plan_cycle")
    )


def apply_filters(df: pl.DataFrame, f: RegisterFilter) -> pl.DataFrame:
    """The rows the filter keeps, in the same order (pure polars)."""
    conds = []
    if f.plan_id is not None:
        conds.append(pl.col("plan_id") == f.plan_id)
    if f.phases:
        conds.append(pl.col("phase").is_in(list(f.phases)))
    if f.department_id is not None:
        d = f.department_id
        if f.unit_role == "lead":
            conds.append(pl.col("lead_department_id") == d)
        elif f.unit_role == "responsible":
            conds.append(pl.col("resp_ids").list.contains(d))
        else:
            conds.append(pl.col("unit_ids").list.contains(d))
    if f.statuses:
        conds.append(pl.col("status").is_in([str(s) for s in f.statuses]))
    if f.colours:
        conds.append(pl.col("colour").is_in([str(c) for c in f.colours]))
    if f.deadline_from:
        conds.append(pl.col("deadline") >= f.deadline_from)
    if f.deadline_to:
        conds.append(pl.col("deadline") <= f.deadline_to)
    text = (f.text or "").strip()
    if text:
        hay = pl.concat_str(
            [
                pl.col(c).fill_null("")
                for c in ("code", "title", "description", "lead_name", "responsible_names")
            ],
            separator=" ",
        )
        for word in text.split():
            conds.append(hay.str.contains(word, literal=True))
    return df.filter(pl.all_horizontal(conds)) if conds else df


def register_view(df: pl.DataFrame, f: RegisterFilter, *, actor: Actor) -> pl.DataFrame:
    """The filtered register the actor may see (a department head sees only its unit)."""
    if not can(actor, "task.read_all"):
        if actor.department_id is None:
            return df.clear()
        df = df.filter(pl.col("unit_ids").list.contains(actor.department_id))
    return apply_filters(df, f)


# The register's Excel columns (internal ids such as task_id stay out).
EXPORT_COLUMNS = [
    Column("code", "编号"),
    Column("title", "任务"),
    Column("phase", "阶段"),
    Column("lead_name", "牵头单位"),
    Column("responsible_names", "责任单位"),
    Column("status_label", "状态"),
    Column("colour_label", "预警"),
    Column("reasons_text", "预警原因"),
    Column("cycle_label", "报送频次"),
    Column("progress", "进度", "percent", places=0),
    Column("original_deadline", "原定时限", "date"),
    Column("deadline", "当前时限", "date"),
    Column("extensions", "延期次数", "int"),
    Column("overdue_wd", "逾期工作日", "int"),
    Column("last_update", "最近填报", "date"),
]
_ROLE_WORDS = {"lead": "（牵头）", "responsible": "（责任）"}


def describe_filter(
    f: RegisterFilter,
    *,
    plans: Mapping[int, str],
    departments: Mapping[int, str],
    actor: Actor | None = None,
) -> str:
    """The register's filter in words ("单位：市公安局（牵头）；预警：红灯"), or 全部.

    A department head's register holds only its unit's tasks: that is said first.
    """
    parts = []
    if actor is not None and not can(actor, "task.read_all"):
        unit = departments.get(actor.department_id or -1, "本单位")
        parts.append(f"范围：{unit}参与的任务")
    if f.plan_id is not None:
        parts.append(f"实施方案：{plans.get(f.plan_id, f.plan_id)}")
    if f.phases:
        parts.append("阶段：" + "、".join(f.phases))
    if f.department_id is not None:
        name = departments.get(f.department_id, "（已不存在）")
        parts.append(f"单位：{name}{_ROLE_WORDS.get(f.unit_role, '')}")
    if f.statuses:
        labels = {s.value: v for s, v in STATUS_LABELS.items()}
        parts.append("状态：" + "、".join(labels.get(str(s), str(s)) for s in f.statuses))
    if f.colours:
        parts.append(
            "预警："
            + "、".join(
                f"{COLOUR_LABELS[str(c)]}灯" if str(c) in COLOUR_LABELS else str(c)
                for c in f.colours
            )
        )
    if f.deadline_from or f.deadline_to:
        start = f.deadline_from.isoformat() if f.deadline_from else "不限"
        end = f.deadline_to.isoformat() if f.deadline_to else "不限"
        parts.append(f"完成时限：{start} 至 {end}")
    if (f.text or "").strip():
        parts.append(f"关键词：{f.text.strip()}")
    return "；".join(parts) or exports.NO_FILTER


def export_excel(
    view: pl.DataFrame,
    *,
    filter_text: str = exports.NO_FILTER,
    exported_by: str = "",
    exported_at: dt.datetime | None = None,
    title: str = "任务台账",
) -> bytes:
    """The current view as an .xlsx: a 说明 sheet (the filter in words), then the register.

    Subtasks are indented under their parents; progress is a real percentage.
    """
    out = view
    if "depth" in view.columns and "title" in view.columns:
        out = view.with_columns(
            (pl.lit("　").repeat_by(pl.col("depth")).list.join("") + pl.col("title")).alias("title")
        )
    columns = [c for c in EXPORT_COLUMNS if c.key in out.columns]
    about = exports.About(
        title=title,
        filter_text=filter_text,
        exported_by=exported_by,
        exported_at=exported_at,
        extra=[("任务数", view.height)],
    )
    return exports.write_workbook([exports.Sheet(title, out, columns)], about=about)
