"""系统管理 › 自定义字段 and 事项来源: the office's fields and categories, each edit saved
against the version its form opened with, 停用/恢复 after an explicit tick."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd
import streamlit as st
from sqlmodel import Session

from duban.core.permissions import Actor
from duban.fields import categories, definitions, usage
from duban.tasks import reading
from models import CustomField, FieldKind, TaskCategory
from ui.common import (
    EMPTY_CELL,
    bump,
    empty_state,
    flash,
    opened_version,
    plain,
    seen_version,
    show_errors,
)
from ui.context import session, t
from ui.fields.lookup import KIND_KEYS, category_label, kind_label

Item = TypeVar("Item", CustomField, TaskCategory)
KINDS = list(FieldKind)
CHOICE_KINDS = (FieldKind.choice, FieldKind.multi_choice)


# ------------------------------------------------------------------ 自定义字段


def fields_tab(me: Actor) -> None:
    with session() as db:
        fields = definitions.list_fields(db, include_retired=True)
        used = usage.value_counts(db, fields)
        plans = {p.id: p.title for p in reading.list_plans(db)}
    st.caption(t("fields.caption"))
    active = [f for f in fields if f.retired_at is None]
    retired = [f for f in fields if f.retired_at is not None]
    st.subheader(t("fields.active_title"), anchor=False)
    if active:
        _fields_table(active, used, plans)
    else:
        empty_state(t("fields.none"))
    if retired:
        st.subheader(t("fields.retired_title"), anchor=False)
        st.caption(t("fields.retired_caption"))
        _fields_table(retired, used, plans)
    left, right = st.columns(2)
    with left:
        _new_field(me, plans)
    with right:
        _edit_field(me, fields, plans)


def _scope(f: CustomField, plans: dict) -> str:
    return t("fields.scope_all") if f.plan_id is None else plans.get(f.plan_id, str(f.plan_id))


def _fields_table(fields: list[CustomField], used: dict, plans: dict) -> None:
    rows = [
        {
            t("fields.col_label"): f.label,
            t("fields.col_kind"): kind_label(f),
            t("fields.col_options"): t("punct.enum").join(f.options) if f.options else f.unit or "",
            t("fields.col_scope"): _scope(f, plans),
            t("fields.col_required"): t("yes") if f.required else t("no"),
            t("fields.col_order"): f.sort_order,
            t("fields.col_help"): f.help,
            t("fields.col_used"): used.get(f.id, 0),
            t("fields.col_retired"): t("yes") if f.retired_at else t("no"),
        }
        for f in fields
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", placeholder=EMPTY_CELL)


def _scope_input(label_key: str, plans: dict, current: int | None, key: str) -> int | None:
    opts = [None, *plans]
    return st.selectbox(
        t(label_key),
        opts,
        index=opts.index(current) if current in opts else 0,
        format_func=lambda i: t("fields.scope_all") if i is None else plans[i],
        key=key,
        placeholder=t("form.choose"),
    )


def _options(raw: str) -> list[str]:
    return [line.strip() for line in raw.splitlines() if line.strip()]


def _new_field(me: Actor, plans: dict) -> None:
    """Not an st.form: the unit and the options appear for the kinds that have them."""
    st.subheader(t("fields.new_title"), anchor=False)
    k = f"cf_new_{st.session_state.get('cf_new_n', 0)}"
    label = st.text_input(t("fields.f_label") + " *", max_chars=40, key=f"{k}_label")
    kind = st.selectbox(
        t("fields.f_kind"),
        KINDS,
        format_func=lambda x: t(KIND_KEYS[x]),
        key=f"{k}_kind",
        placeholder=t("form.choose"),
    )
    unit = ""
    options = ""
    if kind == FieldKind.number:
        unit = st.text_input(t("fields.f_unit"), max_chars=20, key=f"{k}_unit")
    if kind in CHOICE_KINDS:
        options = st.text_area(t("fields.f_options") + " *", height=120, key=f"{k}_options")
    required = st.checkbox(t("fields.f_required"), key=f"{k}_required")
    order = st.number_input(t("fields.f_order"), value=0, step=10, key=f"{k}_order")
    help_text = st.text_input(t("fields.f_help"), max_chars=200, key=f"{k}_help")
    scope = _scope_input("fields.f_scope", plans, None, f"{k}_scope")
    if not st.button(t("fields.add"), type="primary", key=f"{k}_add"):
        return
    with show_errors(), session() as db:
        field = definitions.create_field(
            db,
            actor=me,
            label=label,
            kind=kind,
            unit=unit or None,
            options=_options(options),
            required=required,
            sort_order=int(order),
            help=help_text,
            plan_id=scope,
        )
        bump("cf_new_n")
        flash(t("fields.added", label=plain(field.label)))
        st.rerun()


def _field_values(f: CustomField) -> dict:
    return {
        "label": f.label,
        "unit": f.unit or "",
        "options": "\n".join(f.options),
        "required": f.required,
        "sort_order": f.sort_order,
        "help": f.help,
        "plan_id": f.plan_id,
    }


def _edit_field(me: Actor, fields: list[CustomField], plans: dict) -> None:
    st.subheader(t("fields.edit_title"), anchor=False)
    if not fields:
        empty_state(t("fields.none"))
        return
    f = _pick(fields, t("fields.pick"), "cf_pick", _field_name)
    if f is None or f.id is None:
        return
    field_id = f.id
    version, values = opened_version(f"cf_{f.id}", f.version, lambda: _field_values(f))
    fk = f"cf_{f.id}_{version}"
    kind = FieldKind(f.kind)
    with st.form(f"{fk}_form"):
        st.caption(t("fields.kind_fixed", kind=kind_label(f)))
        label = st.text_input(
            t("fields.f_label") + " *", value=values["label"], max_chars=40, key=f"{fk}_label"
        )
        unit = values["unit"]
        options = values["options"]
        if kind == FieldKind.number:
            unit = st.text_input(t("fields.f_unit"), value=unit, max_chars=20, key=f"{fk}_unit")
        if kind in CHOICE_KINDS:
            options = st.text_area(
                t("fields.f_options") + " *", value=options, height=120, key=f"{fk}_options"
            )
        required = st.checkbox(
            t("fields.f_required"), value=values["required"], key=f"{fk}_required"
        )
        order = st.number_input(
            t("fields.f_order"), value=values["sort_order"], step=10, key=f"{fk}_order"
        )
        help_text = st.text_input(
            t("fields.f_help"), value=values["help"], max_chars=200, key=f"{fk}_help"
        )
        scope = _scope_input("fields.f_scope", plans, values["plan_id"], f"{fk}_scope")
        ok = st.form_submit_button(t("admin.save"), type="primary")
    if ok:
        with show_errors(), session() as db:
            definitions.update_field(
                db,
                actor=me,
                field_id=field_id,
                expected_version=version,
                label=label,
                unit=unit or None,
                options=_options(options),
                required=required,
                sort_order=int(order),
                help=help_text,
                plan_id=scope,
            )
            flash(t("admin.saved"))
            st.rerun()
    _toggle(
        f,
        f.label,
        FIELD_TOGGLE,
        lambda db, seen, retired: definitions.set_retired(
            db, actor=me, field_id=field_id, expected_version=seen, retired=retired
        ),
    )


def _field_name(f: CustomField) -> str:
    return t("fields.pick_retired", label=f.label) if f.retired_at else f.label


def _pick(items: Sequence[Item], label: str, key: str, name: Callable[[Item], str]) -> Item | None:
    """The field or category to edit, retired ones marked."""
    by_id = {x.id: x for x in items}
    chosen = st.selectbox(
        label,
        list(by_id),
        format_func=lambda i: name(by_id[i]),
        key=key,
        placeholder=t("form.choose"),
    )
    return by_id.get(chosen)


@dataclass(frozen=True)
class _ToggleWords:
    """The keys (widgets) and words (i18n) of one kind of thing's 停用/恢复."""

    key: str
    retire: str
    restore: str
    retire_confirm: str
    restore_confirm: str
    retired_ok: str
    restored_ok: str


