"""The task register (任务台账) as a polars frame: filters, sort, hierarchy order, Excel export."""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import Engine
from sqlmodel import Session, select

from duban.core import clock, exports
from duban.core.exports import Column
from duban.core.permissions import Actor, can
from duban.fields import categories, definitions
from duban.fields import frame as field_frame
from duban.fields import values as field_values
from duban.monitoring import cycles, frames, holidays, status
from duban.monitoring import rules as rules_mod
from duban.monitoring.lights import COLOUR_LABELS
from duban.tasks.labels import STATUS_LABELS
from models import CustomField, FieldKind, Plan, Task, TaskCategory, TaskStatus

UNIT_ROLES = ("any", "lead", "responsible")
# The category filter's choice for tasks without a 督办事项来源 (ids start at 1).
NO_CATEGORY = 0


@dataclass
class FieldFilter:
    """A filter on one custom field; what applies depends on the field's kind:
    choice / multiple choice / department / yes-no → `any_of` (a task with any of the chosen
    values; for multiple choice, any of its values); number and date → `low`..`high` (either
    end open); text → `contains` (every word, as written)."""

    any_of: list[Any] = field(default_factory=list)
    low: Any = None
    high: Any = None
    contains: str = ""

    def active(self) -> bool:
        return (
            bool(self.any_of)
            or self.low is not None
            or self.high is not None
            or bool(self.contains.strip())
        )


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
    # 督办事项来源 ids; NO_CATEGORY for tasks without one
    categories: list[int] = field(default_factory=list)
    # custom field id → its filter (a field the register no longer has is ignored)
    custom: dict[int, FieldFilter] = field(default_factory=dict)

    def custom_active(self) -> int:
        """How many custom-field filters are set (shown on the folded 更多筛选)."""
        return sum(1 for f in self.custom.values() if f.active())


def base_frame(
    engine: Engine,
    *,
    today: dt.date | None = None,
    raw: frames.RawFrames | None = None,
    coloured: status.StatusFrames | None = None,
) -> pl.DataFrame:
    """Every task with its colour, reasons, units and version, in register (sort_key) order.

    Expensive (reads and colours everything): cache it on the data version. `raw` is the
    dashboard's read of the same data version (frames.RawFrames), when it has one: then
    only the colouring is done here; `coloured` is that colouring itself (as of `today`),
    when the caller has it too.
    """
    today = today or clock.today()
    if coloured is not None:
        sf = coloured
    elif raw is None:
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
    if f.categories and "category_id" in df.columns:
        ids = [int(c) for c in f.categories if int(c) != NO_CATEGORY]
        cond = pl.col("category_id").is_in(ids).fill_null(False)
        if NO_CATEGORY in {int(c) for c in f.categories}:
            cond = cond | pl.col("category_id").is_null()
        conds.append(cond)
    for fid, ff in f.custom.items():
        one = _field_condition(df, field_frame.column(int(fid)), ff)
        if one is not None:
            conds.append(one)
    return df.filter(pl.all_horizontal(conds)) if conds else df


def _field_condition(df: pl.DataFrame, name: str, ff: FieldFilter) -> pl.Expr | None:
    """The condition of one custom-field filter over its typed column (None: nothing to
    filter, or the register has no such column: a retired or unknown field)."""
    if name not in df.columns or not ff.active():
        return None
    dtype = df.schema[name]
    c = pl.col(name)
    conds: list[pl.Expr] = []
    if ff.any_of:
        if isinstance(dtype, pl.List):
            wanted = [str(v) for v in ff.any_of]
            conds.append(c.list.eval(pl.element().is_in(wanted)).list.any())
        elif dtype == pl.Boolean:
            conds.append(c.is_in([bool(v) for v in ff.any_of]))
        elif dtype == pl.Int64:
            conds.append(c.is_in([int(v) for v in ff.any_of]))
        else:
            conds.append(c.is_in([str(v) for v in ff.any_of]))
    if dtype in (pl.Float64, pl.Date):
        cast = float if dtype == pl.Float64 else _as_day
        if ff.low is not None:
            conds.append(c >= pl.lit(cast(ff.low), dtype=dtype))
        if ff.high is not None:
            conds.append(c <= pl.lit(cast(ff.high), dtype=dtype))
    if ff.contains.strip() and dtype == pl.String:
        hay = c.fill_null("").str.to_lowercase()
        for word in ff.contains.split():
            conds.append(hay.str.contains(word.lower(), literal=True))
    if not conds:
        return None
    return pl.all_horizontal(conds).fill_null(False)


