"""Passwords, login attempts, lockout and the authenticator's credentials."""

import datetime as dt

import pytest
from sqlmodel import select

from duban.core import clock
from duban.core.errors import ValidationFailed
from duban.org import auth
from models import AuditLog, Role
from tests.factories import make_user


def test_password_length_rules():
    with pytest.raises(ValidationFailed, match="至少"):
        auth.validate_password("short")
    with pytest.raises(ValidationFailed, match="72"):
        auth.validate_password("密" * 25)  # 75 bytes
    auth.validate_password("密" * 24)  # 72 bytes is fine
    h = auth.hash_password("correct horse", rounds=4)
    assert auth.verify_password("correct horse", h)
    assert not auth.verify_password("wrong horse", h)


def test_login_ok_resets_failures_and_audits(session):
    user, _ = make_user(session, role=Role.leader, failed_logins=3)
    out = auth.attempt_login(session, user.username.upper(), "duban-demo")
    assert out.ok and out.actor.role == Role.leader
    session.refresh(user)
    assert user.failed_logins == 0 and user.last_login_at is not None
    assert len(session.exec(select(AuditLog).where(AuditLog.action == "auth.login")).all()) == 1


def test_unknown_user_and_wrong_password_same_message(session):
    user, _ = make_user(session)
    a = auth.attempt_login(session, "nobody", "whatever1")
    b = auth.attempt_login(session, user.username, "whatever1")
    assert not a.ok and not b.ok
    assert a.message == "用户名或密码错误。"
    assert b.message.startswith("用户名或密码错误")
    assert "还可尝试 4 次" in b.message


def test_five_failures_lock_for_fifteen_minutes(session):
    user, _ = make_user(session)
    t0 = dt.datetime(2026, 11, 23, 9, 0)
    with clock.frozen(t0):
        for _ in range(4):
            assert not auth.attempt_login(session, user.username, "bad-password").ok
        out = auth.attempt_login(session, user.username, "bad-password")
        assert "已锁定 15 分钟" in out.message
        # The right password does not help while locked.
        out = auth.attempt_login(session, user.username, "duban-demo")
        assert not out.ok and "锁定" in out.message
        assert user.username not in auth.credentials(session)["usernames"]
    with clock.frozen(t0 + dt.timedelta(minutes=16)):
        assert auth.attempt_login(session, user.username, "duban-demo").ok
        assert user.username in auth.credentials(session)["usernames"]


def test_deactivated_user_cannot_log_in_or_use_cookie(session):
    user, _ = make_user(session, active=False)
    out = auth.attempt_login(session, user.username, "duban-demo")
    assert not out.ok and "停用" in out.message
    assert user.username not in auth.credentials(session)["usernames"]


def test_credentials_shape_for_authenticator(session):
    user, _ = make_user(session, role=Role.inspector)
    entry = auth.credentials(session)["usernames"][user.username]
    assert entry["roles"] == ["inspector"]
    assert entry["password"].startswith("$2b$")
    assert entry["name"] == user.display_name


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
