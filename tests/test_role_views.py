"""What each role must see (issue 14), below the UI: the desk's 退回重办 flag and 整改 items,
and a demo without future timestamps that assesses its last two months."""

import datetime as dt
import io

import pytest
from PIL import Image
from sqlalchemy import DateTime, func
from sqlmodel import Session, SQLModel, select

from duban.assessment import appeals, periods, results
from duban.core import clock, previews, uploads
from duban.core.permissions import Actor
from duban.inspections import reading, records
from duban.inspections.records import FindingInput
from duban.seed import demo
from duban.tasks import manage, workflow
from models import (
    AppUser,
    AssessmentSnapshot,
    Assignment,
    Finding,
    Role,
    Task,
    TaskStatus,
)
from tests.factories import make_department, make_report, make_task, make_user, uploads_and_clock

NOW = dt.datetime(2026, 6, 10, 9, 0)


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    with uploads_and_clock(tmp_path, monkeypatch, NOW):
        yield


@pytest.fixture
def world(session):
    a, b = make_department(session), make_department(session)
    _, head_a = make_user(session, role=Role.dept_head, department_id=a.id)
    _, head_b = make_user(session, role=Role.dept_head, department_id=b.id)
    _, office = make_user(session, display_name="王主任")
    _, inspector = make_user(session, role=Role.inspector)
    task = make_task(session, lead=a, responsible=[b], status=TaskStatus.in_progress)
    return {
        "a": a,
        "b": b,
        "head_a": head_a,
        "head_b": head_b,
        "office": office,
        "inspector": inspector,
        "task": task,
    }


# ---------------------------------------------------------------- 退回重办


def _task(session, task_id) -> Task:
    session.expire_all()
    return session.get(Task, task_id)


def _submit(session, w, summary="全部完成"):
    t = _task(session, w["task"].id)
    workflow.submit_for_sign_off(
        session, actor=w["head_a"], task_id=t.id, summary=summary, expected_version=t.version
    )


def _send_back(session, w, reason):
    t = _task(session, w["task"].id)
    manage.send_back(
        session, actor=w["office"], task_id=t.id, expected_version=t.version, reason=reason
    )


def _flag(session, head):
    desk = workflow.my_desk(session, actor=head)
    flagged = {m.task.id: m.sent_back for m in desk.tasks if m.sent_back is not None}
    assert flagged == {m.task.id: m.sent_back for m in desk.sent_back}
    return flagged


def test_sent_back_flag_stands_until_the_unit_submits_again(session, world):
    task_id = world["task"].id
    _submit(session, world)
    assert _flag(session, world["head_a"]) == {}  # submitted, not returned
    with clock.frozen(NOW + dt.timedelta(days=1)):
        _send_back(session, world, "佐证材料不全，缺少验收报告。")
    for head in ("head_a", "head_b"):  # every unit of the task sees it
        flag = _flag(session, world[head])[task_id]
        assert flag.reason == "佐证材料不全，缺少验收报告。"
        assert flag.at == NOW + dt.timedelta(days=1) and flag.by == "王主任"
    # a progress report in between does not clear it
    a = session.exec(
        select(Assignment).where(
            Assignment.task_id == task_id, Assignment.department_id == world["a"].id
        )
    ).one()
    workflow.report_progress(
        session, actor=world["head_a"], assignment_id=a.id, percent=95, done_text="补充验收"
    )
    assert task_id in _flag(session, world["head_a"])
    # resubmitted: no stale flag
    _submit(session, world, "已补充验收报告")
    assert _flag(session, world["head_a"]) == {}
    # sent back a second time: the new reason, not the old one
    with clock.frozen(NOW + dt.timedelta(days=3)):
        _send_back(session, world, "验收报告未盖章。")
    flag = _flag(session, world["head_a"])[task_id]
    assert flag.reason == "验收报告未盖章。" and flag.at.date() == NOW.date() + dt.timedelta(3)
    # suspended by the office: nothing to redo, no flag
    t = _task(session, task_id)
    manage.change_status(
        session,
        actor=world["office"],
        task_id=task_id,
        action="task.suspend",
        expected_version=t.version,
        reason="政策调整",
    )
    assert _flag(session, world["head_a"]) == {}


