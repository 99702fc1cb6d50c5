"""A user's in-app messages (the notifications the reminders made): read them, count the
unread ones, mark them as read. Only one's own: another user's message is not found."""

from __future__ import annotations

from sqlmodel import Session, col, func, select, update

from duban.core import audit, clock
from duban.core.errors import NotFound
from duban.core.permissions import Actor
from duban.core.services import write
from models import Notification

__all__ = ["mark_all_read", "mark_read", "my_messages", "unread_count"]


def my_messages(
    session: Session, *, actor: Actor, unread_only: bool = False, limit: int = 50
) -> list[Notification]:
    """The actor's newest messages first."""
    q = select(Notification).where(Notification.user_id == actor.user_id)
    if unread_only:
        q = q.where(col(Notification.read_at).is_(None))
    q = q.order_by(col(Notification.created_at).desc(), col(Notification.id).desc()).limit(limit)
    return list(session.exec(q).all())


def unread_count(session: Session, *, actor: Actor) -> int:
    return int(
        session.exec(
            select(func.count()).where(
                Notification.user_id == actor.user_id, col(Notification.read_at).is_(None)
            )
        ).one()
    )


def mark_read(session: Session, *, actor: Actor, notification_id: int) -> Notification:
    """Mark one of the actor's messages as read (NotFound for anyone else's)."""
    with write(session):
        note = session.get(Notification, notification_id)
        if note is None or note.user_id != actor.user_id or actor.user_id is None:
            raise NotFound(f"消息不存在（编号 {notification_id}）。")
        if note.read_at is None:
            note.read_at = clock.now()
            session.add(note)
            audit.record(
                session,
                actor,
                "notification.read",
                object_type="notification",
                object_id=note.id,
                bump_version=False,  # no page's cached data changes
            )
    return note


def mark_all_read(session: Session, *, actor: Actor) -> int:
    """Mark all of the actor's unread messages as read; how many there were."""
    if actor.user_id is None:
        return 0
    with write(session):
        result = session.execute(
            update(Notification)
            .where(col(Notification.user_id) == actor.user_id, col(Notification.read_at).is_(None))
            .values(read_at=clock.now())
        )
        n = int(getattr(result, "rowcount", 0) or 0)
        if n:
            audit.record(
                session,
                actor,
                "notification.read_all",
                object_type="notification",
                note=f"{n} 条消息标为已读",
                bump_version=False,
            )
    return n
