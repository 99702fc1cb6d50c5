"""通知通报: office and inspectors draft from the data and issue; leaders read; units answer."""

import streamlit as st

from duban.core.permissions import can
from ui import inspection_views as iv
from ui import notice_views as nv
from ui.common import header, show_errors
from ui.context import actor, t

me = actor()
header("page.notices")
nv.show_flash()

if can(me, "notice.draft"):
    late_tab, drafts_tab, issued_tab = st.tabs(
        [t("notices.tab_late"), t("notices.tab_drafts"), t("notices.tab_issued")]
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
    mine_tab, rect_tab = st.tabs([t("notices.tab_mine"), t("notices.tab_rectify")])
    with mine_tab:
        nv.my_notices(me)
    with rect_tab:
        iv.my_findings(me)
