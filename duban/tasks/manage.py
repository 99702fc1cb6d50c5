"""The office's task services: create, edit, assign, status changes, sign-off and send-back,
extension decisions, bulk edit, and the register's sort keys."""

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from sqlmodel import Session, col, func, select

from duban.core import audit, clock
from duban.core.errors import DubanError, ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import check_version, get_or_404, write
from duban.tasks import _form, reading
from duban.tasks.labels import STATUS_LABELS
from models import (
    Assignment,
    AssignmentRole,
    ExtensionRequest,
    Milestone,
    Plan,
    ProgressReport,
    RequestStatus,
    Target,
    Task,
    TaskStatus,
)

S = TaskStatus

# action -> (statuses it may start from, status it leads to, Chinese label)
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
    # 撤销销号: a task signed off by mistake (or found not done) goes back to work
    "task.reopen": (frozenset({S.completed}), S.in_progress, "撤销销号"),
}
REASON_REQUIRED = {
    "task.send_back",
    "task.suspend",
    "task.cancel",
    "task.restart",
    "task.reopen",
}


# ---------------------------------------------------------------- sort keys


class SortKeyed(Protocol):
    """A task, or a task about to be inserted (the importer's bulk rows): its register key."""

    sort_key: str


def sort_key_prefix(
    parent: SortKeyed | None, phases: list[str] | None, phase: str | None
) -> tuple[str, int]:
    """(prefix, digits) of a task's place in the register order: under its parent, else
    under its phase ("01.003", "01.003.02"). The importer numbers whole plans with it too."""
    if parent is not None:
        return f"{parent.sort_key}.", 2
    ph = phases.index(phase) if phases and phase in phases else 99
    return f"{ph:02d}.", 3


def _next_sort_key(session: Session, plan: Plan, parent: Task | None, phase: str | None) -> str:
    prefix, width = sort_key_prefix(parent, plan.phases, phase)
    keys = session.exec(
        select(Task.sort_key).where(Task.plan_id == plan.id, col(Task.sort_key).startswith(prefix))
    ).all()
    nums = [int(k[len(prefix) :]) for k in keys if k[len(prefix) :].isdigit()]
    return f"{prefix}{(max(nums) + 1) if nums else 1:0{width}d}"


def _parent(session: Session, parent_id: int | None) -> Task | None:
    return session.get(Task, parent_id) if parent_id else None


# ---------------------------------------------------------------- create, edit, assign


def create_task(session: Session, *, actor: Actor, **data) -> Task:
    """A new task (status 草稿) with its milestones, targets and units; assign it separately."""
    require(actor, "task.create")
    form = _form.validate_form(data)
    with write(session):
        _form.check_refs(session, form, None)
        plan = get_or_404(session, Plan, form.plan_id, "实施方案")
        now = clock.now()
        task = Task(
            **form.model_dump(include=set(_form.TASK_FIELDS)),
            original_deadline=form.deadline,
            status=S.draft,
            sort_key=_next_sort_key(session, plan, _parent(session, form.parent_id), form.phase),
            created_at=now,
            updated_at=now,
        )
        task.custom = _form.custom_values(
            session, form.plan_id, form.custom, current=None, require_all=True
        )
        session.add(task)
        session.flush()
        _form.set_units(session, task, form.lead_department_id, form.responsible_department_ids)
        _form.apply_children(session, task, form)
        audit.record(session, actor, "task.create", task, note=_form.units_note(session, task))
    return task


def task_form_data(session: Session, task: Task) -> dict:
    """The task as the dict `update_task` / the edit form take."""
    assigns = session.exec(select(Assignment).where(Assignment.task_id == task.id)).all()
    milestones = session.exec(
        select(Milestone).where(Milestone.task_id == task.id).order_by(col(Milestone.due_date))
    ).all()
    targets = session.exec(
        select(Target).where(Target.task_id == task.id).order_by(col(Target.id))
    ).all()
    return {
        **{k: getattr(task, k) for k in _form.TASK_FIELDS},
        "custom": dict(task.custom or {}),
        "lead_department_id": next(
            (a.department_id for a in assigns if a.role == AssignmentRole.lead), None
        ),
        "responsible_department_ids": [
            a.department_id for a in assigns if a.role == AssignmentRole.responsible
        ],
        "milestones": [
            {"title": m.title, "due_date": m.due_date, "done_on": m.done_on} for m in milestones
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
            for tg in targets
        ],
    }


CLASSIFYING = frozenset({"category_id", "custom"})


