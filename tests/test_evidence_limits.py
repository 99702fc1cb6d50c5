"""Evidence within limits: quotas per submission, task and unit; files streamed, read on demand.

Issue 11 #8: no cap per report or task, and every view of a task read all its files into
memory. The quotas are settings, refused with the limit and what is used, nothing saved; the
task page draws its evidence without reading a file.
"""

import datetime as dt
import hashlib
import io
import os
import tracemalloc
import zipfile

import pytest
from sqlmodel import Session, func, select

from duban.core import clock, uploads
from duban.core.db import make_engine
from duban.core.errors import NotFound, ValidationFailed
from duban.core.settings import get_settings
from duban.inspections import records
from duban.inspections.records import FindingInput
from duban.tasks import workflow
from models import AppUser, Assignment, Attachment, Finding, ProgressReport, Role, Task
from tests.apptest import errors, page_as
from tests.factories import make_department, make_task, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MB = 1024 * 1024


def pdf(size: int, fill: bytes = b"0") -> bytes:
    """A PDF of `size` bytes (the content check reads the header)."""
    return PDF + fill * (size - len(PDF))


@pytest.fixture
def limits(tmp_path, monkeypatch):
    """Set quota settings through the environment, as a deployment would."""
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "uploads"))

    def set_(**values: int) -> None:
        for key, value in values.items():
            monkeypatch.setenv(key.upper(), str(value))
        get_settings.cache_clear()

    set_()
    yield set_
    get_settings.cache_clear()


