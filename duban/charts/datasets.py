"""The chart builder's five datasets as polars frames, their dimensions and measures, and the
scope of each actor (a unit head sees only its own rows, in every dataset).

Built from the frames the pages already cache (the raw read of a data version, the register
frame, the status frames); only inspections and notices are read here (small tables).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from duban.core.permissions import Actor, can
from duban.fields import frame as field_frame
from duban.i18n import t
from duban.monitoring.frames import RawFrames
from duban.monitoring.status import StatusFrames
from models import (
    CustomField,
    FieldKind,
    NoticeKind,
    NoticeStatus,
    TaskCategory,
    TaskStatus,
)

DATASETS = ("tasks", "assignments", "reports", "findings", "notices")
COLOUR_ORDER = ("red", "yellow", "green", "blue", "grey")
LEVEL_ORDER = ("red", "yellow", "blue")
# Measures: count and share everywhere; the others where the dataset has the column.
MEASURES = ("count", "share", "avg_progress", "sum", "avg", "overdue_sum", "overdue_avg")
FIELD_MEASURES = ("sum", "avg")  # over a custom number field
# The task's columns every task-based dataset carries (plus the cf_<id> columns).
TASK_COLUMNS = (
    "task_id",
    "plan_id",
    "phase",
    "category_id",
    "status",
    "colour",
    "progress",
    "overdue_wd",
    "deadline",
    "lead_department_id",
)
GROUPABLE = (FieldKind.choice, FieldKind.multi_choice, FieldKind.department, FieldKind.boolean)
BINNED = (FieldKind.number, FieldKind.date)


@dataclass(frozen=True)
class Dimension:
    """A way to group rows: the frame column, its values in words and their order.

    mode: "value" (labels/order map the raw value), "month" (a date column as YYYY-MM),
    "bins" (a number column in value ranges), "explode" (a list column: one row per item).
    """

    key: str
    label: str
    column: str
    mode: str = "value"
    labels: dict[Any, str] = field(default_factory=dict)
    order: dict[Any, int] = field(default_factory=dict)
    field_id: int | None = None


@dataclass(frozen=True)
class Dataset:
    """One dataset: its rows (unscoped), its dimensions and the measures it supports."""

    name: str
    frame: pl.DataFrame
    dimensions: dict[str, Dimension]
    measures: tuple[str, ...]
    number_fields: dict[int, CustomField]  # custom number fields summable here
    progress_column: str | None
    # how a unit head's rows are chosen: a department_id column, or the task's unit list
    scope_column: str


@dataclass(frozen=True)
class Sources:
    """Everything the datasets are made of, for one data version (cache it)."""

    today: dt.date
    tasks: pl.DataFrame
    assignments: pl.DataFrame
    reports: pl.DataFrame
    findings: pl.DataFrame
    notices: pl.DataFrame
    units: dict[int, tuple[str, int]]  # id -> (short name, sort order)
    plans: dict[int, str]
    phase_order: dict[str, int]
    categories: dict[int, tuple[str, int]]  # id -> (name, sort order)
    fields: list[CustomField]  # the active custom fields (their cf_<id> columns)
    all_fields: dict[int, CustomField]  # retired ones too (to name them in messages)


def build_sources(
    engine: Engine, *, register: pl.DataFrame, status: StatusFrames, raw: RawFrames
) -> Sources:
    """The five datasets' rows from the cached frames (`register`: register.base_frame,
    `status`: status.build_status of the same data version)."""
    with Session(engine) as s:
        fields = list(s.exec(select(CustomField)).all())
        cats = list(s.exec(select(TaskCategory)).all())
        findings = s.execute(_FINDINGS).all()
        notices = s.execute(_NOTICES).all()
    active = sorted(
        (f for f in fields if f.retired_at is None), key=lambda f: (f.sort_order, f.id or 0)
    )
    cf_cols = [field_frame.column(f) for f in active if field_frame.column(f) in register.columns]
    task_cols = [c for c in TASK_COLUMNS if c in register.columns] + cf_cols
    tasks = register.select(*task_cols, "unit_ids")
    task_part = register.select(*[c for c in task_cols if c not in _UNIT_LEVEL])
    a = status.assignments.select(
        "assignment_id",
        "task_id",
        "department_id",
        "role",
        *_UNIT_LEVEL,
    ).with_columns(pl.col("task_id").cast(pl.Int64))
    assignments = a.join(task_part, on="task_id", how="inner")
    reports = (
        raw.reports.select("assignment_id", "percent", "reported_on")
        .join(
            raw.assignments.select("assignment_id", "task_id", "department_id", "role"),
            on="assignment_id",
        )
        .with_columns(pl.col("task_id").cast(pl.Int64))
        .join(register.select(*task_cols), on="task_id", how="inner")
    )
    finding_frame = pl.DataFrame(
        [[*r[:4], _day(r[4]), *r[5:]] for r in findings] or None,
        schema={
            "finding_id": pl.Int64,
            "department_id": pl.Int64,
            "task_id": pl.Int64,
            "finding_status": pl.String,
            "found_on": pl.Date,
            "method": pl.String,
            "result": pl.String,
        },
        orient="row",
    ).join(register.select(*task_cols), on="task_id", how="left")
    notice_frame = pl.DataFrame(
        [
            [
                r[0],
                str(r[1]),
                r[2],
                str(r[3]),
                _day(r[4]),
                r[5],
                "replied" if r[7] else "acknowledged" if r[6] else "pending",
            ]
            for r in notices
        ]
        or None,
        schema={
            "notice_id": pl.Int64,
            "kind": pl.String,
            "level": pl.String,
            "notice_status": pl.String,
            "issued_on": pl.Date,
            "department_id": pl.Int64,
            "answer": pl.String,
        },
        orient="row",
    )
    deps = raw.departments
    units = {
        int(i): (str(n), int(o or 0))
        for i, n, o in deps.select("department_id", "department_short", "sort_order").iter_rows()
    }
    phase_order: dict[str, int] = {}
    for p in raw.plans.sort("plan_id").get_column("phases").to_list():
        for ph in p or []:
            phase_order.setdefault(ph, len(phase_order))
    return Sources(
        today=status.today,
        tasks=tasks,
        assignments=assignments,
        reports=reports,
        findings=finding_frame,
        notices=notice_frame,
        units=units,
        plans=dict(raw.plans.select("plan_id", "plan_title").iter_rows()),
        phase_order=phase_order,
        categories={c.id: (c.name, c.sort_order) for c in cats if c.id is not None},
        fields=[f for f in active if field_frame.column(f) in cf_cols],
        all_fields={f.id: f for f in fields if f.id is not None},
    )


# Findings with their inspection's day, method and result; each issued notice once per
# recipient unit, with where that unit stands (签收, 反馈).
_FINDINGS = text(
    "SELECT f.id, f.department_id, f.task_id, f.status, i.inspected_on, i.method, i.result"
    " FROM finding f JOIN inspection i ON i.id = f.inspection_id"
)
_NOTICES = text(
    "SELECT n.id, n.kind, n.level, n.status, n.issued_at, r.department_id,"
    " r.acknowledged_at, r.replied_at"
    " FROM notice n JOIN notice_recipient r ON r.notice_id = n.id"
    " WHERE n.issued_at IS NOT NULL"
)


def _day(v: object) -> dt.date | None:
    """A date from a row of raw SQL: SQLite gives text ("2026-11-28 09:00:00"), PostgreSQL
    a date or a datetime."""
    if v is None or isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v
    if isinstance(v, dt.datetime):
        return v.date()
    return dt.date.fromisoformat(str(v)[:10])


# The assignment's own light, progress and lateness (the unit's), not the task's.
_UNIT_LEVEL = ("colour", "progress", "overdue_wd")


# ----------------------------------------------------------------------------- dimensions
def _vocab(kind: str, values, lang: str) -> dict[Any, str]:
    return {v: t(f"vocab.{kind}.{v}", lang) for v in values}


def _rank(values) -> dict[Any, int]:
    return {v: i for i, v in enumerate(values)}


def _coded(key: str, label: str, column: str, vocab: str, values, lang: str) -> Dimension:
    """A dimension over stored codes: each shown in the UI's words (vocab.<vocab>.<code>)
    and ordered as `values` lists them."""
    return Dimension(key, label, column, labels=_vocab(vocab, values, lang), order=_rank(values))


def _task_dimensions(src: Sources, lang: str, *, colour_of: str) -> list[Dimension]:
    statuses = [s.value for s in TaskStatus]
    dims = [
        Dimension(
            "plan",
            t("charts.dim.plan", lang),
            "plan_id",
            labels=dict(src.plans),
            order={k: k for k in src.plans},
        ),
        Dimension(
            "phase",
            t("charts.dim.phase", lang),
            "phase",
            labels={p: p for p in src.phase_order},
            order=dict(src.phase_order),
        ),
        Dimension(
            "category",
            t("charts.dim.category", lang),
            "category_id",
            labels={k: v[0] for k, v in src.categories.items()},
            order={k: v[1] for k, v in src.categories.items()},
        ),
        _coded("status", t("charts.dim.status", lang), "status", "task_status", statuses, lang),
        Dimension(
            "colour",
            t(f"charts.dim.{colour_of}", lang),
            "colour",
            labels={c: t(f"chart.light.{c}", lang) for c in COLOUR_ORDER},
            order=_rank(COLOUR_ORDER),
        ),
        Dimension(
            "lead",
            t("charts.dim.lead", lang),
            "lead_department_id",
            labels={k: v[0] for k, v in src.units.items()},
            order={k: v[1] for k, v in src.units.items()},
        ),
        Dimension("deadline_month", t("charts.dim.deadline_month", lang), "deadline", "month"),
    ]
    return dims + custom_dimensions(src, lang)


def custom_dimensions(src: Sources, lang: str) -> list[Dimension]:
    """A dimension per active custom field of a groupable kind (number: value ranges, date:
    month, multiple choice: one row per chosen option, single-line text: the text as typed,
    groups in text order; a top N keeps the biggest). Long text is not grouped by."""
    Words = tuple[dict[Any, str], dict[Any, int]]  # a value's words and its place
    units: Words = (
        {k: v[0] for k, v in src.units.items()},
        {k: v[1] for k, v in src.units.items()},
    )
    yes_no: Words = (
        {True: t("charts.yes", lang), False: t("charts.no", lang)},
        {True: 0, False: 1},
    )
    none: Words = ({}, {})
    out = []
    for f in src.fields:
        kind = FieldKind(f.kind)
        key = field_frame.column(f)
        label = f.label + (f"（{f.unit}）" if f.unit and kind == FieldKind.number else "")
        options: Words = ({o: o for o in f.options}, _rank(f.options))
        ways: dict[FieldKind, tuple[str, Words]] = {
            FieldKind.choice: ("value", options),
            FieldKind.multi_choice: ("explode", options),
            FieldKind.department: ("value", units),
            FieldKind.boolean: ("value", yes_no),
            FieldKind.number: ("bins", none),
            FieldKind.date: ("month", none),
            FieldKind.text: ("value", none),
        }
        if kind in ways:
            mode, (labels, order) = ways[kind]
            out.append(Dimension(key, label, key, mode, labels, order, field_id=f.id))
    return out


def _unit_dimension(src: Sources, lang: str, key: str = "unit") -> Dimension:
    return Dimension(
        key,
        t("charts.dim.unit", lang),
        "department_id",
        labels={k: v[0] for k, v in src.units.items()},
        order={k: v[1] for k, v in src.units.items()},
    )


def _role_dimension(lang: str) -> Dimension:
    roles = ("lead", "responsible")
    return _coded("role", t("charts.dim.role", lang), "role", "role", roles, lang)


def dataset(src: Sources, name: str, *, lang: str = "zh") -> Dataset:
    """The named dataset (unscoped: pass it through `scoped` before showing it)."""
    numbers = {f.id: f for f in src.fields if f.kind == FieldKind.number and f.id is not None}
    if name == "tasks":
        dims = _task_dimensions(src, lang, colour_of="colour")
        return Dataset(
            name,
            src.tasks,
            {d.key: d for d in dims},
            MEASURES,
            numbers,
            "progress",
            "unit_ids",
        )
    if name == "assignments":
        dims = [_unit_dimension(src, lang), _role_dimension(lang)]
        dims += _task_dimensions(src, lang, colour_of="unit_colour")
        return Dataset(
            name,
            src.assignments,
            {d.key: d for d in dims},
            MEASURES,
            numbers,
            "progress",
            "department_id",
        )
    if name == "reports":
        dims = [
            _unit_dimension(src, lang),
            _role_dimension(lang),
            Dimension("month", t("charts.dim.report_month", lang), "reported_on", "month"),
        ]
        dims += _task_dimensions(src, lang, colour_of="colour")
        return Dataset(
            name,
            src.reports,
            {d.key: d for d in dims},
            ("count", "share", "avg_progress", "sum", "avg"),
            numbers,
            "percent",
            "department_id",
        )
    if name == "findings":
        states = ("open", "answered", "accepted")
        methods = ("on_site", "unannounced", "written", "special")
        results = ("good", "fairly_good", "average", "poor")
        dims = [
            _unit_dimension(src, lang),
            _coded(
                "finding_status",
                t("charts.dim.finding_status", lang),
                "finding_status",
                "rectification",
                states,
                lang,
            ),
            Dimension("month", t("charts.dim.found_month", lang), "found_on", "month"),
            _coded(
                "method", t("charts.dim.method", lang), "method", "inspection_method", methods, lang
            ),
            _coded(
                "result", t("charts.dim.result", lang), "result", "inspection_result", results, lang
            ),
        ]
        dims += [
            d
            for d in _task_dimensions(src, lang, colour_of="colour")
            if d.key not in ("status", "lead")
        ]
        return Dataset(
            name,
            src.findings,
            {d.key: d for d in dims},
            ("count", "share", "sum", "avg"),
            numbers,
            None,
            "department_id",
        )
    if name == "notices":
        kinds = [k.value for k in NoticeKind]
        answers = ("pending", "acknowledged", "replied")
        sent = (NoticeStatus.issued.value, NoticeStatus.withdrawn.value)
        dims = [
            _unit_dimension(src, lang, "unit"),
            _coded("kind", t("charts.dim.kind", lang), "kind", "notice_kind", kinds, lang),
            _coded(
                "level", t("charts.dim.level", lang), "level", "notice_level", LEVEL_ORDER, lang
            ),
            Dimension("month", t("charts.dim.issued_month", lang), "issued_on", "month"),
            Dimension(
                "notice_status",
                t("charts.dim.notice_status", lang),
                "notice_status",
                labels={s: t(f"charts.notice_status.{s}", lang) for s in sent},
                order=_rank(sent),
            ),
            Dimension(
                "answer",
                t("charts.dim.answer", lang),
                "answer",
                labels={a: t(f"charts.answer.{a}", lang) for a in answers},
                order=_rank(answers),
            ),
        ]
        return Dataset(
            name,
            src.notices,
            {d.key: d for d in dims},
            ("count", "share"),
            {},
            None,
            "department_id",
        )
    raise KeyError(name)


def scoped(ds: Dataset, actor: Actor) -> pl.DataFrame:
    """The dataset's rows the actor may see: everything for the roles that read every task;
    a unit head only its unit's rows (tasks it is assigned to; its own assignments, reports
    and findings; the notices sent to it)."""
    if can(actor, "task.read_all"):
        return ds.frame
    if actor.department_id is None:
        return ds.frame.clear()
    d = actor.department_id
    if ds.scope_column == "unit_ids":
        return ds.frame.filter(pl.col("unit_ids").list.contains(d))
    return ds.frame.filter(pl.col(ds.scope_column) == d)
