"""简洁视图 per user (duban.org.preferences): the choice is stored, audited once per change,
and defaults from a phone's User-Agent."""

import pytest
from sqlmodel import select

from duban.core.errors import NotFound
from duban.core.permissions import Actor
from duban.org import preferences
from models import AppUser, AuditLog, Role, UserPreference


def _user(session, username="dept09", role=Role.dept_head) -> Actor:
    user = AppUser(username=username, display_name="王", role=role, password_hash="x")
    session.add(user)
    session.commit()
    return Actor.of(user)


def _audits(session) -> list[AuditLog]:
    return session.exec(select(AuditLog).where(AuditLog.action == "preference.layout")).all()


def test_a_choice_is_kept_and_audited_once_per_change(session):
    me = _user(session)
    assert preferences.compact_view(session, actor=me) is None  # never chosen: the device's
    assert preferences.set_compact_view(session, actor=me, value=True) is True
    assert preferences.compact_view(session, actor=me) is True
    preferences.set_compact_view(session, actor=me, value=True)  # the same again: no write
    assert len(_audits(session)) == 1
    preferences.set_compact_view(session, actor=me, value=False)
    assert preferences.compact_view(session, actor=me) is False
    rows = _audits(session)
    assert len(rows) == 2 and rows[-1].username == me.username
    assert rows[-1].before == {"compact_view": True} and rows[-1].after["compact_view"] is False
    preferences.set_compact_view(session, actor=me, value=None)  # back to the device's
    assert preferences.compact_view(session, actor=me) is None


def test_each_user_has_their_own(session):
    a, b = _user(session, "dept09"), _user(session, "leader9", Role.leader)
    preferences.set_compact_view(session, actor=a, value=True)
    assert preferences.compact_view(session, actor=b) is None
    assert session.get(UserPreference, a.user_id).compact_view is True


def test_no_user_no_choice(session):
    ghost = Actor(None, "system", "系统", Role.office, None)
    assert preferences.compact_view(session, actor=ghost) is None
    with pytest.raises(NotFound):
        preferences.set_compact_view(session, actor=ghost, value=True)


@pytest.mark.parametrize(
    ("agent", "phone"),
    [
        # iPhone Safari, Android Chrome, WeChat and DingTalk in-app browsers, HarmonyOS
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            True,
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; 23049RAD8C) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Mobile Safari/537.36",
            True,
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 "
            "MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64",
            True,
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Mobile/15E148 AliApp(DingTalk/7.5.0) com.laiwang.DingTalk",
            True,
        ),
        (
            "Mozilla/5.0 (Phone; OpenHarmony 4.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/99.0.4896.127 Safari/537.36 ArkWeb/4.1.6.1 Mobile HuaweiBrowser/5.0",
            True,
        ),
        # tablets and computers keep the full layout
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.5 Safari/604.1",
            False,
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36",
            False,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36",
            False,
        ),
        ("", False),
        (None, False),
    ],
)
def test_a_phone_is_known_by_its_user_agent(agent, phone):
    assert preferences.phone_user_agent(agent) is phone
