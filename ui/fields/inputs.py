"""The task form's 事项来源 and 自定义字段 inputs: one widget per active field of the task's
plan, what it returns as the task services take it (`custom={field id: value}`)."""

import datetime as dt
from typing import Any

import streamlit as st

from models import CustomField, FieldKind
from ui.common import DATE_FORMAT, plain, plain_line
from ui.context import t
from ui.fields.lookup import Lookup, category_label, field_label

_DATE_MIN = dt.date(1990, 1, 1)
_DATE_MAX = dt.date(2100, 12, 31)


def category_input(key: str, current: int | None, lk: Lookup) -> int | None:
    """The active categories, and the task's own even if it was retired since (marked)."""
    cats = {c.id: c for c in lk.categories if c.retired_at is None or c.id == current}
    opts = [None, *cats]
    return st.selectbox(
        t("fields.category"),
        opts,
        index=opts.index(current) if current in opts else 0,
        format_func=lambda i: t("fields.empty_choice") if i is None else category_label(cats[i]),
        key=key,
        placeholder=t("form.choose"),
    )


def initial(f: CustomField, stored: Any) -> Any:
    """A stored value as its widget shows it (None: empty)."""
    if stored is None:
        return [] if f.kind == FieldKind.multi_choice else None
    kind = FieldKind(f.kind)
    if kind in (FieldKind.text, FieldKind.long_text):
        return str(stored)
    if kind == FieldKind.number:
        return float(stored)
    if kind == FieldKind.date:
        try:
            return dt.date.fromisoformat(str(stored))
        except ValueError:
            return None
    if kind == FieldKind.multi_choice:
        return list(stored) if isinstance(stored, list) else [str(stored)]
    if kind == FieldKind.department:
        return int(stored)
    if kind == FieldKind.boolean:
        return bool(stored)
    return stored


def _label(f: CustomField) -> str:
    return plain_line(field_label(f)) + (" *" if f.required else "")


def field_input(key: str, f: CustomField, value: Any, lk: Lookup) -> Any:
    """One field's widget, showing `value` (as `initial` gives it); returns what was entered."""
    kind = FieldKind(f.kind)
    label = _label(f)
    help_text = plain(f.help) if f.help else None
    if kind == FieldKind.text:
        return st.text_input(label, value=value or "", help=help_text, key=key)
    if kind == FieldKind.long_text:
        return st.text_area(label, value=value or "", help=help_text, height=80, key=key)
    if kind == FieldKind.number:
        return st.number_input(
            label, value=value, step=1.0, format="%g", help=help_text, key=key, placeholder="—"
        )
    if kind == FieldKind.date:
        return st.date_input(
            label,
            value=value,
            min_value=_DATE_MIN,
            max_value=_DATE_MAX,
            format=DATE_FORMAT,
            help=help_text,
            key=key,
        )
    if kind == FieldKind.choice:
        # an option the office took away stays on the tasks that have it, shown as it was
        opts = [None, *f.options, *([value] if value and value not in f.options else [])]
        return st.selectbox(
            label,
            opts,
            index=opts.index(value),
            format_func=lambda o: t("fields.empty_choice") if o is None else o,
            help=help_text,
            key=key,
            placeholder=t("form.choose"),
        )
    if kind == FieldKind.multi_choice:
        extra = [v for v in value if v not in f.options]
        return st.multiselect(
            label,
            [*f.options, *extra],
            default=value,
            help=help_text,
            key=key,
            placeholder=t("form.choose_many"),
            select_all=False,
        )
    if kind == FieldKind.department:
        names = {**lk.depts, **({value: lk.dept_names.get(value, str(value))} if value else {})}
        opts = [None, *names]
        return st.selectbox(
            label,
            opts,
            index=opts.index(value) if value in opts else 0,
            format_func=lambda i: t("fields.empty_choice") if i is None else names[i],
            help=help_text,
            key=key,
            placeholder=t("form.choose"),
        )
    bool_opts: list[bool | None] = [None, True, False]
    words = {None: t("fields.empty_choice"), True: t("fields.bool_yes"), False: t("fields.bool_no")}
    return st.selectbox(
        label,
        bool_opts,
        index=bool_opts.index(value),
        format_func=words.__getitem__,
        help=help_text,
        key=key,
        placeholder=t("form.choose"),
    )


def custom_inputs(
    key: str, fields: list[CustomField], stored: dict, lk: Lookup, *, changed_only: bool
) -> dict[int, Any]:
    """The 自定义字段 section: a widget per field, two a row (long text across).

    Returns {field id: entered value}: for a new task the fields filled in (the service then
    names every required one left empty); for an edit only the fields the user changed, so
    that a value the office has since made invalid (an option taken away) does not block an
    unrelated edit."""
    if not fields:
        return {}
    st.markdown(f"##### {t('fields.section')}")
    entered: dict[int, tuple[Any, Any]] = {}
    for row in _rows(fields):
        cols = st.columns(len(row)) if len(row) > 1 else [st.container()]
        for col, f in zip(cols, row, strict=True):
            assert f.id is not None
            before = initial(f, stored.get(str(f.id)))
            with col:
                entered[f.id] = (before, field_input(f"{key}_cf_{f.id}", f, before, lk))
    if changed_only:
        return {i: value for i, (before, value) in entered.items() if value != before}
    return {i: value for i, (_, value) in entered.items() if value not in (None, "", [])}


def _rows(fields: list[CustomField]) -> list[list[CustomField]]:
    """Two fields a row in their order; a long text on a row of its own."""
    rows: list[list[CustomField]] = []
    for f in fields:
        pairs_up = rows and len(rows[-1]) == 1 and rows[-1][0].kind != FieldKind.long_text
        if f.kind != FieldKind.long_text and pairs_up:
            rows[-1].append(f)
        else:
            rows.append([f])
    return rows
