"""领导驾驶舱 (dashboard): what is late, who is late, why — then units, timeline, trend, targets."""

import streamlit as st

from ui.common import empty_state, header
from ui.context import actor, data_version, lang, t
from ui.monitoring import dashboard as views

actor()  # the login guard (see ui.context.actor)
header("page.dashboard")
version = data_version()
today = views.today()
opts = views.options(version, today)
filters = views.filter_bar(opts)
query = tuple(sorted(filters.to_query().items()))

with st.spinner(t("dash.computing")):
    d = views.dashboard(version, today, query)
    figs = views.figures(version, today, query, lang())
rules = views.current_rules(version, today)

views.as_of_caption(d)
if d.kpis[0].value == 0:
    empty_state(views.t("dash.empty"))
    st.stop()
views.kpi_cards(d, rules)
views.red_list(d)
views.departments(d, figs)
views.charts_sections(d, figs)
views.targets(d)
views.export(d, figs)