def test_a_restarted_task_is_not_flagged_as_sent_back(session, world):
    """A reason from 恢复 (also in_progress with a status note) is not a send-back."""
    task_id = world["task"].id
    make_report(session, world["task"], world["a"])  # restart returns to 推进中
    for action, reason in (("task.suspend", "暂缓"), ("task.restart", "恢复推进")):
        t = _task(session, task_id)
        manage.change_status(
            session,
            actor=world["office"],
            task_id=task_id,
            action=action,
            expected_version=t.version,
            reason=reason,
        )
    t = _task(session, task_id)
    assert t.status == TaskStatus.in_progress and t.status_reason == "恢复推进"
    assert workflow.sent_back(session, [t]) == {}


# ---------------------------------------------------------------- the unit's 整改


def _findings(session, w):
    """Unit a: one overdue, one due later, one answered, one rejected at re-check; unit b: one."""
    a, b, task = w["a"], w["b"], w["task"]
    records.record_inspection(
        session,
        actor=w["inspector"],
        inspected_on=NOW.date() - dt.timedelta(days=20),
        method="on_site",
        result="poor",
        inspectors="赵督查",
        department_ids=[a.id, b.id],
        task_ids=[task.id],
        findings=[
            FindingInput(a.id, "台账不全", NOW.date() - dt.timedelta(days=4), task.id),
            FindingInput(a.id, "公示未更新", NOW.date() + dt.timedelta(days=6)),
            FindingInput(a.id, "窗口无人", NOW.date() - dt.timedelta(days=2)),
            FindingInput(a.id, "指南缺要素", NOW.date() + dt.timedelta(days=2)),
            FindingInput(b.id, "系统未对接", NOW.date() - dt.timedelta(days=1)),
        ],
    )
    by = {f.description: f for f in session.exec(select(Finding)).all()}
    for desc in ("窗口无人", "指南缺要素"):
        f = by[desc]
        f = records.answer_finding(
            session,
            actor=w["head_a"],
            finding_id=f.id,
            expected_version=f.version,
            text_="已整改到位，附照片。",
        )
    f = by["指南缺要素"]
    session.refresh(f)
    records.recheck_finding(
        session,
        actor=w["inspector"],
        finding_id=f.id,
        expected_version=f.version,
        accepted=False,
        note="现场复查仍缺办理时限",
    )


def test_unit_open_rectifications_are_its_move_overdue_first(session, world):
    _findings(session, world)
    rows = reading.unit_open_rectifications(
        session, actor=world["head_a"], department_id=world["a"].id
    )
    # 窗口无人 waits for the inspector's re-check: not the unit's move, not listed
    assert [r.finding.description for r in rows] == ["台账不全", "指南缺要素", "公示未更新"]
    assert [r.overdue for r in rows] == [True, False, False]
    assert rows[0].task == f"{world['task'].code}{world['task'].title}"
    assert rows[1].finding.recheck_note == "现场复查仍缺办理时限"
    # a department head asking for another unit still gets its own
    other = reading.unit_open_rectifications(
        session, actor=world["head_a"], department_id=world["b"].id
    )
    assert [r.finding.description for r in other] == [r.finding.description for r in rows]
    # the office looks at any unit's
    office_b = reading.unit_open_rectifications(
        session, actor=world["office"], department_id=world["b"].id
    )
    assert [(r.finding.description, r.overdue) for r in office_b] == [("系统未对接", True)]


# ---------------------------------------------------------------- the demo


