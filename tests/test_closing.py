"""Trust in closing actions (issue 14): 销号 refused while subtasks or extension requests are
open, 撤销销号, 撤回 of an issued notice, correcting the last report, 批示 on behalf."""

import datetime as dt

import pytest
from sqlmodel import select

from duban.assessment import _queries
from duban.core import clock
from duban.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from duban.notices import _shared, drafting, facts, issuing, reading, replies
from duban.tasks import manage, workflow
from duban.tasks import reading as task_reading
from models import (
    Assignment,
    Attachment,
    AuditLog,
    DocCounter,
    ExtensionRequest,
    Instruction,
    Notice,
    NoticeRecipient,
    NoticeTask,
    Plan,
    ProgressReport,
    RequestStatus,
    Role,
    Target,
    Task,
    TaskStatus,
)
from tests.factories import make_department, make_report, make_task, make_user, uploads_and_clock
from tests.test_uploads import PDF

NOW = dt.datetime(2026, 11, 23, 10, 0)  # a Monday
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    with uploads_and_clock(tmp_path, monkeypatch, NOW):
        yield


@pytest.fixture
def world(session):
    a, b = make_department(session, name="市公安局"), make_department(session, name="市税务局")
    _, head_a = make_user(session, role=Role.dept_head, department_id=a.id)
    _, head_b = make_user(session, role=Role.dept_head, department_id=b.id)
    _, office = make_user(session, display_name="王某")
    _, inspector = make_user(session, role=Role.inspector)
    _, leader = make_user(session, role=Role.leader, display_name="李市长")
    parent = make_task(
        session, lead=a, responsible=[b], code="四(二)", status=TaskStatus.in_progress
    )
    return {
        "a": a,
        "b": b,
        "head_a": head_a,
        "head_b": head_b,
        "office": office,
        "inspector": inspector,
        "leader": leader,
        "task": parent,
    }


def _asg(session, task, dept) -> Assignment:
    return session.exec(
        select(Assignment).where(Assignment.task_id == task.id, Assignment.department_id == dept.id)
    ).one()


def _child(session, parent, dept, code, status, **kw) -> Task:
    plan = session.get(Plan, parent.plan_id)
    return make_task(
        session, lead=dept, plan=plan, parent_id=parent.id, code=code, status=status, **kw
    )


def _fresh(session, model, pk):
    session.expire_all()
    return session.get(model, pk)


def _submit(session, w, task):
    task = _fresh(session, Task, task.id)
    return workflow.submit_for_sign_off(
        session,
        actor=w["head_a"],
        task_id=task.id,
        summary="全部完成。",
        expected_version=task.version,
    )


def _sign_off(session, w, task):
    task = _fresh(session, Task, task.id)
    return manage.sign_off(
        session, actor=w["office"], task_id=task.id, expected_version=task.version
    )


# ---------------------------------------------------------------- 销号 and its preconditions


