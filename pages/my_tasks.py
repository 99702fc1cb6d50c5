"""我的任务: a department head's desk — what needs action first, then every task of the unit."""

import streamlit as st

from duban.core.errors import DubanError
from duban.tasks import workflow
from models import Role
from ui import layout, selection
from ui.charts import views as chart_views
from ui.common import empty_state, header, plain, show_error, show_flash
from ui.context import actor, session, t
from ui.tasks import desk, place, table

me = actor()
header("page.my_tasks")
show_flash()

dept_id = me.department_id
if me.role == Role.office:  # the office can look at (and act for) any unit's desk
    depts = table.choices()["depts"]
    dept_id = st.selectbox(
        t("my.unit"),
        list(depts),
        format_func=depts.get,
        index=None,
        key="my_unit",
        on_change=selection.close_task,  # another unit's desk: no task of the last one open
        placeholder=t("form.choose"),
    )
if dept_id is None:
    empty_state(t("my.no_unit"))
    st.stop()

try:
    with session() as db:
        my_desk = workflow.my_desk(db, actor=me, department_id=dept_id)
except DubanError as exc:
    show_error(exc)
    st.stop()

opened = selection.task_link_id()
if opened is not None:  # my_tasks?task=ID: the task and the unit's workbench, at the top
    place.desk_place(opened, me, {m.task.id: m for m in my_desk.tasks})
    st.stop()

st.caption(t("my.summary_line", unit=plain(my_desk.department.name), n=len(my_desk.tasks)))
rectifications = desk.open_rectifications(me, dept_id)
sections = [
    ("sent_back", my_desk.sent_back),
    ("to_ack", my_desk.to_acknowledge),
    ("overdue", my_desk.overdue),
    ("due_soon", my_desk.due_soon),
    ("to_answer", my_desk.to_answer),
]
n_notices, notices_help = desk.notices_count(my_desk.notices, rectifications)
compact = layout.is_compact()
if compact:  # 简洁视图: the counts as one line, so the first item needing action is on screen
    desk.counts_line(sections, len(rectifications), n_notices)
else:
    cols = st.columns(len(sections) + 2)
    for col, (name, items) in zip(cols, sections, strict=False):
        col.metric(t(f"my.sec_{name}"), len(items))
    cols[-2].metric(t("my.sec_rectify"), len(rectifications))
    cols[-1].metric(t("my.sec_notices"), n_notices, help=notices_help)

for name, items in sections:
    if not items:
        continue
    with st.expander(f"{t(f'my.sec_{name}')}{t('punct.paren', x=len(items))}", expanded=True):
        for m in items[: desk.SECTION_MAX]:
            # (on a phone the columns stack: the button sits under its line, full width)
            c1, c2 = st.columns([5, 1])
            c1.markdown(desk.desk_line(m))
            if name == "to_ack":
                with c2:
                    desk.acknowledge_button(m, me, "sec")
            elif c2.button(t("my.open"), key=f"open_{name}_{m.task.id}", width="stretch"):
                selection.open_task(m.task.id)
        if len(items) > desk.SECTION_MAX:
            st.caption(t("limits.list_capped", shown=desk.SECTION_MAX, total=len(items)))

if rectifications:
    desk.rectification_section(rectifications, me)

desk.notices_section(my_desk.notices, rectifications)

st.markdown(f"#### {t('my.all')}")
if not my_desk.tasks:
    empty_state(t("my.none"))
    st.stop()
if compact:  # the wide table folded; the picker below opens any task
    with st.expander(t("phone.all_tasks", n=len(my_desk.tasks)), key="my_all_box"):
        clicked = desk.desk_table(my_desk.tasks)
else:
    clicked = desk.desk_table(my_desk.tasks)

by_id = {m.task.id: m for m in my_desk.tasks}
selection.keep_choice("my_open", [None, *by_id])
picked = st.selectbox(
    t("my.pick"),
    [None, *by_id],
    format_func=lambda i: f"{by_id[i].task.code} {by_id[i].task.title}" if i in by_id else "—",
    key="my_open",
    placeholder=t("my.pick_ph"),
)
if clicked is not None or picked is not None:
    selection.open_task(clicked if clicked is not None else picked, picker="my_open")

if me.role == Role.dept_head:  # the charts pinned to the unit head's own dashboard
    chart_views.pinned_section(me)
