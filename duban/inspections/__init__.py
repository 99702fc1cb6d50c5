"""Inspections (督查) and their findings, each a rectification item (整改) answered and re-checked."""

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from duban.core import audit, clock, uploads
from duban.core.errors import PermissionDenied, ValidationFailed
from duban.core.permissions import Actor, can, require
from duban.core.services import check_version, get_or_404, write
from models import (
    Department,
    Finding,
    Inspection,
    InspectionDepartment,
    InspectionMethod,
    InspectionResult,
    InspectionTask,
    RectificationStatus,
    Task,
)

METHOD_LABELS = {
    InspectionMethod.on_site: "实地督查",
    InspectionMethod.unannounced: "明察暗访",
    InspectionMethod.written: "书面督查",
    InspectionMethod.special: "专项督查",
}
RESULT_LABELS = {
    InspectionResult.good: "好",
    InspectionResult.fairly_good: "较好",
    InspectionResult.average: "一般",
    InspectionResult.poor: "差",
}
STATUS_LABELS = {
    RectificationStatus.open: "待整改",
    RectificationStatus.answered: "待复查",
    RectificationStatus.accepted: "已销号",
}
INSPECTION_OWNER = "inspection"
FINDING_OWNER = "finding"


@dataclass
class FindingInput:
    """One problem found, and who must fix it by when."""

    department_id: int | None
    description: str
    due_date: dt.date | None
    task_id: int | None = None


def _check_units(session: Session, ids: list[int]) -> None:
    for d in ids:
        dept = session.get(Department, d)
        if dept is None or not dept.active:
            raise ValidationFailed(f"单位不存在或已停用（编号 {d}）。")


def _check_tasks(session: Session, ids: list[int]) -> None:
    for t in ids:
        if session.get(Task, t) is None:
            raise ValidationFailed(f"任务不存在（编号 {t}）。")


def _check_finding(session: Session, f: FindingInput, inspected_on: dt.date) -> None:
    if not (f.description or "").strip():
        raise ValidationFailed("问题描述不能为空。")
    if f.department_id is None:
        raise ValidationFailed(f"问题“{f.description[:20]}”须指定整改单位。")
    if f.due_date is None:
        raise ValidationFailed(f"问题“{f.description[:20]}”须指定整改期限。")
    if f.due_date < inspected_on:
        raise ValidationFailed(f"问题“{f.description[:20]}”的整改期限早于督查日期。")
    _check_units(session, [f.department_id])
    if f.task_id is not None:
        _check_tasks(session, [f.task_id])


def record_inspection(
    session: Session,
    *,
    actor: Actor,
    inspected_on: dt.date,
    method: str,
    result: str,
    inspectors: str,
    narrative: str = "",
    department_ids: list[int] = (),
    task_ids: list[int] = (),
    findings: list[FindingInput] = (),
    files: list[tuple[str, bytes]] = (),
    plan_id: int | None = None,
) -> Inspection:
    """Record one inspection with the units and tasks seen, its findings and evidence."""
    require(actor, "inspection.create")
    if not result:
        raise ValidationFailed("请选择督查结果（好 / 较好 / 一般 / 差）。")
    try:
        method = InspectionMethod(method)
        result = InspectionResult(result)
    except ValueError as exc:
        raise ValidationFailed("督查方式或督查结果不在允许范围内。") from exc
    if inspected_on is None or inspected_on > clock.today():
        raise ValidationFailed("督查日期不能为空，也不能晚于今天。")
    if not (inspectors or "").strip():
        raise ValidationFailed("请填写督查人员。")
    if not department_ids and not task_ids:
        raise ValidationFailed("请至少选择一个被督查单位或任务。")
    units = list(dict.fromkeys(department_ids))
    tasks = list(dict.fromkeys(task_ids))
    with write(session):
        _check_units(session, units)
        _check_tasks(session, tasks)
        for f in findings:
            _check_finding(session, f, inspected_on)
        insp = Inspection(
            plan_id=plan_id,
            inspected_on=inspected_on,
            method=method,
            result=result,
            inspectors=inspectors.strip()[:200],
            narrative=(narrative or "").strip(),
            recorded_by=actor.user_id,
        )
        session.add(insp)
        session.flush()
        # The units of the findings were inspected too.
        for d in dict.fromkeys([*units, *(f.department_id for f in findings)]):
            session.add(InspectionDepartment(inspection_id=insp.id, department_id=d))
        for t in dict.fromkeys([*tasks, *(f.task_id for f in findings if f.task_id)]):
            session.add(InspectionTask(inspection_id=insp.id, task_id=t))
        for f in findings:
            session.add(
                Finding(
                    inspection_id=insp.id,
                    department_id=f.department_id,
                    task_id=f.task_id,
                    description=f.description.strip(),
                    due_date=f.due_date,
                )
            )
        for name, data in files:
            uploads.save_upload(
                session, actor=actor, data=data, filename=name,
                owner_type=INSPECTION_OWNER, owner_id=insp.id,
            )  # fmt: skip
        audit.record(
            session, actor, "inspection.create", insp,
            note=f"{len(findings)} 个问题，{len(files)} 个佐证材料",
        )  # fmt: skip
    return insp


