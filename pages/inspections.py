"""督查检查: inspectors and the office record inspections and track rectification."""

import streamlit as st

from duban.core.permissions import can
from ui.common import header, show_flash
from ui.context import actor, t
from ui.inspections import views as iv

me = actor()
header("page.inspections")
show_flash()
iv.follow_link()  # inspections?finding=ID, from the inbox

names = ["list", "findings"] + (["new"] if can(me, "inspection.create") else [])
tabs = dict(
    zip(
        names,
        st.tabs([t(f"insp.tab_{n}") for n in names], key="insp_tab", on_change="rerun"),
        strict=True,
    )
)
with tabs["list"]:
    iv.inspections_list(me)
with tabs["findings"]:
    iv.findings_tracker(me)
if "new" in tabs:
    with tabs["new"]:
        iv.inspection_form(me)
