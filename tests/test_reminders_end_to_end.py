"""Issue 15's "done when": a unit head who never opens the console gets the 3-day reminder,
the overdue reminder and the missed-report reminder by e-mail and by both group robots,
once each, on working days only — two workers running every morning across the 2026
National Day holiday and its make-up working days, through real local servers."""

# ruff: noqa: F811 - the server fixtures are imported from tests.reminder_servers

import datetime as dt
import re

import chinese_calendar
from sqlmodel import col, select

from duban.core import clock
from duban.reminders import worker
from models import Channel, Delivery, Notification, NotifyPreference, Role, TaskStatus
from tests.factories import make_department, make_plan, make_task, make_user
from tests.reminder_servers import (  # noqa: F401 - fixtures
    DING_SECRET,
    SMTP_PASSWORD,
    SMTP_USER,
    robots,
    smtp_server,
)

FIRST, LAST = dt.date(2026, 9, 28), dt.date(2026, 10, 13)  # across 国庆 (1–7 Oct), 10 Oct 调休


def _world(session, smtp_server, robots):
    unit = make_department(session, name="市自然资源和规划局")
    other = make_department(session, name="市生态环境局")
    head, _ = make_user(session, Role.dept_head, department_id=unit.id, email="head@example.org")
    session.add(NotifyPreference(user_id=head.id, email_on=True, robot_on=True))
    session.add_all(
        [
            Channel(
                kind="smtp",
                name="邮件服务器",
                config={
                    "host": smtp_server.host,
                    "port": smtp_server.port,
                    "security": "none",
                    "username": SMTP_USER,
                    "sender": "duban@example.org",
                },
                secret=SMTP_PASSWORD,
            ),
            Channel(
                kind="dingtalk",
                name="自然资源局工作群",
                config={"url": robots.ding_url},
                secret=DING_SECRET,
                department_id=unit.id,
            ),
            Channel(
                kind="wecom",
                name="部门负责人群",
                config={"url": robots.wecom_url},
                role="dept_head",
            ),
        ]
    )
    plan = make_plan(session)
    with clock.frozen(dt.datetime(2026, 9, 1, 9)):
        # due Fri 9 Oct: on Tue 29 Sep the working days left are 30 Sep, 8 and 9 Oct
        # (国庆 in between), the day of the 3-day reminder
        soon = make_task(
            session,
            lead=unit,
            plan=plan,
            deadline=dt.date(2026, 10, 9),
            status=TaskStatus.in_progress,
            title="编制国土空间详细规划",
        )
        late = make_task(
            session,
            lead=unit,
            plan=plan,
            deadline=dt.date(2026, 9, 22),
            status=TaskStatus.in_progress,
            title="完成违法用地图斑整改",
        )
        cycle = make_task(
            session,
            lead=unit,
            plan=plan,
            deadline=dt.date(2026, 12, 31),
            status=TaskStatus.in_progress,
            title="推进耕地保护专项行动",
            report_cycle="weekly:5",
        )
        # another unit's task: nothing of it reaches this head
        make_task(
            session,
            lead=other,
            plan=plan,
            deadline=dt.date(2026, 9, 22),
            status=TaskStatus.in_progress,
            title="他单位任务",
        )
    session.commit()
    return head, soon, late, cycle


def _days():
    d = FIRST
    while d <= LAST:
        yield d
        d += dt.timedelta(days=1)


def test_a_unit_head_who_never_logs_in_is_reminded_once_each_on_working_days(
    engine, session, smtp_server, robots
):
    head, soon, late, cycle = _world(session, smtp_server, robots)
    for day in _days():
        for minute, who in ((0, "worker-a"), (1, "worker-b"), (30, "worker-a")):
            at = dt.datetime.combine(day, dt.time(9, minute))
            with clock.frozen(at):
                worker.run_once(engine, at, who)

    mails = [(rcpts, msg) for rcpts, msg in smtp_server.messages]
    assert all(rcpts == ["head@example.org"] for rcpts, _ in mails)
    ding, wecom = robots.of("dingtalk"), robots.of("wecom")
    assert not robots.refused  # every DingTalk call carried a valid signature

    def subjects(prefix):
        return [str(m["Subject"]) for _, m in mails if str(m["Subject"]).startswith(prefix)]

    def ding_texts(prefix):
        return [p["markdown"]["text"] for p in ding if p["markdown"]["title"].startswith(prefix)]

    def wecom_texts(prefix):
        return [p["markdown"]["content"] for p in wecom if prefix in p["markdown"]["content"]]

    working = [d for d in _days() if chinese_calendar.is_workday(d)]
    assert dt.date(2026, 10, 10) in working and dt.date(2026, 10, 5) not in working

    # the 3-day reminder: once, naming the task and its deadline
    for texts in (
        subjects("【临期提醒】"),
        ding_texts("【临期提醒】"),
        wecom_texts("【临期提醒】"),
    ):
        assert len(texts) == 1
    assert "编制国土空间详细规划" in subjects("【临期提醒】")[0]

    # the overdue reminder: once per working day, never on a holiday, the days late true
    overdue_mails = [m for _, m in mails if str(m["Subject"]).startswith("【逾期提醒】")]
    assert len(overdue_mails) == len(working)
    assert len(ding_texts("【逾期提醒】")) == len(working) == len(wecom_texts("【逾期提醒】"))
    days_late = [
        int(
            re.search(
                r"完成违法用地图斑整改.*?已逾期(\d+)个工作日",
                m.get_body(("plain",)).get_content(),
                re.S,
            ).group(1)
        )
        for m in overdue_mails
    ]
    expected = [
        sum(1 for x in _days_between(dt.date(2026, 9, 22), d) if chinese_calendar.is_workday(x))
        for d in working
    ]
    assert days_late == expected
    assert "他单位任务" not in "".join(m.get_body(("plain",)).get_content() for m in overdue_mails)

    # the missed-report reminder: each missed Friday named in exactly one message
    missed = subjects("【未按期报送】")
    assert missed and len(missed) == len(ding_texts("【未按期报送】")) == len(
        wecom_texts("【未按期报送】")
    )
    named = re.findall(
        r"(\d{4}年\d{1,2}月\d{1,2}日)应报进展未报送",
        "".join(
            m.get_body(("plain",)).get_content()
            for _, m in mails
            if str(m["Subject"]).startswith("【未按期报送】")
        ),
    )
    assert len(named) == len(set(named)) > 0
    assert "2026年10月8日" in named  # Fri 2 Oct fell in 国庆: due the next working day

    # in the database: one notification per rule and occasion, every delivery sent once
    session.expire_all()
    rows = session.exec(select(Delivery).order_by(col(Delivery.id))).all()
    assert {r.status for r in rows} == {"sent"}
    notes = session.exec(select(Notification).where(Notification.user_id == head.id)).all()
    assert len(rows) == 3 * len(notes)
    for note in notes:
        assert chinese_calendar.is_workday(note.created_at.date())


def _days_between(start: dt.date, end: dt.date):
    d = start + dt.timedelta(days=1)
    while d <= end:
        yield d
        d += dt.timedelta(days=1)