def add_finding(
    session: Session, *, actor: Actor, inspection_id: int, finding: FindingInput
) -> Finding:
    require(actor, "inspection.create")
    with write(session):
        insp = get_or_404(session, Inspection, inspection_id, "督查记录")
        _check_finding(session, finding, insp.inspected_on)
        f = Finding(
            inspection_id=insp.id,
            department_id=finding.department_id,
            task_id=finding.task_id,
            description=finding.description.strip(),
            due_date=finding.due_date,
        )
        session.add(f)
        if not session.get(InspectionDepartment, (insp.id, finding.department_id)):
            session.add(InspectionDepartment(inspection_id=insp.id, department_id=f.department_id))
        audit.record(session, actor, "finding.create", f)
    return f


def answer_finding(
    session: Session,
    *,
    actor: Actor,
    finding_id: int,
    expected_version: int,
    text_: str,
    files: list[tuple[str, bytes]] = (),
) -> Finding:
    """The unit says what it did (with evidence); the item waits for the inspector's re-check."""
    body = (text_ or "").strip()
    with write(session):
        f = get_or_404(session, Finding, finding_id, "整改事项")
        require(actor, "finding.answer", department_id=f.department_id)
        check_version(f, expected_version)
        if f.status == RectificationStatus.accepted:
            raise ValidationFailed("该整改事项已复查销号，不能再反馈。")
        if len(body) < 5:
            raise ValidationFailed("整改情况不能少于 5 个字。")
        before = audit.snapshot(f)
        f.answer_text = body
        f.answered_at = clock.now()
        f.answered_by = actor.user_id
        f.status = RectificationStatus.answered
        session.add(f)
        for name, data in files:
            uploads.save_upload(
                session, actor=actor, data=data, filename=name,
                owner_type=FINDING_OWNER, owner_id=f.id,
            )  # fmt: skip
        audit.record(session, actor, "finding.answer", f, before=before)
    return f


def recheck_finding(
    session: Session,
    *,
    actor: Actor,
    finding_id: int,
    expected_version: int,
    accepted: bool,
    note: str = "",
) -> Finding:
    """复查: accepted closes the item; not accepted sends it back to the unit with a note."""
    require(actor, "finding.recheck")
    note = (note or "").strip()
    with write(session):
        f = get_or_404(session, Finding, finding_id, "整改事项")
        check_version(f, expected_version)
        if f.status != RectificationStatus.answered:
            raise ValidationFailed("只有单位已反馈、待复查的整改事项才能复查。")
        if not accepted and len(note) < 2:
            raise ValidationFailed("复查不通过时请写明理由。")
        before = audit.snapshot(f)
        f.recheck_note = note or "复查合格。"
        f.rechecked_at = clock.now()
        f.rechecked_by = actor.user_id
        f.status = RectificationStatus.accepted if accepted else RectificationStatus.open
        session.add(f)
        audit.record(
            session, actor, "finding.accept" if accepted else "finding.reject", f, before=before
        )
    return f


# ---------------------------------------------------------------- reading


def is_overdue(f: Finding, today: dt.date) -> bool:
    """整改逾期, the one rule used by lists, warnings, notices and the dashboard.

    Past its due date and still open: never answered, or the answer was not accepted at
    re-check. An answer waiting for re-check (待复核) is the inspector's move, not the unit's
    delay, so it is not overdue.
    """
    return f.status == RectificationStatus.open and f.due_date < today


@dataclass
class InspectionRow:
    inspection: Inspection
    units: list[str]
    tasks: list[str]
    findings: int
    open_findings: int


