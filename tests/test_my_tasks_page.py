"""AppTest of 我的任务: a department head acknowledges, reports with evidence, asks, answers."""

import datetime as dt

import pytest
from sqlmodel import Session, select

from duban.core.db import make_engine
from duban.core.permissions import Actor
from duban.tasks import workflow
from models import (
    AppUser,
    Assignment,
    Attachment,
    ExtensionRequest,
    InstructionAnswer,
    Notice,
    NoticeRecipient,
    ProgressReport,
    Target,
    TargetReading,
    Task,
)
from tests.apptest import app_as, errors, page_as, shown

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _db(url):
    return Session(make_engine(url))


def _actor(s, username) -> Actor:
    return Actor.of(s.exec(select(AppUser).where(AppUser.username == username)).one())


def _dept01_tasks(url, username="dept01", **where) -> list[tuple[Task, Assignment]]:
    """dept01's (task, assignment) pairs, filtered by task status / assignment role."""
    with _db(url) as s:
        dept = _actor(s, username).department_id
        rows = s.exec(
            select(Task, Assignment)
            .join(Assignment, Assignment.task_id == Task.id)
            .where(Assignment.department_id == dept)
            .order_by(Task.id)
        ).all()
    return [
        (t, a)
        for t, a in rows
        if all((t.status if k == "status" else a.role) == v for k, v in where.items())
    ]


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _open(at, task_id):
    """Pick the task on the desk: it opens on its own, at `?task=ID`, with the workbench."""
    at.selectbox(key="my_open").set_value(task_id).run()
    assert not at.exception, at.exception
    assert at.query_params["task"] in (str(task_id), [str(task_id)])
    return at


def test_desk_shows_only_the_units_tasks_and_what_needs_action(demo_db):
    with _db(demo_db) as s:  # an urging notice waiting for the unit's 签收 and reply
        n = Notice(
            kind="urging",
            status="issued",
            title="关于加快推进的督办通知",
            doc_number="督办〔2026〕99号",
            reply_due=dt.date.today() + dt.timedelta(days=5),
            issued_at=dt.datetime.now(),
        )
        s.add(n)
        s.flush()
        s.add(NoticeRecipient(notice_id=n.id, department_id=_actor(s, "dept01").department_id))
        s.commit()
    at = page_as("my_tasks", "dept01", "dept_head")
    assert not at.exception and not errors(at), errors(at)
    assert {m.label: m.value for m in at.metric}["待办通知"] == "1"
    box = next(e for e in at.expander if e.label.startswith("待办通知"))
    assert "督办〔2026〕99号 关于加快推进的督办通知" in box.markdown[0].value
    mine = {t.id for t, _ in _dept01_tasks(demo_db)}
    assert set(at.selectbox(key="my_open").options) - {"—"} == {
        f"{t.code} {t.title}" for t, _ in _dept01_tasks(demo_db)
    }
    assert {m.label: m.value for m in at.metric}["待签收"] == "1"
    with _db(demo_db) as s:
        other = s.exec(select(Task).where(Task.id.not_in(mine))).first()  # ty: ignore
    # another unit's task cannot be opened on the desk, even by forcing the picker's state
    at.session_state["my_open"] = other.id
    at.run()
    assert not at.exception
    assert other.title not in [h.value for h in at.subheader]
    # and the register is not among a department head's pages
    at = app_as("dept01", "dept_head")
    at.run()
    with pytest.raises(ValueError):
        at.switch_page("pages/tasks.py")


def test_acknowledge_from_the_to_do_section(demo_db):
    (task, a), *_ = _dept01_tasks(demo_db, status="assigned")
    at = page_as("my_tasks", "dept01", "dept_head")
    at.button(key=f"sec_ack_{a.id}").click().run()
    assert not at.exception and not errors(at), errors(at)
    assert any("已签收" in s.value for s in at.success)
    assert {m.label: m.value for m in at.metric}["待签收"] == "0"
    with _db(demo_db) as s:
        a2 = s.get(Assignment, a.id)
        assert a2.acknowledged_at is not None
        assert a2.acknowledged_by == _actor(s, "dept01").user_id


