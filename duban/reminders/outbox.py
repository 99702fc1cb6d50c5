"""The outbox: a notification for one user and a delivery row per channel the user chose.

`enqueue` is the only way a message is made. The notification is the in-app copy (always);
e-mail and group-robot deliveries are queued for the worker, which sends them
(duban.reminders.worker). At most one notification per (user, rule, key): a repeated
enqueue, by a second run or a second worker, adds nothing and returns None.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from duban.core import clock
from models import AppUser, Channel, Delivery, Notification, NotifyPreference

EMAIL, DINGTALK, WECOM, SMTP = "email", "dingtalk", "wecom", "smtp"
ROBOTS = (DINGTALK, WECOM)

# Delivery.status values
PENDING, SENDING, SENT, FAILED, SKIPPED = "pending", "sending", "sent", "failed", "skipped"


def preference(session: Session, user_id: int) -> NotifyPreference:
    """The user's choices (defaults when never saved: in-app only)."""
    return session.get(NotifyPreference, user_id) or NotifyPreference(user_id=user_id)


def robots_for(session: Session, user: AppUser) -> list[Channel]:
    """The enabled group robots that speak to the user's unit, or to the user's role."""
    unit = (
        col(Channel.department_id) == user.department_id
        if user.department_id is not None
        else col(Channel.id).is_(None)
    )
    by_role = col(Channel.department_id).is_(None) & (col(Channel.role) == user.role.value)
    return list(
        session.exec(
            select(Channel)
            .where(col(Channel.kind).in_(ROBOTS), col(Channel.enabled), or_(unit, by_role))
            .order_by(col(Channel.id))
        )
    )


def mail_server(session: Session) -> Channel | None:
    return session.exec(
        select(Channel).where(Channel.kind == SMTP, col(Channel.enabled)).order_by(col(Channel.id))
    ).first()


def enqueue(
    session: Session,
    *,
    user: AppUser,
    rule: str,
    key: str,
    subject: str,
    body: str = "",
    link: str | None = None,
    not_before: dt.datetime | None = None,
) -> Notification | None:
    """Make one message for `user` (no commit: the caller's transaction holds it).

    Deliveries go to the channels the user chose; one the office has not configured (no
    mail server, no robot for the unit) or that the user has no address for is recorded as
    skipped with the reason, so the delivery log shows why nothing went out. `not_before`
    holds the outside deliveries back (quiet hours); the in-app copy is there at once.
    """
    assert user.id is not None
    now = clock.now()
    note = Notification(
        user_id=user.id,
        rule=rule,
        dedupe_key=key[:120],
        subject=subject[:200],
        body=body,
        link=link,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(note)
            session.flush()
    except IntegrityError:
        return None  # the savepoint is rolled back; the rest of the transaction stands
    assert note.id is not None
    pref = preference(session, user.id)
    due = max(now, not_before) if not_before else now
    rows: list[Delivery] = []
    if pref.email_on:
        server = mail_server(session)
        if server is None:
            rows.append(_skipped(note.id, EMAIL, user.email or "", "未配置邮件服务器"))
        elif not user.email:
            rows.append(_skipped(note.id, EMAIL, "", "用户未填写电子邮箱"))
        else:
            rows.append(
                Delivery(
                    notification_id=note.id,
                    channel=EMAIL,
                    channel_id=server.id,
                    target=user.email,
                    next_attempt_at=due,
                    created_at=now,
                )
            )
    if pref.robot_on:
        robots = robots_for(session, user)
        if not robots:
            rows.append(_skipped(note.id, DINGTALK, "", "本单位或本角色未配置群机器人"))
        for robot in robots:
            rows.append(
                Delivery(
                    notification_id=note.id,
                    channel=robot.kind,
                    channel_id=robot.id,
                    target=robot.name,
                    next_attempt_at=due,
                    created_at=now,
                )
            )
    for row in rows:
        session.add(row)
    session.flush()
    return note


def _skipped(notification_id: int, channel: str, target: str, why: str) -> Delivery:
    now = clock.now()
    return Delivery(
        notification_id=notification_id,
        channel=channel,
        target=target,
        status=SKIPPED,
        last_error=why,
        next_attempt_at=now,
        created_at=now,
    )
