"""Reading inspections: the lists of records and rectification items, one record, the
overdue-rectification rule and its counts, and the task picker of the record form."""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ScalarSelect
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from duban.core import clock, uploads
from duban.core.errors import PermissionDenied
from duban.core.permissions import Actor, can
from duban.core.services import get_or_404
from duban.inspections.labels import METHOD_LABELS
from duban.inspections.records import INSPECTION_OWNER
from models import (
    Attachment,
    Department,
    Finding,
    Inspection,
    InspectionDepartment,
    InspectionMethod,
    InspectionTask,
    RectificationStatus,
    Task,
)


def is_overdue(f: Finding, today: dt.date) -> bool:
    """整改逾期, the one rule used by lists, warnings, notices and the dashboard.

    Past its due date and still open: never answered, or the answer was not accepted at
    re-check. An answer waiting for re-check (待复核) is the inspector's move, not the unit's
    delay, so it is not overdue.
    """
    return f.status == RectificationStatus.open and f.due_date < today


# ---------------------------------------------------------------- inspections


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
    q = _inspections_query(date_from, date_to, method, result, department_id)
    rows = session.exec(q.order_by(col(Inspection.inspected_on).desc(), col(Inspection.id).desc()))
    inspections = list(rows.all())
    if not inspections:
        return []
    # Related rows by a subquery of the same filter (an IN list of 10,000 ids is slow to
    # compile), read as plain columns rather than ORM objects.
    ids = q.with_only_columns(col(Inspection.id)).scalar_subquery()
    units = _units_of(session, ids)
    tasks = _tasks_of(session, ids)
    findings = _finding_counts(session, ids)
    return [
        InspectionRow(
            inspection=i,
            units=units.get(i.id, []),
            tasks=tasks.get(i.id, []),
            findings=findings.get(i.id, (0, 0))[0],
            open_findings=findings.get(i.id, (0, 0))[1],
        )
        for i in inspections
    ]


def _inspections_query(
    date_from: dt.date | None,
    date_to: dt.date | None,
    method: str | None,
    result: str | None,
    department_id: int | None,
) -> SelectOfScalar[Inspection]:
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
    return q


def _units_of(session: Session, ids: ScalarSelect) -> dict[int | None, list[str]]:
    """{inspection id: names of the units inspected}."""
    names = dict(session.exec(select(Department.id, Department.name)).all())
    units: dict[int | None, list[str]] = {}
    for insp_id, dept_id in session.exec(
        select(InspectionDepartment.inspection_id, InspectionDepartment.department_id).where(
            col(InspectionDepartment.inspection_id).in_(ids)
        )
    ).all():
        units.setdefault(insp_id, []).append(names.get(dept_id, ""))
    return units


def _tasks_of(session: Session, ids: ScalarSelect) -> dict[int | None, list[str]]:
    """{inspection id: "code title" of the tasks inspected}."""
    tasks: dict[int | None, list[str]] = {}
    for insp_id, code, title in session.exec(
        select(InspectionTask.inspection_id, Task.code, Task.title)
        .join(Task, col(Task.id) == InspectionTask.task_id)
        .where(col(InspectionTask.inspection_id).in_(ids))
    ).all():
        tasks.setdefault(insp_id, []).append(f"{code}{title}")
    return tasks


def _finding_counts(session: Session, ids: ScalarSelect) -> dict[int | None, tuple[int, int]]:
    """{inspection id: (findings, findings not yet accepted)}."""
    counts: dict[int | None, tuple[int, int]] = {}
    for insp_id, status in session.exec(
        select(Finding.inspection_id, Finding.status).where(col(Finding.inspection_id).in_(ids))
    ).all():
        total, still_open = counts.get(insp_id, (0, 0))
        counts[insp_id] = (total + 1, still_open + (status != RectificationStatus.accepted))
    return counts


def inspection_detail(
    session: Session, *, actor: Actor, inspection_id: int
) -> tuple[Inspection, list["FindingRow"], list[Attachment]]:
    """(inspection, findings rows, evidence attachments) for one record."""
    if not can(actor, "task.read_all"):
        raise PermissionDenied("无权查看督查记录。")
    insp = get_or_404(session, Inspection, inspection_id, "督查记录")
    rows = list_findings(session, actor=actor, inspection_id=inspection_id)
    files = uploads.list_attachments(session, INSPECTION_OWNER, inspection_id)
    return insp, rows, files


# ---------------------------------------------------------------- rectification items


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
    # "code title" of the finding's task, NULL (no task) through the outer join
    task_label = (col(Task.code) + col(Task.title)).label("task")
    q = (
        select(Finding, col(Inspection.inspected_on), col(Inspection.method), task_label)
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
    rows = session.exec(q.order_by(col(Finding.due_date), col(Finding.id))).all()
    return [
        FindingRow(
            finding=f,
            unit=names.get(f.department_id, ""),
            task=label if f.task_id and label is not None else "",
            inspected_on=inspected_on,
            method=METHOD_LABELS.get(InspectionMethod(method), method),
            overdue=is_overdue(f, today),
        )
        for f, inspected_on, method, label in rows
    ]


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


# ---------------------------------------------------------------- the record form's picker


def task_choices(session: Session) -> dict[int, str]:
    """Open and recent tasks as {id: "code title"} for pickers, in register order."""
    rows = session.exec(
        select(Task.id, Task.code, Task.title)
        .where(col(Task.status).not_in(["draft", "cancelled"]))
        .order_by(col(Task.sort_key))
    ).all()
    return {i: f"{code} {title}".strip() for i, code, title in rows if i is not None}


# ---------------------------------------------------------------- a unit's own move


def unit_open_rectifications(
    session: Session, *, actor: Actor, department_id: int, today: dt.date | None = None
) -> list[FindingRow]:
    """The unit's rectification items that wait for its answer, overdue ones first.

    Open means never answered, or answered and not accepted at re-check (the inspector's note
    says why); an answer waiting for re-check is the inspector's move and is not listed. A
    department head gets its own unit's items whatever unit is asked for.
    """
    rows = list_findings(
        session,
        actor=actor,
        status=RectificationStatus.open,
        department_id=department_id,
        today=today,
    )
    return sorted(rows, key=lambda r: (not r.overdue, r.finding.due_date, r.finding.id or 0))