def test_sign_off_is_refused_naming_open_subtasks_and_pending_extensions(session, world):
    w, parent = world, world["task"]
    child1 = _child(session, parent, w["a"], "四(二)1", TaskStatus.in_progress)
    child2 = _child(session, parent, w["b"], "四(二)2", TaskStatus.suspended)
    _child(session, parent, w["b"], "四(二)3", TaskStatus.cancelled)  # closed: not named
    # the unit's 申请销号 meets the same reasons at once
    with pytest.raises(ValidationFailed) as exc:
        _submit(session, w, parent)
    assert "四(二)1（推进中）" in str(exc.value) and "四(二)2（已中止）" in str(exc.value)
    assert "四(二)3" not in str(exc.value)
    assert _fresh(session, Task, parent.id).status == TaskStatus.in_progress

    # the subtasks closed, but the responsible unit asks for more time meanwhile
    for child in (child1, child2):
        c = _fresh(session, Task, child.id)
        c.status = TaskStatus.completed
        session.add(c)
    session.commit()
    workflow.request_extension(
        session,
        actor=w["head_b"],
        task_id=parent.id,
        requested_date=parent.deadline + dt.timedelta(days=30),
        reason="需协调市级部门",
    )
    with pytest.raises(ValidationFailed, match="市税务局申请延期至") as exc:
        _submit(session, w, parent)
    assert "请先审批" in str(exc.value)

    # submitted before the request came (the office's view): 销号 is refused with the reason
    session.exec(select(ExtensionRequest)).one().status = RequestStatus.refused
    session.commit()
    _submit(session, w, parent)
    req = workflow.request_extension(
        session,
        actor=w["head_b"],
        task_id=parent.id,
        requested_date=parent.deadline + dt.timedelta(days=40),
        reason="再协调",
    )
    late = (parent.deadline + dt.timedelta(days=40)).isoformat()
    with pytest.raises(ValidationFailed, match=f"市税务局申请延期至{late}"):
        _sign_off(session, w, parent)
    assert _fresh(session, Task, parent.id).status == TaskStatus.submitted
    assert not session.exec(select(AuditLog).where(AuditLog.action == "task.sign_off")).all()

    req = _fresh(session, ExtensionRequest, req.id)
    manage.decide_extension(
        session,
        actor=w["office"],
        request_id=req.id,
        approve=False,
        expected_version=req.version,
        note="已完成，无需延期",
    )
    done = _sign_off(session, w, parent)
    assert done.status == TaskStatus.completed


# ---------------------------------------------------------------- 撤销销号


def test_office_reopens_a_signed_off_task_with_a_reason(session, world):
    w, task = world, world["task"]
    make_report(session, task, w["a"], percent=60, reported_at=NOW - dt.timedelta(days=5))
    _submit(session, w, task)
    _sign_off(session, w, task)
    task = _fresh(session, Task, task.id)
    assert task.completed_at is not None
    for who in ("inspector", "head_a", "leader"):
        with pytest.raises(PermissionDenied):
            manage.change_status(
                session,
                actor=w[who],
                task_id=task.id,
                action="task.reopen",
                expected_version=task.version,
                reason="x",
            )
    with pytest.raises(ValidationFailed, match="请填写撤销销号的理由"):
        manage.change_status(
            session,
            actor=w["office"],
            task_id=task.id,
            action="task.reopen",
            expected_version=task.version,
            reason=" ",
        )
    assert _fresh(session, Task, task.id).status == TaskStatus.completed

    later = NOW + dt.timedelta(days=1)
    with clock.frozen(later):
        manage.change_status(
            session,
            actor=w["office"],
            task_id=task.id,
            action="task.reopen",
            expected_version=task.version,
            reason="复核发现系统尚未上线",
        )
    task = _fresh(session, Task, task.id)
    assert task.status == TaskStatus.in_progress
    assert task.completed_at is None and task.submitted_at is None and task.reopened_at == later
    assert task.status_reason == "复核发现系统尚未上线"
    row = session.exec(select(AuditLog).where(AuditLog.action == "task.reopen")).one()
    assert row.note == "复核发现系统尚未上线" and row.before["status"] == "completed"

    # nothing stale: the lights no longer see it completed, and the unit's 100 % report made
    # before the reopening is no longer its finish (no on-time bonus, overdue days run on)
    with clock.frozen(later):
        frames = _shared.status_frames(session, later.date())
    row = frames.tasks.filter(frames.tasks["task_id"] == task.id).row(0, named=True)
    assert row["status"] == "in_progress" and row["colour"] != "blue"
    assert (task.id, w["a"].id) not in _queries.first_full_reports(session)
    # a new report at 100 % after it counts again
    make_report(session, task, w["a"], percent=100, reported_at=later + dt.timedelta(hours=2))
    assert _queries.first_full_reports(session)[(task.id, w["a"].id)][0] == later.date()
    # the task can be submitted and signed off again
    with clock.frozen(later + dt.timedelta(hours=3)):
        _submit(session, w, task)
        assert _sign_off(session, w, task).status == TaskStatus.completed


