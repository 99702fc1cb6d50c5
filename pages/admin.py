"""系统管理: office-only settings; each area contributes its tabs through ui.admin_tabs."""

import streamlit as st

from duban.core.permissions import require
from ui.admin_tabs import collect
from ui.common import header
from ui.context import actor, t

me = actor()
require(me, "settings.manage")
header("admin.title")

tabs = collect()
for tab, (_, _, render) in zip(st.tabs([t(k) for _, k, _ in tabs]), tabs, strict=True):
    with tab:
        render(me)
