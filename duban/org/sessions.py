"""Login sessions on the server: opened at login, checked on every page run, revoked at
logout, on a password change, deactivation or role change, and by "sign out everywhere".

The browser's cookie holds only a JWT `{sid, exp}` signed with COOKIE_KEY; `sid` is 256 random
bits and the table keeps only its SHA-256. A cookie restores a login only while its row is
live: not revoked, younger than COOKIE_EXPIRY_DAYS, used within SESSION_IDLE_MINUTES, and its
user active. So a copied cookie dies with the session, whatever the browser keeps.
"""

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any

import jwt
from sqlalchemy import update
from sqlmodel import Session, col, select

from duban.core import audit, clock, text
from duban.core.errors import NotFound
from duban.core.permissions import Actor, require
from duban.core.services import write
from duban.core.settings import get_settings
from models import AppUser, UserSession

log = logging.getLogger(__name__)

TOUCH_EVERY = dt.timedelta(seconds=60)  # last_seen_at is written at most this often
MAX_TOKEN_CHARS = 2048  # a longer cookie is not ours: not even decoded
MAX_SID_CHARS = 100

# Why a session ended (user_session.revoked_reason), as the office reads it.
REASONS = {
    "logout": "退出登录",
    "password": "密码已修改",
    "deactivated": "账号停用",
    "role": "角色或单位变更",
    "everywhere": "退出所有设备",
    "office": "办公室强制下线",
    "expired": "超过最长登录时间",
    "idle": "长时间未操作",
}


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


def _bound(value: str | None, n: int) -> str | None:
    return text.printable(value, n) if value else None


# ---------------------------------------------------------------- the cookie


def encode_cookie(sid: str, key: str, expires: dt.datetime) -> str:
    """The cookie value: a JWT (HS256) holding only the session id and its expiry."""
    return jwt.encode({"sid": sid, "exp": int(expires.timestamp())}, key, algorithm="HS256")


def decode_cookie(token: object, key: str) -> str | None:
    """The session id in a cookie we signed, or None for anything else (logged, never raised):
    another key, another algorithm (none, HS512), a missing or past `exp`, the old
    `{username, exp_date}` format, garbage."""
    if not token:
        return None
    if not isinstance(token, str):
        log.warning("login cookie ignored: not text (%s)", type(token).__name__)
        return None
    if len(token) > MAX_TOKEN_CHARS:
        log.warning("login cookie ignored: %d characters", len(token))
        return None
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=["HS256"], options={"require": ["exp", "sid"]}
        )
    except jwt.ExpiredSignatureError:
        log.info("login cookie ignored: expired")
        return None
    except jwt.PyJWTError as exc:
        log.warning("login cookie ignored: %s", exc)
        return None
    sid = claims.get("sid")
    if not isinstance(sid, str) or not 0 < len(sid) <= MAX_SID_CHARS:
        log.warning("login cookie ignored: malformed session id")
        return None
    return sid


# ---------------------------------------------------------------- opening and checking


def open_session(
    session: Session, *, user_id: int, client: str | None, user_agent: str | None = None
) -> str:
    """Add a live session for the user to the caller's transaction; return its secret id."""
    sid = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        UserSession(
            token_hash=_hash(sid),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            client=_bound(client, 64),
            user_agent=_bound(user_agent, 200),
        )
    )
    return sid


def expiry_of(row: UserSession) -> dt.datetime:
    """When a session ends at the latest (COOKIE_EXPIRY_DAYS after login)."""
    return row.created_at + dt.timedelta(days=get_settings().cookie_expiry_days)


def _ended(row: UserSession, now: dt.datetime) -> str | None:
    if now >= expiry_of(row):
        return "expired"
    if now - row.last_seen_at >= dt.timedelta(minutes=get_settings().session_idle_minutes):
        return "idle"
    return None


@dataclass(frozen=True)
class Live:
    """A session that passed the check, with its user (re-read on every check)."""

    session_id: int
    user: AppUser
    client: str | None


def check(session: Session, sid: str | None) -> Live | None:
    """The live session behind `sid`, or None. Enforces the absolute and idle timeouts here,
    on the server; notes use (`last_seen_at`) at most once a minute, so a page run costs one
    read and, now and then, one small write."""
    if not sid:
        return None
    found = session.exec(
        select(UserSession, AppUser)
        .join(AppUser, col(AppUser.id) == UserSession.user_id)
        .where(UserSession.token_hash == _hash(sid))
    ).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or not user.active:
        return None
    now = clock.now()
    ended = _ended(row, now)
    if ended:
        _end(session, [row.id], ended, now)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        with write(session):
            session.execute(
                update(UserSession)
                .where(col(UserSession.id) == row.id, col(UserSession.revoked_at).is_(None))
                .values(last_seen_at=now)
            )
    assert row.id is not None, "a stored session has an id"
    return Live(row.id, user, row.client)