def list_inspections(
    session: Session,
    *,
    actor: Actor,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    method: str | None = None,
    result: str | None = None,
    department_id: int | None = None,
) -> list[InspectionRow]:
    if not can(actor, "task.read_all"):
        raise PermissionDenied("无权查看督查记录。")
    q = select(Inspection)
    if date_from:
        q = q.where(Inspection.inspected_on >= date_from)
    if date_to:
        q = q.where(Inspection.inspected_on <= date_to)
    if method:
        q = q.where(Inspection.method == method)
    if result:
        q = q.where(Inspection.result == result)
    if department_id:
        q = q.join(InspectionDepartment).where(InspectionDepartment.department_id == department_id)
    rows = session.exec(q.order_by(col(Inspection.inspected_on).desc(), col(Inspection.id).desc()))
    inspections = list(rows.all())
    if not inspections:
        return []
    # Related rows by a subquery of the same filter (an IN list of 10,000 ids is slow to
    # compile), read as plain columns rather than ORM objects.
    ids = q.with_only_columns(col(Inspection.id)).scalar_subquery()
    names = dict(session.exec(select(Department.id, Department.name)).all())
    units: dict[int, list[str]] = {}
    for insp_id, dept_id in session.exec(
        select(InspectionDepartment.inspection_id, InspectionDepartment.department_id).where(
            col(InspectionDepartment.inspection_id).in_(ids)
        )
    ).all():
        units.setdefault(insp_id, []).append(names.get(dept_id, ""))
    tasks: dict[int, list[str]] = {}
    for insp_id, code, title in session.exec(
        select(InspectionTask.inspection_id, Task.code, Task.title)
        .join(Task, col(Task.id) == InspectionTask.task_id)
        .where(col(InspectionTask.inspection_id).in_(ids))
    ).all():
        tasks.setdefault(insp_id, []).append(f"{code}{title}")
    findings: dict[int, list[int]] = {}
    for insp_id, status in session.exec(
        select(Finding.inspection_id, Finding.status).where(col(Finding.inspection_id).in_(ids))
    ).all():
        counts = findings.setdefault(insp_id, [0, 0])
        counts[0] += 1
        counts[1] += status != RectificationStatus.accepted
    return [
        InspectionRow(
            inspection=i,
            units=units.get(i.id, []),
            tasks=tasks.get(i.id, []),
            findings=findings.get(i.id, [0, 0])[0],
            open_findings=findings.get(i.id, [0, 0])[1],
        )
        for i in inspections
    ]


@dataclass
class FindingRow:
    finding: Finding
    unit: str
    task: str
    inspected_on: dt.date
    method: str
    overdue: bool


def list_findings(
    session: Session,
    *,
    actor: Actor,
    status: str | None = None,
    department_id: int | None = None,
    task_id: int | None = None,
    inspection_id: int | None = None,
    overdue_only: bool = False,
    today: dt.date | None = None,
) -> list[FindingRow]:
    """Rectification items; a department head sees only its own unit's."""
    today = today or clock.today()
    if not can(actor, "task.read_all"):
        if actor.department_id is None:
            return []
        department_id = actor.department_id
    q = (
        select(Finding, Inspection.inspected_on, Inspection.method, Task.code, Task.title)
        .join(Inspection, col(Inspection.id) == Finding.inspection_id)
        .outerjoin(Task, col(Task.id) == Finding.task_id)
    )
    if status:
        q = q.where(Finding.status == status)
    if department_id:
        q = q.where(Finding.department_id == department_id)
    if task_id:
        q = q.where(Finding.task_id == task_id)
    if inspection_id:
        q = q.where(Finding.inspection_id == inspection_id)
    if overdue_only:
        q = q.where(Finding.status == RectificationStatus.open, Finding.due_date < today)
    names = dict(session.exec(select(Department.id, Department.name)).all())
    out = []
    rows = session.exec(q.order_by(col(Finding.due_date), col(Finding.id))).all()
    for f, inspected_on, method, code, title in rows:
        out.append(
            FindingRow(
                finding=f,
                unit=names.get(f.department_id, ""),
                task=f"{code}{title}" if f.task_id and title is not None else "",
                inspected_on=inspected_on,
                method=METHOD_LABELS.get(InspectionMethod(method), method),
                overdue=is_overdue(f, today),
            )
        )
    return out


def overdue_rectification_counts(
    session: Session, today: dt.date | None = None
) -> dict[tuple[int, int | None], int]:
    """{(department_id, task_id or None): rectifications past due and still open}.

    This is what the warning rules count as 整改逾期 (per unit and task).
    """
    today = today or clock.today()
    rows = session.exec(
        select(Finding.department_id, Finding.task_id).where(
            Finding.status == RectificationStatus.open, Finding.due_date < today
        )
    ).all()
    out: dict[tuple[int, int | None], int] = {}
    for d, t in rows:
        out[(d, t)] = out.get((d, t), 0) + 1
    return out


def overdue_by_unit(session: Session, today: dt.date | None = None) -> dict[int, int]:
    out: dict[int, int] = {}
    for (d, _t), n in overdue_rectification_counts(session, today).items():
        out[d] = out.get(d, 0) + n
    return out


def inspection_detail(session: Session, *, actor: Actor, inspection_id: int):
    """(inspection, findings rows, evidence attachments) for one record."""
    if not can(actor, "task.read_all"):
        raise PermissionDenied("无权查看督查记录。")
    insp = get_or_404(session, Inspection, inspection_id, "督查记录")
    rows = list_findings(session, actor=actor, inspection_id=inspection_id)
    files = uploads.list_attachments(session, INSPECTION_OWNER, inspection_id)
    return insp, rows, files


def task_choices(session: Session) -> dict[int, str]:
    """Open and recent tasks as {id: "code title"} for pickers, in register order."""
    rows = session.exec(
        select(Task.id, Task.code, Task.title)
        .where(col(Task.status).not_in(["draft", "cancelled"]))
        .order_by(Task.sort_key)
    ).all()
    return {i: f"{code} {title}".strip() for i, code, title in rows}
