"""Inspections: record with findings and evidence; the unit answers; the inspector re-checks."""

import datetime as dt

import pytest
from sqlmodel import select

from duban.core import clock
from duban.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from duban.core.settings import get_settings
from duban.inspections import reading, records
from duban.inspections.records import FindingInput
from models import (
    Attachment,
    AuditLog,
    Finding,
    Inspection,
    InspectionDepartment,
    RectificationStatus,
    Role,
)
from tests.factories import make_department, make_task, make_user

TODAY = dt.date(2026, 11, 23)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "uploads"))
    get_settings.cache_clear()
    with clock.frozen(dt.datetime(2026, 11, 23, 10, 0)):
        yield
    get_settings.cache_clear()


def _record(session, actor, dept, task, **kw):
    args = dict(
        inspected_on=TODAY - dt.timedelta(days=3),
        method="on_site",
        result="average",
        inspectors="赵督查、钱督查",
        narrative="实地查看窗口，调阅台账。",
        department_ids=[dept.id],
        task_ids=[task.id],
        findings=[
            FindingInput(dept.id, "办事指南要素不全。", TODAY + dt.timedelta(days=10), task.id)
        ],
        files=[("现场照片.pdf", PDF)],
    )
    args.update(kw)
    return records.record_inspection(session, actor=actor, **args)


def test_record_inspection_opens_rectification_items_with_evidence(session):
    _, insp_actor = make_user(session, Role.inspector)
    dept = make_department(session)
    other = make_department(session)
    task = make_task(session, lead=dept)
    ins = _record(
        session,
        insp_actor,
        dept,
        task,
        findings=[
            FindingInput(dept.id, "办事指南要素不全。", TODAY + dt.timedelta(days=10), task.id),
            FindingInput(other.id, "窗口人员不足。", TODAY + dt.timedelta(days=5)),
        ],
    )
    found = session.exec(select(Finding).where(Finding.inspection_id == ins.id)).all()
    assert {f.department_id for f in found} == {dept.id, other.id}
    assert all(f.status == RectificationStatus.open for f in found)
    units = session.exec(
        select(InspectionDepartment.department_id).where(
            InspectionDepartment.inspection_id == ins.id
        )
    ).all()
    assert set(units) == {dept.id, other.id}  # a finding's unit counts as inspected
    att = session.exec(select(Attachment).where(Attachment.owner_type == "inspection")).one()
    assert att.owner_id == ins.id and att.mime == "application/pdf"
    rows = reading.list_inspections(session, actor=insp_actor)
    assert rows[0].findings == 2 and rows[0].open_findings == 2 and rows[0].tasks
    assert session.exec(select(AuditLog).where(AuditLog.action == "inspection.create")).one()


def test_bad_input_changes_nothing(session, tmp_path):
    _, insp_actor = make_user(session, Role.inspector)
    dept = make_department(session)
    task = make_task(session, lead=dept)
    with pytest.raises(ValidationFailed, match="整改期限早于督查日期"):
        _record(
            session,
            insp_actor,
            dept,
            task,
            findings=[FindingInput(dept.id, "问题。", TODAY - dt.timedelta(days=30))],
        )
    with pytest.raises(ValidationFailed, match="督查人员"):
        _record(session, insp_actor, dept, task, inspectors=" ")
    with pytest.raises(ValidationFailed, match="晚于今天"):
        _record(session, insp_actor, dept, task, inspected_on=TODAY + dt.timedelta(days=1))
    with pytest.raises(ValidationFailed):
        _record(session, insp_actor, dept, task, files=[("virus.exe", b"MZ\x90\x00" * 10)])
    assert session.exec(select(Inspection)).first() is None
    assert session.exec(select(Finding)).first() is None
    assert session.exec(select(Attachment)).first() is None


def test_only_inspectors_and_office_record(session):
    _, leader = make_user(session, Role.leader)
    dept = make_department(session)
    task = make_task(session, lead=dept)
    with pytest.raises(PermissionDenied):
        _record(session, leader, dept, task)