def test_report_with_target_value_and_evidence_then_download(demo_db):
    task, a = _dept01_tasks(demo_db, status="in_progress", role="lead")[0]
    with _db(demo_db) as s:
        target = s.exec(select(Target).where(Target.task_id == task.id)).first()
        before = len(s.exec(select(ProgressReport).where(ProgressReport.task_id == task.id)).all())
    at = _open(page_as("my_tasks", "dept01", "dept_head"), task.id)
    fk = f"rep_{a.id}_0"
    # a report without what was done is refused in Chinese; what was typed stays
    at.number_input(key=f"{fk}_pct").set_value(95.0)
    at.text_area(key=f"{fk}_problems").input("第三方接口尚未联调。")
    _button(at, "提交进展").click().run()
    assert any("请填写进展情况" in e for e in errors(at)), errors(at)
    assert at.number_input(key=f"{fk}_pct").value == 95.0
    assert at.text_area(key=f"{fk}_problems").value == "第三方接口尚未联调。"
    with _db(demo_db) as s:
        assert (
            len(s.exec(select(ProgressReport).where(ProgressReport.task_id == task.id)).all())
            == before
        )
    at.text_area(key=f"{fk}_done").input("完成 3 个区县的网上可办事项梳理。")
    if target is not None:
        at.number_input(key=f"{fk}_tg_{target.id}").set_value(83.5)
    at.file_uploader(key=f"{fk}_files").set_value(("会议纪要.pdf", PDF, "application/pdf"))
    _button(at, "提交进展").click().run()
    assert not at.exception and not errors(at), errors(at)
    assert any("进展已提交" in s.value for s in at.success)
    with _db(demo_db) as s:
        rep = s.exec(
            select(ProgressReport)
            .where(ProgressReport.task_id == task.id)
            .order_by(ProgressReport.id.desc())  # ty: ignore
        ).first()
        assert rep.percent == 95 and rep.problems == "第三方接口尚未联调。"
        att = s.exec(
            select(Attachment).where(
                Attachment.owner_type == "progress_report", Attachment.owner_id == rep.id
            )
        ).one()
        assert att.filename == "会议纪要.pdf" and att.mime == "application/pdf"
        if target is not None:
            reading = s.exec(select(TargetReading).where(TargetReading.report_id == rep.id)).one()
            assert reading.value == 83.5
    # the evidence can be downloaded again from the task's timeline
    labels = [shown(d.label) for d in at.get("download_button")]
    assert any("会议纪要.pdf" in lbl for lbl in labels), labels


def test_forbidden_evidence_is_refused_and_nothing_written(demo_db):
    task, a = _dept01_tasks(demo_db, status="in_progress", role="lead")[0]
    with _db(demo_db) as s:
        before = len(s.exec(select(ProgressReport)).all())
    at = _open(page_as("my_tasks", "dept01", "dept_head"), task.id)
    fk = f"rep_{a.id}_0"
    at.text_area(key=f"{fk}_done").input("见附件。")
    at.file_uploader(key=f"{fk}_files").set_value(
        ("报告.pdf", b"MZ\x90\x00 not a pdf at all", "application/pdf")
    )
    _button(at, "提交进展").click().run()
    assert any("内容与扩展名 .pdf 不符" in e for e in errors(at)), errors(at)
    assert at.text_area(key=f"{fk}_done").value == "见附件。"
    with _db(demo_db) as s:
        assert len(s.exec(select(ProgressReport)).all()) == before


