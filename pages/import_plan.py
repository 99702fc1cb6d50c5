"""方案导入: the office turns a plan document or a task sheet into tasks (office only)."""

import streamlit as st

from duban.core.permissions import require
from ui.common import header
from ui.context import actor, t
from ui.intake import views as iv

me = actor()
require(me, "plan.import")
header("page.import_plan", t("imp.caption"))

tab_file, tab_excel = st.tabs(
    [t("imp.tab_file"), t("imp.tab_excel")], key="imp_tab", on_change="rerun"
)
with tab_file:
    iv.file_import(me)
with tab_excel:
    iv.excel_import(me)
