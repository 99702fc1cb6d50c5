"""Login throttling that cannot be turned on a user: failures slow down the address they come
from, never the account everywhere, and never end a session already open.

- Per username and address: after LOCKOUT_ATTEMPTS failures the next try waits 1 minute,
  then 2, 4 … up to LOCKOUT_MINUTES (counted over a day, reset by a success from that address).
- Per address over all usernames: after LOGIN_SOURCE_ATTEMPTS failures within an hour, the same
  backoff (someone trying many accounts).
- Every attempt is a row in `login_attempt` (inserts only, so parallel attempts all count).
  The office sees the current throttles and lifts them (a row with reason "lifted").
"""

import datetime as dt
import ipaddress
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from duban.core import audit, clock, text
from duban.core.errors import ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import write
from duban.core.settings import get_settings
from models import LoginAttempt

COUNTED = ("bad_password", "unknown_user")  # the reasons that are guesses
PAIR_WINDOW = dt.timedelta(hours=24)
SOURCE_WINDOW = dt.timedelta(hours=1)
LOCAL = "local"  # Streamlit gives no address for a browser on the server itself
MAX_CANDIDATES = 500

log = logging.getLogger(__name__)


def normalise_username(typed: str | None) -> str:
    """The typed username as it is counted and stored: trimmed, lower case, at most 64
    characters, anything unprintable (NUL, controls) shown as '?'."""
    return text.printable((typed or "").strip().lower(), 64)


def client_address(peer: str | None, forwarded_for: Iterable[str], hops: int) -> str | None:
    """The client's address. `hops` = 0 (TRUSTED_PROXY_HOPS): the connection's own address;
    X-Forwarded-For is ignored, since any browser can send one. `hops` = N: Duban sits behind
    N proxies that each append the address they saw, so the Nth entry from the right is the
    last one a trusted proxy wrote (entries further left are the client's own claims)."""
    if hops <= 0:
        return peer
    entries = [e.strip() for header in forwarded_for for e in header.split(",") if e.strip()]
    if not entries:
        log.warning("TRUSTED_PROXY_HOPS=%d but the request has no X-Forwarded-For", hops)
        return peer
    chosen = entries[-min(hops, len(entries))]
    try:
        return str(ipaddress.ip_address(chosen))
    except ValueError:
        log.warning("X-Forwarded-For entry is not an address: %r", chosen[:64])
        return peer


def normalise_source(address: str | None) -> str:
    if not address:
        return LOCAL
    return text.printable(address.strip(), 64) or LOCAL


def backoff(failures: int, threshold: int, cap_minutes: int) -> dt.timedelta | None:
    """The wait after `failures` failures: none below the threshold, then 1, 2, 4 … minutes."""
    if failures < threshold:
        return None
    return dt.timedelta(minutes=min(2 ** min(failures - threshold, 20), cap_minutes))


def _reset_id(session: Session, *conditions) -> int:
    q = select(func.max(LoginAttempt.id)).where(col(LoginAttempt.ok).is_(True), *conditions)
    return int(session.exec(q).one() or 0)


def _failures(session: Session, since: dt.datetime, after_id: int, *conditions):
    q = select(func.count(), func.max(LoginAttempt.at)).where(
        col(LoginAttempt.reason).in_(COUNTED),
        LoginAttempt.at >= since,
        col(LoginAttempt.id) > after_id,
        *conditions,
    )
    n, last = session.exec(q).one()
    return int(n or 0), last


def _pair_until(session: Session, username: str, source: str, now: dt.datetime):
    s = get_settings()
    reset = _reset_id(
        session,
        or_(col(LoginAttempt.username) == username, col(LoginAttempt.username).is_(None)),
        or_(col(LoginAttempt.source) == source, col(LoginAttempt.source).is_(None)),
    )
    n, last = _failures(
        session,
        now - PAIR_WINDOW,
        reset,
        LoginAttempt.username == username,
        LoginAttempt.source == source,
    )
    wait = backoff(n, s.lockout_attempts, s.lockout_minutes)
    return n, (last + wait if wait and last else None)