def test_answer_then_recheck_accept_or_send_back(session):
    _, insp_actor = make_user(session, Role.inspector)
    dept = make_department(session)
    task = make_task(session, lead=dept)
    _, head = make_user(session, Role.dept_head, department_id=dept.id)
    _, stranger = make_user(session, Role.dept_head)
    ins = _record(session, insp_actor, dept, task)
    f = session.exec(select(Finding).where(Finding.inspection_id == ins.id)).one()
    with pytest.raises(PermissionDenied):
        records.answer_finding(
            session,
            actor=stranger,
            finding_id=f.id,
            expected_version=f.version,
            text_="已整改完毕。",
        )
    with pytest.raises(ValidationFailed, match="复查"):
        records.recheck_finding(
            session, actor=insp_actor, finding_id=f.id, expected_version=f.version, accepted=True
        )
    f = records.answer_finding(
        session,
        actor=head,
        finding_id=f.id,
        expected_version=f.version,
        text_="已补全办事指南要素。",
        files=[("整改报告.pdf", PDF)],
    )
    assert f.status == RectificationStatus.answered
    with pytest.raises(ValidationFailed, match="写明理由"):
        records.recheck_finding(
            session, actor=insp_actor, finding_id=f.id, expected_version=f.version, accepted=False
        )
    f = records.recheck_finding(
        session,
        actor=insp_actor,
        finding_id=f.id,
        expected_version=f.version,
        accepted=False,
        note="仍有3个事项未补全。",
    )
    assert f.status == RectificationStatus.open and f.recheck_note == "仍有3个事项未补全。"
    with pytest.raises(StaleEdit):
        records.answer_finding(
            session, actor=head, finding_id=f.id, expected_version=1, text_="再次整改完成。"
        )
    f = records.answer_finding(
        session, actor=head, finding_id=f.id, expected_version=f.version, text_="已全部补全。"
    )
    f = records.recheck_finding(
        session, actor=insp_actor, finding_id=f.id, expected_version=f.version, accepted=True
    )
    assert f.status == RectificationStatus.accepted
    with pytest.raises(ValidationFailed, match="已复查销号"):
        records.answer_finding(
            session, actor=head, finding_id=f.id, expected_version=f.version, text_="补充说明内容。"
        )
    with pytest.raises(PermissionDenied):
        records.recheck_finding(
            session, actor=head, finding_id=f.id, expected_version=f.version, accepted=True
        )


def test_overdue_rectifications_per_unit_and_task(session):
    _, insp_actor = make_user(session, Role.inspector)
    dept = make_department(session)
    task = make_task(session, lead=dept)
    _, head = make_user(session, Role.dept_head, department_id=dept.id)
    with clock.frozen(dt.datetime(2026, 11, 2, 10)):
        _record(
            session,
            insp_actor,
            dept,
            task,
            inspected_on=dt.date(2026, 11, 1),
            findings=[
                FindingInput(dept.id, "问题一。", dt.date(2026, 11, 10), task.id),
                FindingInput(dept.id, "问题二。", dt.date(2026, 11, 30), task.id),
                FindingInput(dept.id, "问题三。", dt.date(2026, 11, 12)),
            ],
        )
    assert reading.overdue_rectification_counts(session, TODAY) == {
        (dept.id, task.id): 1,
        (dept.id, None): 1,
    }
    assert reading.overdue_by_unit(session, TODAY) == {dept.id: 2}
    # answered and waiting for re-check: the inspector's move, not overdue
    f = session.exec(select(Finding).where(Finding.description == "问题一。")).one()
    records.answer_finding(
        session, actor=head, finding_id=f.id, expected_version=f.version, text_="已经整改完成。"
    )
    assert reading.overdue_by_unit(session, TODAY) == {dept.id: 1}
    rows = reading.list_findings(session, actor=head, overdue_only=True)
    assert {r.finding.description for r in rows} == {"问题三。"}
    # the answer is not accepted at re-check: open again, and overdue again
    session.refresh(f)
    records.recheck_finding(
        session,
        actor=insp_actor,
        finding_id=f.id,
        expected_version=f.version,
        accepted=False,
        note="整改不到位。",
    )
    assert reading.overdue_by_unit(session, TODAY) == {dept.id: 2}
    rows = reading.list_findings(session, actor=head, overdue_only=True)
    assert {r.finding.description for r in rows} == {"问题一。", "问题三。"}
    assert all(r.overdue for r in rows)