def test_a_subtask_cannot_be_reopened_under_a_signed_off_parent(session, world):
    w, parent = world, world["task"]
    child = _child(session, parent, w["a"], "四(二)1", TaskStatus.completed, completed_at=NOW)
    _submit(session, w, parent)
    _sign_off(session, w, parent)
    child = _fresh(session, Task, child.id)
    with pytest.raises(ValidationFailed, match="上级任务“四\\(二\\)”已销号"):
        manage.change_status(
            session,
            actor=w["office"],
            task_id=child.id,
            action="task.reopen",
            expected_version=child.version,
            reason="返工",
        )


# ---------------------------------------------------------------- 撤回 of an issued notice


def _late_unit(session, w):
    """市公安局 with a task 10 days overdue: the office may urge it."""
    task = make_task(
        session,
        lead=w["a"],
        deadline=TODAY - dt.timedelta(days=10),
        status=TaskStatus.in_progress,
        start_date=TODAY - dt.timedelta(days=90),
    )
    make_report(session, task, w["a"], percent=40, reported_at=NOW - dt.timedelta(days=3))
    return task


def _issue_urging(session, actor, dept):
    n = drafting.draft_notice(session, actor=actor, kind="urging", department_id=dept.id)
    return issuing.issue_notice(session, actor=actor, notice_id=n.id, expected_version=n.version)


def test_withdraw_keeps_the_number_used_and_the_next_issue_takes_the_next(session, world):
    w = world
    task = _late_unit(session, w)
    first = _issue_urging(session, w["office"], w["a"])
    assert first.doc_number == "督办〔2026〕1号"
    for who in ("inspector", "head_a", "leader"):
        with pytest.raises(PermissionDenied):
            issuing.withdraw_notice(
                session,
                actor=w[who],
                notice_id=first.id,
                expected_version=first.version,
                reason="发错单位",
            )
    with pytest.raises(ValidationFailed, match="请填写撤回理由"):
        issuing.withdraw_notice(
            session,
            actor=w["office"],
            notice_id=first.id,
            expected_version=first.version,
            reason="  ",
        )
    with pytest.raises(StaleEdit):
        issuing.withdraw_notice(
            session,
            actor=w["office"],
            notice_id=first.id,
            expected_version=first.version - 1,
            reason="发错单位",
        )
    assert _fresh(session, Notice, first.id).status == "issued"

    gone = issuing.withdraw_notice(
        session,
        actor=w["office"],
        notice_id=first.id,
        expected_version=first.version,
        reason="发错单位",
    )
    gone = _fresh(session, Notice, gone.id)
    assert gone.status == "withdrawn" and gone.doc_number == "督办〔2026〕1号"
    assert gone.withdrawn_at == NOW and gone.withdrawn_by == w["office"].user_id
    assert gone.withdraw_reason == "发错单位"
    assert session.get(DocCounter, ("urging", 2026)).last_seq == 1
    with pytest.raises(ValidationFailed, match="已经撤回"):
        issuing.withdraw_notice(
            session,
            actor=w["office"],
            notice_id=gone.id,
            expected_version=gone.version,
            reason="再撤",
        )
    second = _issue_urging(session, w["office"], w["a"])
    assert second.doc_number == "督办〔2026〕2号"
    audit = session.exec(select(AuditLog).where(AuditLog.action == "notice.withdraw")).one()
    assert audit.note == "发错单位" and audit.before["status"] == "issued"
    on_task = session.exec(
        select(AuditLog).where(
            AuditLog.action == "task.notice_withdraw", AuditLog.object_id == str(task.id)
        )
    ).one()
    assert "督办〔2026〕1号" in on_task.note and "发错单位" in on_task.note


