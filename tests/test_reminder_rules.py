"""Reminder rules: planning on the working-day calendar (2026 中秋/国庆 and their make-up
days), once-only and daily occasions, one grouped message per person per rule per day, quiet
hours, the leaders' digest against independent counts, and the office's versioned setting."""

import datetime as dt

import pytest
from sqlalchemy import func, text
from sqlmodel import col, select

from duban.core import clock
from duban.core.errors import StaleEdit, ValidationFailed
from duban.monitoring.frames import read_frames
from duban.monitoring.workdays import WorkCalendar
from duban.reminders import outbox
from duban.reminders import rules as rr
from models import (
    Channel,
    Delivery,
    Finding,
    Inspection,
    InspectionMethod,
    InspectionResult,
    Notice,
    NoticeKind,
    NoticeRecipient,
    NoticeStatus,
    Notification,
    NotifyPreference,
    Role,
    TaskStatus,
)
from tests.factories import make_department, make_plan, make_report, make_task, make_user

CAL = WorkCalendar()
D = dt.date


def at(day: dt.date, hour: int = 9, minute: int = 30) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


def send(session, when: dt.datetime, *names: str, rules: rr.ReminderRules | None = None) -> dict:
    with clock.frozen(when):
        return rr.send_reminders(session, when, CAL, names=names or rr.DAILY_RULES, rules=rules)


def notes(session, user, rule: str | None = None) -> list[Notification]:
    q = select(Notification).where(Notification.user_id == user.id)
    if rule:
        q = q.where(Notification.rule == rule)
    return list(session.exec(q.order_by(col(Notification.id))).all())


def days(start: dt.date, end: dt.date):
    d = start
    while d <= end:
        yield d
        d += dt.timedelta(days=1)


# ------------------------------------------------------------------ the calendar
def test_overdue_daily_on_working_days_only_across_mid_autumn_and_national_day(session):
    unit = make_department(session, name="市数据局")
    head, _ = make_user(session, Role.dept_head, department_id=unit.id)
    with clock.frozen(at(D(2026, 9, 1))):
        task = make_task(session, lead=unit, deadline=D(2026, 9, 17), status=TaskStatus.in_progress)
    for day in days(D(2026, 9, 17), D(2026, 10, 12)):
        send(session, at(day), rr.OVERDUE)
    sent = [n.created_at.date() for n in notes(session, head, rr.OVERDUE)]
    assert sent == [
        D(2026, 9, 18),
        D(2026, 9, 20),  # Sunday, a make-up working day
        *days(D(2026, 9, 21), D(2026, 9, 24)),
        # 25 Sep 中秋, the weekend, 1–7 Oct 国庆: none
        *days(D(2026, 9, 28), D(2026, 9, 30)),
        D(2026, 10, 8),
        D(2026, 10, 9),
        D(2026, 10, 10),  # Saturday, a make-up working day
        D(2026, 10, 12),
    ]
    last = notes(session, head, rr.OVERDUE)[-1]
    # 18, 20, 21–24, 28–30 Sep, 8–10, 12 Oct: 13 working days after 17 Sep
    assert len(sent) == 13 and "已逾期13个工作日" in last.body
    assert task.code in last.body and task.title in last.body and "2026年9月17日" in last.body
    assert last.link == f"my_tasks?task={task.id}"
    # answered (submitted for sign-off): no more overdue reminders
    task.status = TaskStatus.submitted
    session.add(task)
    session.commit()
    send(session, at(D(2026, 10, 13)), rr.OVERDUE)
    assert len(notes(session, head, rr.OVERDUE)) == len(sent)


