"""Bulk editing of the register's view, through the services."""

import zlib

import polars as pl
import streamlit as st

from duban.core.permissions import Actor
from duban.tasks import cycles_set, manage
from ui.common import EMPTY_CELL, plain
from ui.context import data_version, session, t
from ui.fields import columns as field_columns
from ui.fields.lookup import lookup
from ui.tasks import bulk_set
from ui.tasks._format import editor_date
from ui.tasks.table import choices


def bulk_key(version: int, task_ids) -> str:
    """The editor's key changes with the data and with the rows shown, so that an edit made
    under one filter is never applied by position to the rows of another."""
    ids = ",".join(str(int(i)) for i in task_ids)
    return f"bulk_{version}_{zlib.crc32(ids.encode()):08x}"


BULK_MAX = 500  # rows in the bulk editor (a 20,000-row editor costs seconds every run)


def _own_cycle_words(view: pl.DataFrame) -> pl.Expr:
    """The task's own 报送频次 as typed in Chinese words (empty: the plan's default), one
    reading per distinct code."""
    codes = [c for c in view["task_cycle"].unique().to_list() if c]
    words = {c: cycles_set.words(c) for c in codes}
    if not words:
        return pl.lit("").alias("cycle")
    return pl.col("task_cycle").replace_strict(words, default="").alias("cycle")


def bulk_editor(view: pl.DataFrame, me: Actor) -> None:
    """Deadlines, units, 事项来源 and custom fields of the current view in a data editor,
    saved row by row (only the changed cells)."""
    bulk_set.bulk_set(view, me)
    depts = choices()["depts"]
    names = {v: k for k, v in depts.items()}
    if view.height > BULK_MAX:
        st.caption(t("limits.bulk_capped", shown=BULK_MAX, total=view.height))
        view = view.head(BULK_MAX)
    extra = field_columns.editor_columns(view, lookup())
    base = view.select(
        "task_id",
        "version",
        "plan_id",
        "code",
        "title",
        "deadline",
        "lead_name",
        pl.col("responsible_names")
        .str.split("、")
        .list.eval(pl.element().filter(pl.element() != ""))
        .alias("resp"),
        _own_cycle_words(view),
        *extra.exprs,
    ).to_pandas()
    base = field_columns.to_editor(base, extra)
    base["resp"] = base["resp"].map(lambda v: [str(x) for x in v] if v is not None else [])
    hint = t("tasks.bulk_hint") + t("punct.gap") + t("cyc.bulk_help")
    if extra.config:
        hint += t("punct.gap") + t("fields.bulk_hint")
    st.caption(hint)
    edited = st.data_editor(
        base,
        hide_index=True,
        width="stretch",
        key=bulk_key(data_version(), base["task_id"]),
        disabled=["task_id", "version", "plan_id", "code", "title"],
        column_config={
            "task_id": None,
            "version": None,
            "plan_id": None,
            # pinned: the row stays named while the grid scrolls to the custom fields
            "code": st.column_config.TextColumn(t("tasks.col_code"), width="small", pinned=True),
            "title": st.column_config.TextColumn(t("tasks.col_title"), width="medium", pinned=True),
            "deadline": st.column_config.DateColumn(
                t("tasks.col_deadline"), format="YYYY-MM-DD", required=True, width=100
            ),
            "lead_name": st.column_config.SelectboxColumn(
                t("tasks.col_lead"), options=list(names), required=True
            ),
            "resp": st.column_config.MultiselectColumn(
                t("tasks.col_resp"), options=list(names), width="large"
            ),
            "cycle": st.column_config.TextColumn(
                t("cyc.label"), help=t("cyc.bulk_help"), max_chars=30, width="small"
            ),
            **extra.config,
        },
        placeholder=EMPTY_CELL,
    )
    if not st.button(t("tasks.bulk_save"), type="primary", key="bulk_save"):
        return
    rows = []
    refused: list[manage.BulkResult] = []
    for old, new in zip(base.to_dict("records"), edited.to_dict("records"), strict=True):
        change, why = field_columns.row_changes(old, new, int(old["plan_id"]), extra)
        if why is not None:  # a field of another plan filled in: the whole row waits
            refused.append(manage.BulkResult(int(old["task_id"]), old["code"], False, why))
            continue
        nd = editor_date(new["deadline"])
        if nd != editor_date(old["deadline"]):
            change["deadline"] = nd
        new_resp = [n for n in list(new["resp"] if new["resp"] is not None else []) if n in names]
        units_changed = new["lead_name"] != old["lead_name"] or sorted(new_resp) != sorted(
            old["resp"]
        )
        if units_changed and new["lead_name"] in names:
            lead_id = names[new["lead_name"]]
            change["lead_department_id"] = lead_id
            # a unit made lead leaves the responsible list rather than being refused
            change["responsible_department_ids"] = [
                names[n] for n in dict.fromkeys(new_resp) if names[n] != lead_id
            ]
        new_cycle = (new["cycle"] or "").strip() if isinstance(new["cycle"], str) else ""
        if new_cycle != (old["cycle"] or ""):
            change["report_cycle"] = new_cycle  # read by the service; a bad one fails its row
        if change:
            rows.append(
                {
                    "task_id": int(old["task_id"]),
                    "expected_version": int(old["version"]),
                    "code": old["code"],
                    **change,
                }
            )
    if not rows and not refused:
        st.info(t("tasks.bulk_nothing"))
        return
    results = refused
    if rows:
        with session() as db:
            results = manage.bulk_update(db, actor=me, rows=rows) + refused
    ok = [r for r in results if r.ok]
    bad = [r for r in results if not r.ok]
    if ok:
        st.success(t("tasks.bulk_ok", n=len(ok)))
    for r in bad:
        st.error(t("tasks.bulk_bad", code=plain(r.code), msg=plain(r.message)), icon="⚠️")
