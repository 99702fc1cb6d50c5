"""The channel services: office only, versioned, audited without the secret or the webhook
token; an empty secret keeps the stored one; 发送测试 recorded in the delivery log; the log's
filters and 重试; each user's own preferences, validated."""

# ruff: noqa: F811 - the server fixtures are imported from tests.reminder_servers

import datetime as dt
import json

import pytest
from sqlmodel import select

from duban.core import clock
from duban.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from duban.reminders import channels_admin as admin
from duban.reminders import outbox
from models import AuditLog, Channel, Delivery, NotifyPreference, Role
from tests.factories import make_department, make_user
from tests.reminder_servers import (  # noqa: F401 - fixtures
    DING_SECRET,
    DING_TOKEN,
    SMTP_PASSWORD,
    SMTP_USER,
    robots,
    smtp_server,
)

NOW = dt.datetime(2026, 12, 1, 10, 0)


def smtp_values(server=None, **kw) -> dict:
    return {
        "host": server.host if server else "smtp.example.org",
        "port": server.port if server else 465,
        "security": "none" if server else "ssl",
        "username": SMTP_USER,
        "sender": "duban@example.org",
        "sender_name": "督办台",
        **kw,
    }


def audit_text(session) -> str:
    return json.dumps(
        [[a.action, a.before, a.after, a.note] for a in session.exec(select(AuditLog)).all()],
        ensure_ascii=False,
    )


def test_only_the_office_manages_channels(session):
    _, leader = make_user(session, Role.leader)
    with pytest.raises(PermissionDenied):
        admin.save_mail_server(session, actor=leader, values=smtp_values(), password="x")
    with pytest.raises(PermissionDenied):
        admin.list_channels(session, actor=leader)
    assert session.exec(select(Channel)).all() == []


def test_mail_server_secret_is_kept_never_shown_never_audited(session):
    _, office = make_user(session, Role.office)
    view = admin.save_mail_server(
        session, actor=office, values=smtp_values(), password=SMTP_PASSWORD
    )
    assert view.has_secret and SMTP_PASSWORD not in repr(view)
    # an edit with the password left empty keeps it
    view = admin.save_mail_server(
        session,
        actor=office,
        values=smtp_values(host="mail.example.org"),
        expected_version=view.version,
    )
    stored = session.exec(select(Channel)).one()
    assert stored.secret == SMTP_PASSWORD and stored.config["host"] == "mail.example.org"
    # a stale edit is refused and changes nothing
    with pytest.raises(StaleEdit):
        admin.save_mail_server(
            session, actor=office, values=smtp_values(host="old.example.org"), expected_version=1
        )
    # bad input changes nothing, with a Chinese reason naming the field
    with pytest.raises(ValidationFailed, match="发件人地址"):
        admin.save_mail_server(
            session,
            actor=office,
            values=smtp_values(sender="not-an-address"),
            expected_version=view.version,
        )
    session.refresh(stored)
    assert stored.config["host"] == "mail.example.org"
    actions = [a.action for a in session.exec(select(AuditLog)).all()]
    assert actions == ["channel.create", "channel.update"]
    assert SMTP_PASSWORD not in audit_text(session)


def test_robot_token_masked_and_secret_kept_on_edit(session):
    _, office = make_user(session, Role.office)
    unit = make_department(session)
    url = f"https://oapi.dingtalk.com/robot/send?access_token={DING_TOKEN}"
    view = admin.save_robot(
        session,
        actor=office,
        values={"kind": "dingtalk", "name": "单位群", "url": url, "department_id": unit.id},
        secret=DING_SECRET,
    )
    assert DING_TOKEN not in view.config["url"] and view.has_secret
    view = admin.save_robot(
        session,
        actor=office,
        values={"kind": "dingtalk", "name": "单位工作群", "url": "", "department_id": unit.id},
        channel_id=view.id,
        expected_version=view.version,
    )
    stored = session.get(Channel, view.id)
    assert stored.config["url"] == url and stored.secret == DING_SECRET
    assert stored.name == "单位工作群"
    text = audit_text(session)
    assert DING_TOKEN not in text and DING_SECRET not in text and "单位工作群" in text
    with pytest.raises(ValidationFailed, match="单位或一个角色"):
        admin.save_robot(
            session,
            actor=office,
            values={"kind": "wecom", "name": "x", "url": "https://qyapi.weixin.qq.com/x?key=k"},
        )
    with pytest.raises(ValidationFailed, match="Webhook"):
        admin.save_robot(
            session,
            actor=office,
            values={"kind": "wecom", "name": "x", "url": "ftp://x", "role": "leader"},
        )