def _files_on_disk(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _unit(session):
    dept = make_department(session)
    _, actor = make_user(session, Role.dept_head, department_id=dept.id)
    return dept, actor


def _assignment(session, task: Task, dept) -> int:
    a = session.exec(
        select(Assignment).where(Assignment.task_id == task.id, Assignment.department_id == dept.id)
    ).one()
    assert a.id is not None
    return a.id


def _report(session, actor, assignment_id: int, files) -> ProgressReport:
    return workflow.report_progress(
        session,
        actor=actor,
        assignment_id=assignment_id,
        percent=40,
        done_text="完成清单梳理",
        files=files,
    )


def _count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_too_many_files_in_one_report_refuse_the_whole_report(session, limits, tmp_path):
    """issue 11 #8: files per submission; the refused report saves no row and no file."""
    limits(max_files_per_submission=2)
    dept, actor = _unit(session)
    a = _assignment(session, make_task(session, lead=dept), dept)
    files = [(f"佐证{i}.pdf", pdf(1000, bytes([48 + i]))) for i in range(3)]
    with pytest.raises(ValidationFailed, match="每次提交最多附带 2 个佐证材料") as exc:
        _report(session, actor, a, files)
    assert "未保存" in str(exc.value)
    assert _count(session, ProgressReport) == 0 and _count(session, Attachment) == 0
    assert _files_on_disk(tmp_path / "uploads") == []  # the two staged files are gone too
    _report(session, actor, a, files[:2])
    assert _count(session, Attachment) == 2
    assert len(_files_on_disk(tmp_path / "uploads")) == 2


def test_task_quota_says_the_limit_and_what_is_used(session, limits, tmp_path):
    """issue 11 #8: MB per task, counted over every unit's reports on the task."""
    limits(max_task_upload_mb=1)
    lead, lead_actor = _unit(session)
    other, other_actor = _unit(session)
    task = make_task(session, lead=lead, responsible=[other])
    _report(session, lead_actor, _assignment(session, task, lead), [("a.pdf", pdf(MB // 2))])
    with pytest.raises(ValidationFailed) as exc:
        _report(
            session, other_actor, _assignment(session, task, other), [("b.pdf", pdf(MB * 6 // 10))]
        )
    message = str(exc.value)
    assert "本任务的佐证材料已有 0.5 MB" in message and "“b.pdf”（0.6 MB）" in message
    assert "每项任务 1 MB 的上限" in message and "未保存" in message
    assert _count(session, ProgressReport) == 1 and _count(session, Attachment) == 1
    assert len(_files_on_disk(tmp_path / "uploads")) == 1
    # another task of the same unit has its own quota
    task2 = make_task(session, lead=other)
    _report(
        session, other_actor, _assignment(session, task2, other), [("b.pdf", pdf(MB * 6 // 10))]
    )
    assert _count(session, Attachment) == 2


def test_unit_quota_counts_reports_and_rectification_answers(session, limits, tmp_path):
    """issue 11 #8: MB per unit, over all its tasks and its answers to inspection findings."""
    limits(max_unit_upload_mb=1)
    dept, actor = _unit(session)
    t1, t2 = make_task(session, lead=dept), make_task(session, lead=dept)
    _report(session, actor, _assignment(session, t1, dept), [("a.pdf", pdf(MB // 2))])
    _, inspector = make_user(session, Role.inspector)
    with clock.frozen(dt.datetime(2026, 11, 23, 10, 0)):
        records.record_inspection(
            session,
            actor=inspector,
            inspected_on=dt.date(2026, 11, 20),
            method="on_site",
            result="average",
            inspectors="赵督查",
            narrative="实地查看。",
            department_ids=[dept.id],
            task_ids=[t2.id],
            findings=[FindingInput(dept.id, "台账不全。", dt.date(2026, 12, 10), t2.id)],
            files=[],
        )
        finding = session.exec(select(Finding)).one()
        with pytest.raises(ValidationFailed, match=r"单位“测试单位\d+”的佐证材料已有 0\.5 MB"):
            records.answer_finding(
                session,
                actor=actor,
                finding_id=finding.id,
                expected_version=finding.version,
                text_="已补齐全部台账。",
                files=[("整改.pdf", pdf(MB * 6 // 10))],
            )
    session.refresh(finding)
    assert finding.answer_text is None and _count(session, Attachment) == 1
    with pytest.raises(ValidationFailed, match="每个单位 1 MB 的上限"):
        _report(session, actor, _assignment(session, t2, dept), [("c.pdf", pdf(MB * 6 // 10))])
    assert len(_files_on_disk(tmp_path / "uploads")) == 1


def test_upload_is_streamed_from_a_file_object_in_chunks(session, limits, tmp_path):
    """A picked file (a file object) is hashed and copied in 1 MB chunks, never read whole."""
    dept, actor = _unit(session)
    a = _assignment(session, make_task(session, lead=dept), dept)
    content = pdf(8 * MB, b"7")

    class Picked(io.BytesIO):
        """Streamlit's UploadedFile is a BytesIO: record the largest single read."""

        largest = 0

        def read(self, size: int | None = -1) -> bytes:
            chunk = super().read(size)
            Picked.largest = max(Picked.largest, len(chunk))
            return chunk

        def getvalue(self) -> bytes:
            raise AssertionError("the whole content was asked for")

    _report(session, actor, a, [("大文件.pdf", Picked(content))])
    att = session.exec(select(Attachment)).one()
    assert att.size == len(content) and att.sha256 == hashlib.sha256(content).hexdigest()
    assert uploads.stored_path(att.sha256).read_bytes() == content
    assert uploads.stored_bytes(att.sha256, att.filename) == content  # what a download gets
    assert Picked.largest <= uploads.CHUNK


def test_an_office_bomb_as_evidence_is_never_inflated(limits):
    """Evidence is only sniffed by its member names: a zip bomb .docx costs no memory."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as member:
            block = bytes(MB)
            for _ in range(64):
                member.write(block)
    data = buf.getvalue()
    tracemalloc.start()
    try:
        assert uploads.check_upload(data, "整改.docx", max_mb=20)[0] == "整改.docx"
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MB  # the 64 MB member was never unpacked


# ---------------------------------------------------------------- the task page reads no file


def _big_evidence(url: str, upload_dir, username: str, n: int, size: int) -> Task:
    """n attachments of `size` bytes on a report of the unit's task. On disk, each is a
    sparse file of the right size but not the recorded content: a page that reads it says
    "已损坏"; a page that only offers it shows its download button."""
    with Session(make_engine(url)) as s:
        user = s.exec(select(AppUser).where(AppUser.username == username)).one()
        a = s.exec(
            select(Assignment).where(
                Assignment.department_id == user.department_id, Assignment.role == "lead"
            )
        ).first()
        task = s.get(Task, a.task_id)
        report = ProgressReport(
            task_id=a.task_id, assignment_id=a.id, department_id=a.department_id, percent=60
        )
        s.add(report)
        s.flush()
        for i in range(n):
            sha = hashlib.sha256(f"evidence {i}".encode()).hexdigest()
            path = upload_dir / sha[:2] / sha
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as fh:
                fh.truncate(size)  # sparse: no disk used
            s.add(
                Attachment(
                    owner_type="progress_report",
                    owner_id=report.id,
                    filename=f"现场照片{i}.pdf",
                    sha256=sha,
                    size=size,
                    mime="application/pdf",
                    uploaded_by=user.id,
                )
            )
        s.commit()
        s.refresh(task)
        return task


def test_task_page_draws_large_evidence_without_reading_it(demo_db, tmp_path):
    """issue 11 #8: 8 × 20 MB of evidence on a task; opening it reads 0 bytes of them."""
    upload_dir = tmp_path / "uploads"
    task = _big_evidence(demo_db, upload_dir, "dept01", n=8, size=20 * MB)
    at = page_as("tasks", "office", "office")
    at.selectbox(key="open_task").set_value(task.id).run()
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    buttons = [b for b in at.get("download_button") if "现场照片" in b.proto.label]
    assert len(buttons) == 8
    assert all(b.proto.deferred_file_id for b in buttons)  # the data is produced on click
    captions = " ".join(c.value for c in at.caption)
    assert "已损坏" not in captions and "已丢失" not in captions
    # what the button runs when clicked reads and verifies that one file
    att_sha = hashlib.sha256(b"evidence 0").hexdigest()
    with pytest.raises(NotFound, match="已损坏"):
        uploads.stored_bytes(att_sha, "现场照片0.pdf")


def test_task_page_says_when_a_file_is_lost(demo_db, tmp_path):
    """A lost file is told on the page from its directory entry (still no content read)."""
    upload_dir = tmp_path / "uploads"
    task = _big_evidence(demo_db, upload_dir, "dept01", n=2, size=1000)
    sha = hashlib.sha256(b"evidence 1").hexdigest()
    os.unlink(upload_dir / sha[:2] / sha)
    at = page_as("tasks", "office", "office")
    at.selectbox(key="open_task").set_value(task.id).run()
    assert not at.exception, at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "现场照片1" in captions and "已丢失" in captions
    assert len([b for b in at.get("download_button") if "现场照片0" in b.proto.label]) == 1
