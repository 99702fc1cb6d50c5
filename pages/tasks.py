"""任务台账: the office runs the register; leaders and inspectors read it."""

import streamlit as st

from duban.core.permissions import can
from duban.tasks import register
from ui import task_views as tv
from ui.common import empty_state, header
from ui.context import actor, t

me = actor()
header("page.tasks")
tv.show_flash()
office = can(me, "task.edit")

names = ["register"] + (["new", "bulk", "extensions"] if office else [])
tabs = dict(zip(names, st.tabs([t(f"tasks.tab_{n}") for n in names]), strict=True))

with tabs["register"]:
    tv.open_from_query()
    filters = tv.register_filters()
    view = register.register_view(tv.register_frame(), filters, actor=me)
    c1, c2 = st.columns([4, 1])
    c1.caption(t("tasks.count", n=view.height))
    c2.download_button(
        t("tasks.export"),
        lambda: register.export_excel(view),  # built on click, not on every run
        file_name="任务台账.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        width="stretch",
        disabled=view.is_empty(),
    )
    if view.is_empty():
        empty_state(t("tasks.no_match"))
    tv.register_table(view)
    task_id = tv.task_picker(view, t("tasks.open"))
    if task_id is not None:
        st.divider()
        row = view.filter(view["task_id"] == task_id).row(0, named=True)

        def actions(detail):
            instruct = can(me, "instruction.create")
            left, right = st.columns(2) if office and instruct else (st.container(), None)
            if office:
                with left:
                    tv.office_actions(detail, me, "reg")
            if instruct:
                with right or left:
                    tv.instruction_form(task_id, me, "reg")

        detail = tv.task_detail_view(task_id, me, key="reg", row=row, actions=actions)
        if detail is not None and office:
            if detail.task.status in ("completed", "cancelled"):
                st.caption(t("tasks.completed_note"))
            else:
                with st.expander(t("tasks.edit")):
                    if tv.task_form(me, task_id=task_id, key="edit") is not None:
                        st.rerun()

if office:
    with tabs["new"]:
        new_id = tv.task_form(me, key="new")
        if new_id is not None:
            st.session_state["_open_next"] = new_id  # opened in 台账 on the next run
            st.rerun()
    with tabs["bulk"]:
        tv.bulk_editor(view, me)
    with tabs["extensions"]:
        tv.pending_extensions_view(me)