def test_due_soon_counts_working_days_once_per_deadline_and_an_extension_rearms_it(session):
    unit = make_department(session)
    head, _ = make_user(session, Role.dept_head, department_id=unit.id)
    with clock.frozen(at(D(2026, 9, 1))):
        task = make_task(session, lead=unit, deadline=D(2026, 9, 22))
    # Thu 17 Sep: 18, 20 (make-up Sunday), 21, 22 = 4 working days: not yet
    send(session, at(D(2026, 9, 17)), rr.DUE_SOON)
    assert notes(session, head, rr.DUE_SOON) == []
    # Fri 18 Sep: 20, 21, 22 = 3 working days (Monday–Friday counting would say 2)
    send(session, at(D(2026, 9, 18)), rr.DUE_SOON)
    (first,) = notes(session, head, rr.DUE_SOON)
    assert "剩余3个工作日" in first.body and "2026年9月22日" in first.body
    assert first.items == [f"task:{task.id}:dept:{unit.id}:2026-09-22"]
    for day in days(D(2026, 9, 19), D(2026, 9, 22)):
        send(session, at(day), rr.DUE_SOON)
    assert len(notes(session, head, rr.DUE_SOON)) == 1  # once per task, unit and deadline
    # extended to Fri 9 Oct: 3 working days before is Tue 29 Sep (29, 30 Sep, 8, 9 Oct = 4)
    task.deadline = D(2026, 10, 9)
    session.add(task)
    session.commit()
    send(session, at(D(2026, 9, 28)), rr.DUE_SOON)
    assert len(notes(session, head, rr.DUE_SOON)) == 1
    send(session, at(D(2026, 9, 30)), rr.DUE_SOON)
    again = notes(session, head, rr.DUE_SOON)
    assert len(again) == 2 and "2026年10月9日" in again[-1].body
    assert "剩余2个工作日" in again[-1].body  # 8 and 9 Oct; 1–7 Oct are holidays


def test_nothing_is_planned_on_a_holiday_and_the_hour_is_kept(session):
    unit = make_department(session)
    make_user(session, Role.dept_head, department_id=unit.id)
    with clock.frozen(at(D(2026, 9, 1))):
        make_task(session, lead=unit, deadline=D(2026, 9, 10))
    assert rr.evaluate(session, at(D(2026, 10, 1)), CAL) == []  # 国庆
    assert rr.evaluate(session, at(D(2026, 9, 25)), CAL) == []  # 中秋
    assert rr.evaluate(session, at(D(2026, 9, 29), 8, 59), CAL) == []  # before 9:00
    assert [p.rule for p in rr.evaluate(session, at(D(2026, 9, 29), 9, 0), CAL)] == [rr.OVERDUE]


# ------------------------------------------------------------------ not a flood
def test_running_twice_adds_nothing(session):
    unit = make_department(session)
    head, _ = make_user(session, Role.dept_head, department_id=unit.id)
    with clock.frozen(at(D(2026, 11, 2))):
        make_task(session, lead=unit, deadline=D(2026, 11, 20))
        make_task(session, lead=unit, deadline=D(2026, 12, 2))
    first = send(session, at(D(2026, 11, 30)))
    assert first["sent"] == 2  # overdue, due soon
    assert send(session, at(D(2026, 11, 30)))["sent"] == 0
    assert send(session, at(D(2026, 11, 30), 15))["sent"] == 0  # a later run that day
    assert rr.evaluate(session, at(D(2026, 11, 30), 16), CAL) == []
    assert len(notes(session, head)) == 2


def test_one_message_per_person_per_rule_per_day_listing_every_task(session):
    unit = make_department(session, name="市市场监管局")
    other = make_department(session, name="市人社局")
    head, _ = make_user(session, Role.dept_head, department_id=unit.id)
    deputy, _ = make_user(session, Role.dept_head, department_id=unit.id)
    their, _ = make_user(session, Role.dept_head, department_id=other.id)
    office, _ = make_user(session, Role.office)
    deadlines = [D(2026, 11, 16 + i) for i in range(5)]  # Mon–Fri
    with clock.frozen(at(D(2026, 11, 2))):
        tasks = [make_task(session, lead=unit, deadline=d) for d in deadlines]
        theirs = make_task(session, lead=other, responsible=[unit], deadline=D(2026, 11, 18))
    send(session, at(D(2026, 11, 24)), rr.OVERDUE)  # Tuesday
    for user in (head, deputy):
        (msg,) = notes(session, user)
        assert msg.subject == "【逾期提醒】6项任务已逾期，请尽快办理"
        lines = [x for x in msg.body.splitlines() if x[:1].isdigit()]
        assert len(lines) == 6
        for t, d in zip(tasks, deadlines, strict=True):
            late = CAL.working_days_between(d, D(2026, 11, 24))
            line = next(x for x in lines if t.title in x)
            assert t.code in line and f"{d.month}月{d.day}日" in line
            assert f"已逾期{late}个工作日" in line
        assert msg.link == "inbox"
    (one,) = notes(session, their)
    assert one.subject == f"【逾期提醒】任务“{theirs.code} {theirs.title}”已逾期"
    assert "已逾期4个工作日" in one.body and one.link == f"my_tasks?task={theirs.id}"
    assert notes(session, office) == []  # overdue goes to the unit's heads