def _end(session: Session, ids: list[int | None], reason: str, now: dt.datetime) -> None:
    """Mark sessions that timed out (no audit row: nobody acted)."""
    with write(session):
        session.execute(
            update(UserSession)
            .where(col(UserSession.id).in_(ids), col(UserSession.revoked_at).is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )


# ---------------------------------------------------------------- revoking


def revoke_user_sessions(session: Session, user_id: int | None, reason: str) -> int:
    """End every live session of a user, in the caller's transaction; how many ended."""
    result = session.execute(
        update(UserSession)
        .where(col(UserSession.user_id) == user_id, col(UserSession.revoked_at).is_(None))
        .values(revoked_at=clock.now(), revoked_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def logout(session: Session, *, actor: Actor, sid: str | None) -> None:
    """End this browser's session (the logout button)."""
    if not sid:
        return
    with write(session):
        row = session.exec(select(UserSession).where(UserSession.token_hash == _hash(sid))).first()
        if row is None or row.revoked_at is not None:
            return
        row.revoked_at, row.revoked_reason = clock.now(), "logout"
        audit.record(
            session, actor, "auth.logout", row, after={}, note="退出登录", bump_version=False
        )


def sign_out_everywhere(session: Session, *, actor: Actor, user_id: int) -> int:
    """End every session of a user: one's own ("退出所有设备"), or anyone's by the office."""
    own = user_id == actor.user_id
    if not own:
        require(actor, "user.manage")
    with write(session):
        user = session.get(AppUser, user_id)
        if user is None:
            raise NotFound(f"用户不存在（编号 {user_id}）。")
        n = revoke_user_sessions(session, user_id, "everywhere" if own else "office")
        note = f"结束全部 {n} 个登录会话" + ("" if own else "（办公室强制下线）")
        audit.record(
            session,
            actor,
            "auth.sign_out_everywhere",
            user,
            after={},
            note=note,
            bump_version=False,
        )
    return n


def revoke_session(session: Session, *, actor: Actor, session_id: int) -> None:
    """End one session: one's own, or anyone's by the office."""
    with write(session):
        row = session.get(UserSession, session_id)
        if row is None:
            raise NotFound(f"登录会话不存在（编号 {session_id}）。")
        if row.user_id != actor.user_id:
            require(actor, "user.manage")
        if row.revoked_at is not None:
            return
        own = row.user_id == actor.user_id
        row.revoked_at, row.revoked_reason = clock.now(), "everywhere" if own else "office"
        audit.record(
            session,
            actor,
            "auth.revoke_session",
            row,
            after={},
            note="结束登录会话",
            bump_version=False,
        )


# ---------------------------------------------------------------- listing


@dataclass(frozen=True)
class SessionView:
    id: int
    username: str
    display_name: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    client: str | None
    user_agent: str | None


def live_sessions(
    session: Session, *, actor: Actor, user_id: int | None = None, limit: int = 500
) -> list[SessionView]:
    """Sessions still live (newest first): one's own, or (office) a user's or everyone's."""
    if user_id is None or user_id != actor.user_id:
        require(actor, "user.manage")
    now = clock.now()
    s = get_settings()
    q = (
        select(UserSession, AppUser)
        .join(AppUser, col(AppUser.id) == UserSession.user_id)
        .where(
            col(UserSession.revoked_at).is_(None),
            UserSession.created_at > now - dt.timedelta(days=s.cookie_expiry_days),
            UserSession.last_seen_at > now - dt.timedelta(minutes=s.session_idle_minutes),
            AppUser.active == True,  # noqa: E712
        )
        .order_by(col(UserSession.last_seen_at).desc())
        .limit(limit)
    )
    if user_id is not None:
        q = q.where(UserSession.user_id == user_id)
    return [
        SessionView(
            row.id or 0,
            user.username,
            user.display_name,
            row.created_at,
            row.last_seen_at,
            expiry_of(row),
            row.client,
            row.user_agent,
        )
        for row, user in session.exec(q).all()
    ]
