"""The inbox on the demo: every demo role's items, counted kind by kind, equal a count made
independently from the database (plain SQL; the cycle reports from duban.monitoring.cycles)."""

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from duban.core import clock, db
from duban.core.permissions import Actor
from duban.inbox import items
from duban.monitoring import cycles
from duban.monitoring.frames import read_frames
from duban.monitoring.holidays import load_calendar
from models import AppUser

OPEN = "('assigned','acknowledged','in_progress','submitted')"
WORKING = "('assigned','acknowledged','in_progress')"


def _scalar(s: Session, sql: str, **params) -> int:
    return int(s.connection().execute(text(sql), params).scalar_one())


def _unit_counts(s: Session, dept: int, today: dt.date) -> Counter:
    c: Counter = Counter()
    c["ack"] = _scalar(
        s,
        f"SELECT count(*) FROM assignment a JOIN task t ON t.id = a.task_id"
        f" WHERE a.department_id = :d AND a.acknowledged_at IS NULL AND t.status IN {OPEN}",
        d=dept,
    )
    c["instruction"] = _scalar(
        s,
        f"SELECT count(*) FROM instruction i JOIN assignment a ON a.task_id = i.task_id"
        f" JOIN task t ON t.id = i.task_id WHERE a.department_id = :d AND t.status IN {OPEN}"
        " AND NOT EXISTS (SELECT 1 FROM instruction_answer x"
        "   WHERE x.instruction_id = i.id AND x.department_id = :d)",
        d=dept,
    )
    c["notice_reply"] = _scalar(
        s,
        "SELECT count(*) FROM notice_recipient r JOIN notice n ON n.id = r.notice_id"
        " WHERE r.department_id = :d AND n.status = 'issued'"
        " AND n.reply_due IS NOT NULL AND r.replied_at IS NULL",
        d=dept,
    )
    c["notice_ack"] = _scalar(
        s,
        "SELECT count(*) FROM notice_recipient r JOIN notice n ON n.id = r.notice_id"
        " WHERE r.department_id = :d AND n.status = 'issued' AND r.acknowledged_at IS NULL"
        " AND NOT (n.reply_due IS NOT NULL AND r.replied_at IS NULL)",
        d=dept,
    )
    c["rectify"] = _scalar(
        s,
        "SELECT count(*) FROM finding WHERE department_id = :d AND status = 'open'"
        " AND recheck_note IS NULL",
        d=dept,
    )
    c["rectify_again"] = _scalar(
        s,
        "SELECT count(*) FROM finding WHERE department_id = :d AND status = 'open'"
        " AND recheck_note IS NOT NULL",
        d=dept,
    )
    # 退回重办: the task's last status change in the audit log is a send-back (lead unit)
    c["sent_back"] = _scalar(
        s,
        f"SELECT count(*) FROM task t JOIN assignment a ON a.task_id = t.id"
        f" WHERE a.department_id = :d AND a.role = 'lead' AND t.status IN {WORKING}"
        " AND (SELECT l.action FROM audit_log l WHERE l.object_type = 'task'"
        "   AND l.object_id = CAST(t.id AS TEXT) AND l.action IN ('task.assign',"
        "   'task.acknowledge','task.start','task.submit','task.sign_off','task.send_back',"
        "   'task.suspend','task.cancel','task.restart','task.reopen')"
        "   ORDER BY l.id DESC LIMIT 1) = 'task.send_back'",
        d=dept,
    )
    # reports: 未按期报送 (the cycles' own reading), else overdue with no report since
    cal = load_calendar(s)
    pairs = cycles.compliance(read_frames(s.get_bind()), today, cal).to_dicts()
    working = {
        r[0]: r[1]
        for r in s.connection().execute(
            text(
                f"SELECT t.id, t.deadline FROM task t JOIN assignment a ON a.task_id = t.id"
                f" WHERE a.department_id = :d AND t.status IN {WORKING}"
            ),
            {"d": dept},
        )
    }
    missed = {p["task_id"] for p in pairs if p["department_id"] == dept and p["missed_since"]}
    missed &= set(working)
    c["report_missed"] = len(missed)

    def reports_after(task_id: int, day: dt.date | None) -> int:
        return _scalar(
            s,
            "SELECT count(*) FROM progress_report WHERE task_id = :t AND department_id = :d"
            " AND date(reported_at) > :day",
            t=task_id,
            d=dept,
            day=(day or dt.date.min).isoformat(),
        )

    late: set[int] = set()
    for task_id, deadline in working.items():
        deadline = dt.date.fromisoformat(str(deadline)[:10]) if deadline else None
        if task_id in missed or deadline is None or deadline >= today:
            continue
        if reports_after(task_id, deadline) == 0:
            late.add(task_id)
    c["report_overdue"] = len(late)
    # overdue, reported since the deadline: finish or ask for an extension
    overdue = {
        task_id
        for task_id, deadline in working.items()
        if deadline and dt.date.fromisoformat(str(deadline)[:10]) < today
    }
    c["task_overdue"] = len(overdue - missed - late)
    # a cycle's report due within 3 working days, none sent since the last due date
    c["report_due"] = sum(
        1
        for p in pairs
        if p["department_id"] == dept
        and p["task_id"] in set(working) - missed - late - overdue
        and p["next_due"] is not None
        and cal.working_days_between(today, p["next_due"]) <= 3
        and reports_after(p["task_id"], p["last_due"]) == 0
    )
    return +c


