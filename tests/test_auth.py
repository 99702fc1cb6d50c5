"""Passwords, login attempts and their throttling (issue 11 #3, #5, #10, #16)."""

import datetime as dt

import pytest
from sqlmodel import select

from duban.core import clock
from duban.core.errors import PermissionDenied, ValidationFailed
from duban.core.settings import get_settings
from duban.org import auth, lockout, sessions, users
from models import AppUser, AuditLog, LoginAttempt, Role
from tests.factories import make_user

T0 = dt.datetime(2026, 11, 23, 9, 0)
WRONG = "用户名或密码错误。"


def _attempts(session, **where) -> list[LoginAttempt]:
    q = select(LoginAttempt).where(LoginAttempt.reason != "lifted")
    for k, v in where.items():
        q = q.where(getattr(LoginAttempt, k) == v)
    return list(session.exec(q.order_by(LoginAttempt.id)).all())


def test_password_length_rules():
    with pytest.raises(ValidationFailed, match="至少"):
        auth.validate_password("short")
    with pytest.raises(ValidationFailed, match="72"):
        auth.validate_password("密" * 25)  # 75 bytes
    with pytest.raises(ValidationFailed, match="空字符"):
        auth.validate_password("abc\x00defgh")
    auth.validate_password("密" * 24)  # 72 bytes is fine
    h = auth.hash_password("correct horse", rounds=4)
    assert auth.verify_password("correct horse", h)
    assert not auth.verify_password("wrong horse", h)
    assert not auth.verify_password("x" * 100, h)  # over 72 bytes: refused, not an error


def test_login_ok_opens_a_session_audited_with_the_address(session):
    """issue 11 #2, #16: a login opens a server-side session; the audit row has the address."""
    user, _ = make_user(session, role=Role.leader)
    out = auth.attempt_login(session, user.username.upper(), "duban-demo", source="10.0.0.7")
    assert out.ok and out.actor.role == Role.leader and out.sid
    live = sessions.check(session, out.sid)
    assert live is not None and live.user.id == user.id and live.client == "10.0.0.7"
    session.refresh(user)
    assert user.last_login_at is not None
    row = session.exec(select(AuditLog).where(AuditLog.action == "auth.login")).one()
    assert row.client == "10.0.0.7" and row.user_id == user.id


def test_successful_login_does_not_bump_the_user_row(session):
    """issue 11 #10: parallel logins of one account must not make each other stale."""
    user, _ = make_user(session)
    version = user.version
    assert auth.attempt_login(session, user.username, "duban-demo").ok
    session.refresh(user)
    assert user.version == version


def test_unknown_and_known_users_get_the_same_answers(session):
    """issue 11 #10: no "还可尝试 N 次" for real users only; the wait is the same for both."""
    user, _ = make_user(session)
    with clock.frozen(T0):
        known = [auth.attempt_login(session, user.username, "bad-pass-1").message for _ in range(6)]
        unknown = [auth.attempt_login(session, "nobody", "bad-pass-1").message for _ in range(6)]
    assert known == unknown
    assert known[:5] == [WRONG] * 5 and "1 分钟后再试" in known[5]


def test_unknown_user_costs_a_bcrypt_of_the_configured_cost(monkeypatch):
    """issue 11 #10: the dummy check for an unknown user costs what a real one does."""
    monkeypatch.setenv("BCRYPT_ROUNDS", "6")
    get_settings.cache_clear()
    try:
        real = auth.hash_password("some-password")
        dummy = auth._dummy_hash(get_settings().bcrypt_rounds).decode()
        assert real[:7] == dummy[:7] == "$2b$06$"
    finally:
        get_settings.cache_clear()


