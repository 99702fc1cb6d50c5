"""待办: the user's items grouped by urgency, each with a link to where it is done, and the
sidebar's count (cached per data version, user and day)."""

import datetime as dt

import streamlit as st

from duban.core import clock
from duban.core.permissions import Actor
from duban.inbox import items as inbox
from models import Role
from ui.common import empty_state, plain
from ui.context import data_version, lang, session, t

GROUP_KEYS = {
    inbox.OVERDUE: "inbox.group_overdue",
    inbox.SOON: "inbox.group_soon",
    inbox.LATER: "inbox.group_later",
}
GROUP_ICONS = {inbox.OVERDUE: "🔴", inbox.SOON: "🟡", inbox.LATER: "⚪"}
# Lines drawn per group, most urgent first: each is a bordered line with a link (five
# elements), and a page of hundreds of them took seconds to arrive at large scale. The rest
# are counted under the group; what is done leaves, and the next ones move up.
GROUP_MAX = 20


@st.cache_data(max_entries=512, show_spinner=False)
def _items(version: int, user_id: int | None, today: dt.date, _me: Actor) -> list[inbox.Item]:
    """One user's items for one data version and day (the user id names the role and unit;
    a change to either is a write, which bumps the data version)."""
    with session() as s:
        return inbox.items(s, _me, today)


def load(me: Actor) -> list[inbox.Item]:
    return _items(data_version(), me.user_id, clock.today(), me)


def nav_title(me: Actor) -> str:
    """The sidebar entry: 待办（N） while something waits, 待办 otherwise."""
    n = len(load(me))
    return t("inbox.nav_count", n=n) if n else t("page.inbox")


def _due_text(item: inbox.Item, today: dt.date) -> str:
    if item.due is None:
        return t("inbox.no_due")
    if item.late_workdays is not None:
        return t("inbox.due_late", date=item.due.isoformat(), n=item.late_workdays)
    return t("inbox.due", date=item.due.isoformat())


def _line(item: inbox.Item, today: dt.date) -> str:
    """What to do (bold), the object as written, the due date."""
    what = plain(inbox.describe(item, lang()))
    name = " ".join(x for x in (item.code, inbox.name_text(item, lang())) if x)
    due = _due_text(item, today)
    if item.urgency == inbox.OVERDUE:
        due = f":red[{due}]"
    return f"**{what}** · {plain(name)} · {due}"


def inbox_view(me: Actor) -> None:
    if me.role == Role.dept_head and me.department_id is None:
        empty_state(t("inbox.no_unit"))
        return
    found = load(me)
    if not found:
        empty_state(t("inbox.empty_leader" if me.role == Role.leader else "inbox.empty"), "✅")
        return
    today = clock.today()
    groups = {g: [i for i in found if i.urgency == g] for g in inbox.URGENCIES}
    st.caption(
        t(
            "inbox.summary",
            n=len(found),
            overdue=len(groups[inbox.OVERDUE]),
            soon=len(groups[inbox.SOON]),
        )
    )
    for group, rows in groups.items():
        if not rows:
            continue
        st.subheader(
            f"{GROUP_ICONS[group]} {t(GROUP_KEYS[group])}{t('punct.paren', x=len(rows))}",
            anchor=False,
        )
        for item in rows[:GROUP_MAX]:
            with st.container(border=True):
                c1, c2 = st.columns([6, 1], vertical_alignment="center")
                c1.markdown(_line(item, today))
                page, params = item.link
                with c2:
                    st.page_link(
                        f"pages/{page}.py", label=t("inbox.open"), icon="➡️", query_params=params
                    )
        if len(rows) > GROUP_MAX:
            st.caption(t("inbox.capped", shown=GROUP_MAX, total=len(rows)))
