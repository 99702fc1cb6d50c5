"""The unit side: acknowledge, report with evidence, extension requests, submit, 批示."""

import datetime as dt

import pytest
from sqlmodel import select

from duban.core import clock
from duban.core.errors import PermissionDenied, ValidationFailed
from duban.tasks import workflow
from models import (
    AppSetting,
    Assignment,
    Attachment,
    AuditLog,
    ExtensionRequest,
    InstructionAnswer,
    ProgressReport,
    Role,
    Target,
    TargetReading,
    Task,
    TaskStatus,
)
from tests.factories import make_department, make_task, make_user, uploads_and_clock
from tests.test_uploads import PDF, PNG

NOW = dt.datetime(2026, 6, 10, 9, 0)


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    with uploads_and_clock(tmp_path, monkeypatch, NOW):
        yield


@pytest.fixture
def world(session):
    a, b = make_department(session), make_department(session)
    _, head_a = make_user(session, role=Role.dept_head, department_id=a.id)
    _, head_b = make_user(session, role=Role.dept_head, department_id=b.id)
    _, head_x = make_user(session, role=Role.dept_head)
    _, office = make_user(session)
    _, leader = make_user(session, role=Role.leader)
    with clock.frozen(NOW - dt.timedelta(hours=5)):
        task = make_task(session, lead=a, responsible=[b])
    asg = {
        x.department_id: x
        for x in session.exec(select(Assignment).where(Assignment.task_id == task.id))
    }
    return {
        "a": a,
        "b": b,
        "head_a": head_a,
        "head_b": head_b,
        "head_x": head_x,
        "office": office,
        "leader": leader,
        "task": task,
        "asg": asg,
    }


def _audit(session, action):
    return session.exec(select(AuditLog).where(AuditLog.action == action)).all()


def test_acknowledge_keeps_time_and_moves_task(session, world):
    a = world["asg"][world["a"].id]
    workflow.acknowledge(
        session, actor=world["head_a"], assignment_id=a.id, expected_version=a.version
    )
    session.expire_all()
    a = session.get(Assignment, a.id)
    assert a.acknowledged_at == NOW and a.acknowledged_by == world["head_a"].user_id
    assert session.get(Task, world["task"].id).status == TaskStatus.acknowledged
    assert "5.0 小时" in _audit(session, "assignment.acknowledge")[0].note
    with pytest.raises(ValidationFailed, match="已签收"):
        workflow.acknowledge(session, actor=world["head_a"], assignment_id=a.id)


def test_other_unit_cannot_acknowledge_or_report(session, world):
    a = world["asg"][world["a"].id]
    for actor in (world["head_b"], world["head_x"], world["leader"]):
        with pytest.raises(PermissionDenied):
            workflow.acknowledge(session, actor=actor, assignment_id=a.id)
        with pytest.raises(PermissionDenied):
            workflow.report_progress(
                session, actor=actor, assignment_id=a.id, percent=10, done_text="x"
            )
    assert session.exec(select(ProgressReport)).all() == []
    assert session.exec(select(AuditLog)).all() == []
    session.expire_all()
    assert session.get(Assignment, a.id).acknowledged_at is None


def test_report_with_targets_and_evidence(session, world):
    task = world["task"]
    tg = Target(task_id=task.id, text="网上可办率", baseline=50, target_value=80, unit="%")
    session.add(tg)
    session.commit()
    a = world["asg"][world["a"].id]
    r = workflow.report_progress(
        session,
        actor=world["head_a"],
        assignment_id=a.id,
        percent=35,
        done_text="完成梳理",
        problems="接口未开放",
        next_steps="联调",
        target_values={tg.id: 62.5},
        files=[("会议纪要.pdf", PDF), ("现场.png", PNG)],
    )
    session.expire_all()
    assert r.percent == 35 and r.reporter_id == world["head_a"].user_id
    assert session.exec(select(TargetReading)).one().value == 62.5
    atts = session.exec(select(Attachment).where(Attachment.owner_id == r.id)).all()
    assert sorted(x.filename for x in atts) == ["会议纪要.pdf", "现场.png"]
    assert session.get(Task, task.id).status == TaskStatus.in_progress
    assert session.get(Assignment, a.id).acknowledged_at == NOW  # reporting acknowledges
    assert _audit(session, "report.create") and _audit(session, "task.start")