def test_extension_before_the_deadline_is_refused_then_a_later_date_is_sent(demo_db):
    task, a = _dept01_tasks(demo_db, status="in_progress", role="lead")[0]
    at = _open(page_as("my_tasks", "dept01", "dept_head"), task.id)
    fk = f"ext_{a.id}"
    at.date_input(key=f"{fk}_date").set_value(task.deadline - dt.timedelta(days=3))
    at.text_area(key=f"{fk}_reason").input("系统改造需要更多时间。")
    _button(at, "提交延期申请").click().run()
    assert any("必须晚于当前完成时限" in e for e in errors(at)), errors(at)
    assert at.text_area(key=f"{fk}_reason").value == "系统改造需要更多时间。"
    with _db(demo_db) as s:
        q = select(ExtensionRequest).where(ExtensionRequest.task_id == task.id)
        assert not [x for x in s.exec(q).all() if x.status == "pending"]
    later = task.deadline + dt.timedelta(days=20)
    at.date_input(key=f"{fk}_date").set_value(later)
    _button(at, "提交延期申请").click().run()
    assert not errors(at), errors(at)
    with _db(demo_db) as s:
        req = s.exec(q.where(ExtensionRequest.status == "pending")).one()
        assert req.requested_date == later and req.department_id == a.department_id
    assert any("等待办公室审批" in i.value for i in at.info)


def test_answer_a_leaders_instruction(demo_db):
    task, a = _dept01_tasks(demo_db, status="in_progress", role="responsible")[0]
    with _db(demo_db) as s:
        ins = workflow.create_instruction(
            s, actor=_actor(s, "leader"), task_id=task.id, text="请加快进度，月底前见成效。"
        )
        ins_id = ins.id
    at = page_as("my_tasks", "dept01", "dept_head")
    assert {m.label: m.value for m in at.metric}["待回复批示"] == "1"
    at.button(key=f"open_to_answer_{task.id}").click().run()
    fk = f"wb_ans_{ins_id}_{a.department_id}"
    _button(at, "回复").click().run()
    assert any("请填写回复内容" in e for e in errors(at)), errors(at)
    at.text_area(key=f"{fk}_text").input("已召开推进会，倒排工期。")
    _button(at, "回复").click().run()
    assert not errors(at), errors(at)
    at.button(key="task_back").click().run()  # back to the desk
    assert "task" not in at.query_params
    assert {m.label: m.value for m in at.metric}["待回复批示"] == "0"
    with _db(demo_db) as s:
        ans = s.exec(select(InstructionAnswer).where(InstructionAnswer.instruction_id == ins_id))
        assert [x.text for x in ans.all()] == ["已召开推进会，倒排工期。"]


def _open_subtasks(url, task_id) -> list[str]:
    with _db(url) as s:
        children = s.exec(select(Task).where(Task.parent_id == task_id)).all()
        return [c.code for c in children if c.status not in ("completed", "cancelled")]


def test_lead_unit_submits_for_sign_off(demo_db):
    user, task, a = next(
        (u, t, a)
        for u in (f"dept{i:02d}" for i in range(1, 13))
        for t, a in _dept01_tasks(demo_db, u, status="in_progress", role="lead")
        if not _open_subtasks(demo_db, t.id)
    )
    at = _open(page_as("my_tasks", user, "dept_head"), task.id)
    at.text_area(key=f"sub_{a.id}_summary").input("全部完成，网上可办率 86%。")
    _button(at, "申请销号").click().run()
    assert not errors(at), errors(at)
    with _db(demo_db) as s:
        assert s.get(Task, task.id).status == "submitted"


def test_sign_off_request_with_open_subtasks_is_refused_naming_them(demo_db):
    led = _dept01_tasks(demo_db, status="in_progress", role="lead")
    task, a = next((t, a) for t, a in led if _open_subtasks(demo_db, t.id))
    at = _open(page_as("my_tasks", "dept01", "dept_head"), task.id)
    at.text_area(key=f"sub_{a.id}_summary").input("全部完成。")
    _button(at, "申请销号").click().run()
    (message,) = errors(at)
    assert message.startswith("暂不能申请销号")
    assert all(code in message for code in _open_subtasks(demo_db, task.id)), message
    with _db(demo_db) as s:
        assert s.get(Task, task.id).status == "in_progress"


