"""A task on its own: `tasks?task=ID` and `my_tasks?task=ID` show the task at the top of the
page, with the way back to the list; the list is not drawn above it."""

import streamlit as st

from duban.core.permissions import Actor, can
from ui import selection
from ui.common import plain
from ui.context import t
from ui.tasks import actions, desk, detail, form, table


def back(label_key: str) -> None:
    """← back to the list (the filters the user had are still there)."""
    st.button(t(label_key), key="task_back", on_click=selection.close_task)


def _readable_id(raw: int | str) -> int | None:
    if isinstance(raw, int):
        return raw
    st.error(t("tasks.bad_link", link=plain(raw)), icon="⚠️")
    return None


def register_place(raw: int | str, me: Actor) -> None:
    """The register's task: detail, the office's actions and edit, the leader's 批示."""
    back("tasks.back")
    task_id = _readable_id(raw)
    if task_id is None:
        return
    is_office = can(me, "task.edit")

    def task_actions(shown):
        instruct = can(me, "instruction.create")
        left, right = st.columns(2) if is_office and instruct else (st.container(), None)
        if is_office:
            with left:
                actions.office_actions(shown, me, "reg")
        if instruct:
            with right or left:
                actions.instruction_form(task_id, me, "reg")

    row = table.task_row(task_id)
    shown = detail.task_detail_view(task_id, me, key="reg", row=row, actions=task_actions)
    if shown is not None and is_office:
        if shown.task.status in ("completed", "cancelled"):
            st.caption(t("tasks.completed_note"))
        else:
            with st.expander(t("tasks.edit")):
                if form.task_form(me, task_id=task_id, key="edit") is not None:
                    st.rerun()


def desk_place(raw: int | str, me: Actor, by_id: dict) -> None:
    """The unit's task: detail with the unit's workbench (report, extension, 销号, answers)."""
    back("my.back")
    task_id = _readable_id(raw)
    if task_id is None:
        return
    m = by_id.get(task_id)
    if m is None:
        # Not one of this unit's tasks: the reading service says whether it may be read.
        if detail.task_detail_view(task_id, me, key="my") is not None:
            st.info(t("my.not_ours"), icon="ℹ️")
        return
    detail.task_detail_view(
        task_id,
        me,
        key="my",
        row=table.task_row(task_id),  # the colour and its reason, as the office sees them
        actions=lambda d: desk.unit_workbench(m, me, d),
    )