def _office_counts(s: Session, today: dt.date) -> Counter:
    c: Counter = Counter()
    c["extension"] = _scalar(
        s,
        f"SELECT count(*) FROM extension_request e JOIN task t ON t.id = e.task_id"
        f" WHERE e.status = 'pending' AND t.status IN {OPEN}",
    )
    c["sign_off"] = _scalar(s, "SELECT count(*) FROM task WHERE status = 'submitted'")
    c["recheck"] = _scalar(s, "SELECT count(*) FROM finding WHERE status = 'answered'")
    c["appeal"] = _scalar(
        s,
        "SELECT count(*) FROM score_appeal a JOIN assessment_period p ON p.id = a.period_id"
        " WHERE a.status = 'pending' AND p.status = 'open'",
    )
    c["draft"] = _scalar(
        s,
        "SELECT count(*) FROM notice WHERE status = 'draft' AND created_at < :today",
        today=today.isoformat(),
    )
    return +c


def _inspector_counts(s: Session, user_id: int, today: dt.date) -> Counter:
    c: Counter = Counter()
    c["recheck"] = _scalar(
        s,
        "SELECT count(*) FROM finding f JOIN inspection i ON i.id = f.inspection_id"
        " WHERE f.status = 'answered' AND i.recorded_by = :u",
        u=user_id,
    )
    c["draft"] = _scalar(
        s,
        "SELECT count(*) FROM notice WHERE status = 'draft' AND created_at < :today"
        " AND created_by = :u",
        today=today.isoformat(),
        u=user_id,
    )
    return +c


def _enrich(s: Session, today: dt.date) -> None:
    """More of every kind than the demo seeds: a weekly cycle on the plan (missed and due
    reports), an answered 整改 item, an old draft, a notice asking for a reply."""
    conn = s.connection()
    conn.execute(text("UPDATE plan SET report_cycle = 'weekly:5'"))
    conn.execute(
        text(
            "UPDATE finding SET status = 'answered', answer_text = '已整改。',"
            " answered_at = :at WHERE id = (SELECT min(id) FROM finding WHERE status = 'open')"
        ),
        {"at": dt.datetime.combine(today, dt.time(8))},
    )
    conn.execute(
        text(
            "INSERT INTO notice (kind, status, title, addressees, body, requirements, signature,"
            " copy_to, extra, attachments, created_by, created_at, version)"
            " SELECT 'reminder', 'draft', '关于报送进展的提醒', '', '', '', '', '', '{}', '[]',"
            " id, :at, 1 FROM app_user WHERE username IN ('inspector', 'office')"
        ),
        {"at": dt.datetime.combine(today - dt.timedelta(days=3), dt.time(9))},
    )
    conn.execute(
        text(
            "UPDATE notice SET reply_due = :due WHERE id = (SELECT min(id) FROM notice"
            " WHERE status = 'issued' AND reply_due IS NULL)"
        ),
        {"due": today + dt.timedelta(days=1)},
    )
    s.commit()


@pytest.mark.parametrize("enriched", [False, True], ids=["as-seeded", "enriched"])
def test_each_demo_roles_items_match_an_independent_count(demo_db, enriched):
    engine = db.make_engine(demo_db)
    today = clock.today()
    try:
        with Session(engine) as s:
            if enriched:
                _enrich(s, today)
            users = s.exec(select(AppUser).where(AppUser.active)).all()
            total = 0
            for user in users:
                actor = Actor.of(user)
                got = Counter(i.kind for i in items.items(s, actor, today))
                if user.role == "dept_head":
                    want = _unit_counts(s, user.department_id, today)
                elif user.role == "office":
                    want = _office_counts(s, today)
                elif user.role == "inspector":
                    assert user.id is not None
                    want = _inspector_counts(s, user.id, today)
                else:
                    want = Counter()
                assert got == want, (user.username, got, want)
                total += sum(got.values())
            assert total > (40 if enriched else 5)  # the demo leaves real work to do
    finally:
        engine.dispose()
