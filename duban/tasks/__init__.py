"""The office's task services: create, edit, assign, status changes, extensions, task detail."""

import datetime as dt
from dataclasses import dataclass, field

from pydantic import BaseModel, Field, field_validator
from sqlmodel import Session, col, func, select

from duban.core import audit, clock
from duban.core.errors import NotFound, PermissionDenied, ValidationFailed
from duban.core.permissions import Actor, can, require
from duban.core.services import check_version, get_or_404, validated, write
from models import (
    AppUser,
    Assignment,
    AssignmentRole,
    Attachment,
    Department,
    Direction,
    ExtensionRequest,
    Finding,
    Inspection,
    InspectionTask,
    Instruction,
    InstructionAnswer,
    Milestone,
    Notice,
    NoticeStatus,
    NoticeTask,
    Plan,
    ProgressReport,
    RequestStatus,
    Target,
    TargetReading,
    Task,
    TaskStatus,
)

S = TaskStatus
STATUS_LABELS = {
    S.draft: "草稿",
    S.assigned: "已交办",
    S.acknowledged: "已签收",
    S.in_progress: "推进中",
    S.submitted: "申请销号",
    S.completed: "已办结",
    S.suspended: "已中止",
    S.cancelled: "已撤销",
}
ROLE_LABELS = {AssignmentRole.lead: "牵头", AssignmentRole.responsible: "责任"}

# the task's audit history in words (操作记录)
HISTORY_ACTIONS = {
    "task.create": "新建",
    "task.update": "修改",
    "task.assign": "交办",
    "task.acknowledge": "牵头单位签收",
    "task.start": "开始推进",
    "task.submit": "申请销号",
    "task.sign_off": "销号",
    "task.send_back": "退回重办",
    "task.suspend": "中止",
    "task.cancel": "撤销",
    "task.restart": "恢复",
    "task.extend": "延期",
}
HISTORY_FIELDS = {
    "code": "编号",
    "title": "任务",
    "description": "任务内容",
    "phase": "阶段",
    "parent_id": "上级任务",
    "start_date": "开始日期",
    "deadline": "完成时限",
    "original_deadline": "原定时限",
    "status": "状态",
    "status_reason": "状态说明",
    "weight": "权重",
    "sort_key": "排序",
    "assigned_at": "交办时间",
    "submitted_at": "申请销号时间",
    "completed_at": "办结时间",
}
_HIDDEN_FIELDS = {"updated_at", "version", "sort_key"}


def history_change(before: dict | None, after: dict | None) -> str:
    """'完成时限：2026-11-30 → 2026-12-30；状态：推进中 → 申请销号' for one audit row."""

    def word(field: str, value) -> str:
        if value in (None, ""):
            return "空"
        if field == "status":
            try:
                return STATUS_LABELS[TaskStatus(value)]
            except ValueError:
                return str(value)
        return str(value)[:60]

    if before is None:  # a creation: the note names the units; the fields are the task itself
        return ""
    parts = [
        f"{HISTORY_FIELDS.get(k, k)}：{word(k, (before or {}).get(k))} → {word(k, v)}"
        for k, v in (after or {}).items()
        if k not in _HIDDEN_FIELDS and (before or {}).get(k) != v
    ]
    return "；".join(parts)


# action -> (statuses it may start from, status it leads to, audit verb, Chinese label)
TRANSITIONS: dict[str, tuple[frozenset[TaskStatus], TaskStatus | None, str]] = {
    "task.sign_off": (frozenset({S.submitted}), S.completed, "销号"),
    "task.send_back": (frozenset({S.submitted}), S.in_progress, "退回重办"),
    "task.suspend": (
        frozenset({S.draft, S.assigned, S.acknowledged, S.in_progress, S.submitted}),
        S.suspended,
        "中止",
    ),
    "task.cancel": (
        frozenset({S.draft, S.assigned, S.acknowledged, S.in_progress, S.submitted, S.suspended}),
        S.cancelled,
        "撤销",
    ),
    # restart goes back to where the work stood (see _restart_status)
    "task.restart": (frozenset({S.suspended, S.cancelled}), None, "恢复"),
}
REASON_REQUIRED = {"task.send_back", "task.suspend", "task.cancel", "task.restart"}


# ---------------------------------------------------------------- input models


