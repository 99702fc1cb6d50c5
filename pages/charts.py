"""图表: build a chart over the task data (dataset, grouping, measure, type, filters), see its
figures, save and share it, pin it to a dashboard, export it (PNG, Excel)."""

import streamlit as st

from duban.charts import spec as spec_mod
from duban.core.errors import DubanError
from duban.core.permissions import can
from ui.charts import views
from ui.common import header, plain_line, show_flash
from ui.context import actor, t

me = actor()
header("page.charts", t("charts.intro"))
show_flash()

chart = views.open_linked(me)
if chart is not None:
    st.caption(t("charts.opened", name=plain_line(chart.name)))
    problem = views.saved_problem(chart, me)
    if problem:  # e.g. 字段“X”已停用: the builder below falls back to what still exists
        st.warning(plain_line(problem), icon="⚠️")
src = views.sources()
left, right = st.columns([1, 2], gap="large")
with left:
    spec_data, ds = views.builder(src)
with right:
    if not can(me, "task.read_all"):
        st.caption(t("charts.scope_unit"))
    try:
        spec = spec_mod.parse(spec_data)
    except DubanError as exc:
        st.warning(plain_line(exc), icon="⚠️")
        st.stop()
    res = views.result(spec, me)
    name = st.session_state.get("ch_name") or ""
    fig = views.show_result(res, spec, title=name or None, key="ch_main")
    if not isinstance(res, str):
        views.exports_row(res, fig, spec, name=name, me=me)
    views.save_panel(me, spec.model_dump(), chart)
st.divider()
views.saved_list(me, chart)