def test_dept_head_sees_only_its_own_findings(session):
    _, insp_actor = make_user(session, Role.inspector)
    d1, d2 = make_department(session), make_department(session)
    task = make_task(session, lead=d1)
    _, head2 = make_user(session, Role.dept_head, department_id=d2.id)
    _record(session, insp_actor, d1, task)
    assert reading.list_findings(session, actor=head2) == []
    assert len(reading.list_findings(session, actor=insp_actor)) == 1
    with pytest.raises(PermissionDenied):
        reading.list_inspections(session, actor=head2)


def test_filters(session):
    _, insp_actor = make_user(session, Role.inspector)
    d1, d2 = make_department(session), make_department(session)
    task = make_task(session, lead=d1)
    _record(session, insp_actor, d1, task, method="unannounced", result="poor", findings=[])
    _record(
        session,
        insp_actor,
        d2,
        task,
        method="written",
        result="good",
        findings=[],
        inspected_on=TODAY - dt.timedelta(days=40),
    )
    by = lambda **kw: reading.list_inspections(session, actor=insp_actor, **kw)  # noqa: E731
    assert len(by()) == 2
    assert [r.inspection.method for r in by(method="unannounced")] == ["unannounced"]
    assert [r.inspection.result for r in by(result="good")] == ["good"]
    assert len(by(department_id=d2.id)) == 1
    assert len(by(date_from=TODAY - dt.timedelta(days=10))) == 1


def test_list_rows_name_units_tasks_and_count_open_findings_under_a_unit_filter(session):
    """The list's related rows come from the filtered inspections (read by subquery): all
    units and tasks of each record, findings counted with the accepted ones not open."""
    _, insp_actor = make_user(session, Role.inspector)
    d1, d2, d3 = make_department(session), make_department(session), make_department(session)
    t1, t2 = make_task(session, lead=d1), make_task(session, lead=d2)
    both = _record(
        session,
        insp_actor,
        d1,
        t1,
        department_ids=[d1.id, d2.id],
        task_ids=[t1.id, t2.id],
        findings=[
            FindingInput(d1.id, "一", TODAY + dt.timedelta(days=9), t1.id),
            FindingInput(d2.id, "二", TODAY + dt.timedelta(days=9)),
        ],
    )
    _record(session, insp_actor, d3, t1, findings=[], department_ids=[d3.id])
    accepted = session.exec(select(Finding).where(Finding.description == "二")).one()
    accepted.status = RectificationStatus.accepted
    session.add(accepted)
    session.commit()
    rows = reading.list_inspections(session, actor=insp_actor, department_id=d2.id)
    assert [r.inspection.id for r in rows] == [both.id]
    assert sorted(rows[0].units) == sorted([d1.name, d2.name])
    assert sorted(rows[0].tasks) == sorted([f"{t1.code}{t1.title}", f"{t2.code}{t2.title}"])
    assert (rows[0].findings, rows[0].open_findings) == (2, 1)
    assert len(reading.list_inspections(session, actor=insp_actor)) == 2
    found = reading.list_findings(session, actor=insp_actor, inspection_id=both.id)
    assert {(f.unit, f.task) for f in found} == {(d1.name, f"{t1.code}{t1.title}"), (d2.name, "")}