def _as_day(v: Any) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v))


# ---------------------------------------------------------------- columns and sort

# The register table's own columns, in their usual order (keys of the register frame, as the
# UI shows them); 事项来源 and the custom fields (cf_<id>) come after them by default.
TABLE_COLUMNS = (
    "code",
    "title",
    "colour",
    "status_label",
    "progress",
    "deadline",
    "cycle",
    "lead_name",
    "responsible_names",
    "extensions",
    "original_deadline",
    "reasons_text",
)
# Shown only when chosen in the column chooser.
EXTRA_COLUMNS = ("phase", "overdue_wd", "last_update", "category_weight")


def table_columns(fields: Sequence[CustomField]) -> list[str]:
    """Every column the register table can show, in the default order."""
    return [*TABLE_COLUMNS, "category", *(field_frame.column(f) for f in fields), *EXTRA_COLUMNS]


def default_columns(fields: Sequence[CustomField]) -> list[str]:
    """What the register shows until the user chooses: its own columns, 事项来源, the fields."""
    return [*TABLE_COLUMNS, "category", *(field_frame.column(f) for f in fields)]


def known_columns(columns: Sequence[str], fields: Sequence[CustomField]) -> list[str]:
    """`columns` without those the register no longer has (a retired field), in order."""
    allowed = set(table_columns(fields))
    seen: set[str] = set()
    out = []
    for c in columns:
        if c in allowed and c not in seen:
            seen.add(c)
            out.append(c)
    return out


_STATUS_ORDER = {s.value: i for i, s in enumerate(TaskStatus)}
_COLOUR_ORDER = {c: i for i, c in enumerate(("red", "yellow", "green", "grey", "blue"))}
# Columns sorted by another: a label by its code's order, a joined list by its text.
_SORT_BY = {"status_label": "status", "colour": "colour"}


def sort_view(df: pl.DataFrame, column: str | None, *, descending: bool = False) -> pl.DataFrame:
    """The rows ordered by a column (empty values last, ties in register order); without a
    column (or one the frame lacks), as they are: the register's order."""
    if not column:
        return df
    source = _SORT_BY.get(column, column)
    if source not in df.columns:
        return df
    key: pl.Expr = pl.col(source)
    if source == "status":
        key = key.replace_strict(_STATUS_ORDER, default=None, return_dtype=pl.Int64)
    elif source == "colour":
        key = key.replace_strict(_COLOUR_ORDER, default=None, return_dtype=pl.Int64)
    elif isinstance(df.schema[source], pl.List):
        key = pl.when(key.list.len() > 0).then(key.cast(pl.List(pl.String)).list.join("、"))
    elif source in ("responsible_names", "lead_name", "category"):
        key = pl.when(key.fill_null("") != "").then(key)
    return df.sort(key, descending=descending, nulls_last=True, maintain_order=True)


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
    Column("category", "事项来源"),
]
_ROLE_WORDS = {"lead": "（牵头）", "responsible": "（责任）"}


