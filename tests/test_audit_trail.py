"""The audit log (issue 11 #16): append-only in the database, and evidence files recorded by
name, size and SHA-256 rather than as "附件 N 个"."""

import datetime as dt
import hashlib
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from duban.core import audit, clock, db
from duban.core.permissions import Actor
from duban.core.settings import get_settings
from duban.inspections import records
from duban.seed import demo
from duban.tasks import workflow
from models import AuditLog, Finding, Role
from tests.conftest import BACKENDS, PG_URL
from tests.factories import make_department, make_task, make_user
from tests.test_uploads import PDF, PNG


@pytest.fixture(params=BACKENDS)
def migrated(request, tmp_path):
    """An engine on a database built by the migrations (where the triggers live)."""
    if request.param == "sqlite":
        engine = db.make_engine(f"sqlite:///{tmp_path / 'audit.db'}")
        db.upgrade(engine)
        yield engine
        engine.dispose()
        return
    schema = f"audit_{uuid.uuid4().hex[:8]}"
    admin = db.make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = db.make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        db.upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _two_rows(engine) -> None:
    with Session(engine) as s:
        audit.record(s, Actor.system(), "test.one", object_type="plan", object_id=1, note="一")
        audit.record(s, Actor.system(), "test.two", object_type="plan", object_id=2, note="二")
        s.commit()


def _rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(text("SELECT id, action, note FROM audit_log ORDER BY id")).all()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_log SET note = '改过' WHERE action = 'test.one'",
        "UPDATE audit_log SET username = 'someone'",
        "DELETE FROM audit_log WHERE action = 'test.two'",
        "DELETE FROM audit_log",
    ],
)
def test_the_database_refuses_to_change_or_delete_audit_rows(migrated, sql):
    """The application's own role could UPDATE/DELETE audit_log; a trigger now refuses."""
    _two_rows(migrated)
    before = _rows(migrated)
    with pytest.raises(DBAPIError, match="append-only"), migrated.begin() as conn:
        conn.execute(text(sql))
    assert _rows(migrated) == before
    _two_rows(migrated)  # appending still works
    assert len(_rows(migrated)) == 4


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL not set")
@pytest.mark.parametrize("migrated", ["postgresql"], indirect=True)
def test_postgresql_refuses_to_truncate_the_audit_log(migrated):
    """(SQLite has no TRUNCATE; its DELETE FROM is refused above.)"""
    _two_rows(migrated)
    with pytest.raises(DBAPIError, match="append-only"), migrated.begin() as conn:
        conn.execute(text("TRUNCATE audit_log"))
    assert len(_rows(migrated)) == 2


def test_a_demo_reset_recreates_the_tables_instead_of_deleting_audit_rows(migrated):
    _two_rows(migrated)
    demo.reset(migrated)
    assert _rows(migrated) == []
    db.check_ready(migrated)  # migrated to head again, triggers included
    _two_rows(migrated)
    with pytest.raises(DBAPIError, match="append-only"), migrated.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))


# ---------------------------------------------------------------- evidence files in the log


@pytest.fixture
def _uploads(tmp_path, monkeypatch):
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "uploads"))
    get_settings.cache_clear()
    with clock.frozen(dt.datetime(2026, 6, 10, 9, 0)):
        yield
    get_settings.cache_clear()


def _expected(*files: tuple[str, bytes]) -> list[dict]:
    return [
        {"filename": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in files
    ]


def _last(session, action: str) -> AuditLog:
    return session.exec(
        select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id.desc())
    ).first()


def test_a_report_audits_each_file_by_name_size_and_hash(session, _uploads):
    dept = make_department(session)
    _, head = make_user(session, role=Role.dept_head, department_id=dept.id)
    task = make_task(session, lead=dept)
    asg = workflow._unit_assignment(session, head, task.id, dept.id)
    files = [("验收报告.pdf", PDF), ("现场照片.png", PNG)]
    workflow.report_progress(
        session, actor=head, assignment_id=asg.id, percent=50, done_text="已完成", files=files
    )
    row = _last(session, "report.create")
    assert row.after["attachments"] == _expected(*files)
    assert "验收报告.pdf" in row.note and "现场照片.png" in row.note
    assert hashlib.sha256(PDF).hexdigest()[:12] in row.note
    task = session.get(type(task), task.id)
    workflow.submit_for_sign_off(
        session,
        actor=head,
        task_id=task.id,
        summary="全部完成",
        expected_version=task.version,
        files=[("销号材料.pdf", PDF)],
    )
    row = _last(session, "report.create")
    assert row.after["attachments"] == _expected(("销号材料.pdf", PDF))
    assert row.note.startswith("申请销号，附件 1 个：销号材料.pdf")


def test_inspection_and_rectification_evidence_is_audited_with_hashes(session, _uploads):
    dept = make_department(session)
    _, inspector = make_user(session, role=Role.inspector)
    _, head = make_user(session, role=Role.dept_head, department_id=dept.id)
    insp = records.record_inspection(
        session,
        actor=inspector,
        inspected_on=dt.date(2026, 6, 9),
        method="on_site",
        result="average",
        inspectors="督查组",
        department_ids=[dept.id],
        findings=[records.FindingInput(dept.id, "台账不全", dt.date(2026, 6, 30))],
        files=[("现场.png", PNG)],
    )
    row = _last(session, "inspection.create")
    assert row.after["attachments"] == _expected(("现场.png", PNG))
    assert "佐证材料 1 个：现场.png" in row.note
    f = session.exec(select(Finding).where(Finding.inspection_id == insp.id)).one()
    records.answer_finding(
        session,
        actor=head,
        finding_id=f.id,
        expected_version=f.version,
        text_="已补齐全部台账",
        files=[("整改台账.pdf", PDF)],
    )
    row = _last(session, "finding.answer")
    assert row.after["attachments"] == _expected(("整改台账.pdf", PDF))
    assert row.after["status"] == "answered"


def test_an_audit_filter_typed_with_a_nul_is_cleaned_instead_of_failing(session):
    audit.record(session, Actor.system(), "test.one", object_type="plan", object_id=7)
    session.commit()
    rows, total = audit.query_log(session, object_id="7\x00")
    assert total == 1 and rows[0].object_id == "7"
