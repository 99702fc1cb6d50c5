"""领导驾驶舱 (dashboard): what is late, who is late, why — then units, timeline, trend, targets."""

import streamlit as st

from ui import layout
from ui.charts import views as chart_views
from ui.common import empty_state, header
from ui.context import actor, data_version, lang, t
from ui.monitoring import dashboard as views

actor()  # the login guard (see ui.context.actor)
header("page.dashboard")
version = data_version()
today = views.today()
opts = views.options(version, today)
compact = layout.is_compact()  # 简洁视图: a phone's order (figures, red cards, then the rest)
filters = views.filter_bar(opts, folded=compact)
query = tuple(sorted(filters.to_query().items()))

with st.spinner(t("dash.computing")):
    d = views.dashboard(version, today, query)
rules = views.current_rules(version, today)

if not compact:
    views.as_of_caption(d)
if d.kpis[0].value == 0:
    empty_state(views.t("dash.empty"))
    st.stop()
# What a leader reads first goes out first: the figures (even a cache hit unpickles them)
# come after the KPIs and the red list are on screen.
views.kpi_cards(d, rules, compact=compact)
if compact:  # the date and any calendar warning under the cards, not above the figures
    views.red_cards(d)
    views.as_of_caption(d, compact=True)
else:
    views.red_list(d)
figs = views.figures(version, today, query, lang())
views.departments(d, figs, compact=compact)
views.charts_sections(d, figs)
views.targets(d)
views.export(d, figs)
chart_views.pinned_section(actor())
