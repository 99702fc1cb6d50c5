"""Office task services: create/edit/assign, status changes, extensions, bulk edit, detail."""

import datetime as dt

import pytest
from sqlmodel import select

from duban.core import clock
from duban.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from duban.tasks import manage, reading
from models import (
    Assignment,
    AuditLog,
    ExtensionRequest,
    Instruction,
    InstructionAnswer,
    Milestone,
    Role,
    Target,
    TargetReading,
    Task,
    TaskStatus,
)
from tests.factories import make_department, make_plan, make_report, make_task, make_user

TODAY = dt.date(2026, 6, 10)


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(dt.datetime(2026, 6, 10, 9, 0)):
        yield


def _audit(session, action):
    return session.exec(select(AuditLog).where(AuditLog.action == action)).all()


def _new(session, office, plan, **kw):
    a, b = make_department(session), make_department(session)
    data = {
        "plan_id": plan.id,
        "code": "一(一)",
        "title": "梳理公布服务事项清单",
        "phase": "梳理公布",
        "deadline": TODAY + dt.timedelta(days=60),
        "lead_department_id": a.id,
        "responsible_department_ids": [b.id],
        "milestones": [{"title": "完成初稿", "due_date": TODAY + dt.timedelta(days=20)}],
        "targets": [{"text": "网上可办率", "baseline": 50, "target_value": 80, "unit": "%"}],
        **kw,
    }
    return manage.create_task(session, actor=office, **data), a, b


def test_create_task_with_units_milestones_targets(session):
    _, office = make_user(session)
    plan = make_plan(session)
    task, a, b = _new(session, office, plan)
    assert task.status == TaskStatus.draft and task.original_deadline == task.deadline
    assert task.sort_key == "00.001"
    roles = {
        x.department_id: x.role
        for x in session.exec(select(Assignment).where(Assignment.task_id == task.id))
    }
    assert roles == {a.id: "lead", b.id: "responsible"}
    assert len(session.exec(select(Milestone)).all()) == 1
    assert session.exec(select(Target)).one().target_value == 80
    log = _audit(session, "task.create")[0]
    assert log.object_id == str(task.id) and "牵头" in log.note
    sub = manage.create_task(
        session,
        actor=office,
        plan_id=plan.id,
        parent_id=task.id,
        code="一(一)1",
        title="子任务",
        deadline=TODAY + dt.timedelta(days=30),
        phase="梳理公布",
    )
    assert sub.sort_key == "00.001.01"


@pytest.mark.parametrize(
    "kw,msg",
    [
        ({"title": ""}, "标题：不能为空"),
        ({"deadline": None}, "完成时限"),
        ({"start_date": TODAY + dt.timedelta(days=90)}, "开始日期不能晚于"),
        ({"phase": "不存在的阶段"}, "不在方案的阶段"),
        ({"milestones": [{"title": "晚", "due_date": TODAY + dt.timedelta(days=99)}]}, "晚于"),
        ({"lead_department_id": 9999}, "不存在或已停用"),
    ],
)
def test_bad_task_input_writes_nothing(session, kw, msg):
    _, office = make_user(session)
    plan = make_plan(session)
    with pytest.raises(ValidationFailed, match=msg):
        _new(session, office, plan, **kw)
    assert session.exec(select(Task)).all() == []
    assert _audit(session, "task.create") == []


def test_duplicate_code_and_lead_as_responsible_refused(session):
    _, office = make_user(session)
    plan = make_plan(session)
    task, a, _ = _new(session, office, plan)
    with pytest.raises(ValidationFailed, match="已被使用"):
        _new(session, office, plan)
    with pytest.raises(ValidationFailed, match="牵头单位不能同时"):
        manage.update_task(
            session,
            actor=office,
            task_id=task.id,
            expected_version=task.version,
            responsible_department_ids=[a.id],
        )


@pytest.mark.parametrize("role", [Role.leader, Role.inspector, Role.dept_head])
def test_only_office_creates_edits_assigns(session, role):
    _, office = make_user(session)
    _, other = make_user(session, role=role)
    plan = make_plan(session)
    with pytest.raises(PermissionDenied):
        _new(session, other, plan)
    task, _, _ = _new(session, office, plan)
    with pytest.raises(PermissionDenied):
        manage.assign_task(session, actor=other, task_id=task.id, expected_version=task.version)
    with pytest.raises(PermissionDenied):
        manage.update_task(session, actor=other, task_id=task.id, expected_version=1, title="x")
    session.refresh(task)
    assert task.status == TaskStatus.draft and task.title == "梳理公布服务事项清单"


