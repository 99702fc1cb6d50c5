"""The to-do inbox (duban.inbox.items): each kind appears for the right person, and leaves
when the thing is done through the service that does it."""

import datetime as dt

import pytest
from sqlmodel import select

from duban.core import clock
from duban.core.settings import get_settings
from duban.inbox import items
from duban.inspections import records
from duban.inspections.records import FindingInput
from duban.monitoring.holidays import load_calendar
from duban.notices import drafting, issuing, replies
from duban.tasks import manage, workflow
from models import (
    AssessmentPeriod,
    Assignment,
    Notice,
    NoticeRecipient,
    Role,
    ScoreAppeal,
    Task,
    TaskStatus,
)
from tests.factories import make_department, make_plan, make_task, make_user

NOW = dt.datetime(2026, 11, 10, 10, 0)  # a Tuesday
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "uploads"))
    get_settings.cache_clear()
    with clock.frozen(NOW):
        yield
    get_settings.cache_clear()


def _inbox(session, actor) -> list[items.Item]:
    session.expire_all()
    return items.items(session, actor, TODAY)


def _kinds(session, actor) -> list[tuple[str, int]]:
    return [(i.kind, i.object_id) for i in _inbox(session, actor)]


def _unit(session):
    dept = make_department(session)
    _, head = make_user(session, Role.dept_head, department_id=dept.id)
    return dept, head


def _assignment(session, task, dept) -> Assignment:
    return session.exec(
        select(Assignment).where(Assignment.task_id == task.id, Assignment.department_id == dept.id)
    ).one()


def _ack(session, task, dept) -> None:
    a = _assignment(session, task, dept)
    a.acknowledged_at = NOW - dt.timedelta(days=20)
    session.add(a)
    session.commit()


def _report(session, head, task, dept) -> None:
    workflow.report_progress(
        session,
        actor=head,
        assignment_id=_assignment(session, task, dept).id,
        percent=60,
        done_text="已完成阶段工作。",
    )


# ---------------------------------------------------------------- a unit


def test_acknowledge_appears_and_leaves(session):
    dept, head = _unit(session)
    task = make_task(session, lead=dept, deadline=TODAY + dt.timedelta(days=60))
    found = _inbox(session, head)
    assert [(i.kind, i.object_id) for i in found] == [("ack", task.id)]
    item = found[0]
    assert item.link == ("my_tasks", {"task": str(task.id)})
    assert (item.code, item.name, item.due, item.urgency) == (
        task.code,
        task.title,
        task.deadline,
        "later",
    )
    assert item.title == "签收任务" and items.describe(item, "en") == "Acknowledge the task"
    workflow.acknowledge(session, actor=head, assignment_id=_assignment(session, task, dept).id)
    assert _kinds(session, head) == []


def test_another_units_work_is_not_in_my_inbox(session):
    dept, head = _unit(session)
    other, other_head = _unit(session)
    task = make_task(session, lead=other)
    assert _kinds(session, head) == []
    assert _kinds(session, other_head) == [("ack", task.id)]


def test_overdue_without_a_report_since_the_deadline_asks_for_a_report(session):
    dept, head = _unit(session)
    task = make_task(
        session,
        lead=dept,
        status=TaskStatus.in_progress,
        deadline=TODAY - dt.timedelta(days=5),
    )
    _ack(session, task, dept)
    (item,) = _inbox(session, head)
    assert (item.kind, item.urgency, item.due) == ("report_overdue", "overdue", task.deadline)
    # late by working days, as every warning and reminder counts it
    cal = load_calendar(session)
    assert item.late_workdays == cal.working_days_between(task.deadline, TODAY) > 0
    _report(session, head, task, dept)
    # reported: still overdue — finish and ask for 销号, or ask for an extension
    (item,) = _inbox(session, head)
    assert (item.kind, item.urgency, item.due) == ("task_overdue", "overdue", task.deadline)
    session.refresh(task)
    workflow.submit_for_sign_off(
        session, actor=head, task_id=task.id, summary="全部完成。", expected_version=task.version
    )
    assert _kinds(session, head) == []