def test_quiet_hours_hold_outside_deliveries_back(session):
    unit = make_department(session)
    head, _ = make_user(session, Role.dept_head, department_id=unit.id, email="a@example.cn")
    session.add(NotifyPreference(user_id=head.id, email_on=True))
    session.add(Channel(kind=outbox.SMTP, name="邮件", config={"host": "localhost"}))
    session.commit()
    with clock.frozen(at(D(2026, 11, 2))):
        make_task(session, lead=unit, deadline=D(2026, 11, 20))
    rules = rr.ReminderRules.from_dict({"rules": {rr.OVERDUE: {"hour": 7}}})
    send(session, at(D(2026, 11, 24), 7, 10), rr.OVERDUE, rules=rules)
    (msg,) = notes(session, head)
    (delivery,) = session.exec(select(Delivery).where(Delivery.notification_id == msg.id)).all()
    assert msg.created_at == at(D(2026, 11, 24), 7, 10)  # in-app at once
    assert delivery.status == outbox.PENDING
    assert delivery.next_attempt_at == at(D(2026, 11, 24), 8, 0)
    assert rules.not_before(at(D(2026, 11, 24), 23, 0)) == at(D(2026, 11, 25), 8, 0)
    assert rules.not_before(at(D(2026, 11, 24), 9, 0)) is None
    none = rr.ReminderRules.from_dict({"quiet_start": 0, "quiet_end": 0})
    assert none.not_before(at(D(2026, 11, 24), 3, 0)) is None


# ------------------------------------------------------------------ cycles, 整改, 签收
def test_report_cycle_due_tomorrow_and_each_missed_window_once(session):
    unit = make_department(session, name="市医保局")
    head, _ = make_user(session, Role.dept_head, department_id=unit.id)
    office, _ = make_user(session, Role.office)
    plan = make_plan(session, report_cycle="weekly:5")
    with clock.frozen(at(D(2026, 11, 2))):  # Monday
        task = make_task(
            session, lead=unit, plan=plan, status=TaskStatus.in_progress, deadline=D(2026, 12, 31)
        )
    # Fridays counted: 6 Nov (after the 2-working-day grace), 13 Nov, ...
    send(session, at(D(2026, 11, 5)), rr.CYCLE_DUE, rr.CYCLE_MISSED)  # Thu: due tomorrow
    (due,) = notes(session, head, rr.CYCLE_DUE)
    assert "每周五" in due.body and "须于2026年11月6日前报送进展" in due.body
    assert notes(session, office, rr.CYCLE_DUE) == []
    send(session, at(D(2026, 11, 9)), rr.CYCLE_DUE, rr.CYCLE_MISSED)  # Mon: 6 Nov missed
    (missed,) = notes(session, head, rr.CYCLE_MISSED)
    assert "2026年11月6日应报进展未报送" in missed.body and task.title in missed.body
    (for_office,) = notes(session, office, rr.CYCLE_MISSED)
    assert "市医保局" in for_office.body
    send(session, at(D(2026, 11, 10)), rr.CYCLE_MISSED)  # once per missed window
    assert len(notes(session, head, rr.CYCLE_MISSED)) == 1
    # reported on Thursday: no reminder for Friday's due date, and 6 Nov counts as answered
    make_report(session, task, unit, reported_at=at(D(2026, 11, 12)))
    send(session, at(D(2026, 11, 12), 10), rr.CYCLE_DUE)
    assert len(notes(session, head, rr.CYCLE_DUE)) == 1
    # 13 Nov filled, 20 Nov missed: a new message naming only 20 Nov
    send(session, at(D(2026, 11, 23)), rr.CYCLE_MISSED)
    msgs = notes(session, head, rr.CYCLE_MISSED)
    assert len(msgs) == 2
    assert "11月20日" in msgs[-1].body and "11月6日" not in msgs[-1].body


