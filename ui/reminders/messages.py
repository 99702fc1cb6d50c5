"""The user's in-app messages (reminders): newest first, mark one or all as read, and a way
to the page where the matter is done."""

import streamlit as st

from duban.core.permissions import PAGE_ACCESS, Actor
from duban.reminders import messages
from ui.common import flash, plain_line, show_errors
from ui.context import session, t


def _target(link: str | None, me: Actor) -> tuple[str, dict[str, str]] | None:
    """The page file and query of a message's link, if the user may open that page."""
    if not link:
        return None
    page, _, query = link.partition("?")
    if me.role not in PAGE_ACCESS.get(page, frozenset()):
        return None
    params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
    return f"pages/{page}.py", params


def render(me: Actor) -> None:
    with session() as db:
        unread = messages.unread_count(db, actor=me)
    head, toggle, all_read = st.columns([3, 1.5, 1.5], vertical_alignment="center")
    head.subheader(t("rr.msg.title"), anchor=False)
    only_unread = toggle.toggle(t("rr.msg.only_unread"), key="msg_only_unread")
    if unread and all_read.button(t("rr.msg.read_all"), key="msg_read_all"):
        with show_errors(), session() as db:
            n = messages.mark_all_read(db, actor=me)
            flash(t("rr.msg.marked_all", n=n))
            st.rerun()
    st.caption(t("rr.msg.unread", n=unread))
    with session() as db:
        notes = messages.my_messages(db, actor=me, unread_only=only_unread)
    if not notes:
        st.caption(t("rr.msg.none"))
        return
    for note in notes:
        with st.container(border=True):
            title, when = st.columns([4, 1])
            mark = "" if note.read_at else "● "
            title.markdown(f"**{mark}{plain_line(note.subject)}**")
            when.caption(f"{note.created_at:%Y-%m-%d %H:%M}")
            st.text(note.body)  # st.text shows text as typed, no Markdown
            buttons = st.columns([1, 1, 4])
            target = _target(note.link, me)
            if target and buttons[0].button(t("rr.msg.open"), key=f"msg_open_{note.id}"):
                if note.read_at is None:
                    with session() as db:
                        messages.mark_read(db, actor=me, notification_id=note.id or 0)
                st.switch_page(target[0], query_params=target[1] or None)
            if note.read_at is None:
                if buttons[1].button(t("rr.msg.read"), key=f"msg_read_{note.id}"):
                    with show_errors(), session() as db:
                        messages.mark_read(db, actor=me, notification_id=note.id or 0)
                        flash(t("rr.msg.marked"))
                        st.rerun()
            else:
                buttons[1].caption(t("rr.msg.is_read"))
