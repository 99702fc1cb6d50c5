"""通知通报: office and inspectors draft from the data and issue; leaders read; units answer."""

import streamlit as st

from duban.core.permissions import can
from ui.common import header, show_errors, show_flash
from ui.context import actor, t
from ui.inspections import views as iv
from ui.notices import views as nv

me = actor()
header("page.notices")
show_flash()
nv.follow_link(me)  # notices?notice=ID, from the inbox

if can(me, "notice.draft"):
    late_tab, drafts_tab, issued_tab = st.tabs(
        [t("notices.tab_late"), t("notices.tab_drafts"), t("notices.tab_issued")],
        key="nt_tab",
        on_change="rerun",
    )
    with late_tab:
        late = nv.late_units_view()
        new_id = nv.generator(me, late)
        if new_id is not None:
            st.session_state["nt_new_open"] = new_id
            st.rerun()
        opened = st.session_state.get("nt_new_open")
        if opened is not None:
            st.divider()
            with show_errors():
                nv.draft_editor(me, opened, "nt_new")
    with drafts_tab:
        nv.list_and_open(me, "draft", "nt_drafts")
    with issued_tab:
        nv.list_and_open(me, "issued", "nt_issued")
elif can(me, "notice.read_all"):
    nv.list_and_open(me, "issued", "nt_issued")
else:
    n_open = iv.open_rectification_count(me)  # waiting for the unit's answer
    rect_label = t("notices.tab_rectify_n", n=n_open) if n_open else t("notices.tab_rectify")
    nv.follow_finding_link(rect_label)  # notices?finding=ID, from the inbox
    mine_tab, rect_tab = st.tabs(
        [t("notices.tab_mine"), rect_label], key="nt_unit_tab", on_change="rerun"
    )
    with mine_tab:
        nv.my_notices(me)
    with rect_tab:
        iv.my_findings(me)
