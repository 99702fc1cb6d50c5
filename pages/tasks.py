"""任务台账: the office runs the register; leaders and inspectors read it."""

import streamlit as st

from duban.core.filenames import download_name
from duban.core.permissions import can
from duban.tasks import register
from ui import selection
from ui.common import empty_state, header, show_flash
from ui.context import actor, t
from ui.tasks import actions, bulk, cycle_input, form, place, table
from ui.tasks import views as saved_views

me = actor()
header("page.tasks")
show_flash()
is_office = can(me, "task.edit")

opened = selection.task_link_id()
if opened is not None:  # tasks?task=ID: the task on its own, at the top
    table.keep_filters()
    place.register_place(opened, me)
    st.stop()

names = ["register"] + (["new", "bulk", "extensions"] if is_office else [])
# Keyed and stateful: a form that fails in a later tab reruns on that tab, with its error.
tabs = dict(
    zip(
        names,
        st.tabs([t(f"tasks.tab_{n}") for n in names], key="tasks_tab", on_change="rerun"),
        strict=True,
    )
)

with tabs["register"]:
    saved_views.before_widgets(me)  # a view picked or linked (tasks?view=ID) fills the widgets
    bar = st.container()  # the view bar, drawn once the register's state is known
    filters = table.register_filters()
    columns, sort, descending = table.columns_and_sort(table.choices()["fields"])
    with bar:
        saved_views.view_bar(me, filters, columns, sort, descending)
    if is_office and filters.plan_id is not None:  # the chosen plan's default 报送频次
        cycle_input.plan_cycle_setter(me, filters.plan_id)
    view = register.sort_view(
        register.register_view(table.register_frame(), filters, actor=me),
        sort,
        descending=descending,
    )
    c1, c2 = st.columns([4, 1])
    c1.caption(t("tasks.count", n=view.height))
    words = table.filter_words(filters, me)
    c2.download_button(
        t("tasks.export"),
        # built on click, not on every run
        lambda: table.export_view(view, words, me),
        file_name=download_name("任务台账", "xlsx"),
        help=t("tasks.export_help", filter=words),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        width="stretch",
        disabled=view.is_empty(),
        on_click="ignore",
    )
    if view.is_empty():
        empty_state(t("tasks.no_match"))
    clicked = table.register_table(view, columns)
    picked = table.task_picker(view, t("tasks.open"))
    if clicked is not None or picked is not None:
        selection.open_task(clicked if clicked is not None else picked, picker="open_task")

if is_office:
    with tabs["new"]:
        new_id = form.task_form(me, key="new")
        if new_id is not None:
            selection.open_task(new_id)  # the new task, on its own
    with tabs["bulk"]:
        bulk.bulk_editor(view, me)
    with tabs["extensions"]:
        actions.pending_extensions_view(me)
