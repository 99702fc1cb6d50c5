"""考核排名: the published scorecard; a department head sees its own unit line by line."""

import streamlit as st

from duban.core.permissions import can
from ui.assessment import views
from ui.common import empty_state, header, plain, show_flash
from ui.context import actor, t

me = actor()
header("page.assessment", t("purpose.assessment"))
show_flash()
views.follow_link(me)  # assessment?period=ID, from the inbox
manage = can(me, "assessment.manage")
if manage:
    views.create_period_form(me)

period = views.pick_period()
if period is None:
    empty_state(t("asm.no_periods"))
    st.stop()

res = views.result(me, period["id"])
views.status_line(res)

if can(me, "assessment.read_all"):
    views.freeze_box(me, period, res)
    tabs = st.tabs(
        [t(f"asm.tab_{k}") for k in ("ranking", "units", "appeals", "formula", "export")],
        key="asm_tab",
        on_change="rerun",
    )
    with tabs[0]:
        views.ranking(me, res)
    with tabs[1]:
        views.unit_picker(res)
    with tabs[2]:
        views.appeal_table(me, res)
    with tabs[3]:
        views.method(res.formula, expanded=True)
        views.formula_editor(me, res)
    with tabs[4]:
        views.export_box(me, res)
else:
    # A department head: its own unit only (the service filters the others out).
    unit = next((u for u in res.units if u.department_id == me.department_id), None)
    if unit is None:
        empty_state(t("asm.not_assessed"))
    else:
        st.subheader(plain(unit.department_name), anchor=False)
        views.unit_card(res, unit)
        views.trend(me, res)
        views.appeal_form(me, res, unit)
        st.subheader(t("asm.my_appeals"))
        views.appeal_table(me, res, department_id=me.department_id)
        views.export_box(me, res)
    views.method(res.formula)