FIELD_TOGGLE = _ToggleWords(
    "cf",
    "fields.retire",
    "fields.restore",
    "fields.retire_confirm",
    "fields.restore_confirm",
    "fields.retired_ok",
    "fields.restored_ok",
)
CATEGORY_TOGGLE = _ToggleWords(
    "cat",
    "fields.cat_retire",
    "fields.cat_restore",
    "fields.cat_retire_confirm",
    "fields.cat_restore_confirm",
    "fields.cat_retired_ok",
    "fields.cat_restored_ok",
)


def _toggle(
    item: Item, name: str, words: _ToggleWords, set_retired: Callable[[Session, int, bool], object]
) -> None:
    """停用 or 恢复, acting on the item as the user saw it (`set_retired(db, version,
    retired)`), after a tick."""
    seen = seen_version(f"{words.key}_toggle_{item.id}", item.version)
    retiring = item.retired_at is None
    sure = st.checkbox(
        t(words.retire_confirm if retiring else words.restore_confirm),
        key=f"{words.key}_toggle_ok_{item.id}_{item.version}",
    )
    if not st.button(
        t(words.retire if retiring else words.restore), key=f"{words.key}_toggle_{item.id}"
    ):
        return
    if not sure:
        st.warning(t("fields.need_confirm"))
        return
    with show_errors(), session() as db:
        set_retired(db, seen, retiring)
        said = plain(name)
        flash(t(words.retired_ok if retiring else words.restored_ok, label=said, name=said))
        st.rerun()