def test_assign_puts_task_in_units_and_keeps_baseline(session):
    _, office = make_user(session)
    plan = make_plan(session)
    task, a, b = _new(session, office, plan)
    task = manage.assign_task(session, actor=office, task_id=task.id, expected_version=task.version)
    assert task.status == TaskStatus.assigned and task.assigned_at == clock.now()
    for x in session.exec(select(Assignment).where(Assignment.task_id == task.id)):
        assert x.assigned_at == clock.now()
    assert _audit(session, "task.assign")
    with pytest.raises(ValidationFailed, match="只有草稿"):
        manage.assign_task(session, actor=office, task_id=task.id, expected_version=task.version)
    # after assignment the original deadline stays the baseline
    new = task.deadline + dt.timedelta(days=10)
    task = manage.update_task(
        session, actor=office, task_id=task.id, expected_version=task.version, deadline=new
    )
    assert task.deadline == new and task.original_deadline == new - dt.timedelta(days=10)


def test_assign_without_lead_refused(session):
    _, office = make_user(session)
    plan = make_plan(session)
    task, _, _ = _new(session, office, plan, lead_department_id=None)
    with pytest.raises(ValidationFailed, match="牵头单位"):
        manage.assign_task(session, actor=office, task_id=task.id, expected_version=task.version)


def test_stale_edit_refused_and_nothing_changed(session):
    _, office = make_user(session)
    plan = make_plan(session)
    task, _, _ = _new(session, office, plan)
    v = task.version
    manage.update_task(session, actor=office, task_id=task.id, expected_version=v, title="甲")
    with pytest.raises(StaleEdit):
        manage.update_task(session, actor=office, task_id=task.id, expected_version=v, title="乙")
    session.expire_all()
    assert session.get(Task, task.id).title == "甲"


def test_unit_with_reports_cannot_be_removed(session):
    _, office = make_user(session)
    a, b = make_department(session), make_department(session)
    task = make_task(session, lead=a, responsible=[b])
    make_report(session, task, b)
    with pytest.raises(ValidationFailed, match="已填报过进展"):
        manage.update_task(
            session,
            actor=office,
            task_id=task.id,
            expected_version=task.version,
            responsible_department_ids=[],
        )
    c = make_department(session)
    manage.update_task(
        session,
        actor=office,
        task_id=task.id,
        expected_version=task.version,
        responsible_department_ids=[b.id, c.id],
    )
    new = session.exec(select(Assignment).where(Assignment.department_id == c.id)).one()
    assert new.assigned_at == clock.now()  # shows in the new unit's 我的任务 at once


def test_target_with_readings_cannot_be_deleted(session):
    _, office = make_user(session)
    plan = make_plan(session)
    task, a, _ = _new(session, office, plan)
    tg = session.exec(select(Target)).one()
    session.add(TargetReading(target_id=tg.id, value=60))
    session.commit()
    with pytest.raises(ValidationFailed, match="已有填报数据"):
        manage.update_task(
            session, actor=office, task_id=task.id, expected_version=task.version, targets=[]
        )
    data = manage.task_form_data(session, task)
    data["targets"][0]["target_value"] = 90
    manage.update_task(
        session,
        actor=office,
        task_id=task.id,
        expected_version=task.version,
        targets=data["targets"],
    )
    session.expire_all()
    assert session.get(Target, tg.id).target_value == 90


@pytest.mark.parametrize(
    "action,start,end",
    [
        ("task.sign_off", TaskStatus.submitted, TaskStatus.completed),
        ("task.send_back", TaskStatus.submitted, TaskStatus.in_progress),
        ("task.suspend", TaskStatus.in_progress, TaskStatus.suspended),
        ("task.cancel", TaskStatus.assigned, TaskStatus.cancelled),
        ("task.restart", TaskStatus.suspended, TaskStatus.assigned),
    ],
)
def test_status_changes(session, action, start, end):
    _, office = make_user(session)
    task = make_task(session, lead=make_department(session), status=start)
    task = manage.change_status(
        session,
        actor=office,
        task_id=task.id,
        action=action,
        expected_version=task.version,
        reason="理由",
    )
    assert task.status == end
    assert task.status_reason == "理由"
    log = _audit(session, action)[0]
    assert log.before["status"] == start and log.after["status"] == end
    if action == "task.sign_off":
        assert task.completed_at == clock.now()


