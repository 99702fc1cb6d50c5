"""事项来源 and the custom fields as columns of the bulk editor: the register's typed columns
(cf_<id>) made editable, each of its kind, and an edited row's changes as the task services
take them (`category_id`, `custom` with only the edited fields)."""

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
import polars as pl
import streamlit as st

from duban.fields import frame as field_frame
from models import CustomField, FieldKind
from ui.context import t
from ui.fields.lookup import Lookup, field_label

CATEGORY = "category"


@dataclass
class Columns:
    """What the bulk editor adds: the columns (as polars expressions over the register
    view), their config, and how to read an edited row back."""

    exprs: list[pl.Expr]
    config: dict[str, Any]
    fields: list[CustomField]
    category_ids: dict[str, int]  # category name → id (the SelectboxColumn holds names)
    dept_ids: dict[str, int]  # active unit name → id
    plans: dict[int, str]


def editor_columns(view: pl.DataFrame, lk: Lookup) -> Columns:
    """The category column (when the register has it) and one per active field it has."""
    exprs: list[pl.Expr] = []
    config: dict[str, Any] = {}
    if CATEGORY in view.columns:
        shown = [c for c in view[CATEGORY].unique().to_list() if c]
        names = [c.name for c in lk.categories if c.retired_at is None]
        names += [n for n in shown if n not in names]  # a retired one a task still has
        exprs.append(pl.col(CATEGORY))
        config[CATEGORY] = st.column_config.SelectboxColumn(
            t("fields.category"), options=names, width="medium"
        )
    fields = [f for f in lk.active_fields(any_plan=True) if field_frame.column(f) in view.columns]
    for f in fields:
        name = field_frame.column(f)
        expr = pl.col(name)
        if f.kind == FieldKind.department:
            expr = expr.replace_strict(lk.dept_names, default=None, return_dtype=pl.String)
        exprs.append(expr.alias(name))
        config[name] = _column(f, lk, view[name])
    return Columns(
        exprs=exprs,
        config=config,
        fields=fields,
        category_ids={c.name: c.id for c in lk.categories if c.id is not None},
        dept_ids={n: i for i, n in lk.depts.items()},
        plans=lk.plans,
    )


def _column(f: CustomField, lk: Lookup, values: pl.Series) -> Any:
    label = field_label(f)
    help_text = f.help or None
    if f.plan_id is not None:  # said in the header's tooltip: other rows stay empty
        scope = t("fields.only_plan", plan=lk.plans.get(f.plan_id, str(f.plan_id)))
        help_text = f"{help_text}　{scope}" if help_text else scope
    kind = FieldKind(f.kind)
    cc = st.column_config
    if kind == FieldKind.number:
        return cc.NumberColumn(label, help=help_text)
    if kind == FieldKind.date:
        return cc.DateColumn(label, help=help_text, format="YYYY-MM-DD")
    if kind == FieldKind.choice:
        kept = [v for v in values.unique().to_list() if v and v not in f.options]
        return cc.SelectboxColumn(label, help=help_text, options=[*f.options, *kept])
    if kind == FieldKind.multi_choice:
        return cc.MultiselectColumn(label, help=help_text, options=list(f.options))
    if kind == FieldKind.department:
        return cc.SelectboxColumn(label, help=help_text, options=list(lk.depts.values()))
    if kind == FieldKind.boolean:
        return cc.CheckboxColumn(label, help=help_text)
    limit = 200 if kind == FieldKind.text else 5000
    return cc.TextColumn(label, help=help_text, max_chars=limit)


def to_editor(base: pd.DataFrame, cols: Columns) -> pd.DataFrame:
    """pandas cells the editor takes: lists for multiple choice (not numpy arrays)."""
    for f in cols.fields:
        if f.kind == FieldKind.multi_choice:
            name = field_frame.column(f)
            base[name] = base[name].map(lambda v: [str(x) for x in v] if v is not None else [])
    return base


def _empty(v: Any) -> bool:
    if v is None or v is pd.NaT:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if isinstance(v, str):
        return not v.strip()
    if isinstance(v, list | tuple):
        return not v
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _date(v: Any) -> dt.date | None:
    """A date cell: the editor gives an ISO string for an edit, a Timestamp for the rest."""
    if isinstance(v, str):
        return dt.date.fromisoformat(v.strip()[:10])
    if isinstance(v, pd.Timestamp | dt.datetime):
        return v.date()
    return v if isinstance(v, dt.date) else None


def _norm(f: CustomField, v: Any) -> Any:
    """A cell as a comparable value (None: empty)."""
    if f.kind == FieldKind.multi_choice:
        items = [str(x) for x in (list(v) if v is not None and not isinstance(v, str) else [])]
        return sorted(items) or None
    if _empty(v):
        return None
    if f.kind == FieldKind.date:
        return _date(v)
    if f.kind == FieldKind.number:
        return float(v)
    if f.kind == FieldKind.boolean:
        return bool(v)
    return str(v).strip() if isinstance(v, str) else v


def row_changes(old: dict, new: dict, plan_id: int, cols: Columns) -> tuple[dict, str | None]:
    """({"category_id"?, "custom"?} with only what was edited, None) or ({}, why the row is
    refused) when a field of another plan was filled in."""
    change: dict[str, Any] = {}
    if CATEGORY in old:
        before = None if _empty(old[CATEGORY]) else old[CATEGORY]
        after = None if _empty(new[CATEGORY]) else new[CATEGORY]
        if after != before:
            # a name that is not a category is sent as -1: the service refuses the row
            change["category_id"] = None if after is None else cols.category_ids.get(after, -1)
    custom: dict[int, Any] = {}
    for f in cols.fields:
        name = field_frame.column(f)
        before, after = _norm(f, old[name]), _norm(f, new[name])
        if after == before:
            continue
        if f.plan_id is not None and f.plan_id != plan_id:
            return {}, t("fields.bulk_not_here", label=f.label)
        if f.kind == FieldKind.department and after is not None:
            after = cols.dept_ids.get(after, after)
        custom[f.id] = after  # type: ignore[index]
    if custom:
        change["custom"] = custom
    return change, None