@pytest.mark.parametrize(
    "kw,msg",
    [
        ({"percent": 120}, "0 到 100"),
        ({"percent": "abc"}, "0 到 100"),
        ({"done_text": "  "}, "请填写进展情况"),
        ({"files": [("x.exe", b"MZ\x00\x00")]}, "不允许上传"),
        ({"files": [("ok.pdf", PDF), ("空.pdf", b"")]}, "空文件"),
        ({"target_values": {9999: 1.0}}, "不属于该任务"),
    ],
)
def test_bad_report_writes_nothing(session, world, kw, msg, tmp_path):
    a = world["asg"][world["a"].id]
    data = {"percent": 10, "done_text": "进展", **kw}
    with pytest.raises(ValidationFailed, match=msg):
        workflow.report_progress(session, actor=world["head_a"], assignment_id=a.id, **data)
    assert session.exec(select(ProgressReport)).all() == []
    assert session.exec(select(Attachment)).all() == []
    assert session.exec(select(AuditLog)).all() == []
    uploads = tmp_path / "uploads"
    assert not uploads.exists() or not [p for p in uploads.rglob("*") if p.is_file()]


def test_report_does_not_make_an_open_task_edit_stale(session, world):
    """issue 11 #13: a report touches the task (updated_at) without changing its version, so
    the office's edit form loaded before it still saves; two edits of one version still
    conflict (the lost-update protection of real edits stays)."""
    from duban.core.errors import StaleEdit
    from duban.tasks import manage

    task, a = world["task"], world["asg"][world["a"].id]
    workflow.report_progress(
        session, actor=world["head_a"], assignment_id=a.id, percent=10, done_text="开始"
    )
    loaded = session.get(Task, task.id).version  # the office opens the task's form
    with clock.frozen(NOW + dt.timedelta(hours=1)):
        workflow.report_progress(
            session,
            actor=world["head_b"],
            assignment_id=world["asg"][world["b"].id].id,
            percent=20,
            done_text="继续",
        )
    assert session.get(Task, task.id).updated_at == NOW + dt.timedelta(hours=1)
    manage.update_task(
        session, actor=world["office"], task_id=task.id, expected_version=loaded, title="新标题"
    )
    with pytest.raises(StaleEdit):
        manage.update_task(
            session, actor=world["office"], task_id=task.id, expected_version=loaded, title="又改"
        )
    assert session.get(Task, task.id).title == "新标题"


def test_no_report_on_completed_task(session, world):
    task = world["task"]
    task.status = TaskStatus.completed
    session.add(task)
    session.commit()
    a = world["asg"][world["a"].id]
    with pytest.raises(ValidationFailed, match="已办结"):
        workflow.report_progress(
            session, actor=world["head_a"], assignment_id=a.id, percent=10, done_text="x"
        )


def test_extension_request_rules(session, world):
    task = world["task"]
    head = world["head_b"]
    with pytest.raises(ValidationFailed, match="必须晚于"):
        workflow.request_extension(
            session, actor=head, task_id=task.id, requested_date=task.deadline, reason="x"
        )
    with pytest.raises(ValidationFailed, match="延期理由"):
        workflow.request_extension(
            session,
            actor=head,
            task_id=task.id,
            requested_date=task.deadline + dt.timedelta(days=9),
            reason="",
        )
    with pytest.raises(ValidationFailed, match="不是此任务"):
        workflow.request_extension(
            session,
            actor=world["head_x"],
            task_id=task.id,
            requested_date=task.deadline + dt.timedelta(days=9),
            reason="x",
        )
    req = workflow.request_extension(
        session,
        actor=head,
        task_id=task.id,
        requested_date=task.deadline + dt.timedelta(days=9),
        reason="等待省平台接口",
    )
    assert req.status == "pending" and req.department_id == world["b"].id
    assert req.previous_deadline == task.deadline
    with pytest.raises(ValidationFailed, match="待审批"):
        workflow.request_extension(
            session,
            actor=head,
            task_id=task.id,
            requested_date=task.deadline + dt.timedelta(days=20),
            reason="再延",
        )
    assert len(session.exec(select(ExtensionRequest)).all()) == 1
    assert len(_audit(session, "extension.request")) == 1


def test_late_extension_needs_office_switch(session, world):
    task = world["task"]
    late = NOW + (task.deadline - NOW.date()) + dt.timedelta(days=3)
    args = {
        "actor": world["head_a"],
        "task_id": task.id,
        "requested_date": task.deadline + dt.timedelta(days=30),
        "reason": "未赶上",
    }
    with clock.frozen(late):
        with pytest.raises(ValidationFailed, match="逾期后不能再申请延期"):
            workflow.request_extension(session, **args)
        with pytest.raises(PermissionDenied):
            workflow.save_workflow_settings(
                session,
                actor=world["head_a"],
                allow_late_extension_requests=True,
                expected_version=0,
            )
        workflow.save_workflow_settings(
            session, actor=world["office"], allow_late_extension_requests=True, expected_version=0
        )
        assert session.get(AppSetting, "workflow").value["allow_late_extension_requests"]
        assert workflow.request_extension(session, **args).id