def test_status_change_refusals(session):
    _, office = make_user(session)
    _, leader = make_user(session, role=Role.leader)
    task = make_task(session, lead=make_department(session), status=TaskStatus.in_progress)
    with pytest.raises(ValidationFailed, match="不能销号"):
        manage.sign_off(session, actor=office, task_id=task.id, expected_version=task.version)
    with pytest.raises(ValidationFailed, match="请填写退回重办的理由"):
        manage.send_back(
            session, actor=office, task_id=task.id, expected_version=task.version, reason=" "
        )
    with pytest.raises(PermissionDenied):
        manage.change_status(
            session,
            actor=leader,
            task_id=task.id,
            action="task.suspend",
            expected_version=task.version,
            reason="x",
        )
    with pytest.raises(StaleEdit):
        manage.change_status(
            session,
            actor=office,
            task_id=task.id,
            action="task.suspend",
            expected_version=task.version + 1,
            reason="x",
        )
    with pytest.raises(NotFound):
        manage.change_status(
            session,
            actor=office,
            task_id=999,
            action="task.suspend",
            expected_version=1,
            reason="x",
        )
    session.expire_all()
    assert session.get(Task, task.id).status == TaskStatus.in_progress
    assert session.exec(select(AuditLog)).all() == []


def test_restart_after_reports_goes_back_to_in_progress(session):
    _, office = make_user(session)
    a = make_department(session)
    task = make_task(session, lead=a, status=TaskStatus.suspended)
    make_report(session, task, a)
    task = manage.change_status(
        session,
        actor=office,
        task_id=task.id,
        action="task.restart",
        expected_version=task.version,
        reason="恢复推进",
    )
    assert task.status == TaskStatus.in_progress


def _ext(session, task, dept, days=30):
    r = ExtensionRequest(
        task_id=task.id,
        department_id=dept.id,
        previous_deadline=task.deadline,
        requested_date=task.deadline + dt.timedelta(days=days),
        reason="等待接口",
    )
    session.add(r)
    session.commit()
    return r


def test_approve_extension_moves_deadline_keeps_original(session):
    _, office = make_user(session)
    a = make_department(session)
    task = make_task(session, lead=a)
    original = task.deadline
    req = _ext(session, task, a)
    new = original + dt.timedelta(days=20)
    manage.decide_extension(
        session,
        actor=office,
        request_id=req.id,
        approve=True,
        expected_version=req.version,
        new_date=new,
        note="同意",
    )
    session.expire_all()
    t = session.get(Task, task.id)
    assert t.deadline == new and t.original_deadline == original
    r = session.get(ExtensionRequest, req.id)
    assert r.status == "approved" and r.approved_date == new and r.decided_by == office.user_id
    assert _audit(session, "extension.approve") and _audit(session, "task.extend")
    detail = reading.task_detail(session, actor=office, task_id=task.id)
    assert detail.extension_count == 1
    with pytest.raises(ValidationFailed, match="已经处理过"):
        manage.decide_extension(
            session,
            actor=office,
            request_id=req.id,
            approve=False,
            expected_version=r.version,
            note="x",
        )


def test_refuse_extension_needs_reason_and_keeps_deadline(session):
    _, office = make_user(session)
    _, dept = make_user(session, role=Role.dept_head)
    a = make_department(session)
    task = make_task(session, lead=a)
    req = _ext(session, task, a)
    with pytest.raises(ValidationFailed, match="理由"):
        manage.decide_extension(
            session, actor=office, request_id=req.id, approve=False, expected_version=req.version
        )
    with pytest.raises(PermissionDenied):
        manage.decide_extension(
            session, actor=dept, request_id=req.id, approve=True, expected_version=req.version
        )
    with pytest.raises(ValidationFailed, match="必须晚于"):
        manage.decide_extension(
            session,
            actor=office,
            request_id=req.id,
            approve=True,
            expected_version=req.version,
            new_date=task.deadline,
        )
    manage.decide_extension(
        session,
        actor=office,
        request_id=req.id,
        approve=False,
        expected_version=req.version,
        note="理由不充分",
    )
    session.expire_all()
    assert session.get(Task, task.id).deadline == task.deadline
    assert session.get(ExtensionRequest, req.id).status == "refused"


