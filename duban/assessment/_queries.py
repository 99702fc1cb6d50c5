"""The records scoring reads, one query per source of points, as typed rows."""

import datetime as dt
from collections.abc import Sequence
from typing import TypeVar, TypeVarTuple

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from models import (
    Assignment,
    AssignmentRole,
    Department,
    Finding,
    Inspection,
    InspectionDepartment,
    InspectionResult,
    Instruction,
    InstructionAnswer,
    Notice,
    NoticeKind,
    NoticeRecipient,
    NoticeStatus,
    ProgressReport,
    Task,
    TaskCategory,
    TaskStatus,
)

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


def rows(session: Session, stmt: sa.Select[*Ts]) -> Sequence[Row[*Ts]]:
    """Run a column query in the session's transaction, typed by its columns.

    sqlmodel's ``Session.exec`` types a select of at most four columns; SQLAlchemy's own
    ``select`` and its connection keep the types of up to ten. Pending changes are flushed
    first, as ``exec`` would.
    """
    if session.autoflush:
        session.flush()
    return session.connection().execute(stmt).all()


def known(value: T | None, what: str) -> T:
    """A value the query guarantees (a primary key, a column filtered on); None is a bug."""
    if value is None:
        raise RuntimeError(f"assessment: {what} is missing from a row read from the database")
    return value


def day_of(value: dt.date) -> dt.date:
    """The calendar day of a date or a timestamp."""
    return value.date() if isinstance(value, dt.datetime) else value


def unit_names(session: Session) -> dict[int, str]:
    """Active departments by id: the units that get a score."""
    found = rows(
        session,
        sa.select(col(Department.id), col(Department.name)).where(
            col(Department.active) == True  # noqa: E712
        ),
    )
    return {known(did, "department id"): name for did, name in found}


def assignments(
    session: Session,
) -> Sequence[
    Row[
        int,
        int,
        AssignmentRole,
        dt.datetime | None,
        str,
        str,
        TaskStatus,
        float,
        dt.date | None,
        dt.datetime | None,
        dt.datetime | None,
        int | None,
    ]
]:
    """Every unit's part in every task, with the task's dates and 督办事项来源 (all tasks:
    callers filter)."""
    return rows(
        session,
        sa.select(
            col(Assignment.task_id),
            col(Assignment.department_id),
            col(Assignment.role),
            col(Assignment.assigned_at),
            col(Task.code),
            col(Task.title),
            col(Task.status),
            col(Task.weight),
            col(Task.deadline),
            col(Task.assigned_at),
            col(Task.completed_at),
            col(Task.category_id),
        ).join(Task, col(Task.id) == Assignment.task_id),
    )


def category_weights(session: Session) -> dict[int, tuple[str, float]]:
    """Every 督办事项来源 (retired ones too: a task keeps its own) -> (name, weight)."""
    found = rows(
        session,
        sa.select(col(TaskCategory.id), col(TaskCategory.name), col(TaskCategory.weight)),
    )
    return {known(cid, "category id"): (name, float(weight)) for cid, name, weight in found}


def first_full_reports(session: Session) -> dict[tuple[int, int], tuple[dt.date, int]]:
    """(task, unit) -> the day and id of the unit's first report at 100 %: its own finish.

    A corrected report does not count (its correction does), nor one made before the office
    undid the task's 销号 (撤销销号: the work was found not finished)."""
    corrected = aliased(ProgressReport)
    found = rows(
        session,
        sa.select(
            col(ProgressReport.id),
            col(ProgressReport.task_id),
            col(ProgressReport.department_id),
            col(ProgressReport.reported_at),
        )
        .join(Task, col(Task.id) == col(ProgressReport.task_id))
        .where(
            col(ProgressReport.percent) >= 100,
            ~sa.exists().where(col(corrected.supersedes_id) == col(ProgressReport.id)),
            sa.or_(
                col(Task.reopened_at).is_(None),
                col(ProgressReport.reported_at) > col(Task.reopened_at),
            ),
        )
        .order_by(col(ProgressReport.reported_at)),
    )
    first: dict[tuple[int, int], tuple[dt.date, int]] = {}
    for rid, tid, did, at in found:
        first.setdefault((tid, did), (day_of(at), known(rid, "progress report id")))
    return first


def issued_notices(
    session: Session, *, start: dt.datetime, end: dt.datetime
) -> Sequence[Row[int | None, NoticeKind, str | None, str | None, str, dt.datetime | None, int]]:
    """Urging notices and commendations issued in [start, end], one row per recipient unit."""
    return rows(
        session,
        sa.select(
            col(Notice.id),
            col(Notice.kind),
            col(Notice.level),
            col(Notice.doc_number),
            col(Notice.title),
            col(Notice.issued_at),
            col(NoticeRecipient.department_id),
        )
        .join(NoticeRecipient, col(NoticeRecipient.notice_id) == Notice.id)
        .where(
            col(Notice.status) == NoticeStatus.issued,
            col(Notice.kind).in_([NoticeKind.urging, NoticeKind.commendation]),
            col(Notice.issued_at) >= start,
            col(Notice.issued_at) <= end,
        ),
    )


def first_answers(session: Session) -> dict[tuple[int, int], dt.date]:
    """(instruction, unit) -> the day of the unit's first answer."""
    found = rows(
        session,
        sa.select(
            col(InstructionAnswer.instruction_id),
            col(InstructionAnswer.department_id),
            col(InstructionAnswer.created_at),
        ).order_by(col(InstructionAnswer.created_at)),
    )
    first: dict[tuple[int, int], dt.date] = {}
    for iid, did, at in found:
        if did is not None:
            first.setdefault((iid, did), day_of(at))
    return first


def instructions(
    session: Session, *, until: dt.datetime
) -> Sequence[Row[int | None, int, dt.datetime, str, str]]:
    """Leaders' instructions given by `until`, with their task's code and title."""
    return rows(
        session,
        sa.select(
            col(Instruction.id),
            col(Instruction.task_id),
            col(Instruction.created_at),
            col(Task.code),
            col(Task.title),
        )
        .join(Task, col(Task.id) == Instruction.task_id)
        .where(col(Instruction.created_at) <= until),
    )


def poor_inspections(
    session: Session, *, start: dt.date, end: dt.date
) -> Sequence[Row[int | None, dt.date, InspectionResult, int]]:
    """Inspections in [start, end] with an "average" or "poor" result, one row per unit."""
    return rows(
        session,
        sa.select(
            col(Inspection.id),
            col(Inspection.inspected_on),
            col(Inspection.result),
            col(InspectionDepartment.department_id),
        )
        .join(InspectionDepartment, col(InspectionDepartment.inspection_id) == Inspection.id)
        .where(
            col(Inspection.result).in_(["average", "poor"]),
            col(Inspection.inspected_on) >= start,
            col(Inspection.inspected_on) <= end,
        ),
    )


def findings_due(
    session: Session, *, start: dt.date, end: dt.date
) -> Sequence[Row[int | None, int, int | None, str, dt.date, dt.datetime | None]]:
    """Rectification items due in [start, end], with when they were answered."""
    return rows(
        session,
        sa.select(
            col(Finding.id),
            col(Finding.department_id),
            col(Finding.task_id),
            col(Finding.description),
            col(Finding.due_date),
            col(Finding.answered_at),
        ).where(col(Finding.due_date) >= start, col(Finding.due_date) <= end),
    )