def update_task(
    session: Session, *, actor: Actor, task_id: int, expected_version: int, **changes
) -> Task:
    """Edit any of the form's fields; omitted ones keep their value.

    Before assignment the original deadline follows the deadline; afterwards it stays as the
    baseline (an office edit of the deadline is audited like any other change). `custom`
    ({field id: input}) sets the named custom fields only; the others keep their values.
    """
    require(actor, "task.edit")
    unknown = set(changes) - set(_form.TaskForm.model_fields)
    if unknown:
        raise ValidationFailed(f"不能修改这些字段：{', '.join(sorted(unknown))}")
    with write(session):
        task = get_or_404(session, Task, task_id, "任务")
        check_version(task, expected_version)
        # 事项来源 and the office's own fields classify a task: they stay editable after 销号
        if task.status in (S.completed, S.cancelled) and not set(changes) <= CLASSIFYING:
            raise ValidationFailed("已办结或已撤销的任务不能再编辑。")
        before = audit.snapshot(task)
        current = task_form_data(session, task)
        form = _form.validate_form({**current, **changes})
        _form.check_refs(session, form, task.id)
        if form.plan_id != task.plan_id:
            raise ValidationFailed("不能把任务移到另一个实施方案。")
        if task.status != S.draft and form.lead_department_id is None:
            raise ValidationFailed("已交办的任务必须有牵头单位。")
        for k in _form.TASK_FIELDS:
            setattr(task, k, getattr(form, k))
        if "custom" in changes:
            task.custom = _form.custom_values(
                session, task.plan_id, changes["custom"], current=task.custom, require_all=False
            )
        if task.status == S.draft or task.original_deadline is None:
            task.original_deadline = form.deadline
        if form.parent_id != current["parent_id"] or form.phase != current["phase"]:
            plan = get_or_404(session, Plan, task.plan_id, "实施方案")
            parent = _parent(session, form.parent_id)
            task.sort_key = _next_sort_key(session, plan, parent, form.phase)
        task.updated_at = clock.now()
        session.add(task)
        if "lead_department_id" in changes or "responsible_department_ids" in changes:
            _form.set_units(session, task, form.lead_department_id, form.responsible_department_ids)
        if "milestones" in changes or "targets" in changes:
            _form.apply_children(session, task, form)
        session.flush()
        note = "；".join(
            x
            for x in (
                _form.units_note(session, task),
                _form.classification_note(session, before or {}, task),
            )
            if x
        )
        audit.record(session, actor, "task.update", task, before=before, note=note)
    return task


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
        note = _form.units_note(session, task)
        audit.record(session, actor, "task.assign", task, before=before, note=note)
    return task


# ---------------------------------------------------------------- status changes


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
    """销号 / 退回重办 / 中止 / 撤销 / 恢复 / 撤销销号 — each permission-checked, each with its
    reason.

    销号 is refused, with the reasons named, while a subtask is still open or an extension
    request waits for a decision: closing the parent would hide both. 撤销销号 clears the
    completion (the lights read the status and completed_at; the assessment no longer takes
    a report before the reopening as the units' finish) and is refused under a parent that
    is itself 销号.
    """
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
        if action == "task.sign_off":
            blockers = reading.sign_off_blockers(session, task)
            if blockers:
                raise ValidationFailed(f"不能销号：{'；'.join(blockers)}。")
        if action == "task.reopen":
            parent = _parent(session, task.parent_id)
            if parent is not None and parent.status == S.completed:
                raise ValidationFailed(
                    f"上级任务“{parent.code or parent.title}”已销号，请先撤销上级任务的销号。"
                )
        before = audit.snapshot(task)
        now = clock.now()
        task.status = target or _restart_status(session, task)
        task.status_reason = reason or None
        task.updated_at = now
        if action == "task.sign_off":
            task.completed_at = now
        if action == "task.send_back":
            task.submitted_at = None
        if action == "task.reopen":
            task.completed_at = None
            task.submitted_at = None
            task.reopened_at = now
        session.add(task)
        audit.record(session, actor, action, task, before=before, note=reason or None)
    return task


def sign_off(
    session: Session, *, actor: Actor, task_id: int, expected_version: int, note: str = ""
) -> Task:
    return change_status(
        session,
        actor=actor,
        task_id=task_id,
        action="task.sign_off",
        expected_version=expected_version,
        reason=note,
    )


def send_back(
    session: Session, *, actor: Actor, task_id: int, expected_version: int, reason: str
) -> Task:
    return change_status(
        session,
        actor=actor,
        task_id=task_id,
        action="task.send_back",
        expected_version=expected_version,
        reason=reason,
    )


# ---------------------------------------------------------------- extensions


def _extend(task: Task, req: ExtensionRequest, date: dt.date, now: dt.datetime) -> None:
    """Move the task's deadline to the approved date; the original deadline stays."""
    if task.deadline and date <= task.deadline:
        raise ValidationFailed(f"批准的新时限必须晚于当前完成时限（{task.deadline:%Y-%m-%d}）。")
    if task.status not in (S.assigned, S.acknowledged, S.in_progress, S.submitted):
        raise ValidationFailed(f"任务当前为“{STATUS_LABELS[task.status]}”，不能再延期。")
    if task.original_deadline is None:
        task.original_deadline = task.deadline
    req.previous_deadline = task.deadline
    req.approved_date = date
    task.deadline = date
    task.updated_at = now


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
        date = new_date or req.requested_date
        if approve:
            _extend(task, req, date, now)
            session.add(task)
        req.status = RequestStatus.approved if approve else RequestStatus.refused
        req.decided_by = actor.user_id
        req.decided_at = now
        req.decision_note = note or None
        session.add(req)
        action = "extension.approve" if approve else "extension.refuse"
        audit.record(session, actor, action, req, before=before_req, note=note or None)
        if approve:
            audit.record(
                session,
                actor,
                "task.extend",
                task,
                before=before_task,
                note=f"延期至 {date:%Y-%m-%d}",
            )
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

    Each row: {"task_id", "expected_version", and any of the update_task fields}, e.g.
    "report_cycle" in words ("每周五") or as a code; an unreadable one fails its row.
    """
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