def test_bulk_update_reports_stale_rows_and_applies_the_rest(session):
    _, office = make_user(session)
    a, b = make_department(session), make_department(session)
    t1 = make_task(session, lead=a)
    t2 = make_task(session, lead=a)
    t3 = make_task(session, lead=a)
    d = TODAY + dt.timedelta(days=45)
    rows = [
        {"task_id": t1.id, "expected_version": t1.version, "deadline": d},
        {"task_id": t2.id, "expected_version": t2.version + 5, "deadline": d},  # stale
        {
            "task_id": t3.id,
            "expected_version": t3.version,
            "lead_department_id": b.id,
            "responsible_department_ids": [a.id],
        },
    ]
    res = manage.bulk_update(session, actor=office, rows=rows)
    assert [r.ok for r in res] == [True, False, True]
    assert "已被他人修改" in res[1].message
    session.expire_all()
    assert session.get(Task, t1.id).deadline == d
    assert session.get(Task, t2.id).deadline != d
    lead = session.exec(
        select(Assignment).where(Assignment.task_id == t3.id, Assignment.role == "lead")
    ).one()
    assert lead.department_id == b.id
    assert len(_audit(session, "task.update")) == 2


def test_task_detail_gathers_everything_and_hides_other_units(session):
    _, office = make_user(session)
    a, b = make_department(session), make_department(session)
    _, head_a = make_user(session, role=Role.dept_head, department_id=a.id)
    _, head_x = make_user(session, role=Role.dept_head)
    task = make_task(session, lead=a, responsible=[b])
    make_report(session, task, a, percent=40, done_text="完成调研")
    ins = Instruction(task_id=task.id, text="抓紧推进")
    session.add(ins)
    session.commit()
    session.add(InstructionAnswer(instruction_id=ins.id, department_id=a.id, text="已部署"))
    session.commit()
    manage.change_status(
        session,
        actor=office,
        task_id=task.id,
        action="task.suspend",
        expected_version=task.version,
        reason="暂缓",
    )
    d = reading.task_detail(session, actor=office, task_id=task.id)
    assert d.lead.department.id == a.id and d.lead.latest.percent == 40
    assert [u.latest for u in d.units if u.department.id == b.id] == [None]
    assert d.reports[0].report.done_text == "完成调研"
    assert d.instructions[0].answers[0][0].text == "已部署"
    assert d.instructions[0].unanswered_units == [b.name]
    assert [h.action for h in d.history] == ["task.suspend"]
    mine = reading.task_detail(session, actor=head_a, task_id=task.id)
    assert mine.history == []  # the audit trail is the office's
    with pytest.raises(PermissionDenied):
        reading.task_detail(session, actor=head_x, task_id=task.id)


def test_history_change_reads_as_chinese():
    from duban.tasks.labels import history_change

    text = history_change(
        {"deadline": "2026-11-30", "status": "in_progress", "updated_at": "x", "version": 2},
        {"deadline": "2026-12-30", "status": "submitted", "updated_at": "y", "version": 3},
    )
    assert text == "完成时限：2026-11-30 → 2026-12-30；状态：推进中 → 申请销号"
    assert history_change(None, {"title": "新任务"}) == ""
    assert (
        history_change({"status_reason": None}, {"status_reason": "等待"}) == "状态说明：空 → 等待"
    )


def test_list_targets_for_the_report_form_only_to_readers(session):
    a = make_department(session)
    _, head_a = make_user(session, role=Role.dept_head, department_id=a.id)
    _, head_x = make_user(session, role=Role.dept_head)
    task = make_task(session, lead=a)
    other = make_task(session, lead=a)
    session.add_all(
        [
            Target(task_id=task.id, text="网办率", target_value=95),
            Target(task_id=task.id, text="时限", target_value=3),
            Target(task_id=other.id, text="别的任务"),
        ]
    )
    session.commit()
    got = reading.list_targets(session, actor=head_a, task_id=task.id)
    assert [tg.text for tg in got] == ["网办率", "时限"]
    with pytest.raises(PermissionDenied):
        reading.list_targets(session, actor=head_x, task_id=task.id)