def test_recipients_see_a_withdrawn_notice_marked_and_owe_it_nothing(session, world):
    w = world
    _late_unit(session, w)
    n = _issue_urging(session, w["office"], w["a"])
    desk = workflow.my_desk(session, actor=w["head_a"])
    assert [x.notice.id for x in desk.notices] == [n.id]
    issuing.withdraw_notice(
        session, actor=w["office"], notice_id=n.id, expected_version=n.version, reason="数据有误"
    )
    # out of the unit's to-do; 签收 and reply refused with the reason
    assert workflow.my_desk(session, actor=w["head_a"]).notices == []
    with pytest.raises(ValidationFailed, match="已撤回.*数据有误"):
        replies.acknowledge_notice(session, actor=w["head_a"], notice_id=n.id)
    with pytest.raises(ValidationFailed, match="已撤回"):
        replies.reply_notice(session, actor=w["head_a"], notice_id=n.id, text_="已整改完毕。")
    # still in the unit's list and readable, marked withdrawn, its DOCX saying so
    rows = reading.list_notices(session, actor=w["head_a"])
    assert [(r.notice.id, r.notice.status) for r in rows] == [(n.id, "withdrawn")]
    assert rows[0].pending_ack == [] and rows[0].pending_reply == []
    assert reading.get_notice(session, actor=w["head_a"], notice_id=n.id).id == n.id
    name, _ = reading.notice_docx(session, actor=w["head_a"], notice_id=n.id)
    assert name.startswith("已撤回-督办〔2026〕1号")
    doc = reading.official_document(_fresh(session, Notice, n.id))
    assert doc.body[0] == "（本通知已于2026年11月23日撤回。撤回理由：数据有误）"
    # the office's list of issued notices keeps the number
    office_rows = reading.list_notices(session, actor=w["office"], status="issued")
    assert [r.notice.doc_number for r in office_rows] == ["督办〔2026〕1号"]
    assert reading.list_notices(session, actor=w["office"], status="draft") == []
    # the task's page lists it for the unit too
    task_id = session.exec(select(NoticeTask.task_id).where(NoticeTask.notice_id == n.id)).first()
    detail = task_reading.task_detail(session, actor=w["head_a"], task_id=task_id)
    assert [x.status for x in detail.notices] == ["withdrawn"]


def test_a_withdrawn_urging_is_no_fact_for_the_next_one(session, world):
    w = world
    task = _late_unit(session, w)

    def urging(seq, reply_due):
        n = Notice(
            kind="urging",
            level="yellow",
            status="issued",
            title="督办",
            body="正文",
            doc_number=f"督办〔2026〕{seq}号",
            doc_year=2026,
            doc_seq=seq,
            issued_at=dt.datetime.combine(reply_due - dt.timedelta(days=7), dt.time(9)),
            reply_due=reply_due,
        )
        session.add(n)
        session.flush()
        session.add(
            NoticeRecipient(notice_id=n.id, department_id=w["a"].id, delivered_at=n.issued_at)
        )
        session.add(NoticeTask(notice_id=n.id, task_id=task.id))
        session.commit()
        return n

    urging(1, TODAY - dt.timedelta(days=20))
    second = urging(2, TODAY - dt.timedelta(days=3))
    assert facts.ignored_urgings(session, w["a"].id, TODAY) != []
    red = drafting.draft_notice(session, actor=w["office"], kind="urging", department_id=w["a"].id)
    assert red.level == "red" and "督办〔2026〕2号" in red.body  # two ignored yellows
    issuing.withdraw_notice(
        session,
        actor=w["office"],
        notice_id=second.id,
        expected_version=second.version,
        reason="发错单位",
    )
    again = drafting.draft_notice(
        session, actor=w["office"], kind="urging", department_id=w["a"].id
    )
    assert again.level == "yellow"  # one ignored urging left: no escalation
    assert "督办〔2026〕1号" in again.body and "督办〔2026〕2号" not in again.body
    assert [n.doc_number for n in facts.ignored_urgings(session, w["a"].id, TODAY)] == [
        "督办〔2026〕1号"
    ]
    # the lights' ignored urgings and the assessment's deductions leave it out too
    frames = _shared.status_frames(session, TODAY)
    assert frames.raw.urgings["notice_id"].to_list() == [1]
    start, end = dt.datetime(2026, 1, 1), dt.datetime(2026, 12, 31)
    assert [r[3] for r in _queries.issued_notices(session, start=start, end=end)] == [
        "督办〔2026〕1号"
    ]


