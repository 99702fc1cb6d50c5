"""Plan import: a draft (from a parsed plan or a task sheet) written in one audited transaction."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from duban.core import audit, clock, db
from duban.core.errors import ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import write
from duban.intake import excel
from duban.intake.drafts import DraftTask, ImportDraft, RowError, validate_draft
from duban.intake.matching import CREATE, DROP, resolve_units
from duban.intake.parse import reader
from duban.tasks import manage
from models import (
    Assignment,
    AssignmentRole,
    Department,
    DepartmentKind,
    Direction,
    Milestone,
    Plan,
    Target,
    Task,
    TaskStatus,
)


def load_draft(
    data: bytes, filename: str, *, year: int | None = None
) -> tuple[ImportDraft, list[RowError]]:
    """A file as a draft: our task-sheet template is read row by row, anything else parsed."""
    if filename.lower().endswith((".xlsx", ".xlsm")) and excel.is_task_sheet(data):
        sheet = excel.read_task_sheet(data)
        return sheet.draft, sheet.errors
    return ImportDraft.from_parsed(reader.parse_plan_bytes(data, filename, year=year)), []


@dataclass
class ImportResult:
    plan_id: int
    plan_title: str
    tasks: int = 0
    assignments: int = 0
    milestones: int = 0
    targets: int = 0
    created_departments: list[str] = field(default_factory=list)
    dropped_units: list[str] = field(default_factory=list)


def _sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def find_previous_import(session: Session, source_bytes: bytes | None) -> Plan | None:
    """The plan already imported from these exact bytes, if any."""
    if not source_bytes:
        return None
    return session.exec(
        select(Plan).where(Plan.source_sha256 == _sha256_of(source_bytes)).order_by(col(Plan.id))
    ).first()


def reimport_message(plan: Plan) -> str:
    """Why an import of the same file again is refused, naming the plan it became."""
    when = plan.created_at.strftime("%Y-%m-%d %H:%M") if plan.created_at else ""
    return (
        f"该文件已于 {when} 导入为方案“{plan.title}”（编号 {plan.id}），不能重复导入。"
        "如确需再导入一份，请勾选“仍然导入”。"
    )


MAX_ERRORS_SHOWN = 20


def _errors_text(errors: list[RowError]) -> str:
    shown = "；".join(str(e) for e in errors[:MAX_ERRORS_SHOWN])
    more = f"；另有 {len(errors) - MAX_ERRORS_SHOWN} 处" if len(errors) > MAX_ERRORS_SHOWN else ""
    return f"导入内容有 {len(errors)} 处错误，未写入任何数据：{shown}{more}。"


def _ordered(tasks: list[DraftTask]) -> list[DraftTask]:
    """Parents before their children, otherwise in draft order."""
    by_code = {t.code: t for t in tasks if t.code}
    out: list[DraftTask] = []
    placed: set[int] = set()

    def place(t: DraftTask, depth: int = 0) -> None:
        if id(t) in placed or depth > len(tasks):
            return
        parent = by_code.get(t.parent_code) if t.parent_code else None
        if parent is not None:
            place(parent, depth + 1)
        placed.add(id(t))
        out.append(t)

    for t in tasks:
        place(t)
    return out


def commit_import(
    session: Session,
    *,
    actor: Actor,
    draft: ImportDraft,
    mapping: dict[str, Any] | None = None,
    source_name: str = "",
    source_bytes: bytes | None = None,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Create the plan with its tasks, assignments, milestones and targets in one transaction.

    `mapping` gives, per unit name, a department id, CREATE or DROP; names left out are taken
    from the automatic match, and a name that matches nothing refuses the import. Tasks are
    created as drafts (草稿): the office assigns them from the register. `progress` is called
    with (tasks done, total) after each task.
    """
    require(actor, "plan.import")
    mapping = dict(mapping or {})
    if any(v == CREATE for v in mapping.values()):
        require(actor, "department.manage")
    errors = validate_draft(draft)
    if errors:
        raise ValidationFailed(_errors_text(errors))
    title = (draft.title or "").strip()  # validate_draft refuses an empty title
    sha = _sha256_of(source_bytes) if source_bytes else None
    with write(session):
        # Take the data-version row lock first: two imports of the same file at the same
        # moment then run one after the other, and the second sees the first's plan.
        db.bump_data_version(session)
        if sha and not force:
            prev = find_previous_import(session, source_bytes)
            if prev is not None:
                raise ValidationFailed(reimport_message(prev))
        result = ImportResult(plan_id=0, plan_title=title)
        dept_of = _departments_for(
            session,
            actor=actor,
            names=draft.unit_names(),
            mapping=mapping,
            source_name=source_name,
            result=result,
        )
        plan = _create_plan(session, draft=draft, title=title, sha=sha)
        result.plan_id = _flushed_id(plan)
        _create_tasks(
            session,
            actor=actor,
            draft=draft,
            plan=plan,
            dept_of=dept_of,
            source_name=source_name,
            result=result,
            progress=progress,
        )
        note = _import_note(result, source_name=source_name, repeated=bool(force and sha))
        audit.record(session, actor, "plan.import", plan, note=note[:1000])
    return result


