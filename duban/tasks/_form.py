"""The task form: its input models, their checks, and the writing of a task's units,
milestones and targets (private to duban.tasks)."""

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field, field_validator
from sqlmodel import Session, col, func, select

from duban.core import clock, text
from duban.core.errors import ValidationFailed
from duban.core.services import validated
from duban.fields import categories, definitions, values
from duban.monitoring import cycles
from models import (
    Assignment,
    AssignmentRole,
    Department,
    Direction,
    Milestone,
    Plan,
    ProgressReport,
    Target,
    TargetReading,
    Task,
    TaskCategory,
    TaskStatus,
)


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
    # 报送频次: a code or the plan's words ("每周五"); empty: the plan's (see cycle_code)
    report_cycle: str | None = None
    lead_department_id: int | None = None
    responsible_department_ids: list[int] = Field(default_factory=list)
    milestones: list[MilestoneIn] = Field(default_factory=list)
    targets: list[TargetIn] = Field(default_factory=list)
    # 督办事项来源 (duban.fields.categories); None: not classified
    category_id: int | None = None
    # the office's own fields: {field id: what was typed}, typed by duban.fields.values
    custom: dict[str, Any] = Field(default_factory=dict)

    @field_validator("custom", mode="before")
    @classmethod
    def _field_ids(cls, v: Any) -> Any:
        return {str(k): x for k, x in v.items()} if isinstance(v, dict) else v

    @field_validator("title", "description")
    @classmethod
    def _strip(cls, v: str) -> str:
        return v.strip()

    @field_validator("code")
    @classmethod
    def _clean_code(cls, v: str) -> str:
        # as stored (see duban.core.text), so that the uniqueness check compares like with like
        return text.clean_name(v, "任务编号")


# The form's fields that are columns of the task itself.
TASK_FIELDS = (
    "plan_id",
    "parent_id",
    "code",
    "title",
    "description",
    "phase",
    "start_date",
    "deadline",
    "weight",
    "report_cycle",
    "category_id",
)


def cycle_code(value: str | None) -> str | None:
    """The 报送频次 as stored: its code ("weekly:5"), or None (empty: the plan's default).
    "不定期" is stored as "none": the task owes no reports even if its plan has a cycle."""
    if value is None or not str(value).strip():
        return None
    words = str(value).strip()
    if len(words) > _CYCLE_WORDS_MAX:  # no cycle is written that long; quote only its start
        words = words[:_CYCLE_WORDS_MAX] + "…"
    return cycles.parse(words).code


_CYCLE_WORDS_MAX = 30


def validate_form(data: dict) -> TaskForm:
    """The form's own checks (no database): types, lengths, dates, units listed once."""
    form = validated(TaskForm, data)
    form.report_cycle = cycle_code(form.report_cycle)
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


def _check_parent(session: Session, form: TaskForm, task_id: int | None) -> None:
    """The parent is in the same plan and is not the task itself or one of its subtasks."""
    if form.parent_id is None:
        return
    parent = session.get(Task, form.parent_id)
    if parent is None or parent.plan_id != form.plan_id:
        raise ValidationFailed("上级任务不存在或不属于同一方案。")
    cur: Task | None = parent
    seen: set[int | None] = set()
    while cur is not None and cur.id not in seen:
        if cur.id == task_id:
            raise ValidationFailed("不能把任务设为它自己或其子任务的子任务。")
        seen.add(cur.id)
        cur = session.get(Task, cur.parent_id) if cur.parent_id else None


def check_refs(session: Session, form: TaskForm, task_id: int | None) -> None:
    """The form against the database: plan, phase, parent, units in use, code unique."""
    plan = session.get(Plan, form.plan_id)
    if plan is None:
        raise ValidationFailed("所属实施方案不存在。")
    if form.phase and plan.phases and form.phase not in plan.phases:
        raise ValidationFailed(f"阶段“{form.phase}”不在方案的阶段列表中。")
    _check_parent(session, form, task_id)
    current = session.get(Task, task_id) if task_id is not None else None
    categories.check_choice(session, form.category_id, current.category_id if current else None)
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