# ------------------------------------------------------------------ 事项来源


def categories_tab(me: Actor) -> None:
    with session() as db:
        cats = categories.list_categories(db, include_retired=True)
        counts = categories.task_counts(db)
    st.caption(t("fields.cat_caption"))
    if cats:
        _categories_table(cats, counts)
    else:
        empty_state(t("fields.cat_none"))
    left, right = st.columns(2)
    with left:
        _new_category(me)
    with right:
        _edit_category(me, cats)


def _categories_table(cats: list[TaskCategory], counts: dict) -> None:
    rows = [
        {
            t("fields.cat_col_name"): c.name,
            t("fields.cat_col_weight"): c.weight,
            t("fields.cat_col_order"): c.sort_order,
            t("fields.cat_col_tasks"): counts.get(c.id, 0),
            t("fields.cat_col_status"): t(
                "fields.cat_retired" if c.retired_at else "fields.cat_active"
            ),
        }
        for c in cats
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        placeholder=EMPTY_CELL,
        column_config={
            t("fields.cat_col_weight"): st.column_config.NumberColumn(
                help=t("fields.cat_weight_help"), format="%g"
            )
        },
    )


def _category_inputs(fk: str, values: dict) -> tuple[str, float, int]:
    name = st.text_input(
        t("fields.cat_f_name") + " *", value=values["name"], max_chars=40, key=f"{fk}_name"
    )
    weight = st.number_input(
        t("fields.cat_f_weight"),
        min_value=0.0,
        max_value=10.0,
        value=float(values["weight"]),
        step=0.5,
        help=t("fields.cat_weight_help"),
        key=f"{fk}_weight",
    )
    order = st.number_input(
        t("fields.cat_f_order"), value=int(values["sort_order"]), step=10, key=f"{fk}_order"
    )
    return name, float(weight), int(order)


def _new_category(me: Actor) -> None:
    st.subheader(t("fields.cat_new_title"), anchor=False)
    fk = f"cat_new_{st.session_state.get('cat_new_n', 0)}"
    with st.form(f"{fk}_form"):
        name, weight, order = _category_inputs(fk, {"name": "", "weight": 1.0, "sort_order": 0})
        ok = st.form_submit_button(t("fields.cat_add"), type="primary")
    if not ok:
        return
    with show_errors(), session() as db:
        cat = categories.create_category(db, actor=me, name=name, weight=weight, sort_order=order)
        bump("cat_new_n")
        flash(t("fields.cat_added", name=plain(cat.name)))
        st.rerun()


def _edit_category(me: Actor, cats: list[TaskCategory]) -> None:
    st.subheader(t("fields.cat_edit_title"), anchor=False)
    if not cats:
        return
    c = _pick(cats, t("fields.cat_pick"), "cat_pick", category_label)
    if c is None or c.id is None:
        return
    category_id = c.id
    version, values = opened_version(
        f"cat_{c.id}",
        c.version,
        lambda: {"name": c.name, "weight": c.weight, "sort_order": c.sort_order},
    )
    fk = f"cat_{c.id}_{version}"
    with st.form(f"{fk}_form"):
        name, weight, order = _category_inputs(fk, values)
        ok = st.form_submit_button(t("admin.save"), type="primary")
    if ok:
        with show_errors(), session() as db:
            categories.update_category(
                db,
                actor=me,
                category_id=category_id,
                expected_version=version,
                name=name,
                weight=weight,
                sort_order=order,
            )
            flash(t("admin.saved"))
            st.rerun()
    _toggle(
        c,
        c.name,
        CATEGORY_TOGGLE,
        lambda db, seen, retired: categories.set_retired(
            db, actor=me, category_id=category_id, expected_version=seen, retired=retired
        ),
    )


TABS = [(80, "fields.tab_fields", fields_tab), (85, "fields.tab_categories", categories_tab)]