# ---------------------------------------------------------------- correcting the last report


def test_a_unit_corrects_its_last_report_and_everything_reads_the_correction(session, world):
    w, task = world, world["task"]
    target = Target(task_id=task.id, text="网上可办率", target_value=80, unit="%")
    session.add(target)
    session.commit()
    a = _asg(session, task, w["a"])
    old = workflow.report_progress(
        session,
        actor=w["head_a"],
        assignment_id=a.id,
        percent=90,
        done_text="已上线",
        target_values={target.id: 95.0},
        files=[("旧佐证.pdf", PDF)],
    )
    for bad, match in (("", "请填写更正理由"),):
        with pytest.raises(ValidationFailed, match=match):
            workflow.correct_report(
                session,
                actor=w["head_a"],
                report_id=old.id,
                reason=bad,
                percent=40,
                done_text="实际只完成试点",
            )
    with pytest.raises(PermissionDenied):  # another unit may not correct it
        workflow.correct_report(
            session,
            actor=w["head_b"],
            report_id=old.id,
            reason="误填",
            percent=40,
            done_text="实际只完成试点",
        )
    later = NOW + dt.timedelta(hours=1)
    with clock.frozen(later):
        new = workflow.correct_report(
            session,
            actor=w["head_a"],
            report_id=old.id,
            reason="误将计划数填为完成数",
            percent=40,
            done_text="实际只完成试点",
            target_values={target.id: 41.0},
            files=[("新佐证.pdf", PDF)],
        )
    new = _fresh(session, ProgressReport, new.id)
    assert new.supersedes_id == old.id and new.correction_reason == "误将计划数填为完成数"
    assert session.get(ProgressReport, old.id).percent == 90  # the old one stays as it was
    files = {f.owner_id: f.filename for f in session.exec(select(Attachment)).all()}
    assert files == {old.id: "旧佐证.pdf", new.id: "新佐证.pdf"}
    note = session.exec(select(AuditLog).where(AuditLog.action == "report.correct")).one().note
    assert "90% → 40%" in note and "误将计划数填为完成数" in note

    # latest percent and readings follow the correction everywhere
    desk = workflow.my_desk(session, actor=w["head_a"])
    assert next(m for m in desk.tasks if m.task.id == task.id).latest_percent == 40
    detail = task_reading.task_detail(session, actor=w["office"], task_id=task.id)
    lead = detail.lead
    assert lead.latest.id == new.id and lead.report_count == 1
    assert [(rv.report.id, rv.superseded) for rv in detail.reports] == [
        (new.id, False),
        (old.id, True),
    ]
    assert [x.value for x in detail.targets[0][1]] == [41.0]
    assert [x.id for x in detail.history if x.action == "task.report_correct"]
    with clock.frozen(later):
        frames = _shared.status_frames(session, later.date())
    raw = frames.raw
    assert raw.reports.filter(raw.reports["assignment_id"] == a.id)["percent"].to_list() == [40]
    assert raw.readings["value"].to_list() == [41.0]
    row = frames.assignments.filter(frames.assignments["assignment_id"] == a.id).row(0, named=True)
    assert row["progress"] == 40

    # only the last report: the corrected one cannot be corrected again
    with pytest.raises(ValidationFailed, match="只能更正本单位最近一次填报"):
        workflow.correct_report(
            session,
            actor=w["head_a"],
            report_id=old.id,
            reason="再改",
            percent=50,
            done_text="再改",
        )