def custom_values(
    session: Session,
    plan_id: int,
    raw: dict[str, Any],
    *,
    current: dict[str, Any] | None,
    require_all: bool,
) -> dict[str, Any]:
    """Task.custom with `raw` applied (see duban.fields.values.clean_values): only the
    active fields of the task's plan (its own and those for all plans) may be set."""
    fields = definitions.list_fields(session, plan_id=plan_id)
    if not raw and not (require_all and any(f.required for f in fields)):
        return dict(current or {})
    depts = session.exec(
        select(Department.id, Department.name, Department.short_name).where(
            Department.active == True  # noqa: E712
        )
    ).all()
    units = {d: (n, sn or n) for d, n, sn in depts if d is not None}
    return values.clean_values(
        fields, raw, current=current, departments=units, require_all=require_all
    )


def classification_note(session: Session, before: dict[str, Any], task: Task) -> str:
    """The 事项来源 and custom values an edit changed, in words (see values.changes_note)."""
    parts = []
    if before.get("category_id") != task.category_id:
        cat = session.get(TaskCategory, task.category_id) if task.category_id else None
        parts.append(f"事项来源：{cat.name if cat else '未分类'}")
    old, new = before.get("custom") or {}, task.custom or {}
    if old != new:
        fields = definitions.list_fields(session, plan_id=task.plan_id, include_retired=True)
        names = {d: n for d, n in session.exec(select(Department.id, Department.name)) if d}
        said = values.changes_note(fields, old, new, departments=names)
        if said:
            parts.append(f"自定义字段：{said}")
    return "；".join(parts)


def set_units(
    session: Session, task: Task, lead_id: int | None, responsible: list[int]
) -> list[Assignment]:
    """Make the task's assignments match; a unit that has reported cannot be removed."""
    assert task.id is not None, "the task is flushed before its units are set"
    wanted: dict[int, AssignmentRole] = {d: AssignmentRole.responsible for d in responsible}
    if lead_id is not None:
        wanted[lead_id] = AssignmentRole.lead
    current = {
        a.department_id: a
        for a in session.exec(select(Assignment).where(Assignment.task_id == task.id)).all()
    }
    for dept_id, a in current.items():
        if dept_id not in wanted:
            _remove_unit(session, a)
    changed = []
    assigned = task.status != TaskStatus.draft
    for dept_id, role in wanted.items():
        found = current.get(dept_id)
        if found is None:
            found = Assignment(
                task_id=task.id,
                department_id=dept_id,
                role=role,
                assigned_at=clock.now() if assigned else None,
            )
        elif found.role != role:
            found.role = role
        else:
            continue
        session.add(found)
        changed.append(found)
    return changed


def _remove_unit(session: Session, a: Assignment) -> None:
    used = session.exec(
        select(func.count()).select_from(ProgressReport).where(ProgressReport.assignment_id == a.id)
    ).one()
    if used:
        dept = session.get(Department, a.department_id)
        name = dept.name if dept is not None else str(a.department_id)
        raise ValidationFailed(f"“{name}”已填报过进展，不能从任务中移除。")
    session.delete(a)


def apply_children(session: Session, task: Task, form: TaskForm) -> None:
    """Milestones are replaced; targets are matched by id (a target with readings stays)."""
    task_id = task.id
    assert task_id is not None, "the task is flushed before its milestones and targets"
    for m in session.exec(select(Milestone).where(Milestone.task_id == task_id)).all():
        session.delete(m)
    for mi in form.milestones:
        session.add(Milestone(task_id=task_id, **mi.model_dump()))
    existing = {
        tg.id: tg for tg in session.exec(select(Target).where(Target.task_id == task_id)).all()
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
            session.add(Target(task_id=task_id, **data))
    for tid, tg in existing.items():
        if tid in keep:
            continue
        readings = session.exec(
            select(func.count()).select_from(TargetReading).where(TargetReading.target_id == tid)
        ).one()
        if readings:
            raise ValidationFailed(f"指标“{tg.text}”已有填报数据，不能删除。")
        session.delete(tg)


def units_note(session: Session, task: Task) -> str:
    """'牵头：甲；责任：乙、丙' — the audit note of a task's units."""
    rows = session.exec(
        select(Assignment.role, Department.name)
        .join(Department, col(Department.id) == Assignment.department_id)
        .where(Assignment.task_id == task.id)
        .order_by(col(Assignment.role), Department.name)
    ).all()
    lead = [n for r, n in rows if r == AssignmentRole.lead]
    resp = [n for r, n in rows if r == AssignmentRole.responsible]
    return f"牵头：{'、'.join(lead) or '无'}；责任：{'、'.join(resp) or '无'}"
