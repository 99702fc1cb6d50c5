"""The worker's jobs: their slots on the 2026 calendar (中秋, 国庆 and the make-up working
days), the reminder and digest bodies, bulletin drafts owned by the office and audited as
the system, and housekeeping that deletes only what is old."""

import datetime as dt

from sqlmodel import col, select

from duban.core import clock
from duban.monitoring.workdays import WorkCalendar
from duban.reminders import jobs, outbox
from duban.reminders import rules as rr
from models import (
    AuditLog,
    Delivery,
    JobRun,
    LoginAttempt,
    Notice,
    NoticeKind,
    NoticeStatus,
    Notification,
    Role,
    TaskStatus,
    UserSession,
)
from tests.factories import make_department, make_task, make_user

CAL = WorkCalendar()
D = dt.date
JOB = {j.name: j for j in jobs.JOBS}


def at(day: dt.date, hour: int = 9, minute: int = 30) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


def test_every_job_is_listed_once():
    assert list(JOB) == [
        "reminders",
        "weekly_digest",
        "bulletin_week",
        "bulletin_month",
        "housekeeping",
    ]


def test_reminder_slots_are_hourly_on_working_days_only():
    slot = JOB["reminders"].slot
    assert slot(at(D(2026, 9, 25)), CAL) is None  # 中秋
    assert slot(at(D(2026, 10, 1)), CAL) is None  # 国庆
    assert slot(at(D(2026, 10, 11)), CAL) is None  # an ordinary Sunday
    assert slot(at(D(2026, 9, 20), 9, 5), CAL) == "2026-09-20T09:00"  # make-up Sunday
    assert slot(at(D(2026, 10, 10), 14, 59), CAL) == "2026-10-10T14:00"  # make-up Saturday
    assert JOB["weekly_digest"].slot(at(D(2026, 10, 10)), CAL) == "2026-10-10T09:00"


def test_bulletin_slots_follow_the_first_working_day_of_the_week_and_month():
    week, month = JOB["bulletin_week"].slot, JOB["bulletin_month"].slot
    # the week of 5 Oct starts with three holidays: its first working day is Thu 8 Oct
    for day in (D(2026, 10, 5), D(2026, 10, 6), D(2026, 10, 7)):
        assert week(at(day), CAL) is None
    assert week(at(D(2026, 10, 8), 8, 59), CAL) is None
    assert week(at(D(2026, 10, 8), 9, 0), CAL) == "2026-W41"
    assert week(at(D(2026, 10, 10)), CAL) == "2026-W41"  # still due if missed on Thursday
    assert week(at(D(2026, 9, 21)), CAL) == "2026-W39"
    # October's first working day is the 8th
    assert month(at(D(2026, 10, 1)), CAL) is None
    assert month(at(D(2026, 10, 7)), CAL) is None
    assert month(at(D(2026, 10, 8)), CAL) == "2026-10"
    assert JOB["housekeeping"].slot(at(D(2026, 10, 1), 3, 0), CAL) == "2026-10-01T03:00"


def test_the_reminder_and_digest_bodies_enqueue_and_summarise(session):
    unit = make_department(session)
    head, _ = make_user(session, Role.dept_head, department_id=unit.id)
    leader, _ = make_user(session, Role.leader)
    with clock.frozen(at(D(2026, 11, 2))):
        make_task(session, lead=unit, deadline=D(2026, 11, 20), status=TaskStatus.in_progress)
    now = at(D(2026, 11, 23))  # Monday
    with clock.frozen(now):
        summary = JOB["reminders"].run(session, now, CAL)
        assert summary == {"planned": 1, "sent": 1, "by_rule": {rr.OVERDUE: 1}}
        assert JOB["reminders"].run(session, now, CAL)["sent"] == 0
        digest = JOB["weekly_digest"].run(session, now, CAL)
    assert digest["by_rule"] == {rr.WEEKLY_DIGEST: 1}
    rules = {n.user_id: n.rule for n in session.exec(select(Notification)).all()}
    assert rules == {head.id: rr.OVERDUE, leader.id: rr.WEEKLY_DIGEST}