def test_a_missed_cycle_report_then_the_report_that_answers_it(session):
    dept, head = _unit(session)
    plan = make_plan(session, report_cycle="weekly:5")
    with clock.frozen(dt.datetime(2026, 10, 12, 9)):  # assigned on a Monday
        task = make_task(session, lead=dept, plan=plan, status=TaskStatus.in_progress)
    _ack(session, task, dept)
    (item,) = _inbox(session, head)
    # Fridays 16 Oct … 6 Nov passed with no report: missed since the first one
    assert item.kind == "report_missed" and item.urgency == "overdue"
    assert item.facts == {"since": "2026-10-16", "cycle": "weekly:5"}
    assert item.title == "未按期报送：2026-10-16 起未报送进展（每周五），请填报"
    assert "Weekly, Friday" in items.describe(item, "en")
    _report(session, head, task, dept)
    assert _kinds(session, head) == []


def test_a_cycle_report_due_within_three_working_days(session):
    dept, head = _unit(session)
    plan = make_plan(session, report_cycle="weekly:5")
    with clock.frozen(dt.datetime(2026, 11, 5, 9)):  # assigned last Thursday (grace: 2 wd)
        task = make_task(session, lead=dept, plan=plan, status=TaskStatus.in_progress)
    _ack(session, task, dept)
    (item,) = _inbox(session, head)  # Friday 13 Nov is 3 working days after Tuesday 10th
    assert (item.kind, item.due, item.urgency) == ("report_due", dt.date(2026, 11, 13), "soon")
    _report(session, head, task, dept)
    assert _kinds(session, head) == []
    # a monthly cycle due far away asks for nothing yet
    task.report_cycle = "monthly:30"
    session.add(task)
    session.commit()
    with clock.frozen(dt.datetime(2026, 11, 11, 9)):
        assert items.items(session, head, dt.date(2026, 11, 11)) == []


def test_instruction_to_answer(session):
    dept, head = _unit(session)
    _, leader = make_user(session, Role.leader)
    task = make_task(session, lead=dept, status=TaskStatus.in_progress)
    _ack(session, task, dept)
    ins = workflow.create_instruction(session, actor=leader, task_id=task.id, text="请加快推进。")
    (item,) = _inbox(session, head)
    assert (item.kind, item.object_type, item.object_id) == ("instruction", "instruction", ins.id)
    assert item.link == ("my_tasks", {"task": str(task.id)})
    assert items.items(session, leader, TODAY) == []  # a leader's inbox stays calm
    workflow.answer_instruction(session, actor=head, instruction_id=ins.id, text="已部署落实。")
    assert _kinds(session, head) == []


def test_sign_off_send_back_and_resubmit(session):
    dept, head = _unit(session)
    helper, helper_head = _unit(session)
    _, office = make_user(session, Role.office)
    task = make_task(
        session,
        lead=dept,
        responsible=[helper],
        status=TaskStatus.in_progress,
        deadline=TODAY + dt.timedelta(days=30),
    )
    _ack(session, task, dept)
    _ack(session, task, helper)
    workflow.submit_for_sign_off(
        session, actor=head, task_id=task.id, summary="全部完成。", expected_version=task.version
    )
    (item,) = _inbox(session, office)
    assert (item.kind, item.object_id, item.link) == (
        "sign_off",
        task.id,
        ("tasks", {"task": str(task.id)}),
    )
    assert item.facts == {"date": "2026-11-10"}
    session.refresh(task)
    manage.send_back(
        session, actor=office, task_id=task.id, expected_version=task.version, reason="佐证不足"
    )
    assert _kinds(session, office) == []
    # the lead unit redoes it (the responsible unit cannot resubmit: nothing for it)
    (back,) = _inbox(session, head)
    assert back.kind == "sent_back" and back.facts == {"date": "2026-11-10"}
    assert _kinds(session, helper_head) == []
    session.refresh(task)
    workflow.submit_for_sign_off(
        session, actor=head, task_id=task.id, summary="已补充佐证。", expected_version=task.version
    )
    assert _kinds(session, head) == []
    assert _kinds(session, office) == [("sign_off", task.id)]
    session.refresh(task)
    manage.sign_off(session, actor=office, task_id=task.id, expected_version=task.version)
    assert _kinds(session, office) == []


