"""Passwords and logins: checking an attempt (throttled by `lockout`, opening a session from
`sessions` on success), changing one's password, and the production check for demo passwords."""

import datetime as dt
import functools
import logging
import re
from dataclasses import dataclass

import bcrypt
from sqlalchemy import update
from sqlmodel import Session, col, select

from duban.core import audit, clock
from duban.core.errors import SettingsError, ValidationFailed
from duban.core.permissions import Actor
from duban.core.services import write
from duban.core.settings import get_settings
from duban.org import lockout, sessions
from models import AppUser

DEMO_PASSWORD = "duban-demo"

log = logging.getLogger(__name__)


def validate_password(password: str) -> None:
    """8–72 bytes (bcrypt ignores the rest, so we refuse it rather than truncate silently)."""
    n = len(password.encode("utf-8", "replace"))
    if n < 8:
        raise ValidationFailed("密码至少需要 8 个字符。")
    if n > 72:
        raise ValidationFailed("密码不能超过 72 字节（约 24 个汉字），请缩短。")
    if password.strip() != password:
        raise ValidationFailed("密码首尾不能有空格。")
    if "\x00" in password:
        raise ValidationFailed("密码不能包含空字符。")
    if password == DEMO_PASSWORD and not get_settings().is_demo:
        raise ValidationFailed("生产模式下不能使用演示密码，请换一个密码。")


def hash_password(password: str, rounds: int | None = None) -> str:
    validate_password(password)
    rounds = rounds or get_settings().bcrypt_rounds
    return bcrypt.hashpw(password.encode("utf-8", "replace"), bcrypt.gensalt(rounds)).decode()


@dataclass(frozen=True)
class NewPassword:
    """A validated and hashed password, made before the transaction (bcrypt is slow)."""

    hash: str
    is_demo: bool

    @classmethod
    def of(cls, password: str) -> "NewPassword":
        return cls(hash_password(password), password == DEMO_PASSWORD)

    def apply(self, user: AppUser) -> None:
        """Store it on the row, with whether it is the demo password (production checks)."""
        user.password_hash = self.hash
        user.password_is_demo = self.is_demo


def verify_password(password: str, password_hash: str) -> bool:
    data = password.encode("utf-8", "replace")
    if len(data) > 72 or b"\x00" in data:
        return False  # never a stored password (validate_password refuses both)
    try:
        return bcrypt.checkpw(data, password_hash.encode())
    except ValueError:
        # A stored hash bcrypt cannot read: refuse the login, and say so in the log.
        log.warning("unreadable password hash: login refused")
        return False


USERNAME_FORM = re.compile(r"[a-z0-9_.-]{2,40}")
WRONG = "用户名或密码错误。"


@dataclass
class LoginOutcome:
    ok: bool
    message: str
    actor: Actor | None = None
    sid: str | None = None  # the new session's secret id (for the cookie), on success


@functools.lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> bytes:
    return bcrypt.hashpw(b"timing-equaliser", bcrypt.gensalt(rounds))


def _password_matches(password: str, user: AppUser | None) -> bool:
    """bcrypt against the user's hash, or against a dummy hash of the same cost when there is
    no such user, so both answers take as long."""
    if user is None:
        data = password.encode("utf-8", "replace")[:72].replace(b"\x00", b"?")
        bcrypt.checkpw(data, _dummy_hash(get_settings().bcrypt_rounds))
        return False
    return verify_password(password, user.password_hash)


def _find_user(session: Session, key: str) -> AppUser | None:
    """The account named `key`; None without a query when `key` cannot be a username
    (NUL, control characters, too long…)."""
    if not USERNAME_FORM.fullmatch(key):
        return None
    return session.exec(select(AppUser).where(AppUser.username == key)).first()


def attempt_login(
    session: Session,
    username: str,
    password: str,
    *,
    source: str | None = None,
    user_agent: str | None = None,
) -> LoginOutcome:
    """Check a login from address `source`. Unknown and known usernames get the same answers
    in the same time; each attempt is recorded and audited with its source; a success opens
    a server-side session and writes nothing version-checked (parallel logins all succeed)."""
    key = lockout.normalise_username(username)
    src = lockout.normalise_source(source)
    if not key or not password:
        return LoginOutcome(False, "请输入用户名和密码。")
    until = lockout.blocked_until(session, key, src)
    if until is not None:
        return _refuse(session, key, src, None, "throttled", _wait_message(until))
    user = _find_user(session, key)
    if not _password_matches(password, user):
        reason = "bad_password" if user else "unknown_user"
        return _refuse(session, key, src, user, reason, WRONG)
    assert user is not None, "a password matched a user"
    if not user.active:
        return _refuse(session, key, src, user, "inactive", "该账号已停用，请联系领导小组办公室。")
    return _accept(session, user, src, user_agent)


