"""任务台账: the office runs the register; leaders and inspectors read it."""

import streamlit as st

from duban.core.filenames import download_name
from duban.core.permissions import can
from duban.tasks import register
from ui.common import empty_state, header, show_flash
from ui.context import actor, t
from ui.tasks import actions, bulk, detail, form, table

me = actor()
header("page.tasks")
show_flash()
is_office = can(me, "task.edit")

names = ["register"] + (["new", "bulk", "extensions"] if is_office else [])
tabs = dict(zip(names, st.tabs([t(f"tasks.tab_{n}") for n in names]), strict=True))

with tabs["register"]:
    table.open_from_query()
    filters = table.register_filters()
    view = register.register_view(table.register_frame(), filters, actor=me)
    c1, c2 = st.columns([4, 1])
    c1.caption(t("tasks.count", n=view.height))
    words = table.filter_words(filters, me)
    c2.download_button(
        t("tasks.export"),
        # built on click, not on every run
        lambda: register.export_excel(view, filter_text=words, exported_by=me.name),
        file_name=download_name("任务台账", "xlsx"),
        help=t("tasks.export_help", filter=words),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        width="stretch",
        disabled=view.is_empty(),
        on_click="ignore",
    )
    if view.is_empty():
        empty_state(t("tasks.no_match"))
    table.register_table(view)
    task_id = table.task_picker(view, t("tasks.open"))
    if task_id is not None:
        st.divider()
        row = view.filter(view["task_id"] == task_id).row(0, named=True)

        def task_actions(shown):
            instruct = can(me, "instruction.create")
            left, right = st.columns(2) if is_office and instruct else (st.container(), None)
            if is_office:
                with left:
                    actions.office_actions(shown, me, "reg")
            if instruct:
                with right or left:
                    actions.instruction_form(task_id, me, "reg")

        shown = detail.task_detail_view(task_id, me, key="reg", row=row, actions=task_actions)
        if shown is not None and is_office:
            if shown.task.status in ("completed", "cancelled"):
                st.caption(t("tasks.completed_note"))
            else:
                with st.expander(t("tasks.edit")):
                    if form.task_form(me, task_id=task_id, key="edit") is not None:
                        st.rerun()

if is_office:
    with tabs["new"]:
        new_id = form.task_form(me, key="new")
        if new_id is not None:
            st.session_state["_open_next"] = new_id  # opened in 台账 on the next run
            st.rerun()
    with tabs["bulk"]:
        bulk.bulk_editor(view, me)
    with tabs["extensions"]:
        actions.pending_extensions_view(me)