def _notice(session, dept, *, reply_due=None, status="issued") -> Notice:
    n = Notice(
        kind="urging",
        status=status,
        title="关于加快推进的督办通知",
        doc_number=f"督办〔2026〕{dept.id}号",
        reply_due=reply_due,
        issued_at=NOW - dt.timedelta(days=1),
    )
    session.add(n)
    session.flush()
    session.add(NoticeRecipient(notice_id=n.id, department_id=dept.id))
    session.commit()
    return n


def test_notice_to_acknowledge_and_notice_to_answer(session):
    dept, head = _unit(session)
    plain_notice = _notice(session, dept)
    asking = _notice(session, make_department(session), reply_due=TODAY + dt.timedelta(days=2))
    session.add(NoticeRecipient(notice_id=asking.id, department_id=dept.id))
    session.commit()
    found = _inbox(session, head)
    # the one with a reply date due in 2 working days comes first
    assert [(i.kind, i.object_id, i.urgency) for i in found] == [
        ("notice_reply", asking.id, "soon"),
        ("notice_ack", plain_notice.id, "later"),
    ]
    assert found[0].link == ("notices", {"notice": str(asking.id)})
    assert found[0].code == asking.doc_number
    replies.acknowledge_notice(session, actor=head, notice_id=plain_notice.id)
    # 签收 alone does not answer a notice that asks for a reply
    replies.acknowledge_notice(session, actor=head, notice_id=asking.id)
    assert _kinds(session, head) == [("notice_reply", asking.id)]
    replies.reply_notice(session, actor=head, notice_id=asking.id, text_="已按要求整改到位。")
    assert _kinds(session, head) == []


def test_a_withdrawn_notice_asks_for_nothing(session):
    dept, head = _unit(session)
    _, office = make_user(session, Role.office)
    n = _notice(session, dept)
    assert _kinds(session, head) == [("notice_ack", n.id)]
    issuing.withdraw_notice(
        session, actor=office, notice_id=n.id, expected_version=n.version, reason="数据有误"
    )
    assert _kinds(session, head) == []


def test_rectification_answer_recheck_and_answer_again(session):
    dept, head = _unit(session)
    _, inspector = make_user(session, Role.inspector)
    _, other_inspector = make_user(session, Role.inspector)
    _, office = make_user(session, Role.office)
    task = make_task(session, lead=dept, status=TaskStatus.in_progress)
    _ack(session, task, dept)
    _report(session, head, task, dept)
    insp = records.record_inspection(
        session,
        actor=inspector,
        inspected_on=TODAY - dt.timedelta(days=10),
        method="on_site",
        result="average",
        inspectors="赵督查",
        department_ids=[dept.id],
        task_ids=[task.id],
        findings=[
            FindingInput(dept.id, "办事指南要素不全。", TODAY - dt.timedelta(days=1), task.id)
        ],
    )
    assert insp.id is not None
    (item,) = _inbox(session, head)
    assert (item.kind, item.urgency, item.object_type) == ("rectify", "overdue", "finding")
    assert item.link == ("notices", {"finding": str(item.object_id)})
    assert item.name == "办事指南要素不全。"
    fid = item.object_id
    from models import Finding

    f = session.get(Finding, fid)
    records.answer_finding(
        session, actor=head, finding_id=fid, expected_version=f.version, text_="已补全要素。"
    )
    assert _kinds(session, head) == []
    # the inspector who recorded it re-checks it, and the office may too; not another inspector
    (re,) = _inbox(session, inspector)
    assert (re.kind, re.object_id, re.link) == (
        "recheck",
        fid,
        ("inspections", {"finding": str(fid)}),
    )
    assert _kinds(session, other_inspector) == []
    assert _kinds(session, office) == [("recheck", fid)]
    session.refresh(f)
    records.recheck_finding(
        session,
        actor=inspector,
        finding_id=fid,
        expected_version=f.version,
        accepted=False,
        note="缺少佐证",
    )
    assert _kinds(session, inspector) == [] and _kinds(session, office) == []
    assert _kinds(session, head) == [("rectify_again", fid)]
    session.refresh(f)
    records.answer_finding(
        session, actor=head, finding_id=fid, expected_version=f.version, text_="已补充佐证材料。"
    )
    session.refresh(f)
    records.recheck_finding(
        session, actor=inspector, finding_id=fid, expected_version=f.version, accepted=True
    )
    assert _kinds(session, head) == [] and _kinds(session, inspector) == []


