"""The audit log: one row per write, with who, when, what, and before/after values."""

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session, SQLModel, col, func, select

from duban.core import clock
from duban.core.db import bump_data_version
from duban.core.permissions import Actor
from models import AuditLog

_SKIP = {"password_hash", "secret"}  # a channel's SMTP password or robot secret


def _jsonable(v: Any) -> Any:
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    if isinstance(v, enum.Enum):
        return v.value
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    return v


def snapshot(obj: SQLModel | None) -> dict | None:
    """The row's columns as JSON-able values (secrets left out)."""
    if obj is None:
        return None
    return {
        c.name: _jsonable(getattr(obj, c.name, None))
        for c in sa_inspect(obj).mapper.local_table.columns
        if c.name not in _SKIP
    }


def diff(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Keep only the fields that changed (both sides), so the log stays readable."""
    if not before or not after:
        return before, after
    keys = [k for k in after if before.get(k) != after.get(k) and k != "version"]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    session: Session,
    actor: Actor,
    action: str,
    obj: SQLModel | None = None,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    before: dict | None = None,
    after: dict | None = None,
    note: str | None = None,
    bump_version: bool = True,
) -> AuditLog:
    """Add an audit row to the caller's transaction (flushes `obj` to get its id).

    `bump_version=False` for rows that change no data a page caches (login attempts,
    sessions): a stream of failed logins must not make every dashboard re-read its data.
    """
    if obj is not None:
        session.flush()
        mapper = sa_inspect(obj).mapper
        object_type = object_type or mapper.local_table.name
        object_id = object_id if object_id is not None else getattr(obj, mapper.primary_key[0].name)
        if after is None:
            after = snapshot(obj)
    before, after = diff(before, after)
    row = AuditLog(
        at=clock.now(),
        user_id=actor.user_id,
        username=actor.username,
        action=action,
        object_type=object_type or "",
        object_id=None if object_id is None else str(object_id),
        before=_jsonable(before),
        after=_jsonable(after),
        note=note,
        client=actor.client,
    )
    session.add(row)
    if bump_version:
        bump_data_version(session)
    return row


def record_created(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    rows: list[dict[str, Any]],
    *,
    note: str | None = None,
) -> int:
    """One audit row per inserted row (given as its column values, id included), in one
    multi-row INSERT; `after` is what `snapshot` gives for the row.

    For bulk writes whose rows are not visible yet (a plan's tasks while it is imported in
    chunks): the data version is NOT bumped here, the caller bumps it in the transaction
    that makes the rows visible. Returns the number of audit rows written.
    """
    if not rows:
        return 0
    at = clock.now()
    session.connection().execute(
        insert(AuditLog),
        [
            {
                "at": at,
                "user_id": actor.user_id,
                "username": actor.username,
                "action": action,
                "object_type": object_type,
                "object_id": str(row["id"]),
                "before": None,
                "after": {k: _jsonable(v) for k, v in row.items() if k not in _SKIP},
                "note": note,
                "client": actor.client,
            }
            for row in rows
        ],
    )
    return len(rows)


def query_log(
    session: Session,
    *,
    username: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = 500,
) -> tuple[list[AuditLog], int]:
    """Filtered audit rows, newest first, and the total count matching."""
    # A filter typed by hand: control characters dropped (PostgreSQL refuses a NUL even in a
    # WHERE clause, with a raw error).
    username = "".join(ch for ch in username if ch.isprintable()) if username else username
    object_id = "".join(ch for ch in object_id if ch.isprintable()) if object_id else object_id
    q = select(AuditLog)
    if username:
        q = q.where(AuditLog.username == username)
    if object_type:
        q = q.where(AuditLog.object_type == object_type)
    if object_id:
        q = q.where(AuditLog.object_id == str(object_id))
    if date_from:
        q = q.where(AuditLog.at >= dt.datetime.combine(date_from, dt.time.min))
    if date_to:
        q = q.where(AuditLog.at < dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
    total = session.exec(select(func.count()).select_from(q.subquery())).one()
    rows = session.exec(q.order_by(col(AuditLog.id).desc()).limit(limit)).all()
    return list(rows), int(total)


def history(session: Session, object_type: str, object_id: Any) -> list[AuditLog]:
    return list(
        session.exec(
            select(AuditLog)
            .where(AuditLog.object_type == object_type, AuditLog.object_id == str(object_id))
            .order_by(col(AuditLog.id))
        ).all()
    )


def files(attachments: Iterable[Any]) -> list[dict]:
    """Evidence files as the audit keeps them: name, size in bytes and SHA-256, so the log
    says which content was submitted (a file swapped on disk would not match its hash)."""
    return [{"filename": a.filename, "size": a.size, "sha256": a.sha256} for a in attachments]


def files_note(attachments: Sequence[Any], label: str = "附件") -> str:
    """「附件 2 个：佐证.pdf（12,345 字节，SHA-256 3f2a…）、…」 for the audit note."""
    listed = "、".join(
        f"{a.filename}（{a.size:,} 字节，SHA-256 {a.sha256[:12]}…）" for a in attachments
    )
    return f"{label} {len(attachments)} 个" + (f"：{listed}" if listed else "")