def describe_filter(
    f: RegisterFilter,
    *,
    plans: Mapping[int, str],
    departments: Mapping[int, str],
    actor: Actor | None = None,
    category_names: Mapping[int, str] | None = None,
    fields: Sequence[CustomField] = (),
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
    if f.categories:
        names = category_names or {}
        parts.append(
            "事项来源："
            + "、".join(
                "未分类" if int(c) == NO_CATEGORY else names.get(int(c), f"（编号 {c}）")
                for c in f.categories
            )
        )
    by_id = {f_.id: f_ for f_ in fields}
    for fid, ff in f.custom.items():
        cf = by_id.get(int(fid))
        if cf is not None and ff.active():
            parts.append(f"{cf.label}：{_field_filter_words(cf, ff, departments)}")
    return "；".join(parts) or exports.NO_FILTER


def _field_filter_words(cf: CustomField, ff: FieldFilter, departments: Mapping[int, str]) -> str:
    kind = FieldKind(cf.kind)
    if kind in (FieldKind.number, FieldKind.date):

        def end(v: Any) -> str:
            if v is None:
                return "不限"
            if kind == FieldKind.date:
                return _as_day(v).isoformat()
            return field_values.display(cf, float(v))

        return f"{end(ff.low)} 至 {end(ff.high)}"
    if kind in (FieldKind.text, FieldKind.long_text):
        return f"包含“{ff.contains.strip()}”"
    words = [
        field_values.display(cf, v, departments=departments)
        if kind != FieldKind.multi_choice
        else str(v)
        for v in ff.any_of
    ]
    return "、".join(words)


def field_header(cf: CustomField) -> str:
    """A custom field's column header: its label, with the unit of a number ("投资额（万元）")."""
    return f"{cf.label}（{cf.unit}）" if cf.kind == FieldKind.number and cf.unit else cf.label


def field_export_columns(
    fields: Sequence[CustomField], *, departments: Mapping[int, str] | None = None
) -> tuple[list[pl.Expr], list[Column]]:
    """The custom fields as export columns: typed (numbers as numbers, dates as dates), a
    unit by its name, yes/no as 是/否, a multiple choice joined; and the frame expressions
    that turn the stored columns into those cells."""
    exprs: list[pl.Expr] = []
    columns: list[Column] = []
    names = {int(k): v for k, v in (departments or {}).items()}
    for cf in fields:
        name = field_frame.column(cf)
        kind = FieldKind(cf.kind)
        header = field_header(cf)
        if kind == FieldKind.number:
            columns.append(Column(name, header, "number"))
        elif kind == FieldKind.date:
            columns.append(Column(name, header, "date"))
        elif kind == FieldKind.department:
            exprs.append(
                pl.col(name)
                .replace_strict(names, default=pl.col(name).cast(pl.String), return_dtype=pl.String)
                .alias(name)
            )
            columns.append(Column(name, header))
        elif kind == FieldKind.boolean:
            exprs.append(
                pl.when(pl.col(name))
                .then(pl.lit("是"))
                .when(~pl.col(name))
                .then(pl.lit("否"))
                .alias(name)
            )
            columns.append(Column(name, header))
        elif kind == FieldKind.multi_choice:
            exprs.append(pl.col(name).list.join("、").alias(name))
            columns.append(Column(name, header, wrap=True))
        else:
            columns.append(Column(name, header, wrap=kind == FieldKind.long_text))
    return exprs, columns


def export_excel(
    view: pl.DataFrame,
    *,
    filter_text: str = exports.NO_FILTER,
    exported_by: str = "",
    exported_at: dt.datetime | None = None,
    title: str = "任务台账",
    fields: Sequence[CustomField] = (),
    departments: Mapping[int, str] | None = None,
) -> bytes:
    """The current view as an .xlsx: a 说明 sheet (the filter in words), then the register
    with 事项来源 and one typed column per custom field (`fields`, as the register has them).

    Subtasks are indented under their parents; progress is a real percentage.
    """
    out = view
    if "depth" in view.columns and "title" in view.columns:
        out = view.with_columns(
            (pl.lit("　").repeat_by(pl.col("depth")).list.join("") + pl.col("title")).alias("title")
        )
    present = [cf for cf in fields if field_frame.column(cf) in out.columns]
    exprs, field_columns = field_export_columns(present, departments=departments)
    if exprs:
        out = out.with_columns(exprs)
    columns = [c for c in [*EXPORT_COLUMNS, *field_columns] if c.key in out.columns]
    about = exports.About(
        title=title,
        filter_text=filter_text,
        exported_by=exported_by,
        exported_at=exported_at,
        extra=[("任务数", view.height)],
    )
    return exports.write_workbook([exports.Sheet(title, out, columns)], about=about)