def _source_until(session: Session, source: str, now: dt.datetime):
    s = get_settings()
    reset = _reset_id(
        session,
        LoginAttempt.reason == "lifted",
        col(LoginAttempt.username).is_(None),
        or_(col(LoginAttempt.source) == source, col(LoginAttempt.source).is_(None)),
    )
    n, last = _failures(session, now - SOURCE_WINDOW, reset, LoginAttempt.source == source)
    wait = backoff(n, s.login_source_attempts, s.lockout_minutes)
    return n, (last + wait if wait and last else None)


def blocked_until(
    session: Session, username: str, source: str, now: dt.datetime | None = None
) -> dt.datetime | None:
    """Until when a login for `username` from `source` must wait (None: it may try now).
    The same for a known and an unknown username: the answer says nothing about accounts."""
    now = now or clock.now()
    untils = [
        _pair_until(session, username, source, now)[1],
        _source_until(session, source, now)[1],
    ]
    latest = max((u for u in untils if u is not None), default=None)
    return latest if latest is not None and latest > now else None


def record_attempt(
    session: Session,
    *,
    username: str | None,
    source: str | None,
    ok: bool,
    reason: str,
    user_id: int | None = None,
) -> LoginAttempt:
    """Add one attempt (or a lift) to the caller's transaction."""
    row = LoginAttempt(
        at=clock.now(), username=username, user_id=user_id, source=source, ok=ok, reason=reason
    )
    session.add(row)
    return row


# ---------------------------------------------------------------- the office's view


@dataclass(frozen=True)
class Throttle:
    """A username (or None: every username) from an address that must wait until `until`."""

    username: str | None
    source: str
    failures: int
    until: dt.datetime


def _candidates(session: Session, since: dt.datetime, threshold: int, by_user: bool):
    keys = (
        [col(LoginAttempt.username), col(LoginAttempt.source)]
        if by_user
        else [col(LoginAttempt.source)]
    )
    q = (
        select(*keys)
        .where(col(LoginAttempt.reason).in_(COUNTED), LoginAttempt.at >= since)
        .group_by(*keys)
        .having(func.count() >= threshold)
        .limit(MAX_CANDIDATES)
    )
    return session.exec(q).all()


def current_throttles(session: Session, *, actor: Actor) -> list[Throttle]:
    """Every username-and-address pair and every address that must wait now, longest first."""
    require(actor, "user.manage")
    s, now = get_settings(), clock.now()
    found = []
    for username, source in _candidates(session, now - PAIR_WINDOW, s.lockout_attempts, True):
        n, until = _pair_until(session, username, source, now)
        if until and until > now:
            found.append(Throttle(username, source, n, until))
    for (source,) in _candidates(session, now - SOURCE_WINDOW, s.login_source_attempts, False):
        n, until = _source_until(session, source, now)
        if until and until > now:
            found.append(Throttle(None, source, n, until))
    return sorted(found, key=lambda t: t.until, reverse=True)


def add_lift(session: Session, *, username: str | None, source: str | None) -> LoginAttempt:
    """Clear the counts, in the caller's transaction: of a username (from every address when
    `source` is None), or of an address (every username when `username` is None)."""
    return record_attempt(session, username=username, source=source, ok=True, reason="lifted")


def lift(session: Session, *, actor: Actor, username: str | None, source: str | None) -> None:
    """The office lifts a throttle (audited)."""
    require(actor, "user.manage")
    if not username and not source:
        raise ValidationFailed("请指定要解除限制的用户名或来源地址。")
    with write(session):
        row = add_lift(session, username=username, source=source)
        what = "、".join(
            x for x in (username and f"用户名 {username}", source and f"来源 {source}") if x
        )
        audit.record(
            session,
            actor,
            "auth.lift",
            row,
            after={},
            note=f"解除登录限制：{what}",
            bump_version=False,
        )