def _wait_message(until: dt.datetime) -> str:
    minutes = max(1, -(-int((until - clock.now()).total_seconds()) // 60))
    return f"登录失败次数过多，请 {minutes} 分钟后再试。"


NOTES = {
    "throttled": "登录被限制（失败次数过多，需等待）",
    "bad_password": "登录失败（密码错误）",
    "unknown_user": "登录失败（用户名不存在）",
    "inactive": "登录失败（账号已停用）",
}


def _refuse(
    session: Session, key: str, src: str, user: AppUser | None, reason: str, message: str
) -> LoginOutcome:
    actor = Actor.anonymous(key[:40], src)
    with write(session):
        row = lockout.record_attempt(
            session,
            username=key,
            source=src,
            ok=False,
            reason=reason,
            user_id=user.id if user else None,
        )
        audit.record(
            session,
            actor if user is None else Actor.of(user, src),
            f"auth.{reason}",
            row,
            after={},
            note=NOTES[reason],
            bump_version=False,
        )
    return LoginOutcome(False, message)


def _accept(session: Session, user: AppUser, src: str, user_agent: str | None) -> LoginOutcome:
    actor = Actor.of(user, src)
    assert user.id is not None, "a stored user has an id"
    with write(session):
        lockout.record_attempt(
            session, username=user.username, source=src, ok=True, reason="ok", user_id=user.id
        )
        sid = sessions.open_session(session, user_id=user.id, client=src, user_agent=user_agent)
        # An UPDATE by criteria skips the row's version check (and bump): eight browsers
        # logging in to one account at once must not refuse each other as "stale".
        session.execute(
            update(AppUser)
            .where(col(AppUser.id) == user.id)
            .values(last_login_at=clock.now())
            .execution_options(synchronize_session=False)
        )
        audit.record(
            session, actor, "auth.login", user, after={}, note="登录成功", bump_version=False
        )
    return LoginOutcome(True, "", actor, sid)


def change_own_password(
    session: Session,
    *,
    actor: Actor,
    old: str,
    new: str,
    repeat: str,
    user_agent: str | None = None,
) -> str:
    """Change one's password. Every session of the user ends (a copied cookie with them); the
    browser that made the change gets a new one, whose secret id is returned."""
    if new != repeat:
        raise ValidationFailed("两次输入的新密码不一致。")
    with write(session):
        user = session.get(AppUser, actor.user_id)
        if user is None or not verify_password(old, user.password_hash):
            raise ValidationFailed("原密码不正确。")
        if old == new:
            raise ValidationFailed("新密码不能与原密码相同。")
        NewPassword.of(new).apply(user)
        sessions.revoke_user_sessions(session, user.id, "password")
        assert user.id is not None, "a stored user has an id"
        sid = sessions.open_session(
            session, user_id=user.id, client=actor.client, user_agent=user_agent
        )
        audit.record(session, actor, "user.change_password", user, after={}, note="修改本人密码")
    return sid


def demo_password_accounts(session: Session) -> list[str]:
    """Active accounts whose password is the demo one. Rows not checked yet (seeded, or from
    before the check existed) are checked once — one bcrypt per distinct hash — and marked,
    so this is one small query afterwards."""
    active = col(AppUser.active).is_(True)
    unknown = session.exec(
        select(AppUser).where(active, col(AppUser.password_is_demo).is_(None))
    ).all()
    if unknown:
        verdict: dict[str, bool] = {}
        for u in unknown:
            if u.password_hash not in verdict:
                verdict[u.password_hash] = verify_password(DEMO_PASSWORD, u.password_hash)
        with write(session):
            for u in unknown:
                session.execute(
                    update(AppUser)
                    .where(col(AppUser.id) == u.id, col(AppUser.password_hash) == u.password_hash)
                    .values(password_is_demo=verdict[u.password_hash])
                    .execution_options(synchronize_session=False)
                )
    q = select(AppUser.username).where(active, col(AppUser.password_is_demo).is_(True))
    return list(session.exec(q.order_by(AppUser.username)).all())


def check_no_demo_passwords(session: Session) -> None:
    """Production refuses to run while an active account still has the demo password."""
    names = demo_password_accounts(session)
    if names:
        shown = "、".join(names[:10]) + ("……" if len(names) > 10 else "")
        raise SettingsError(
            f"生产模式下仍有 {len(names)} 个账号使用演示密码 {DEMO_PASSWORD}（{shown}）。"
            "请先在服务器上用 `python -m duban set-password 用户名` 逐个修改后再启动。"
        )


def user_for(session: Session, username: str) -> AppUser | None:
    return session.exec(select(AppUser).where(AppUser.username == username)).first()