def test_extension_request_to_decide(session):
    dept, head = _unit(session)
    _, office = make_user(session, Role.office)
    task = make_task(session, lead=dept, status=TaskStatus.in_progress)
    _ack(session, task, dept)
    _report(session, head, task, dept)
    req = workflow.request_extension(
        session,
        actor=head,
        task_id=task.id,
        requested_date=task.deadline + dt.timedelta(days=30),
        reason="需协调多部门。",
    )
    (item,) = _inbox(session, office)
    assert (item.kind, item.object_id) == ("extension", req.id)
    assert item.link == ("tasks", {"task": str(task.id)})
    assert item.facts["unit"] == dept.name
    assert item.title == f"审批{dept.name}的延期申请（申请延至 {req.requested_date}）"
    manage.decide_extension(
        session, actor=office, request_id=req.id, approve=True, expected_version=req.version
    )
    assert _kinds(session, office) == []


def test_appeal_to_decide(session):
    dept = make_department(session, name="市税务局")
    _, office = make_user(session, Role.office)
    period = AssessmentPeriod(
        kind="month", label="2026年10月", start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31)
    )
    session.add(period)
    session.flush()
    appeal = ScoreAppeal(
        period_id=period.id,
        department_id=dept.id,
        line_key="x",
        line_text="批示未按时答复 -2",
        points=-2,
        reason="已按时答复，系统未记录。",
    )
    session.add(appeal)
    session.commit()
    (item,) = _inbox(session, office)
    assert (item.kind, item.object_id) == ("appeal", appeal.id)
    assert item.link == ("assessment", {"period": str(period.id)})
    assert item.title == "处理市税务局的考核申诉（2026年10月）"
    assert items.describe(item, "en") == "Decide 市税务局's assessment appeal (October 2026)"
    from duban.assessment import appeals

    appeals.decide_appeal(session, actor=office, appeal_id=appeal.id, accept=False, note="核实无误")
    assert _kinds(session, office) == []


def test_drafts_left_from_before_today(session):
    dept = make_department(session)
    insp_user, inspector = make_user(session, Role.inspector)
    _, other_inspector = make_user(session, Role.inspector)
    _, office = make_user(session, Role.office)
    with clock.frozen(NOW - dt.timedelta(days=2)):
        old = drafting.create_draft(
            session,
            actor=inspector,
            kind="reminder",
            title="关于按期报送的提醒",
            recipients=[dept.id],
        )
    fresh = drafting.create_draft(
        session, actor=inspector, kind="reminder", title="今天的草稿", recipients=[dept.id]
    )
    assert fresh.id is not None
    assert _kinds(session, inspector) == [("draft", old.id)]
    assert _kinds(session, office) == [("draft", old.id)]
    assert _kinds(session, other_inspector) == []
    (item,) = _inbox(session, inspector)
    assert item.link == ("notices", {"notice": str(old.id)}) and item.facts == {
        "date": "2026-11-08"
    }
    drafting.delete_draft(session, actor=inspector, notice_id=old.id)
    assert _kinds(session, inspector) == [] and _kinds(session, office) == []


def test_order_overdue_then_soon_then_the_rest(session):
    dept, head = _unit(session)
    later = make_task(session, lead=dept, deadline=TODAY + dt.timedelta(days=40))
    soon = make_task(session, lead=dept, deadline=TODAY + dt.timedelta(days=1))
    late2 = make_task(session, lead=dept, deadline=TODAY - dt.timedelta(days=2))
    late9 = make_task(session, lead=dept, deadline=TODAY - dt.timedelta(days=9))
    found = _inbox(session, head)
    order = [(i.object_id, i.urgency) for i in found if i.kind == "ack"]
    assert order == [
        (late9.id, "overdue"),
        (late2.id, "overdue"),
        (soon.id, "soon"),
        (later.id, "later"),
    ]
    assert items.count(session, head, TODAY) == len(found)


def test_suspended_and_completed_tasks_ask_for_nothing(session):
    dept, head = _unit(session)
    for status in (TaskStatus.suspended, TaskStatus.completed, TaskStatus.cancelled):
        make_task(session, lead=dept, status=status, deadline=TODAY - dt.timedelta(days=3))
    assert _kinds(session, head) == []
    assert session.exec(select(Task)).all()