def test_backoff_doubles_up_to_the_cap(session):
    """issue 11 #3: after 5 failures 1, 2, 4, 8, 15, 15 … minutes (LOCKOUT_MINUTES = 15)."""
    user, _ = make_user(session)
    at = T0
    with clock.frozen(at):
        for _ in range(5):
            assert auth.attempt_login(session, user.username, "bad-pass-1").message == WRONG
    waits = []
    for _ in range(6):
        until = lockout.blocked_until(session, user.username, lockout.LOCAL, at)
        assert until is not None
        waits.append(int((until - at).total_seconds() // 60))
        with clock.frozen(until - dt.timedelta(seconds=1)):
            out = auth.attempt_login(session, user.username, "duban-demo")
            assert not out.ok and "分钟后再试" in out.message
        at = until
        with clock.frozen(at):
            assert auth.attempt_login(session, user.username, "bad-pass-1").message == WRONG
    assert waits == [1, 2, 4, 8, 15, 15]
    with clock.frozen(at + dt.timedelta(minutes=15)):
        assert auth.attempt_login(session, user.username, "duban-demo").ok


def test_failures_from_one_address_do_not_lock_the_user_out_elsewhere(session):
    """issue 11 #3: an anonymous browser cannot lock the office out, nor end its session."""
    office, _ = make_user(session, username="office")
    with clock.frozen(T0):
        mine = auth.attempt_login(session, "office", "duban-demo", source="10.0.0.1")
        for _ in range(20):
            auth.attempt_login(session, "office", "guess-guess", source="203.0.113.9")
        attacker = auth.attempt_login(session, "office", "duban-demo", source="203.0.113.9")
        assert not attacker.ok and "分钟后再试" in attacker.message
        assert auth.attempt_login(session, "office", "duban-demo", source="10.0.0.1").ok
        assert sessions.check(session, mine.sid) is not None


def test_one_address_guessing_many_usernames_is_slowed_down(session):
    """issue 11 #3: credential stuffing: LOGIN_SOURCE_ATTEMPTS failures over any usernames."""
    user, _ = make_user(session)
    limit = get_settings().login_source_attempts
    with clock.frozen(T0):
        for i in range(limit):
            auth.attempt_login(session, f"name{i}", "bad-pass-1", source="198.51.100.4")
        out = auth.attempt_login(session, user.username, "duban-demo", source="198.51.100.4")
        assert not out.ok and "分钟后再试" in out.message
        assert auth.attempt_login(session, user.username, "duban-demo", source="10.9.9.9").ok


def test_every_attempt_is_recorded_and_audited_with_its_source(session):
    """issue 11 #16: unknown usernames too; throttled attempts too."""
    user, _ = make_user(session)
    with clock.frozen(T0):
        auth.attempt_login(session, "ghost", "bad-pass-1", source="192.0.2.1")
        for _ in range(6):
            auth.attempt_login(session, user.username, "bad-pass-1", source="192.0.2.1")
    rows = _attempts(session)
    assert [r.reason for r in rows] == ["unknown_user"] + ["bad_password"] * 5 + ["throttled"]
    assert {r.source for r in rows} == {"192.0.2.1"}
    assert rows[0].username == "ghost" and rows[0].user_id is None
    audits = session.exec(select(AuditLog).where(AuditLog.object_type == "login_attempt")).all()
    assert [a.action for a in audits] == ["auth.unknown_user"] + ["auth.bad_password"] * 5 + [
        "auth.throttled"
    ]
    assert {a.client for a in audits} == {"192.0.2.1"}
    assert audits[0].username == "ghost"


@pytest.mark.parametrize(
    "typed", ["office\x00", "office" + "x" * 5000, "off\x1bice", "\u202eoffice", "off ice"]
)
def test_odd_usernames_get_the_ordinary_answer(session, typed):
    """issue 11 #5: NUL, overlong and control characters: the usual answer, no SQL error
    (PostgreSQL refuses NUL in a query), and the attempt recorded in a printable form."""
    make_user(session, username="office")
    out = auth.attempt_login(session, typed, "whatever-1")
    assert not out.ok and out.message == WRONG
    (row,) = _attempts(session)
    assert row.reason == "unknown_user" and len(row.username) <= 64
    assert row.username.isprintable()


def test_nul_or_overlong_password_is_a_wrong_password(session):
    user, _ = make_user(session)
    for password in ("duban-demo\x00", "p" * 5000):
        out = auth.attempt_login(session, user.username, password)
        assert not out.ok and out.message == WRONG


def test_deactivated_user_is_told_only_with_the_right_password(session):
    """A wrong password on a deactivated account says nothing about the account."""
    user, _ = make_user(session, active=False)
    assert auth.attempt_login(session, user.username, "bad-pass-1").message == WRONG
    out = auth.attempt_login(session, user.username, "duban-demo")
    assert not out.ok and "停用" in out.message and out.sid is None


def test_office_sees_and_lifts_throttles(session):
    """issue 11 #3: the office sees who must wait and lifts it (permission and audit)."""
    user, _ = make_user(session)
    _, office = make_user(session, role=Role.office)
    _, head = make_user(session, role=Role.dept_head)
    with clock.frozen(T0):
        for _ in range(5):
            auth.attempt_login(session, user.username, "bad-pass-1", source="192.0.2.8")
        with pytest.raises(PermissionDenied):
            lockout.current_throttles(session, actor=head)
        (th,) = lockout.current_throttles(session, actor=office)
        assert (th.username, th.source, th.failures) == (user.username, "192.0.2.8", 5)
        assert th.until == T0 + dt.timedelta(minutes=1)
        with pytest.raises(PermissionDenied):
            lockout.lift(session, actor=head, username=th.username, source=th.source)
        lockout.lift(session, actor=office, username=th.username, source=th.source)
        assert lockout.current_throttles(session, actor=office) == []
        assert auth.attempt_login(session, user.username, "duban-demo", source="192.0.2.8").ok
    lifted = session.exec(select(AuditLog).where(AuditLog.action == "auth.lift")).one()
    assert lifted.user_id == office.user_id and user.username in lifted.note


def test_unlock_user_lifts_the_name_from_every_address(session):
    user, _ = make_user(session)
    _, office = make_user(session, role=Role.office)
    with clock.frozen(T0):
        for source in ("192.0.2.1", "192.0.2.2"):
            for _ in range(5):
                auth.attempt_login(session, user.username, "bad-pass-1", source=source)
        assert len(lockout.current_throttles(session, actor=office)) == 2
        users.unlock_user(session, actor=office, user_id=user.id)
        assert lockout.current_throttles(session, actor=office) == []


def test_client_address_trusts_forwarded_for_only_behind_configured_proxies():
    """issue 11 #16: X-Forwarded-For is anyone's to write; only proxies we trust count."""
    xff = ["6.6.6.6, 10.1.2.3"]  # the client claims 6.6.6.6; our proxy saw 10.1.2.3
    assert lockout.client_address("172.16.0.2", xff, 0) == "172.16.0.2"
    assert lockout.client_address("172.16.0.2", xff, 1) == "10.1.2.3"
    assert lockout.client_address("172.16.0.2", xff, 2) == "6.6.6.6"
    assert lockout.client_address("172.16.0.2", [], 1) == "172.16.0.2"
    assert lockout.client_address("172.16.0.2", ["not-an-ip"], 1) == "172.16.0.2"
    assert lockout.normalise_source(None) == lockout.LOCAL


def test_change_own_password(session):
    user, actor = make_user(session)
    with pytest.raises(ValidationFailed, match="不一致"):
        auth.change_own_password(
            session, actor=actor, old="duban-demo", new="new-pass-1", repeat="new-pass-2"
        )
    with pytest.raises(ValidationFailed, match="原密码"):
        auth.change_own_password(
            session, actor=actor, old="nope-nope", new="new-pass-1", repeat="new-pass-1"
        )
    auth.change_own_password(
        session, actor=actor, old="duban-demo", new="new-pass-1", repeat="new-pass-1"
    )
    assert auth.attempt_login(session, user.username, "new-pass-1").ok
    assert session.get(AppUser, user.id).password_is_demo is False