class MilestoneIn(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    due_date: dt.date
    done_on: dt.date | None = None


class TargetIn(BaseModel):
    id: int | None = None
    text: str = Field(min_length=1, max_length=300)
    baseline: float | None = None
    target_value: float | None = None
    direction: Direction = Direction.ge
    unit: str | None = Field(default=None, max_length=20)


class TaskForm(BaseModel):
    plan_id: int
    parent_id: int | None = None
    code: str = Field(default="", max_length=40)
    title: str = Field(min_length=1, max_length=500)
    description: str = ""
    phase: str | None = Field(default=None, max_length=60)
    start_date: dt.date | None = None
    deadline: dt.date
    weight: float = Field(default=1.0, ge=0, le=100)
    lead_department_id: int | None = None
    responsible_department_ids: list[int] = Field(default_factory=list)
    milestones: list[MilestoneIn] = Field(default_factory=list)
    targets: list[TargetIn] = Field(default_factory=list)

    @field_validator("title", "code", "description")
    @classmethod
    def _strip(cls, v: str) -> str:
        return v.strip()


TASK_FIELDS = ("plan_id", "parent_id", "code", "title", "description", "phase", "start_date")
TASK_FIELDS += ("deadline", "weight")


def _form(data: dict) -> TaskForm:
    form = validated(TaskForm, data)
    if form.start_date and form.start_date > form.deadline:
        raise ValidationFailed("开始日期不能晚于完成时限。")
    if form.lead_department_id in form.responsible_department_ids:
        raise ValidationFailed("牵头单位不能同时作为责任单位。")
    if len(set(form.responsible_department_ids)) != len(form.responsible_department_ids):
        raise ValidationFailed("责任单位有重复。")
    for m in form.milestones:
        if m.due_date > form.deadline:
            raise ValidationFailed(f"节点“{m.title}”的时间晚于任务完成时限。")
    return form


def _check_refs(session: Session, form: TaskForm, task_id: int | None) -> None:
    plan = session.get(Plan, form.plan_id)
    if plan is None:
        raise ValidationFailed("所属实施方案不存在。")
    if form.phase and plan.phases and form.phase not in plan.phases:
        raise ValidationFailed(f"阶段“{form.phase}”不在方案的阶段列表中。")
    if form.parent_id is not None:
        parent = session.get(Task, form.parent_id)
        if parent is None or parent.plan_id != form.plan_id:
            raise ValidationFailed("上级任务不存在或不属于同一方案。")
        cur, seen = parent, set()
        while cur is not None and cur.id not in seen:
            if cur.id == task_id:
                raise ValidationFailed("不能把任务设为它自己或其子任务的子任务。")
            seen.add(cur.id)
            cur = session.get(Task, cur.parent_id) if cur.parent_id else None
    ids = [form.lead_department_id, *form.responsible_department_ids]
    for dept_id in [i for i in ids if i is not None]:
        d = session.get(Department, dept_id)
        if d is None or not d.active:
            raise ValidationFailed(f"单位（编号 {dept_id}）不存在或已停用。")
    if form.code:
        q = select(Task.id).where(Task.plan_id == form.plan_id, Task.code == form.code)
        if task_id is not None:
            q = q.where(Task.id != task_id)
        if session.exec(q).first() is not None:
            raise ValidationFailed(f"编号“{form.code}”在本方案中已被使用。")


def sort_key_prefix(
    parent: Task | None, phases: list[str] | None, phase: str | None
) -> tuple[str, int]:
    """(prefix, digits) of a task's place in the register order: under its parent, else
    under its phase ("01.003", "01.003.02"). The importer numbers whole plans with it too."""
    if parent is not None:
        return f"{parent.sort_key}.", 2
    ph = phases.index(phase) if phase in (phases or []) else 99
    return f"{ph:02d}.", 3


def _next_sort_key(session: Session, plan: Plan, parent: Task | None, phase: str | None) -> str:
    prefix, width = sort_key_prefix(parent, plan.phases, phase)
    keys = session.exec(
        select(Task.sort_key).where(Task.plan_id == plan.id, col(Task.sort_key).startswith(prefix))
    ).all()
    nums = [int(k[len(prefix) :]) for k in keys if k[len(prefix) :].isdigit()]
    return f"{prefix}{(max(nums) + 1) if nums else 1:0{width}d}"


def _set_units(
    session: Session, task: Task, lead_id: int | None, responsible: list[int]
) -> list[Assignment]:
    """Make the task's assignments match; a unit that has reported cannot be removed."""
    wanted: dict[int, AssignmentRole] = {d: AssignmentRole.responsible for d in responsible}
    if lead_id is not None:
        wanted[lead_id] = AssignmentRole.lead
    current = {
        a.department_id: a
        for a in session.exec(select(Assignment).where(Assignment.task_id == task.id)).all()
    }
    for dept_id, a in current.items():
        if dept_id in wanted:
            continue
        used = session.exec(
            select(func.count())
            .select_from(ProgressReport)
            .where(ProgressReport.assignment_id == a.id)
        ).one()
        if used:
            name = session.get(Department, dept_id).name
            raise ValidationFailed(f"“{name}”已填报过进展，不能从任务中移除。")
        session.delete(a)
    changed = []
    assigned = task.status != S.draft
    for dept_id, role in wanted.items():
        a = current.get(dept_id)
        if a is None:
            a = Assignment(
                task_id=task.id,
                department_id=dept_id,
                role=role,
                assigned_at=clock.now() if assigned else None,
            )
            session.add(a)
            changed.append(a)
        elif a.role != role:
            a.role = role
            session.add(a)
            changed.append(a)
    return changed


def _apply_children(session: Session, task: Task, form: TaskForm) -> None:
    """Milestones are replaced; targets are matched by id (a target with readings stays)."""
    for m in session.exec(select(Milestone).where(Milestone.task_id == task.id)).all():
        session.delete(m)
    for m in form.milestones:
        session.add(Milestone(task_id=task.id, **m.model_dump()))
    existing = {
        tg.id: tg for tg in session.exec(select(Target).where(Target.task_id == task.id)).all()
    }
    keep = set()
    for tin in form.targets:
        data = tin.model_dump(exclude={"id"})
        if tin.id is not None and tin.id in existing:
            tg = existing[tin.id]
            for k, v in data.items():
                setattr(tg, k, v)
            session.add(tg)
            keep.add(tin.id)
        else:
            session.add(Target(task_id=task.id, **data))
    for tid, tg in existing.items():
        if tid in keep:
            continue
        readings = session.exec(
            select(func.count()).select_from(TargetReading).where(TargetReading.target_id == tid)
        ).one()
        if readings:
            raise ValidationFailed(f"指标“{tg.text}”已有填报数据，不能删除。")
        session.delete(tg)


def create_task(session: Session, *, actor: Actor, **data) -> Task:
    """A new task (status 草稿) with its milestones, targets and units; assign it separately."""
    require(actor, "task.create")
    form = _form(data)
    with write(session):
        _check_refs(session, form, None)
        plan = session.get(Plan, form.plan_id)
        parent = session.get(Task, form.parent_id) if form.parent_id else None
        now = clock.now()
        task = Task(
            **form.model_dump(include=set(TASK_FIELDS)),
            original_deadline=form.deadline,
            status=S.draft,
            sort_key=_next_sort_key(session, plan, parent, form.phase),
            created_at=now,
            updated_at=now,
        )
        session.add(task)
        session.flush()
        _set_units(session, task, form.lead_department_id, form.responsible_department_ids)
        _apply_children(session, task, form)
        audit.record(session, actor, "task.create", task, note=_units_note(session, task))
    return task


def task_form_data(session: Session, task: Task) -> dict:
    """The task as the dict `update_task` / the edit form take."""
    assigns = session.exec(select(Assignment).where(Assignment.task_id == task.id)).all()
    return {
        **{k: getattr(task, k) for k in TASK_FIELDS},
        "lead_department_id": next(
            (a.department_id for a in assigns if a.role == AssignmentRole.lead), None
        ),
        "responsible_department_ids": [
            a.department_id for a in assigns if a.role == AssignmentRole.responsible
        ],
        "milestones": [
            {"title": m.title, "due_date": m.due_date, "done_on": m.done_on}
            for m in session.exec(
                select(Milestone).where(Milestone.task_id == task.id).order_by(Milestone.due_date)
            ).all()
        ],
        "targets": [
            {
                "id": tg.id,
                "text": tg.text,
                "baseline": tg.baseline,
                "target_value": tg.target_value,
                "direction": tg.direction,
                "unit": tg.unit,
            }
            for tg in session.exec(
                select(Target).where(Target.task_id == task.id).order_by(Target.id)
            ).all()
        ],
    }


def update_task(
    session: Session, *, actor: Actor, task_id: int, expected_version: int, **changes
) -> Task:
    """Edit any of the form's fields; omitted ones keep their value.

    Before assignment the original deadline follows the deadline; afterwards it stays as the
    baseline (an office edit of the deadline is audited like any other change).
    """
    require(actor, "task.edit")
    unknown = set(changes) - set(TaskForm.model_fields)
    if unknown:
        raise ValidationFailed(f"不能修改这些字段：{', '.join(sorted(unknown))}")
    with write(session):
        task = get_or_404(session, Task, task_id, "任务")
        check_version(task, expected_version)
        if task.status in (S.completed, S.cancelled):
            raise ValidationFailed("已办结或已撤销的任务不能再编辑。")
        before = audit.snapshot(task)
        current = task_form_data(session, task)
        form = _form({**current, **changes})
        _check_refs(session, form, task.id)
        if form.plan_id != task.plan_id:
            raise ValidationFailed("不能把任务移到另一个实施方案。")
        if task.status != S.draft and form.lead_department_id is None:
            raise ValidationFailed("已交办的任务必须有牵头单位。")
        for k in TASK_FIELDS:
            setattr(task, k, getattr(form, k))
        if task.status == S.draft or task.original_deadline is None:
            task.original_deadline = form.deadline
        if form.parent_id != current["parent_id"] or form.phase != current["phase"]:
            parent = session.get(Task, form.parent_id) if form.parent_id else None
            task.sort_key = _next_sort_key(session, session.get(Plan, task.plan_id), parent,
                                           form.phase)  # fmt: skip
        task.updated_at = clock.now()
        session.add(task)
        if "lead_department_id" in changes or "responsible_department_ids" in changes:
            _set_units(session, task, form.lead_department_id, form.responsible_department_ids)
        if "milestones" in changes or "targets" in changes:
            _apply_children(session, task, form)
        session.flush()
        after_units = _units_note(session, task)
        audit.record(session, actor, "task.update", task, before=before, note=after_units)
    return task


def _units_note(session: Session, task: Task) -> str:
    rows = session.exec(
        select(Assignment.role, Department.name)
        .join(Department, col(Department.id) == Assignment.department_id)
        .where(Assignment.task_id == task.id)
        .order_by(col(Assignment.role), Department.name)
    ).all()
    lead = [n for r, n in rows if r == AssignmentRole.lead]
    resp = [n for r, n in rows if r == AssignmentRole.responsible]
    return f"牵头：{'、'.join(lead) or '无'}；责任：{'、'.join(resp) or '无'}"


def assign_task(session: Session, *, actor: Actor, task_id: int, expected_version: int) -> Task:
    """交办: a draft goes to its units; it shows in each unit's 我的任务 at once."""
    require(actor, "task.assign")
    with write(session):
        task = get_or_404(session, Task, task_id, "任务")
        check_version(task, expected_version)
        if task.status != S.draft:
            raise ValidationFailed(
                f"只有草稿状态的任务可以交办（当前：{STATUS_LABELS[task.status]}）。"
            )
        assigns = session.exec(select(Assignment).where(Assignment.task_id == task.id)).all()
        if not any(a.role == AssignmentRole.lead for a in assigns):
            raise ValidationFailed("请先指定牵头单位再交办。")
        if task.deadline is None:
            raise ValidationFailed("请先填写完成时限再交办。")
        before = audit.snapshot(task)
        now = clock.now()
        task.status = S.assigned
        task.assigned_at = now
        task.updated_at = now
        task.original_deadline = task.deadline
        task.status_reason = None
        for a in assigns:
            a.assigned_at = now
            session.add(a)
        session.add(task)
        audit.record(session, actor, "task.assign", task, before=before,
                     note=_units_note(session, task))  # fmt: skip
    return task


def _restart_status(session: Session, task: Task) -> TaskStatus:
    if task.assigned_at is None:
        return S.draft
    reported = session.exec(
        select(func.count()).select_from(ProgressReport).where(ProgressReport.task_id == task.id)
    ).one()
    return S.in_progress if reported else S.assigned


def change_status(
    session: Session,
    *,
    actor: Actor,
    task_id: int,
    action: str,
    expected_version: int,
    reason: str = "",
) -> Task:
    """销号 / 退回重办 / 中止 / 撤销 / 恢复 — each permission-checked, each with its reason."""
    if action not in TRANSITIONS:
        raise ValidationFailed(f"未知操作：{action}")
    require(actor, action)
    allowed_from, target, label = TRANSITIONS[action]
    reason = (reason or "").strip()
    if action in REASON_REQUIRED and not reason:
        raise ValidationFailed(f"请填写{label}的理由。")
    if len(reason) > 1000:
        raise ValidationFailed("理由不能超过 1000 个字符。")
    with write(session):
        task = get_or_404(session, Task, task_id, "任务")
        check_version(task, expected_version)
        if task.status not in allowed_from:
            raise ValidationFailed(f"任务当前为“{STATUS_LABELS[task.status]}”，不能{label}。")
        before = audit.snapshot(task)
        now = clock.now()
        task.status = target or _restart_status(session, task)
        task.status_reason = reason or None
        task.updated_at = now
        if action == "task.sign_off":
            task.completed_at = now
        if action == "task.send_back":
            task.submitted_at = None
        session.add(task)
        audit.record(session, actor, action, task, before=before, note=reason or None)
    return task


def sign_off(session: Session, *, actor: Actor, task_id: int, expected_version: int,
             note: str = "") -> Task:  # fmt: skip
    return change_status(session, actor=actor, task_id=task_id, action="task.sign_off",
                         expected_version=expected_version, reason=note)  # fmt: skip


def send_back(session: Session, *, actor: Actor, task_id: int, expected_version: int,
              reason: str) -> Task:  # fmt: skip
    return change_status(session, actor=actor, task_id=task_id, action="task.send_back",
                         expected_version=expected_version, reason=reason)  # fmt: skip


# ---------------------------------------------------------------- extensions


def decide_extension(
    session: Session,
    *,
    actor: Actor,
    request_id: int,
    approve: bool,
    expected_version: int,
    new_date: dt.date | None = None,
    note: str = "",
) -> ExtensionRequest:
    """Approve (with a new date, default the one asked for) or refuse (with a reason).

    The task's original deadline never moves: it stays the baseline lateness is measured on.
    """
    require(actor, "extension.decide")
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationFailed("不同意延期时请填写理由。")
    with write(session):
        req = get_or_404(session, ExtensionRequest, request_id, "延期申请")
        check_version(req, expected_version)
        if req.status != RequestStatus.pending:
            raise ValidationFailed("该延期申请已经处理过了。")
        task = get_or_404(session, Task, req.task_id, "任务")
        before_req, before_task = audit.snapshot(req), audit.snapshot(task)
        now = clock.now()
        if approve:
            date = new_date or req.requested_date
            if task.deadline and date <= task.deadline:
                raise ValidationFailed(
                    f"批准的新时限必须晚于当前完成时限（{task.deadline:%Y-%m-%d}）。"
                )
            if task.status not in (S.assigned, S.acknowledged, S.in_progress, S.submitted):
                raise ValidationFailed(f"任务当前为“{STATUS_LABELS[task.status]}”，不能再延期。")
            if task.original_deadline is None:
                task.original_deadline = task.deadline
            req.previous_deadline = task.deadline
            req.approved_date = date
            task.deadline = date
            task.updated_at = now
            session.add(task)
        req.status = RequestStatus.approved if approve else RequestStatus.refused
        req.decided_by = actor.user_id
        req.decided_at = now
        req.decision_note = note or None
        session.add(req)
        audit.record(session, actor, "extension.approve" if approve else "extension.refuse",
                     req, before=before_req, note=note or None)  # fmt: skip
        if approve:
            audit.record(session, actor, "task.extend", task, before=before_task,
                         note=f"延期至 {date:%Y-%m-%d}")  # fmt: skip
    return req


def pending_extensions(session: Session) -> list[ExtensionRequest]:
    return list(
        session.exec(
            select(ExtensionRequest)
            .where(ExtensionRequest.status == RequestStatus.pending)
            .order_by(col(ExtensionRequest.requested_at))
        ).all()
    )


# ---------------------------------------------------------------- bulk edit


@dataclass
class BulkResult:
    task_id: int
    code: str
    ok: bool
    message: str = ""


def bulk_update(session: Session, *, actor: Actor, rows: list[dict]) -> list[BulkResult]:
    """Apply edited rows one service call each, so one stale or bad row spoils nothing else.

    Each row: {"task_id", "expected_version", and any of the update_task fields}.
    """
    from duban.core.errors import DubanError

    results = []
    for row in rows:
        row = dict(row)
        task_id = row.pop("task_id")
        version = row.pop("expected_version")
        code = row.pop("code", "") or ""
        try:
            task = update_task(
                session, actor=actor, task_id=task_id, expected_version=version, **row
            )
            results.append(BulkResult(task_id, code or task.code, True))
        except DubanError as exc:
            results.append(BulkResult(task_id, code, False, str(exc)))
    return results


# ---------------------------------------------------------------- reading


def can_read_task(session: Session, actor: Actor, task_id: int) -> bool:
    if can(actor, "task.read_all"):
        return True
    if actor.department_id is None:
        return False
    return (
        session.exec(
            select(Assignment.id).where(
                Assignment.task_id == task_id, Assignment.department_id == actor.department_id
            )
        ).first()
        is not None
    )


def require_read(session: Session, actor: Actor, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"任务不存在（编号 {task_id}）。")
    if not can_read_task(session, actor, task_id):
        raise PermissionDenied("无权查看：该任务不属于本单位。")
    return task


@dataclass
class UnitView:
    assignment: Assignment
    department: Department
    latest: ProgressReport | None
    report_count: int
    ack_hours: float | None  # time taken to acknowledge


@dataclass
class ReportView:
    report: ProgressReport
    department: str
    reporter: str
    attachments: list[Attachment]
    readings: list[tuple[Target, float]]


@dataclass
class InstructionView:
    instruction: Instruction
    author: str
    answers: list[tuple[InstructionAnswer, str]]  # (answer, unit name)
    unanswered_units: list[str]


@dataclass
class TaskDetail:
    task: Task
    plan: Plan
    parent: Task | None
    children: list[Task]
    units: list[UnitView]
    reports: list[ReportView]
    milestones: list[Milestone]
    targets: list[tuple[Target, list[TargetReading]]]
    extensions: list[tuple[ExtensionRequest, str]]  # (request, unit name)
    instructions: list[InstructionView]
    inspections: list[tuple[Inspection, list[Finding]]]
    notices: list[Notice]
    history: list = field(default_factory=list)

    @property
    def extension_count(self) -> int:
        return sum(1 for r, _ in self.extensions if r.status == RequestStatus.approved)

    @property
    def lead(self) -> UnitView | None:
        return next((u for u in self.units if u.assignment.role == AssignmentRole.lead), None)


def _names(session: Session, model, ids) -> dict:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = session.exec(select(model).where(col(model.id).in_(ids))).all()
    attr = "display_name" if model is AppUser else "name"
    return {r.id: getattr(r, attr) for r in rows}


def task_detail(session: Session, *, actor: Actor, task_id: int) -> TaskDetail:
    """Everything about one task for one screen (units, reports, targets, extensions, …)."""
    from duban.core.uploads import attachments_by_owner

    task = require_read(session, actor, task_id)
    plan = session.get(Plan, task.plan_id)
    assigns = list(
        session.exec(
            select(Assignment).where(Assignment.task_id == task.id).order_by(col(Assignment.role))
        ).all()
    )
    depts = {
        d.id: d
        for d in session.exec(
            select(Department).where(col(Department.id).in_([a.department_id for a in assigns]))
        ).all()
    }
    reports = list(
        session.exec(
            select(ProgressReport)
            .where(ProgressReport.task_id == task.id)
            .order_by(col(ProgressReport.reported_at).desc(), col(ProgressReport.id).desc())
        ).all()
    )
    units = []
    for a in assigns:
        mine = [r for r in reports if r.assignment_id == a.id]
        ack = None
        if a.acknowledged_at and a.assigned_at:
            ack = round((a.acknowledged_at - a.assigned_at).total_seconds() / 3600, 1)
        units.append(UnitView(a, depts[a.department_id], mine[0] if mine else None, len(mine), ack))
    targets = list(session.exec(select(Target).where(Target.task_id == task.id)).all())
    readings = list(
        session.exec(
            select(TargetReading)
            .where(col(TargetReading.target_id).in_([tg.id for tg in targets]))
            .order_by(col(TargetReading.recorded_at))
        ).all()
    ) if targets else []  # fmt: skip
    by_target = {tg.id: tg for tg in targets}
    files = attachments_by_owner(session, "progress_report", [r.id for r in reports])
    users = _names(session, AppUser, [r.reporter_id for r in reports])
    dept_names = {d.id: d.name for d in depts.values()}
    report_views = [
        ReportView(
            r,
            dept_names.get(r.department_id, ""),
            users.get(r.reporter_id, ""),
            files.get(r.id, []),
            [(by_target[x.target_id], x.value) for x in readings if x.report_id == r.id],
        )
        for r in reports
    ]
    exts = list(
        session.exec(
            select(ExtensionRequest)
            .where(ExtensionRequest.task_id == task.id)
            .order_by(col(ExtensionRequest.requested_at))
        ).all()
    )
    ext_names = _names(session, Department, [e.department_id for e in exts])
    instrs = list(
        session.exec(
            select(Instruction)
            .where(Instruction.task_id == task.id)
            .order_by(col(Instruction.created_at).desc())
        ).all()
    )
    answers = list(
        session.exec(
            select(InstructionAnswer)
            .where(col(InstructionAnswer.instruction_id).in_([i.id for i in instrs]))
            .order_by(col(InstructionAnswer.created_at))
        ).all()
    ) if instrs else []  # fmt: skip
    authors = _names(session, AppUser, [i.author_id for i in instrs])
    all_names = {**dept_names, **_names(session, Department, [a.department_id for a in answers])}
    instruction_views = []
    for ins in instrs:
        mine = [a for a in answers if a.instruction_id == ins.id]
        answered = {a.department_id for a in mine}
        instruction_views.append(
            InstructionView(
                ins,
                authors.get(ins.author_id, ""),
                [(a, all_names.get(a.department_id, "")) for a in mine],
                [dept_names[a.department_id] for a in assigns if a.department_id not in answered],
            )
        )
    insp_ids = set(
        session.exec(
            select(InspectionTask.inspection_id).where(InspectionTask.task_id == task.id)
        ).all()
    )
    findings = list(session.exec(select(Finding).where(Finding.task_id == task.id)).all())
    insp_ids |= {f.inspection_id for f in findings}
    inspections = (
        list(
            session.exec(
                select(Inspection)
                .where(col(Inspection.id).in_(insp_ids))
                .order_by(col(Inspection.inspected_on).desc())
            ).all()
        )
        if insp_ids
        else []
    )
    notices = list(
        session.exec(
            select(Notice)
            .join(NoticeTask, col(NoticeTask.notice_id) == Notice.id)
            .where(NoticeTask.task_id == task.id)
            .order_by(col(Notice.created_at).desc())
        ).all()
    )
    if not can(actor, "notice.read_all"):
        notices = [n for n in notices if n.status == NoticeStatus.issued]
    history = []
    if can(actor, "audit.read"):
        history = audit.history(session, "task", task.id)
    return TaskDetail(
        task=task,
        plan=plan,
        parent=session.get(Task, task.parent_id) if task.parent_id else None,
        children=list(
            session.exec(
                select(Task).where(Task.parent_id == task.id).order_by(col(Task.sort_key))
            ).all()
        ),
        units=units,
        reports=report_views,
        milestones=list(
            session.exec(
                select(Milestone).where(Milestone.task_id == task.id).order_by(Milestone.due_date)
            ).all()
        ),
        targets=[(tg, [x for x in readings if x.target_id == tg.id]) for tg in targets],
        extensions=[(e, ext_names.get(e.department_id, "")) for e in exts],
        instructions=instruction_views,
        inspections=[(i, [f for f in findings if f.inspection_id == i.id]) for i in inspections],
        notices=notices,
        history=history,
    )


def list_plans(session: Session) -> list[Plan]:
    return list(session.exec(select(Plan).order_by(col(Plan.id))).all())


def task_choices(session: Session, plan_id: int) -> list[tuple[int, str]]:
    """(id, "code title") of a plan's tasks in register order, for parent pickers."""
    rows = session.exec(
        select(Task.id, Task.code, Task.title)
        .where(Task.plan_id == plan_id)
        .order_by(col(Task.sort_key), col(Task.id))
    ).all()
    return [(i, f"{c} {t}".strip()) for i, c, t in rows]
