"""Inserts that must not conflict when units act at the same moment (issue 11 #13).

Each test starts its threads on a barrier, on SQLite (a file: threads need their own
connections) and on PostgreSQL when TEST_DATABASE_URL is set.
"""

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from sqlmodel import Session, col, select

from duban.notices import replies
from duban.tasks import workflow
from models import (
    Assignment,
    AuditLog,
    ExtensionRequest,
    InstructionAnswer,
    Notice,
    NoticeRecipient,
    ProgressReport,
    Role,
    Task,
    TaskStatus,
)
from tests.factories import make_department, make_task, make_user, uploads_and_clock
from tests.test_notices import _concurrent_engine

NOW = dt.datetime(2026, 6, 10, 9, 0)
UNITS = 5  # two reporters per unit: ten reports on one task


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    with uploads_and_clock(tmp_path, monkeypatch, NOW):
        yield


@pytest.fixture
def eng(engine, tmp_path):
    eng = _concurrent_engine(engine, tmp_path)
    yield eng
    if eng is not engine:
        eng.dispose()


def _at_once(calls: list[Callable[[Session], object]], eng) -> list[BaseException]:
    """Run each call in its own thread and session, all released by one barrier."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call):
        with Session(eng, expire_on_commit=False) as s:
            barrier.wait()
            try:
                call(s)
            except Exception as exc:  # noqa: BLE001 - collected and asserted by the test
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return errors


def _one_task_many_units(eng):
    """A task assigned to UNITS units, none acknowledged yet, two heads per unit."""
    with Session(eng, expire_on_commit=False) as s:
        units = [make_department(s) for _ in range(UNITS)]
        heads = [
            make_user(s, role=Role.dept_head, department_id=u.id)[1] for u in units for _ in (0, 1)
        ]
        task = make_task(s, lead=units[0], responsible=units[1:])
        by_unit = {
            a.department_id: a.id
            for a in s.exec(select(Assignment).where(Assignment.task_id == task.id))
        }
    return task, heads, by_unit


def _actions(s: Session, action: str) -> list[AuditLog]:
    return list(s.exec(select(AuditLog).where(AuditLog.action == action)).all())


def test_ten_reports_on_one_task_at_once_all_saved(eng):
    """issue 11 #13: ten reports at the same moment (5 units × 2) are all saved, none refused
    as 该记录已被他人修改; the task is started once, each unit acknowledged once, the audit has
    the ten reports, and the desk's latest figure per unit is one of that unit's reports."""
    task, heads, by_unit = _one_task_many_units(eng)

    def report(i: int) -> Callable[[Session], object]:
        head = heads[i]
        return lambda s: workflow.report_progress(
            s,
            actor=head,
            assignment_id=by_unit[head.department_id],
            percent=10 * (i + 1),
            done_text=f"第{i + 1}次填报",
        )

    errors = _at_once([report(i) for i in range(len(heads))], eng)
    assert errors == []
    with Session(eng) as s:
        reports = s.exec(select(ProgressReport).where(ProgressReport.task_id == task.id)).all()
        assert sorted(r.percent for r in reports) == [10.0 * (i + 1) for i in range(10)]
        assert len(_actions(s, "report.create")) == 10
        assert len(_actions(s, "task.start")) == 1
        assert len(_actions(s, "assignment.acknowledge")) == UNITS
        saved = s.get(Task, task.id)
        assert saved.status == TaskStatus.in_progress
        assert saved.updated_at == max(r.reported_at for r in reports)
        for a in s.exec(select(Assignment).where(Assignment.task_id == task.id)):
            assert a.acknowledged_at == NOW and a.acknowledged_by is not None
        desk = workflow.my_desk(s, actor=heads[0])
        mine = {r.percent for r in reports if r.department_id == heads[0].department_id}
        assert desk.tasks[0].latest_percent in mine


def test_reports_and_acknowledgements_at_once_do_not_conflict(eng):
    """issue 11 #13: 签收 by one head while the other head of the same unit reports: both land,
    one acknowledgement recorded."""
    task, heads, by_unit = _one_task_many_units(eng)
    unit = heads[0].department_id
    asg = by_unit[unit]
    calls = [
        lambda s: workflow.acknowledge(s, actor=heads[0], assignment_id=asg),
        lambda s: workflow.report_progress(
            s, actor=heads[1], assignment_id=asg, percent=30, done_text="推进中"
        ),
    ]
    errors = _at_once(calls, eng)
    # 签收 after the report's automatic one is refused as already done, never as stale.
    assert all("已签收" in str(e) for e in errors), errors
    with Session(eng) as s:
        assert len(_actions(s, "report.create")) == 1
        acks = [a for a in _actions(s, "assignment.acknowledge") if a.object_id == str(asg)]
        assert len(acks) == 1


def test_answers_to_one_instruction_at_once_all_saved(eng):
    """issue 11 #13 (the other insert-like actions): every unit answers one 批示 at once."""
    task, heads, by_unit = _one_task_many_units(eng)
    with Session(eng, expire_on_commit=False) as s:
        _, leader = make_user(s, role=Role.leader)
        ins = workflow.create_instruction(s, actor=leader, task_id=task.id, text="加快进度")

    def answer(i: int) -> Callable[[Session], object]:
        return lambda s: workflow.answer_instruction(
            s, actor=heads[i], instruction_id=ins.id, text=f"收到{i}"
        )

    assert _at_once([answer(i) for i in range(len(heads))], eng) == []
    with Session(eng) as s:
        assert len(s.exec(select(InstructionAnswer)).all()) == len(heads)


