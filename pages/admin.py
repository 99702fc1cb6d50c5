"""系统管理: office-only settings; each area contributes its tabs (order, title key, render)."""

import streamlit as st

from duban.core.permissions import require
from ui.common import header, show_flash
from ui.context import actor, t
from ui.fields import admin as fields_admin
from ui.monitoring import rules_admin
from ui.notices import admin as notices_admin
from ui.org import admin as org_admin
from ui.reminders import admin as reminders_admin
from ui.reminders import rules_admin as reminder_rules

me = actor()
require(me, "settings.manage")
header("admin.title")
show_flash()

tabs = sorted(
    [
        *org_admin.TABS,
        *rules_admin.TABS,
        *notices_admin.TABS,
        *reminders_admin.TABS,
        *reminder_rules.TABS,
        *fields_admin.TABS,
    ],
    key=lambda tab: tab[0],
)
for tab, (_, _, render) in zip(
    st.tabs([t(k) for _, k, _ in tabs], key="admin_tab", on_change="rerun"), tabs, strict=True
):
    with tab:
        render(me)