def test_weekly_bulletin_draft_is_the_offices_audited_as_the_system(session):
    unit = make_department(session)
    make_user(session, Role.office, active=False)
    office, _ = make_user(session, Role.office)
    with clock.frozen(at(D(2026, 11, 2))):
        make_task(session, lead=unit, deadline=D(2026, 11, 20), status=TaskStatus.in_progress)
    now = at(D(2026, 11, 23))
    with clock.frozen(now):
        out = JOB["bulletin_week"].run(session, now, CAL)
        notice = session.get(Notice, out["notice_id"])
        assert notice is not None
        assert (notice.kind, notice.status) == (NoticeKind.bulletin, NoticeStatus.draft)
        assert notice.created_by == office.id and notice.period_label == out["period"]
        row = session.exec(
            select(AuditLog).where(
                AuditLog.action == "notice.draft", AuditLog.object_id == str(notice.id)
            )
        ).one()
        assert (row.username, row.client, row.user_id) == ("system", "worker", office.id)
        (told,) = session.exec(select(Notification).where(Notification.user_id == office.id)).all()
        assert told.rule == "bulletin_draft" and notice.title in told.subject
        again = JOB["bulletin_week"].run(session, now, CAL)
    assert again["notice_id"] == notice.id and "已存在" in again["skipped"]
    assert len(session.exec(select(Notice)).all()) == 1


def test_bulletin_is_skipped_with_a_reason_without_an_office_user(session):
    now = at(D(2026, 12, 1))
    with clock.frozen(now):
        out = JOB["bulletin_month"].run(session, now, CAL)
    assert "办公室" in out["skipped"]
    assert session.exec(select(Notice)).all() == []


def test_housekeeping_deletes_only_what_is_old_and_says_so(session):
    user, _ = make_user(session, Role.dept_head)
    now = at(D(2026, 12, 1), 3, 0)
    old, recent = now - dt.timedelta(days=200), now - dt.timedelta(days=5)
    session.add_all(
        [
            UserSession(token_hash="a" * 64, user_id=user.id, created_at=old, last_seen_at=old),
            UserSession(
                token_hash="b" * 64,
                user_id=user.id,
                created_at=recent,
                last_seen_at=recent,
                revoked_at=recent,
            ),
            LoginAttempt(at=old, username="x", reason="bad_password"),
            LoginAttempt(at=recent, username="x", reason="bad_password"),
        ]
    )
    with clock.frozen(old):
        read_old = outbox.enqueue(session, user=user, rule="overdue", key="old", subject="旧")
        pending_old = outbox.enqueue(session, user=user, rule="overdue", key="p", subject="待发")
        unread = outbox.enqueue(session, user=user, rule="overdue", key="u", subject="未读")
    assert read_old and pending_old and unread
    read_old.read_at = pending_old.read_at = old
    session.add(Delivery(notification_id=read_old.id, channel="email", status=outbox.SENT))
    session.add(Delivery(notification_id=pending_old.id, channel="email", status=outbox.PENDING))
    session.add(JobRun(job="reminders", slot="x", claimed_by="w", started_at=old, finished_at=old))
    session.commit()
    with clock.frozen(now):
        summary = JOB["housekeeping"].run(session, now, CAL)
    assert summary == {
        "sessions": 1,
        "login_attempts": 1,
        "notifications": 1,
        "deliveries": 1,
        "job_runs": 1,
    }
    assert [s.token_hash[0] for s in session.exec(select(UserSession)).all()] == ["b"]
    assert [a.at for a in session.exec(select(LoginAttempt)).all()] == [recent]
    left = session.exec(select(Notification.dedupe_key).order_by(col(Notification.id))).all()
    assert left == ["p", "u"]  # a message still to be sent stays, and an unread one
    row = session.exec(select(AuditLog).where(AuditLog.action == "housekeeping")).one()
    assert row.username == "system" and row.after == summary
    with clock.frozen(now):
        assert not any(JOB["housekeeping"].run(session, now, CAL).values())
