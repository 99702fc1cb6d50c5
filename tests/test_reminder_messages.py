"""A user's in-app messages: only one's own are listed, counted and marked as read."""

import pytest
from sqlmodel import select

from duban.core.errors import NotFound
from duban.reminders import messages, outbox
from models import AuditLog, Notification, Role
from tests.factories import make_user


def test_own_messages_only_and_marking_them_read(session):
    me, actor = make_user(session, Role.dept_head)
    other, other_actor = make_user(session, Role.dept_head)
    a = outbox.enqueue(session, user=me, rule="overdue", key="1", subject="甲")
    b = outbox.enqueue(session, user=me, rule="due_soon", key="2", subject="乙")
    theirs = outbox.enqueue(session, user=other, rule="overdue", key="3", subject="丙")
    session.commit()
    assert a and b and theirs
    assert {n.subject for n in messages.my_messages(session, actor=actor)} == {"甲", "乙"}
    assert messages.unread_count(session, actor=actor) == 2
    with pytest.raises(NotFound):
        messages.mark_read(session, actor=actor, notification_id=theirs.id)
    assert session.get(Notification, theirs.id).read_at is None
    messages.mark_read(session, actor=actor, notification_id=a.id)
    assert messages.unread_count(session, actor=actor) == 1
    assert [n.subject for n in messages.my_messages(session, actor=actor, unread_only=True)] == [
        "乙"
    ]
    assert messages.mark_all_read(session, actor=actor) == 1
    assert messages.unread_count(session, actor=actor) == 0
    assert messages.unread_count(session, actor=other_actor) == 1
    actions = session.exec(select(AuditLog.action).where(AuditLog.user_id == me.id)).all()
    assert sorted(actions) == ["notification.read", "notification.read_all"]