def test_rectification_due_once_then_daily_while_overdue(session):
    unit = make_department(session)
    head, _ = make_user(session, Role.dept_head, department_id=unit.id)
    ins = Inspection(
        inspected_on=D(2026, 11, 2),
        method=InspectionMethod.on_site,
        result=InspectionResult.average,
    )
    session.add(ins)
    session.commit()
    f = Finding(
        inspection_id=ins.id,
        department_id=unit.id,
        description="窗口未公示办事指南",
        due_date=D(2026, 11, 13),
    )
    session.add(f)
    session.commit()
    send(session, at(D(2026, 11, 9)), rr.RECTIFICATION_DUE)  # 10–13 Nov: 4 working days
    assert notes(session, head) == []
    for day in (D(2026, 11, 10), D(2026, 11, 11), D(2026, 11, 13)):
        send(session, at(day), rr.RECTIFICATION_DUE)
    (soon,) = notes(session, head)
    assert "窗口未公示办事指南" in soon.body and "剩余3个工作日" in soon.body
    send(session, at(D(2026, 11, 16)), rr.RECTIFICATION_DUE)
    send(session, at(D(2026, 11, 17)), rr.RECTIFICATION_DUE)
    late = notes(session, head)[1:]
    assert ["已逾期1个工作日" in late[0].body, "已逾期2个工作日" in late[1].body] == [True, True]
    f.status = "answered"
    session.add(f)
    session.commit()
    send(session, at(D(2026, 11, 18)), rr.RECTIFICATION_DUE)
    assert len(notes(session, head)) == 3


def test_notice_not_signed_for_in_two_working_days_once(session):
    unit = make_department(session, name="市交通运输局")
    signed = make_department(session)
    head, _ = make_user(session, Role.dept_head, department_id=unit.id)
    other, _ = make_user(session, Role.dept_head, department_id=signed.id)
    n = Notice(
        kind=NoticeKind.urging,
        status=NoticeStatus.issued,
        title="关于加快推进政务服务事项梳理的督办通知",
        doc_number="测督办〔2026〕3号",
        issued_at=at(D(2026, 9, 24)),
    )
    session.add(n)
    session.commit()
    session.add(NoticeRecipient(notice_id=n.id, department_id=unit.id))
    session.add(
        NoticeRecipient(notice_id=n.id, department_id=signed.id, acknowledged_at=at(D(2026, 9, 24)))
    )
    session.commit()
    send(session, at(D(2026, 9, 28)), rr.NOTICE_UNSIGNED)  # 1 working day (25 Sep 中秋)
    assert notes(session, head) == []
    send(session, at(D(2026, 9, 29)), rr.NOTICE_UNSIGNED)
    send(session, at(D(2026, 9, 30)), rr.NOTICE_UNSIGNED)
    (msg,) = notes(session, head)
    assert "测督办〔2026〕3号" in msg.body and "已2个工作日未签收" in msg.body
    assert msg.created_at.date() == D(2026, 9, 29)
    assert notes(session, other) == []
    daily = rr.ReminderRules.from_dict({"rules": {rr.NOTICE_UNSIGNED: {"repeat": True}}})
    send(session, at(D(2026, 10, 8)), rr.NOTICE_UNSIGNED, rules=daily)
    assert "已4个工作日未签收" in notes(session, head)[-1].body  # 28–30 Sep, 8 Oct