def test_notice_acknowledged_and_replied_at_once(eng):
    """issue 11 #13 (notice replies): two heads of one unit sign for a notice while a third
    unit's head replies: nobody is told 该记录已被他人修改; one 签收 recorded per unit."""
    task, heads, _ = _one_task_many_units(eng)
    with Session(eng, expire_on_commit=False) as s:
        n = Notice(kind="urging", level="yellow", title="督办", body="正文", status="issued")
        n.issued_at, n.reply_due = NOW, NOW.date() + dt.timedelta(days=5)
        s.add(n)
        s.flush()
        for u in {h.department_id for h in heads}:
            s.add(NoticeRecipient(notice_id=n.id, department_id=u, delivered_at=NOW))
        s.commit()
    calls = [
        lambda s: replies.acknowledge_notice(s, actor=heads[0], notice_id=n.id),
        lambda s: replies.acknowledge_notice(s, actor=heads[1], notice_id=n.id),
        lambda s: replies.reply_notice(s, actor=heads[2], notice_id=n.id, text_="已按要求整改完毕"),
        lambda s: replies.acknowledge_notice(s, actor=heads[3], notice_id=n.id),
    ]
    assert _at_once(calls, eng) == []
    with Session(eng) as s:
        acks = _actions(s, "notice.acknowledge")
        assert sorted(a.object_id for a in acks) == sorted({a.object_id for a in acks}), (
            "one 签收 per unit"
        )
        recs = s.exec(select(NoticeRecipient).order_by(col(NoticeRecipient.id))).all()
        assert all(r.acknowledged_at == NOW for r in recs[:2])
        assert recs[1].replied_at == NOW


def test_two_replies_of_one_unit_at_once_keep_the_first(eng):
    """issue 11 #13 (notice replies): two heads of one unit reply at once: one reply is
    saved and the other refused as already given, never silently overwritten."""
    _, heads, _ = _one_task_many_units(eng)
    with Session(eng, expire_on_commit=False) as s:
        n = Notice(kind="urging", level="yellow", title="督办", body="正文", status="issued")
        n.issued_at, n.reply_due = NOW, NOW.date() + dt.timedelta(days=5)
        s.add(n)
        s.flush()
        s.add(NoticeRecipient(notice_id=n.id, department_id=heads[0].department_id))
        s.commit()
    texts = ["第一位负责人的反馈", "第二位负责人的反馈"]
    calls = [
        lambda s, h=h, x=x: replies.reply_notice(s, actor=h, notice_id=n.id, text_=x)
        for h, x in zip(heads[:2], texts, strict=True)
    ]
    errors = _at_once(calls, eng)
    assert [str(e) for e in errors] == ["本单位已反馈过该通知。"]
    with Session(eng) as s:
        rec = s.exec(select(NoticeRecipient)).one()
        saved = _actions(s, "notice.reply")
        assert len(saved) == 1 and rec.reply_text == saved[0].after["reply_text"]


def test_two_extension_requests_of_one_unit_at_once_make_one(eng):
    """Two heads of one unit ask for more time at once: one pending request, one refusal."""
    task, heads, _ = _one_task_many_units(eng)
    calls = [
        lambda s, h=h: workflow.request_extension(
            s,
            actor=h,
            task_id=task.id,
            requested_date=task.deadline + dt.timedelta(days=9),
            reason="需要更多时间",
        )
        for h in heads[:2]
    ]
    errors = _at_once(calls, eng)
    assert [str(e) for e in errors] == ["本单位已有一条待审批的延期申请，请等待办公室处理。"]
    with Session(eng) as s:
        assert len(s.exec(select(ExtensionRequest)).all()) == 1