def test_send_test_records_the_outcome_in_the_log(session, smtp_server, robots):
    office_user, office = make_user(session, Role.office, email="office@example.org")
    with clock.frozen(NOW):
        mail = admin.save_mail_server(
            session, actor=office, values=smtp_values(smtp_server), password=SMTP_PASSWORD
        )
        ok = admin.send_test(session, actor=office, channel_id=mail.id, timeout=5)
        robots.mode["wecom"] = "errcode"
        robot = admin.save_robot(
            session,
            actor=office,
            values={
                "kind": "wecom",
                "name": "督查群",
                "url": robots.wecom_url,
                "role": "inspector",
            },
        )
        bad = admin.send_test(session, actor=office, channel_id=robot.id, timeout=5)
        log = admin.delivery_log(session, actor=office, days=1)
    assert ok.ok and ok.error is None
    assert [rcpts for rcpts, _ in smtp_server.messages] == [["office@example.org"]]
    assert not bad.ok and "310000" in (bad.error or "")
    # failures first, then the newest
    assert [(r.channel, r.status, r.attempts) for r in log] == [
        ("wecom", "failed", 1),
        ("email", "sent", 1),
    ]
    assert log[0].rule == "test" and log[1].target == "office@example.org"
    # 重试 puts a failed one back in the queue, due now; a sent one is refused
    with clock.frozen(NOW):
        admin.retry_delivery(session, actor=office, delivery_id=bad.delivery_id)
    again = session.get(Delivery, bad.delivery_id)
    session.refresh(again)
    assert (again.status, again.attempts, again.next_attempt_at) == ("pending", 0, NOW)
    with pytest.raises(ValidationFailed, match="失败"):
        admin.retry_delivery(session, actor=office, delivery_id=ok.delivery_id)
    assert SMTP_PASSWORD not in audit_text(session)


def test_delivery_log_filters(session):
    _, office = make_user(session, Role.office)
    unit = make_department(session)
    a, _ = make_user(session, Role.dept_head, department_id=unit.id, email="a@example.org")
    b, _ = make_user(session, Role.dept_head, department_id=unit.id, email="b@example.org")
    session.add(Channel(kind="smtp", name="邮件", config={"host": "h", "sender": "s@x.cn"}))
    for user in (a, b):
        session.add(NotifyPreference(user_id=user.id, email_on=True, robot_on=True))
    session.commit()
    with clock.frozen(NOW - dt.timedelta(days=10)):
        outbox.enqueue(session, user=a, rule="old", key="k", subject="十天前")
    with clock.frozen(NOW):
        for user in (a, b):
            outbox.enqueue(session, user=user, rule="due", key="k", subject="今天")
        session.commit()
        everything = admin.delivery_log(session, actor=office, days=7)
        only_b = admin.delivery_log(session, actor=office, days=7, user_id=b.id)
        skipped = admin.delivery_log(session, actor=office, days=30, statuses=["skipped"])
        mail = admin.delivery_log(session, actor=office, days=30, channel="email")
    # each user: one e-mail (pending) and one robot row skipped (no robot for the unit)
    assert len(everything) == 4 and {r.subject for r in everything} == {"今天"}
    assert {r.username for r in only_b} == {b.username}
    assert {r.status for r in skipped} == {"skipped"} and len(skipped) == 3
    assert {r.channel for r in mail} == {"email"} and len(mail) == 3


def test_preferences_are_the_users_own_and_validated(session):
    unit = make_department(session)
    user, me = make_user(session, Role.dept_head, department_id=unit.id)
    view = admin.my_preferences(session, actor=me)
    assert (view.version, view.email_on, view.robot_on) == (0, False, False)
    with pytest.raises(ValidationFailed, match="电子邮箱"):
        admin.save_preferences(
            session,
            actor=me,
            email="",
            email_on=True,
            robot_on=False,
            mobile="",
            expected_version=0,
        )
    with pytest.raises(ValidationFailed, match="手机号"):
        admin.save_preferences(
            session,
            actor=me,
            email="me@example.org",
            email_on=True,
            robot_on=True,
            mobile="12345",
            expected_version=0,
        )
    with pytest.raises(ValidationFailed, match="格式"):
        admin.save_preferences(
            session,
            actor=me,
            email="me@",
            email_on=False,
            robot_on=False,
            mobile="",
            expected_version=0,
        )
    assert session.get(NotifyPreference, user.id) is None
    view = admin.save_preferences(
        session,
        actor=me,
        email=" me@example.org ",
        email_on=True,
        robot_on=True,
        mobile="138-0013-8000",
        expected_version=0,
    )
    assert (view.email, view.email_on, view.robot_on, view.mobile) == (
        "me@example.org",
        True,
        True,
        "13800138000",
    )
    session.refresh(user)
    assert user.email == "me@example.org"
    # a second form opened before the first save is stale
    with pytest.raises(StaleEdit):
        admin.save_preferences(
            session,
            actor=me,
            email="me@example.org",
            email_on=False,
            robot_on=False,
            mobile="",
            expected_version=0,
        )
    actions = [a.action for a in session.exec(select(AuditLog)).all()]
    assert actions == ["user.update_email", "preference.update"]