def test_a_correction_at_100_is_the_finish_and_a_corrected_100_is_not(session, world):
    w, task = world, world["task"]
    a = _asg(session, task, w["a"])
    r = workflow.report_progress(
        session, actor=w["head_a"], assignment_id=a.id, percent=100, done_text="完成"
    )
    assert (task.id, w["a"].id) in _queries.first_full_reports(session)
    workflow.correct_report(
        session,
        actor=w["head_a"],
        report_id=r.id,
        reason="误报",
        percent=70,
        done_text="尚有两个区未完成",
    )
    assert (task.id, w["a"].id) not in _queries.first_full_reports(session)


def test_no_correction_of_a_sign_off_request_or_on_a_closed_task(session, world):
    w, task = world, world["task"]
    a = _asg(session, task, w["a"])
    r = workflow.report_progress(
        session, actor=w["head_a"], assignment_id=a.id, percent=80, done_text="推进中"
    )
    _submit(session, w, task)
    with pytest.raises(ValidationFailed, match="不能更正填报"):
        workflow.correct_report(
            session, actor=w["head_a"], report_id=r.id, reason="误报", percent=70, done_text="x"
        )
    task = _fresh(session, Task, task.id)
    manage.send_back(
        session,
        actor=w["office"],
        task_id=task.id,
        expected_version=task.version,
        reason="材料不全",
    )
    completion = workflow.last_report(session, a.id)
    assert completion.kind == "completion"
    with pytest.raises(ValidationFailed, match="申请销号的说明不能更正"):
        workflow.correct_report(
            session,
            actor=w["head_a"],
            report_id=completion.id,
            reason="误报",
            percent=70,
            done_text="x",
        )


# ---------------------------------------------------------------- 批示 on behalf of a leader


def test_a_leader_writes_their_own_and_the_office_records_one_naming_a_leader(session, world):
    w, task = world, world["task"]
    own = workflow.create_instruction(
        session, actor=w["leader"], task_id=task.id, text="务必按期完成"
    )
    assert own.on_behalf_of is None and own.author_id == w["leader"].user_id
    _, other = make_user(session, role=Role.leader, display_name="张副市长")
    with pytest.raises(ValidationFailed, match="本人名义"):
        workflow.create_instruction(
            session, actor=w["leader"], task_id=task.id, text="x", on_behalf_of=other.user_id
        )
    with pytest.raises(ValidationFailed, match="请选择作出批示的领导"):
        workflow.create_instruction(session, actor=w["office"], task_id=task.id, text="x")
    _, retired = make_user(session, role=Role.leader, display_name="前任", active=False)
    for who in (w["inspector"].user_id, retired.user_id, 99999):
        with pytest.raises(ValidationFailed, match="在用的领导账号"):
            workflow.create_instruction(
                session, actor=w["office"], task_id=task.id, text="x", on_behalf_of=who
            )
    assert [i.id for i in session.exec(select(Instruction)).all()] == [own.id]  # none written
    recorded = workflow.create_instruction(
        session,
        actor=w["office"],
        task_id=task.id,
        text="请加快进度",
        on_behalf_of=w["leader"].user_id,
    )
    assert recorded.on_behalf_of == w["leader"].user_id
    assert recorded.author_id == w["office"].user_id
    authors = task_reading.instruction_authors(session, [own, recorded])
    assert authors[own.id] == task_reading.InstructionAuthor("李市长")
    assert authors[recorded.id] == task_reading.InstructionAuthor("李市长", "王某")
    detail = task_reading.task_detail(session, actor=w["head_a"], task_id=task.id)
    assert {iv.instruction.id: iv.author.recorded_by for iv in detail.instructions} == {
        own.id: None,
        recorded.id: "王某",
    }
    assert dict(task_reading.leader_choices(session)) == {
        w["leader"].user_id: "李市长",
        other.user_id: "张副市长",
    }
