"""Server-side login sessions and the cookie that names them (issue 11 #2, #4, #5)."""

import datetime as dt
import logging
import os
import stat
import threading
from pathlib import Path

import jwt
import pytest
from sqlmodel import select

from duban.core import clock
from duban.core.errors import PermissionDenied, SettingsError
from duban.core.settings import PLACEHOLDER_COOKIE_KEY, get_settings, load_settings
from duban.org import auth, sessions, users
from models import AuditLog, Role, UserSession
from tests.factories import make_department, make_user

T0 = dt.datetime(2026, 11, 23, 9, 0)
KEY = "k3y-" + "Zq8vR2mW5nT1xY7pL0sB4dF6hJ9cK3eG" * 2
NOFILE = Path("/nonexistent/secrets.toml")


def _login(session, user, source="10.0.0.1") -> str:
    out = auth.attempt_login(session, user.username, "duban-demo", source=source)
    assert out.ok and out.sid
    return out.sid


def _reason(session, sid: str) -> str | None:
    row = session.exec(
        select(UserSession).where(UserSession.token_hash == sessions._hash(sid))
    ).one()
    return row.revoked_reason


# ---------------------------------------------------------------- revocation


def test_logout_ends_the_session_and_is_audited(session):
    """issue 11 #2: after logout the same session id no longer logs in."""
    user, actor = make_user(session)
    sid = _login(session, user)
    assert sessions.check(session, sid) is not None
    sessions.logout(session, actor=actor, sid=sid)
    assert sessions.check(session, sid) is None
    assert _reason(session, sid) == "logout"
    assert session.exec(select(AuditLog).where(AuditLog.action == "auth.logout")).one()


def test_own_password_change_ends_every_session_and_gives_this_browser_a_new_one(session):
    """issue 11 #2: a copied cookie stops working after a password change."""
    user, actor = make_user(session)
    copied, other = _login(session, user), _login(session, user, "10.0.0.2")
    fresh = auth.change_own_password(
        session, actor=actor, old="duban-demo", new="new-pass-1", repeat="new-pass-1"
    )
    assert sessions.check(session, copied) is None and sessions.check(session, other) is None
    assert _reason(session, copied) == "password"
    assert sessions.check(session, fresh) is not None


def test_office_reset_deactivation_and_role_change_end_sessions(session):
    """issue 11 #2: what the old cookie stood for no longer holds."""
    _, office = make_user(session, role=Role.office)
    user, _ = make_user(session, role=Role.leader)
    sid = _login(session, user)
    users.update_user(
        session, actor=office, user_id=user.id, expected_version=user.version, display_name="新名"
    )
    assert sessions.check(session, sid) is not None  # a new display name ends nothing
    users.reset_password(session, actor=office, user_id=user.id, new_password="reset-pass-1")
    assert sessions.check(session, sid) is None and _reason(session, sid) == "password"

    sid = auth.attempt_login(session, user.username, "reset-pass-1").sid
    session.refresh(user)
    dept = make_department(session)
    users.update_user(
        session,
        actor=office,
        user_id=user.id,
        expected_version=user.version,
        role=Role.dept_head,
        department_id=dept.id,
    )
    assert sessions.check(session, sid) is None and _reason(session, sid) == "role"

    sid = auth.attempt_login(session, user.username, "reset-pass-1").sid
    session.refresh(user)
    users.update_user(
        session, actor=office, user_id=user.id, expected_version=user.version, active=False
    )
    assert sessions.check(session, sid) is None and _reason(session, sid) == "deactivated"


def test_cli_password_reset_ends_sessions(session):
    user, _ = make_user(session)
    sid = _login(session, user)
    users.set_password_cli(session, user.username, "cli-pass-01")
    assert sessions.check(session, sid) is None