def _bump_version(url, model, row_id) -> None:
    """Someone else saves the row (its version goes up) between the user's read and click."""
    with _db(url) as s:
        row = s.get(model, row_id)
        if model is Assignment:
            row.assigned_at = row.assigned_at + dt.timedelta(seconds=1)
        else:
            row.status_reason = (row.status_reason or "") + " "
        s.add(row)
        s.commit()


def test_stale_acknowledge_is_refused_and_writes_nothing(demo_db):
    (task, a), *_ = _dept01_tasks(demo_db, status="assigned")
    at = page_as("my_tasks", "dept01", "dept_head")
    _bump_version(demo_db, Assignment, a.id)
    at.button(key=f"sec_ack_{a.id}").click().run()
    assert not at.exception
    assert any("已被他人修改" in e for e in errors(at)), errors(at)
    with _db(demo_db) as s:
        a2 = s.get(Assignment, a.id)
        assert a2.acknowledged_at is None and a2.version == a.version + 1
        assert s.get(Task, task.id).status == "assigned"


def test_stale_submit_for_sign_off_is_refused_and_writes_nothing(demo_db):
    task, a = _dept01_tasks(demo_db, status="in_progress", role="lead")[0]
    with _db(demo_db) as s:
        reports = len(s.exec(select(ProgressReport).where(ProgressReport.task_id == task.id)).all())
    at = _open(page_as("my_tasks", "dept01", "dept_head"), task.id)
    at.text_area(key=f"sub_{a.id}_summary").input("全部完成。")
    _bump_version(demo_db, Task, task.id)
    _button(at, "申请销号").click().run()
    assert any("已被他人修改" in e for e in errors(at)), errors(at)
    with _db(demo_db) as s:
        assert s.get(Task, task.id).status == "in_progress"
        after = s.exec(select(ProgressReport).where(ProgressReport.task_id == task.id)).all()
        assert len(after) == reports


def test_unit_corrects_its_last_report_and_the_old_one_shows_corrected(demo_db):
    task, a = _dept01_tasks(demo_db, status="in_progress", role="lead")[0]
    with _db(demo_db) as s:
        last = workflow.last_report(s, a.id)
        assert last is not None and last.kind == "progress"
    at = _open(page_as("my_tasks", "dept01", "dept_head"), task.id)
    fk = f"cor_{last.id}"
    # the form starts from the last report
    assert at.number_input(key=f"{fk}_pct").value == last.percent
    assert at.text_area(key=f"{fk}_done").value == last.done_text
    at.number_input(key=f"{fk}_pct").set_value(35.0)
    _button(at, "提交更正").click().run()
    assert any("请填写更正理由" in e for e in errors(at)), errors(at)
    at.text_area(key=f"{fk}_reason").input("误将计划进度填为实际进度。")
    _button(at, "提交更正").click().run()
    assert not at.exception and not errors(at), errors(at)
    with _db(demo_db) as s:
        fixed = workflow.last_report(s, a.id)
        assert fixed.supersedes_id == last.id and fixed.percent == 35
        assert s.get(ProgressReport, last.id).percent == last.percent  # kept as it was
    # the timeline shows both: the correction with its reason, the old one marked
    cards = [shown(m.value) for m in at.markdown]
    assert any("35%" in c and "【更正】" in c for c in cards), cards
    assert any(f"{last.percent:.0f}%" in c and "【已更正】" in c for c in cards), cards
    assert any("误将计划进度填为实际进度。" in shown(c.value) for c in at.caption)
    # and the task's units table reads the corrected percent
    units = at.dataframe[0].value
    assert "35%" in units["进度"].to_list()