def test_demo_seeded_at_dawn_has_nothing_stamped_after_now(engine):
    """Seeded at 04:39, no report, ack, notice, inspection, answer or audit row says 16:00."""
    seeded_at = dt.datetime(2026, 5, 12, 4, 39)
    with Session(engine) as s, clock.frozen(seeded_at):
        demo.seed_demo(s)
    later = []
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, DateTime):
                    continue
                latest = conn.execute(select(func.max(column))).scalar()
                if isinstance(latest, str):  # SQLite keeps text
                    latest = dt.datetime.fromisoformat(latest)
                if latest is not None and latest > seeded_at:
                    later.append(f"{table.name}.{column.name} = {latest}")
    assert later == []
    with Session(engine) as s:  # the story still has today's events (at the seeding moment)
        submitted = s.exec(select(Task).where(Task.status == TaskStatus.submitted)).all()
        assert submitted and all(t.submitted_at == seeded_at for t in submitted)


def test_demo_assesses_the_last_two_months_with_a_story(engine):
    seeded_at = dt.datetime(2026, 5, 12, 15, 0)
    with Session(engine) as s, clock.frozen(seeded_at):
        demo.seed_demo(s)
        office = Actor.of(s.exec(select(AppUser).where(AppUser.username == "office")).one())
        newer, older = periods.list_periods(s)
        assert (older.label, older.status) == ("2026年3月", "frozen")
        assert (newer.label, newer.status) == ("2026年4月", "open")
        snaps = s.exec(
            select(AssessmentSnapshot).where(AssessmentSnapshot.period_id == older.id)
        ).all()
        assert len(snaps) == 12  # every member unit ranked and published
        res = results.period_result(s, actor=office, period_id=newer.id)
        assert res.previous_label == "2026年3月" and len(res.units) == 12
        changes = [u.rank_change for u in res.units]
        assert None not in changes and any(c != 0 for c in changes)  # the ranking moves
        # the published month: one appeal accepted before freezing; last month: one pending
        [done] = appeals.list_appeals(s, actor=office, period_id=older.id)
        [waiting] = appeals.list_appeals(s, actor=office, period_id=newer.id)
        assert done.status == "accepted" and waiting.status == "pending"
        assert done.department_id != waiting.department_id
        frozen = results.period_result(s, actor=office, period_id=older.id)
        lines = next(u for u in frozen.units if u.department_id == done.department_id).lines
        assert any(ln["status"] == "withdrawn" for ln in lines)  # the appeal's effect is kept


# ---------------------------------------------------------------- evidence previews


def _png(size) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "green").save(out, format="PNG")
    return out.getvalue()


def test_images_are_shown_bounded():
    small = _png((200, 100))
    assert previews.bounded_image(small) == small  # small enough: as stored
    big = previews.bounded_image(_png((3200, 400)))
    assert big is not None and Image.open(io.BytesIO(big)).size == (1600, 200)
    bomb = _png((10_000, 7_000))  # 70 Mpx of one colour: a small file, never decoded
    assert len(bomb) < 1024 * 1024 and previews.bounded_image(bomb) is None


def test_pdf_preview_renders_first_pages_or_says_why_not(monkeypatch):
    if previews.pdf_renderer() is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed here")
    pages = [Image.new("RGB", (300, 400), c) for c in ("white", "red", "blue", "black")]
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:])
    p = previews.pdf_preview(out.getvalue())
    assert p.problem is None and len(p.images) == previews.PDF_PAGES and p.pages == 4
    assert all(Image.open(io.BytesIO(img)).format == "PNG" for img in p.images)
    assert previews.pdf_preview(b"%PDF-1.4\nnot really").problem == "pdf_failed"
    monkeypatch.setattr(previews, "pdf_renderer", lambda: None)
    assert previews.pdf_preview(out.getvalue()).problem == "pdf_unavailable"


def test_a_file_shows_inline_only_as_the_type_it_was_recorded_with():
    assert previews.kind_of("现场.JPG", "image/jpeg") == "image"
    assert previews.kind_of("报告.pdf", "application/pdf") == "pdf"
    assert previews.kind_of("台账.docx", uploads.ALLOWED["docx"][1]) == "download"
    assert previews.kind_of("报告.pdf", "image/png") == "download"  # row and name disagree
    assert previews.kind_of("无扩展名", "application/pdf") == "download"
