"""A user's own layout choices: 简洁视图 (the phone layout) on, off, or following the device.

Only the user sets them (any role, for itself); each change is audited. A choice is a value,
not an edit of what another saw: setting the value a preference already has changes nothing
and writes nothing, and the last choice made is the one kept (two tabs of one user agree
with the user's last click)."""

from __future__ import annotations

import re

from sqlmodel import Session

from duban.core import audit, clock
from duban.core.errors import NotFound
from duban.core.permissions import Actor
from duban.core.services import get_or_404, write
from models import AppUser, UserPreference

# Phones' browsers name themselves in the User-Agent ("Mobile" in iOS and Android Chrome,
# "Mobi" per MDN's advice, HarmonyOS, the in-app browsers of WeChat and DingTalk carry the
# same words); tablets (iPad, Android without "Mobile") keep the full layout.
_PHONE_UA = re.compile(r"Mobi|iPhone|iPod|Windows Phone|HarmonyOS.*Phone", re.IGNORECASE)


def phone_user_agent(user_agent: str | None) -> bool:
    """Whether a browser's User-Agent is a phone's (the default of 简洁视图)."""
    return bool(user_agent) and _PHONE_UA.search(user_agent or "") is not None


def compact_view(session: Session, *, actor: Actor) -> bool | None:
    """The user's 简洁视图 choice; None when never chosen (the layout follows the device)."""
    if actor.user_id is None:
        return None
    pref = session.get(UserPreference, actor.user_id)
    return None if pref is None else pref.compact_view


def set_compact_view(session: Session, *, actor: Actor, value: bool | None) -> bool | None:
    """Choose 简洁视图 on (True), off (False) or following the device (None)."""
    if actor.user_id is None:
        raise NotFound("用户不存在。")
    with write(session):
        get_or_404(session, AppUser, actor.user_id, "用户")
        pref = session.get(UserPreference, actor.user_id)
        if pref is not None and pref.compact_view == value:
            return value  # already so: nothing to write
        before = None if pref is None else audit.snapshot(pref)
        if pref is None:
            pref = UserPreference(user_id=actor.user_id)
        pref.compact_view = value
        pref.updated_at = clock.now()
        session.add(pref)
        session.flush()
        audit.record(session, actor, "preference.layout", pref, before=before, bump_version=False)
    return value


__all__ = ["compact_view", "phone_user_agent", "set_compact_view"]
