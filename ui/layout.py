"""简洁视图 (the phone layout): the sidebar switch, whether this run is compact, and the
touch-size CSS.

The layout of a page changes with `is_compact()` (cards before tables, filters folded, the
essentials of a task first). The switch starts from the user's remembered choice, or from the
device when the user never chose (a phone's browser names itself in the User-Agent; the
server cannot know a screen's width). Controls are touch-sized on any screen narrower than
640 px, whatever the switch says, so a phone is usable even when it was not recognised."""

import streamlit as st

from duban.core.errors import DubanError
from duban.core.permissions import Actor
from duban.org import preferences
from ui.context import actor, session, t

KEY = "compact_view"
_FOR = "_compact_view_for"  # the user the switch's value was read for

# Constant markup: touch-sized controls (≥ 44 px, Apple's and Material's minimum; 16 px text
# in fields, below which iOS zooms into the page) and narrower page margins.
_TOUCH_RULES = (
    ".stMain .stButton button,.stMain .stFormSubmitButton button,"
    ".stMain .stDownloadButton button,.stMain .stLinkButton a,"
    '.stMain [data-testid="stPageLink"] a,.stMain [role="tab"],'
    '.stMain [data-testid="stExpander"] summary,.stMain [data-baseweb="select"]>div,'
    '.stMain [data-baseweb="input"],.stMain [data-testid="stPopover"] button,'
    '.stMain [data-testid="stButtonGroup"] button,.stMain .react-aria-ComboBox>div'
    "{min-height:44px}"
    ".stMain input,.stMain textarea{font-size:16px}"
    '[data-testid="stExpandSidebarButton"]{min-width:44px;min-height:44px}'
    '.stMain [data-testid="stMainBlockContainer"]{padding-left:.75rem;padding-right:.75rem}'
)
# 简洁视图 only: smaller headings, and the dashboard's KPI cards tight, four to a row.
_COMPACT_RULES = (
    ".stMain h1{font-size:1.6rem;padding-top:.25rem}"
    ".stMain h2,.stMain h3,.stMain h4{font-size:1.2rem}"
    ".st-key-dash_kpis{gap:.375rem}"
    '.st-key-dash_kpis [data-testid="stMetric"]>div{padding:.4rem .45rem}'
    '.st-key-dash_kpis [data-testid="stMetricValue"]{font-size:1.35rem}'
    '.st-key-dash_kpis [data-testid="stMetricLabel"] p{font-size:.8rem}'
    '.st-key-dash_kpis [data-testid="stMetricDelta"]{font-size:.72rem}'
)
_NARROW = f"<style>@media (max-width: 640px){{{_TOUCH_RULES}}}</style>"
_ALWAYS = f"<style>{_TOUCH_RULES}{_COMPACT_RULES}</style>"


def _device_is_phone() -> bool:
    return preferences.phone_user_agent(st.context.headers.get("User-Agent"))


def compact_switch(me: Actor) -> None:
    """The 简洁视图 switch (in the sidebar), and the CSS of this run's layout."""
    if st.session_state.get(_FOR) != me.user_id or KEY not in st.session_state:
        st.session_state[KEY] = _initial(me)
        st.session_state[_FOR] = me.user_id
    st.toggle(t("compact.label"), key=KEY, help=t("compact.help"), on_change=_save, args=(me,))
    st.html(_ALWAYS if is_compact() else _NARROW)


def _initial(me: Actor) -> bool:
    """The user's remembered choice, or the device's when the user never chose."""
    with session() as db:
        chosen = preferences.compact_view(db, actor=me)
    return _device_is_phone() if chosen is None else chosen


def _save(me: Actor) -> None:
    try:
        with session() as db:
            preferences.set_compact_view(db, actor=me, value=bool(st.session_state[KEY]))
    except DubanError as exc:
        st.toast(t("compact.saved_failed", error=str(exc)), icon="⚠️")


def is_compact() -> bool:
    """Whether this run lays its page out for a phone (the switch's value; a page run on its
    own, as in AppTest, without the sidebar, reads the same choice)."""
    if KEY in st.session_state:
        return bool(st.session_state[KEY])
    return _initial(actor())