# ------------------------------------------------------------------ the digest
def test_weekly_digest_numbers_match_the_database(session, engine):
    a = make_department(session, name="甲局")
    b = make_department(session, name="乙局")
    c = make_department(session, name="丙局")
    leader, _ = make_user(session, Role.leader)
    office, _ = make_user(session, Role.office)
    head, _ = make_user(session, Role.dept_head, department_id=b.id)
    plan = make_plan(session, report_cycle="weekly:5")
    with clock.frozen(at(D(2026, 11, 2))):
        make_task(
            session,
            lead=a,
            responsible=[b],
            plan=plan,
            status=TaskStatus.in_progress,
            deadline=D(2026, 11, 30),
        )
        t2 = make_task(session, lead=b, plan=plan, deadline=D(2026, 12, 2))
        t3 = make_task(
            session, lead=c, plan=plan, status=TaskStatus.in_progress, deadline=D(2026, 12, 31)
        )
        make_task(
            session,
            lead=c,
            plan=plan,
            status=TaskStatus.completed,
            deadline=D(2026, 11, 20),
            completed_at=at(D(2026, 11, 19)),
        )
        make_task(session, lead=a, plan=plan, status=TaskStatus.draft, deadline=D(2026, 11, 1))
    for day in (D(2026, 11, 5), D(2026, 11, 12), D(2026, 11, 19), D(2026, 11, 26)):
        make_report(session, t2, b, reported_at=at(day))
        make_report(session, t3, c, reported_at=at(day), percent=90)
    make_report(session, t3, c, reported_at=at(D(2026, 12, 3)), percent=90)
    t2.status, t2.submitted_at = TaskStatus.submitted, at(D(2026, 12, 1))
    session.add(t2)
    session.commit()

    monday = D(2026, 12, 7)
    with engine.connect() as conn:
        overdue = conn.execute(
            text(
                "SELECT COUNT(*) FROM task WHERE deadline < :d AND status IN"
                " ('assigned','acknowledged','in_progress','submitted')"
            ),
            {"d": monday},
        ).scalar_one()
    assert overdue == 2
    figures = rr.digest_figures(session, read_frames(engine), monday, CAL)
    assert figures["overdue"] == overdue
    assert figures["red"] == overdue  # the only red tasks here are the overdue ones
    # task 1: 甲局 and 乙局 never reported; the completed task's old misses are history
    assert (figures["missed_pairs"], figures["missed_units"]) == (2, 2)
    assert [w["department_id"] for w in figures["worst"]] == [b.id, a.id]

    send(session, at(monday), rr.WEEKLY_DIGEST)
    (msg,) = notes(session, leader)
    assert msg.subject.startswith("【每周督办摘要】2026年第50周")
    assert "红灯任务2项" in msg.body and "逾期未办结任务2项" in msg.body
    assert "未按期报送2项（涉及2个单位）" in msg.body
    assert "乙局（红灯2项、逾期2项、未按期报送1项）；甲局（红灯1项、逾期1项、未按期报送1项）" in (
        msg.body
    )
    assert msg.link == "dashboard"
    assert notes(session, office) == [] and notes(session, head) == []
    send(session, at(D(2026, 12, 8)), rr.WEEKLY_DIGEST)  # once a week
    assert len(notes(session, leader)) == 1


def test_digest_waits_for_the_first_working_day_after_a_holiday_monday(session):
    leader, _ = make_user(session, Role.leader)
    for day in days(D(2026, 10, 5), D(2026, 10, 7)):  # 国庆
        send(session, at(day), rr.WEEKLY_DIGEST)
    assert notes(session, leader) == []
    send(session, at(D(2026, 10, 8)), rr.WEEKLY_DIGEST)
    send(session, at(D(2026, 10, 9)), rr.WEEKLY_DIGEST)
    (msg,) = notes(session, leader)
    assert msg.created_at.date() == D(2026, 10, 8) and "红灯任务0项" in msg.body


# ------------------------------------------------------------------ the setting
def test_rules_are_a_versioned_setting_and_bad_input_changes_nothing(session):
    _, office = make_user(session, Role.office)
    _, head = make_user(session, Role.dept_head)
    rules, version = rr.rules_with_version(session)
    assert version == 0 and rules.rule(rr.DUE_SOON).days == 3
    assert (rules.quiet_start, rules.quiet_end) == (22, 8)
    values = rules.to_dict()
    values["rules"][rr.DUE_SOON]["days"] = 5
    rr.save_reminder_rules(session, actor=office, values=values, expected_version=0)
    saved, v1 = rr.rules_with_version(session)
    assert saved.rule(rr.DUE_SOON).days == 5 and v1 == 1
    with pytest.raises(StaleEdit):
        rr.save_reminder_rules(session, actor=office, values=values, expected_version=0)
    bad = saved.to_dict()
    bad["rules"][rr.OVERDUE]["hour"] = 25
    with pytest.raises(ValidationFailed, match="0 到 23"):
        rr.save_reminder_rules(session, actor=office, values=bad, expected_version=v1)
    bad = saved.to_dict()
    bad["rules"][rr.OVERDUE]["to"] = "leaders"
    with pytest.raises(ValidationFailed, match="须发给责任单位"):
        rr.save_reminder_rules(session, actor=office, values=bad, expected_version=v1)
    with pytest.raises(Exception, match="无权"):
        rr.save_reminder_rules(session, actor=head, values=values, expected_version=v1)
    assert rr.rules_with_version(session) == (saved, v1)
    assert session.exec(select(func.count()).select_from(Notification)).one() == 0