def test_submit_for_sign_off_lead_only(session, world):
    task = world["task"]
    with pytest.raises(ValidationFailed, match="只有牵头单位"):
        workflow.submit_for_sign_off(
            session,
            actor=world["head_b"],
            task_id=task.id,
            summary="完成",
            expected_version=task.version,
        )
    with pytest.raises(ValidationFailed, match="完成情况说明"):
        workflow.submit_for_sign_off(
            session,
            actor=world["head_a"],
            task_id=task.id,
            summary="",
            expected_version=task.version,
        )
    t = workflow.submit_for_sign_off(
        session,
        actor=world["head_a"],
        task_id=task.id,
        summary="全部完成",
        expected_version=task.version,
        files=[("验收.pdf", PDF)],
    )
    assert t.status == TaskStatus.submitted and t.submitted_at == NOW
    rep = session.exec(select(ProgressReport)).one()
    assert rep.kind == "completion" and rep.percent == 100
    assert session.exec(select(Attachment)).one().owner_id == rep.id
    assert _audit(session, "task.submit")


def test_instruction_and_answers(session, world):
    task = world["task"]
    with pytest.raises(PermissionDenied):
        workflow.create_instruction(session, actor=world["head_a"], task_id=task.id, text="x")
    with pytest.raises(ValidationFailed, match="批示内容"):
        workflow.create_instruction(session, actor=world["leader"], task_id=task.id, text=" ")
    ins = workflow.create_instruction(
        session, actor=world["leader"], task_id=task.id, text="务必按期完成"
    )
    desk = workflow.my_desk(session, actor=world["head_b"])
    assert [m.task.id for m in desk.to_answer] == [task.id]
    with pytest.raises(ValidationFailed, match="不是此任务"):
        workflow.answer_instruction(
            session, actor=world["head_x"], instruction_id=ins.id, text="收到"
        )
    workflow.answer_instruction(
        session, actor=world["head_b"], instruction_id=ins.id, text="已部署落实"
    )
    assert session.exec(select(InstructionAnswer)).one().department_id == world["b"].id
    assert workflow.my_desk(session, actor=world["head_b"]).to_answer == []
    assert [m.task.id for m in workflow.my_desk(session, actor=world["head_a"]).to_answer] == [
        task.id
    ]
    assert _audit(session, "instruction.create") and _audit(session, "instruction.answer")


def test_my_desk_sections(session, world):
    a = world["a"]
    overdue = make_task(
        session, lead=a, deadline=NOW.date() - dt.timedelta(days=3), status=TaskStatus.in_progress
    )
    soon = make_task(
        session, lead=a, deadline=NOW.date() + dt.timedelta(days=2), status=TaskStatus.in_progress
    )
    make_task(session, lead=a, status=TaskStatus.draft)  # drafts are not shown
    make_task(session, lead=world["b"])  # another unit's
    desk = workflow.my_desk(session, actor=world["head_a"])
    ids = {m.task.id for m in desk.tasks}
    assert ids == {world["task"].id, overdue.id, soon.id}
    assert {m.task.id for m in desk.overdue} == {overdue.id}
    assert {m.task.id for m in desk.due_soon} == {soon.id}
    assert world["task"].id in {m.task.id for m in desk.to_acknowledge}
    with pytest.raises(PermissionDenied):
        workflow.my_desk(session, actor=world["head_a"], department_id=world["b"].id)


def test_desk_lists_notices_waiting_for_ack_or_reply(session, world):
    from models import Notice, NoticeRecipient

    a, b = world["a"], world["b"]
    notices = {}
    for title, status, reply_due in [
        ("待签收的提醒", "issued", None),
        ("要反馈的督办单", "issued", dt.date(2026, 6, 20)),
        ("未签发的草稿", "draft", dt.date(2026, 6, 20)),
        ("已办完的督办单", "issued", dt.date(2026, 6, 20)),
    ]:
        n = Notice(kind="urging", title=title, status=status, reply_due=reply_due, issued_at=NOW)
        session.add(n)
        session.flush()
        done = title == "已办完的督办单"
        session.add(
            NoticeRecipient(
                notice_id=n.id,
                department_id=a.id,
                delivered_at=NOW,
                acknowledged_at=NOW if done else None,
                replied_at=NOW if done else None,
            )
        )
        notices[title] = n
    session.commit()
    desk = workflow.my_desk(session, actor=world["head_a"])
    assert [x.notice.title for x in desk.notices] == ["待签收的提醒", "要反馈的督办单"]
    assert [(x.needs_ack, x.needs_reply) for x in desk.notices] == [(True, False), (True, True)]
    assert workflow.my_desk(session, actor=world["head_b"], department_id=b.id).notices == []