def test_sign_out_everywhere_own_and_by_the_office(session):
    """issue 11 #2: the user ends all its sessions; the office can for anyone; a unit cannot."""
    user, actor = make_user(session)
    _, office = make_user(session, role=Role.office)
    _, head = make_user(session, role=Role.dept_head)
    sids = [_login(session, user) for _ in range(3)]
    assert len(sessions.live_sessions(session, actor=actor, user_id=user.id)) == 3
    with pytest.raises(PermissionDenied):
        sessions.sign_out_everywhere(session, actor=head, user_id=user.id)
    with pytest.raises(PermissionDenied):
        sessions.live_sessions(session, actor=head, user_id=user.id)
    assert sessions.sign_out_everywhere(session, actor=actor, user_id=user.id) == 3
    assert all(sessions.check(session, s) is None for s in sids)
    sid = _login(session, user)
    views = sessions.live_sessions(session, actor=office)
    assert [v.username for v in views] == [user.username] and views[0].client == "10.0.0.1"
    assert sessions.sign_out_everywhere(session, actor=office, user_id=user.id) == 1
    assert _reason(session, sid) == "office"


def test_office_ends_one_session(session):
    user, actor = make_user(session)
    _, office = make_user(session, role=Role.office)
    keep, end = _login(session, user), _login(session, user)
    (target,) = [
        v
        for v in sessions.live_sessions(session, actor=actor, user_id=user.id)
        if v.id != sessions.check(session, keep).session_id
    ]
    sessions.revoke_session(session, actor=office, session_id=target.id)
    assert sessions.check(session, end) is None and sessions.check(session, keep) is not None


# ---------------------------------------------------------------- timeouts


def test_absolute_timeout_is_enforced_on_the_server(session):
    """issue 11 #2: COOKIE_EXPIRY_DAYS (0.5) after login the session ends, however used."""
    user, _ = make_user(session)
    with clock.frozen(T0):
        sid = _login(session, user)
    for hours in range(1, 12):
        with clock.frozen(T0 + dt.timedelta(hours=hours)):
            assert sessions.check(session, sid) is not None
    with clock.frozen(T0 + dt.timedelta(hours=12)):
        assert sessions.check(session, sid) is None
    assert _reason(session, sid) == "expired"


def test_idle_timeout_and_touching_at_most_once_a_minute(session):
    """issue 11 #2: SESSION_IDLE_MINUTES (120) without a run ends it; use keeps it alive."""
    user, _ = make_user(session)
    with clock.frozen(T0):
        sid = _login(session, user)
    row = lambda: session.exec(  # noqa: E731
        select(UserSession).where(UserSession.token_hash == sessions._hash(sid))
    ).one()
    with clock.frozen(T0 + dt.timedelta(seconds=59)):
        assert sessions.check(session, sid) is not None
    session.expire_all()
    assert row().last_seen_at == T0  # no write within the minute
    with clock.frozen(T0 + dt.timedelta(minutes=119)):
        assert sessions.check(session, sid) is not None
    session.expire_all()
    assert row().last_seen_at == T0 + dt.timedelta(minutes=119)
    with clock.frozen(T0 + dt.timedelta(minutes=238)):
        assert sessions.check(session, sid) is not None
    with clock.frozen(T0 + dt.timedelta(minutes=358)):
        assert sessions.check(session, sid) is None
    assert _reason(session, sid) == "idle"


# ---------------------------------------------------------------- the cookie


def _jwt(claims: dict, key: str = KEY, alg: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=alg)


def test_cookie_round_trip():
    exp = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert sessions.decode_cookie(sessions.encode_cookie("abc", KEY, exp), KEY) == "abc"


