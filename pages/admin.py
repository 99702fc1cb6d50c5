"""系统管理: departments, users and the audit log (office only). Later issues add tabs."""

import streamlit as st

from duban.permissions import require
from ui import admin_views
from ui.common import header
from ui.context import actor, t

me = actor()
require(me, "settings.manage")
header("admin.title")

tabs = admin_views.TABS
for tab, (_, render) in zip(st.tabs([t(k) for k, _ in tabs]), tabs, strict=True):
    with tab:
        render(me)
