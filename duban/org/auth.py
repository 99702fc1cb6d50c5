"""Passwords, login attempts and lockout, and the credentials dict for the authenticator."""

import datetime as dt
import logging
from dataclasses import dataclass

import bcrypt
from sqlmodel import Session, select

from duban.core import audit, clock
from duban.core.errors import ValidationFailed
from duban.core.permissions import Actor
from duban.core.services import write
from duban.core.settings import get_settings
from models import AppUser

DEMO_PASSWORD = "duban-demo"

log = logging.getLogger(__name__)


def validate_password(password: str) -> None:
    """8–72 bytes (bcrypt ignores the rest, so we refuse it rather than truncate silently)."""
    n = len(password.encode("utf-8"))
    if n < 8:
        raise ValidationFailed("密码至少需要 8 个字符。")
    if n > 72:
        raise ValidationFailed("密码不能超过 72 字节（约 24 个汉字），请缩短。")
    if password.strip() != password:
        raise ValidationFailed("密码首尾不能有空格。")


def hash_password(password: str, rounds: int | None = None) -> str:
    validate_password(password)
    rounds = rounds or get_settings().bcrypt_rounds
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode()


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode())
    except ValueError:
        # A stored hash bcrypt cannot read: refuse the login, and say so in the log.
        log.warning("unreadable password hash: login refused")
        return False


def is_locked(user: AppUser, now: dt.datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or clock.now())


def can_log_in(user: AppUser | None) -> bool:
    return user is not None and user.active and not is_locked(user)


def credentials(session: Session) -> dict:
    """The streamlit-authenticator credentials dict, from the users who may log in now.

    Locked and deactivated users are left out, so they cannot get in by cookie either.
    """
    users = session.exec(select(AppUser).where(AppUser.active == True)).all()  # noqa: E712
    now = clock.now()
    return {
        "usernames": {
            u.username: {
                "name": u.display_name,
                "email": u.email or f"{u.username}@duban.local",
                "password": u.password_hash,
                "roles": [u.role.value if hasattr(u.role, "value") else u.role],
            }
            for u in users
            if not is_locked(u, now)
        }
    }


@dataclass
class LoginOutcome:
    ok: bool
    message: str
    actor: Actor | None = None


def attempt_login(session: Session, username: str, password: str) -> LoginOutcome:
    """Check a login, counting failures: `lockout_attempts` failures lock for N minutes."""
    s = get_settings()
    username = (username or "").strip().lower()
    if not username or not password:
        return LoginOutcome(False, "请输入用户名和密码。")
    user = session.exec(select(AppUser).where(AppUser.username == username)).first()
    now = clock.now()
    if user is None:
        # Same wording as a wrong password, so usernames cannot be probed.
        bcrypt.checkpw(b"x", _DUMMY_HASH)  # equalise timing with a real check
        return LoginOutcome(False, "用户名或密码错误。")
    if not user.active:
        return LoginOutcome(False, "该账号已停用，请联系领导小组办公室。")
    if is_locked(user, now):
        assert user.locked_until is not None, "is_locked"
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return LoginOutcome(False, f"连续登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试。")
    actor = Actor.of(user)
    with write(session):
        if verify_password(password, user.password_hash):
            user.failed_logins = 0
            user.locked_until = None
            user.last_login_at = now
            audit.record(session, actor, "auth.login", user, after={}, note="登录成功")
            return LoginOutcome(True, "", actor)
        user.failed_logins += 1
        left = s.lockout_attempts - user.failed_logins
        if left <= 0:
            user.locked_until = now + dt.timedelta(minutes=s.lockout_minutes)
            user.failed_logins = 0
            msg = f"连续 {s.lockout_attempts} 次登录失败，账号已锁定 {s.lockout_minutes} 分钟。"
            audit.record(session, actor, "auth.locked", user, after={}, note=msg)
            return LoginOutcome(False, msg)
        audit.record(session, actor, "auth.failed", user, after={}, note="密码错误")
        return LoginOutcome(False, f"用户名或密码错误，还可尝试 {left} 次。")


_DUMMY_HASH = bcrypt.hashpw(b"timing-equaliser", bcrypt.gensalt(4))


def change_own_password(session: Session, *, actor: Actor, old: str, new: str, repeat: str) -> None:
    if new != repeat:
        raise ValidationFailed("两次输入的新密码不一致。")
    with write(session):
        user = session.get(AppUser, actor.user_id)
        if user is None or not verify_password(old, user.password_hash):
            raise ValidationFailed("原密码不正确。")
        if old == new:
            raise ValidationFailed("新密码不能与原密码相同。")
        user.password_hash = hash_password(new)
        audit.record(session, actor, "user.change_password", user, after={}, note="修改本人密码")


def user_for(session: Session, username: str) -> AppUser | None:
    return session.exec(select(AppUser).where(AppUser.username == username)).first()
