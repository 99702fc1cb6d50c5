"""Recording an inspection with its findings, the unit's answer to a finding, and the
inspector's re-check."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from duban.core import audit, clock, uploads
from duban.core.errors import ValidationFailed
from duban.core.permissions import Actor, require
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

INSPECTION_OWNER = "inspection"  # attachment owner types: an inspection's evidence,
FINDING_OWNER = "finding"  # and a unit's evidence of its rectification


@dataclass
class FindingInput:
    """One problem found, and who must fix it by when."""

    department_id: int | None
    description: str
    due_date: dt.date | None
    task_id: int | None = None


@dataclass(frozen=True)
class _CheckedFinding:
    """A FindingInput that passed its checks: a unit and a due date, a description."""

    department_id: int
    description: str
    due_date: dt.date
    task_id: int | None


def _check_units(session: Session, ids: list[int]) -> None:
    for d in ids:
        dept = session.get(Department, d)
        if dept is None or not dept.active:
            raise ValidationFailed(f"单位不存在或已停用（编号 {d}）。")


def _check_tasks(session: Session, ids: list[int]) -> None:
    for t in ids:
        if session.get(Task, t) is None:
            raise ValidationFailed(f"任务不存在（编号 {t}）。")


def _check_finding(session: Session, f: FindingInput, inspected_on: dt.date) -> _CheckedFinding:
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
    return _CheckedFinding(f.department_id, f.description.strip(), f.due_date, f.task_id)


def _method_and_result(
    method: str, result: str | None
) -> tuple[InspectionMethod, InspectionResult]:
    if not result:
        raise ValidationFailed("请选择督查结果（好 / 较好 / 一般 / 差）。")
    try:
        return InspectionMethod(method), InspectionResult(result)
    except ValueError as exc:
        raise ValidationFailed("督查方式或督查结果不在允许范围内。") from exc


def _link(
    session: Session,
    inspection_id: int,
    units: list[int],
    tasks: list[int],
    findings: list[_CheckedFinding],
) -> None:
    """The units and tasks seen, and the findings; the units of the findings were seen too."""
    for d in dict.fromkeys([*units, *(f.department_id for f in findings)]):
        session.add(InspectionDepartment(inspection_id=inspection_id, department_id=d))
    finding_tasks = [f.task_id for f in findings if f.task_id]
    for t in dict.fromkeys([*tasks, *finding_tasks]):
        session.add(InspectionTask(inspection_id=inspection_id, task_id=t))
    for f in findings:
        session.add(
            Finding(
                inspection_id=inspection_id,
                department_id=f.department_id,
                task_id=f.task_id,
                description=f.description,
                due_date=f.due_date,
            )
        )


def record_inspection(
    session: Session,
    *,
    actor: Actor,
    inspected_on: dt.date,
    method: str,
    result: str | None,
    inspectors: str,
    narrative: str = "",
    department_ids: Sequence[int] = (),
    task_ids: Sequence[int] = (),
    findings: Sequence[FindingInput] = (),
    files: Sequence[uploads.Upload] = (),
    plan_id: int | None = None,
) -> Inspection:
    """Record one inspection with the units and tasks seen, its findings and evidence."""
    require(actor, "inspection.create")
    method_, result_ = _method_and_result(method, result)
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
        checked = [_check_finding(session, f, inspected_on) for f in findings]
        insp = Inspection(
            plan_id=plan_id,
            inspected_on=inspected_on,
            method=method_,
            result=result_,
            inspectors=inspectors.strip()[:200],
            narrative=(narrative or "").strip(),
            recorded_by=actor.user_id,
        )
        session.add(insp)
        session.flush()
        assert insp.id is not None, "flushed"
        _link(session, insp.id, units, tasks, checked)
        atts = [
            uploads.save_upload(
                session,
                actor=actor,
                data=data,
                filename=name,
                owner_type=INSPECTION_OWNER,
                owner_id=insp.id,
            )
            for name, data in files
        ]
        note = f"{len(checked)} 个问题，" + audit.files_note(atts, "佐证材料")
        after = {**(audit.snapshot(insp) or {}), "attachments": audit.files(atts)}
        audit.record(session, actor, "inspection.create", insp, after=after, note=note)
    return insp


def answer_finding(
    session: Session,
    *,
    actor: Actor,
    finding_id: int,
    expected_version: int,
    text_: str,
    files: Sequence[uploads.Upload] = (),
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
        atts = [
            uploads.save_upload(
                session,
                actor=actor,
                data=data,
                filename=name,
                owner_type=FINDING_OWNER,
                owner_id=finding_id,
            )
            for name, data in files
        ]
        session.flush()
        after = {**(audit.snapshot(f) or {}), "attachments": audit.files(atts)}
        note = audit.files_note(atts) if atts else None
        audit.record(session, actor, "finding.answer", f, before=before, after=after, note=note)
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
        action = "finding.accept" if accepted else "finding.reject"
        audit.record(session, actor, action, f, before=before)
    return f
