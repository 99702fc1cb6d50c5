"""批量赋值: one value of 事项来源 or of a custom field for every task of the register's view
(the office classifies a filtered set at once instead of cell by cell), through the task
service row by row: permission, version and an audit row per task."""

import polars as pl
import streamlit as st

from duban.core.permissions import Actor
from duban.tasks import manage
from ui.common import flash, plain
from ui.context import session, t
from ui.fields.inputs import category_input, field_input, initial
from ui.fields.lookup import Lookup, field_label, lookup

CATEGORY = "category"
SET_MAX = 500  # tasks per 批量赋值 (each is one audited service call)


def bulk_set(view: pl.DataFrame, me: Actor) -> None:
    """An expander above the bulk editor: what to set, its value, and for how many tasks."""
    lk = lookup()
    fields = {f.id: f for f in lk.active_fields(any_plan=True)}
    # keyed: it stays open across the reruns its own widgets cause (and a flash above it)
    with st.expander(t("bulkset.title", n=view.height), key="bs_box"):
        what = st.selectbox(
            t("bulkset.what"),
            [CATEGORY, *fields],
            format_func=lambda k: t("fields.category") if k == CATEGORY else field_label(fields[k]),
            key="bs_what",
        )
        field = fields.get(what) if what != CATEGORY else None
        if field is None:
            value = category_input("bs_value_category", None, lk)
            rows = view
        else:
            value = field_input(f"bs_value_{field.id}", field, initial(field, None), lk)
            rows = (
                view if field.plan_id is None else view.filter(pl.col("plan_id") == field.plan_id)
            )
        skipped = view.height - rows.height
        capped = rows.height > SET_MAX
        rows = rows.head(SET_MAX)
        words = t("bulkset.scope", n=rows.height)
        if skipped:
            words += t("punct.gap") + t("bulkset.other_plans", n=skipped)
        if capped:
            words += t("punct.gap") + t("bulkset.capped", n=SET_MAX)
        st.caption(words)
        if not st.button(
            t("bulkset.apply"), key="bs_apply", type="primary", disabled=rows.is_empty()
        ):
            return
        _apply(me, rows, field, value, lk)


def _apply(me: Actor, rows: pl.DataFrame, field, value, lk: Lookup) -> None:
    change = {"category_id": value} if field is None else {"custom": {field.id: value}}
    todo = [
        {"task_id": tid, "expected_version": ver, "code": code, **change}
        for tid, ver, code in rows.select("task_id", "version", "code").iter_rows()
    ]
    with session() as db:
        results = manage.bulk_update(db, actor=me, rows=todo)
    ok = [r for r in results if r.ok]
    bad = [r for r in results if not r.ok]
    if not bad:
        flash(t("bulkset.done", n=len(ok)))
        st.rerun()
    if ok:
        st.success(t("bulkset.done", n=len(ok)))
    for r in bad[:20]:
        st.error(t("tasks.bulk_bad", code=plain(r.code), msg=plain(r.message)), icon="⚠️")
    if len(bad) > 20:
        st.caption(t("bulkset.more_errors", n=len(bad) - 20))