def _departments_for(
    session: Session,
    *,
    actor: Actor,
    names: list[str],
    mapping: dict[str, Any],
    source_name: str,
    result: ImportResult,
) -> dict[str, int | None]:
    """Unit name → department id (None: not imported), creating the departments asked for."""
    resolved, undecided = resolve_units(session, names, mapping)
    if undecided:
        raise ValidationFailed(
            f"以下 {len(undecided)} 个单位未对应到现有单位，请选择对应单位、新建或不导入："
            + "、".join(undecided[:30])
        )
    dept_of: dict[str, int | None] = {}
    for name in names:
        choice = resolved[name]
        if choice == DROP:
            dept_of[name] = None
            result.dropped_units.append(name)
        elif choice == CREATE:
            existing = session.exec(select(Department).where(Department.name == name)).first()
            if existing is not None:
                dept_of[name] = existing.id
                continue
            dept = Department(name=name, kind=_guess_kind(name), sort_order=900)
            session.add(dept)
            audit.record(
                session, actor, "department.create", dept, note=f"导入方案时新建（{source_name}）"
            )
            dept_of[name] = dept.id
            result.created_departments.append(name)
        else:
            d = session.get(Department, choice)
            if d is None or not d.active:
                raise ValidationFailed(f"单位“{name}”对应的单位（编号 {choice}）不存在或已停用。")
            dept_of[name] = d.id
    return dept_of


def _guess_kind(name: str) -> DepartmentKind:
    if name.endswith("窗口"):
        return DepartmentKind.service_window
    if re.search(r"(?:科|室|股)$", name):
        return DepartmentKind.section
    if re.search(r"(?:县|区|市)(?:人民政府)?$|街道$|镇$|乡$", name):
        return DepartmentKind.district
    return DepartmentKind.city_department


def _create_plan(session: Session, *, draft: ImportDraft, title: str, sha: str | None) -> Plan:
    """The plan row; its phases are the draft's, then those its tasks name, in order."""
    phases = list(draft.phases)
    for t in draft.tasks:
        if t.phase and t.phase not in phases:
            phases.append(t.phase)
    plan = Plan(
        title=title,
        issuer=(draft.issuer or "").strip() or None,
        doc_number=(draft.doc_number or "").strip() or None,
        issued_on=draft.issued_on,
        phases=phases,
        source_sha256=sha,
    )
    session.add(plan)
    session.flush()
    return plan


def _flushed_id(row: Plan | Task) -> int:
    assert row.id is not None  # the row was flushed: the database gave it its id
    return row.id


def _create_tasks(
    session: Session,
    *,
    actor: Actor,
    draft: ImportDraft,
    plan: Plan,
    dept_of: dict[str, int | None],
    source_name: str,
    result: ImportResult,
    progress: Callable[[int, int], None] | None,
) -> None:
    """The tasks as drafts, parents first, numbered in the register order, with their rows."""
    plan_id = _flushed_id(plan)
    phases = list(plan.phases or [])
    now = clock.now()
    task_ids: dict[str, Task] = {}
    counters: dict[str, int] = {}
    total = len(draft.tasks)
    for done, t in enumerate(_ordered(draft.tasks), start=1):
        parent = task_ids.get(t.parent_code) if t.parent_code else None
        prefix, width = manage.sort_key_prefix(parent, phases, t.phase)
        counters[prefix] = counters.get(prefix, 0) + 1
        task = Task(
            plan_id=plan_id,
            parent_id=parent.id if parent else None,
            code=t.code,
            title=t.title,
            description=t.description,
            phase=t.phase,
            deadline=t.deadline,
            original_deadline=t.deadline,
            weight=t.weight,
            status=TaskStatus.draft,
            sort_key=f"{prefix}{counters[prefix]:0{width}d}",
            created_at=now,
            updated_at=now,
        )
        session.add(task)
        session.flush()
        if t.code:
            task_ids[t.code] = task
        _add_task_rows(session, task_id=_flushed_id(task), t=t, dept_of=dept_of, result=result)
        audit.record(session, actor, "task.create", task, note=f"导入方案（{source_name}）")
        result.tasks += 1
        if progress is not None:
            progress(done, total)


def _add_task_rows(
    session: Session,
    *,
    task_id: int,
    t: DraftTask,
    dept_of: dict[str, int | None],
    result: ImportResult,
) -> None:
    """A task's assignments (lead before responsible), milestones and targets."""
    roles: dict[int, AssignmentRole] = {}
    for names, role in (
        (t.lead_units, AssignmentRole.lead),
        (t.responsible_units, AssignmentRole.responsible),
    ):
        for name in names:
            dept_id = dept_of.get(name)
            if dept_id is not None:
                roles.setdefault(dept_id, role)
    for dept_id, role in roles.items():
        session.add(Assignment(task_id=task_id, department_id=dept_id, role=role))
    result.assignments += len(roles)
    for m in t.milestones:
        session.add(Milestone(task_id=task_id, title=(m.text or t.title)[:300], due_date=m.date))
    result.milestones += len(t.milestones)
    for x in t.targets:
        session.add(
            Target(
                task_id=task_id,
                text=x.text[:300] or "指标",
                target_value=x.value,
                unit=(x.unit or None) and x.unit[:20],
                direction=Direction(x.direction or ">="),
            )
        )
    result.targets += len(t.targets)


def _import_note(result: ImportResult, *, source_name: str, repeated: bool) -> str:
    """The plan's audit note: what was imported from where, units created or left out."""
    return (
        f"导入 {result.tasks} 项任务、{result.assignments} 条分工，来源文件“{source_name}”"
        + (
            f"；新建单位：{'、'.join(result.created_departments)}"
            if result.created_departments
            else ""
        )
        + (f"；未导入单位：{'、'.join(result.dropped_units)}" if result.dropped_units else "")
        + ("；重复导入（已确认）" if repeated else "")
    )