FUTURE = int((dt.datetime.now(dt.UTC) + dt.timedelta(days=3650)).timestamp())
BAD_COOKIES = {
    "alg none": jwt.encode({"sid": "abc", "exp": FUTURE}, None, algorithm="none"),
    "HS512": _jwt({"sid": "abc", "exp": FUTURE}, alg="HS512"),
    "no exp": _jwt({"sid": "abc"}),
    "exp in the past": _jwt({"sid": "abc", "exp": 1_000_000}),
    "exp not a number": _jwt({"sid": "abc", "exp": "tomorrow"}),
    "sid not text": _jwt({"sid": ["abc"], "exp": FUTURE}),
    "old format": _jwt({"username": "office", "exp_date": FUTURE}),
    "placeholder key": _jwt({"sid": "abc", "exp": FUTURE}, key=PLACEHOLDER_COOKIE_KEY),
    "garbage": "not.a.jwt",
    "overlong": "x" * 100_000,
    "not text": 12345,
}


@pytest.mark.parametrize("token", list(BAD_COOKIES.values()), ids=list(BAD_COOKIES))
def test_malformed_cookies_are_ignored_not_raised(token, caplog):
    """issue 11 #4, #5: no traceback on a bad cookie; each one is logged and ignored."""
    caplog.set_level(logging.INFO, logger="duban.org.sessions")
    assert sessions.decode_cookie(token, KEY) is None
    assert "login cookie ignored" in caplog.text


def test_a_cookie_naming_an_unknown_session_logs_nobody_in(session):
    assert sessions.check(session, "made-up-session-id") is None


# ---------------------------------------------------------------- keys


def test_demo_mode_generates_one_private_key_per_installation(tmp_path):
    """issue 11 #4: no public placeholder key in demo mode; a forged cookie signed with it
    is refused."""
    path = tmp_path / "data" / ".cookie_key"
    first = load_settings(
        secrets_path=NOFILE, duban_mode="demo", cookie_key="", cookie_key_file=path
    )
    again = load_settings(
        secrets_path=NOFILE,
        duban_mode="demo",
        cookie_key=PLACEHOLDER_COOKIE_KEY,
        cookie_key_file=path,
    )
    assert first.cookie_key == again.cookie_key != PLACEHOLDER_COOKIE_KEY
    assert len(first.cookie_key) >= 60
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    forged = _jwt({"sid": "abc", "exp": FUTURE}, key=PLACEHOLDER_COOKIE_KEY)
    assert sessions.decode_cookie(forged, first.cookie_key) is None


def test_processes_starting_together_agree_on_one_key(tmp_path):
    path = tmp_path / ".cookie_key"
    keys: list[str] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        keys.append(load_settings(secrets_path=NOFILE, cookie_key_file=path).cookie_key)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert [p.name for p in tmp_path.iterdir()] == [".cookie_key"]  # no temporary left


def test_a_key_file_that_is_not_random_is_refused(tmp_path):
    path = tmp_path / ".cookie_key"
    path.write_text("a" * 64)
    with pytest.raises(SettingsError, match="不是随机密钥"):
        load_settings(secrets_path=NOFILE, cookie_key_file=path)


def test_production_refuses_to_run_with_demo_passwords(session, monkeypatch):
    """issue 11 #4: a database seeded in demo mode cannot go live with duban-demo."""
    leader, _ = make_user(session, role=Role.leader)
    office, _ = make_user(session, role=Role.office)
    make_user(session, active=False)  # deactivated: harmless
    with pytest.raises(SettingsError, match="演示密码") as refused:
        auth.check_no_demo_passwords(session)
    assert leader.username in str(refused.value) and office.username in str(refused.value)
    session.expire_all()
    assert session.get(type(leader), leader.id).password_is_demo is True  # checked once
    monkeypatch.setenv("DUBAN_MODE", "production")
    monkeypatch.setenv("COOKIE_KEY", KEY)
    get_settings.cache_clear()
    try:
        with pytest.raises(Exception, match="演示密码"):
            users.set_password_cli(session, leader.username, auth.DEMO_PASSWORD)
        users.set_password_cli(session, leader.username, "leader-pass-1")
        users.set_password_cli(session, office.username, "office-pass-1")
    finally:
        get_settings.cache_clear()
    auth.check_no_demo_passwords(session)
