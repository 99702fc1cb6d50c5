"""Input hygiene in the service layer (issue 11 #5, #15): control characters refused with the
field's Chinese name, invisible characters stripped from names, look-alike unit names refused,
lengths bounded — on SQLite and PostgreSQL, whatever service writes the row."""

import datetime as dt

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from duban.assessment import appeals
from duban.core import clock, text
from duban.core.errors import ValidationFailed
from duban.inspections import records
from duban.inspections.records import FindingInput
from duban.monitoring import holidays
from duban.notices import drafting, replies, templates
from duban.notices import rules as notice_rules
from duban.org import departments, users
from duban.tasks import manage, workflow
from models import (
    AssessmentPeriod,
    Department,
    ExtensionRequest,
    Finding,
    Inspection,
    Instruction,
    Notice,
    NoticeRecipient,
    RectificationStatus,
    Role,
    ScoreAppeal,
    Task,
)
from tests.factories import make_department, make_plan, make_task, make_user, uploads_and_clock

NOW = dt.datetime(2026, 6, 10, 9, 0)
RLM_ZW = "\u200f\u200b"  # right-to-left mark + zero-width space


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    with uploads_and_clock(tmp_path, monkeypatch, NOW):
        yield


# ---------------------------------------------------------------- the pure functions


def test_names_lose_bidi_and_zero_width_characters_and_keep_full_width_brackets():
    raw = "\u202e 市委办公室\u200d（市保密局）\ufeff\u2066 "
    assert text.clean_name(raw, "单位名称") == "市委办公室（市保密局）"
    assert text.clean_name("市\u3000公安\xa0 局", "单位名称") == "市 公安 局"
    # compared on NFKC: full-width letters, Kangxi radicals and spaces fold
    assert text.name_key("Ａ区 ⼈社局") == text.name_key("a区人社局")


@pytest.mark.parametrize("bad", ["\x00", "\x1b[31m", "\x7f", "\x85", "\x9b"])
def test_control_characters_are_refused_with_the_field_name(bad):
    with pytest.raises(ValidationFailed, match="进展情况含有不可见的控制字符"):
        text.check_text(f"已完成{bad}", "进展情况")
    with pytest.raises(ValidationFailed, match="单位名称含有不可见的控制字符"):
        text.clean_name(f"市公安局{bad}", "单位名称")


def test_free_text_keeps_tabs_and_line_breaks_but_a_name_does_not():
    assert text.check_text("第一行\n\t第二行\r\n", "进展情况") == "第一行\n\t第二行\r\n"
    with pytest.raises(ValidationFailed, match="只能写成一行"):
        text.clean_name("市公安局\n", "单位名称")


def test_every_text_column_has_a_chinese_name_for_messages():
    """A new text column in models/ needs its name in duban.core.text.FIELD_LABELS."""
    columns = text.text_columns(SQLModel.metadata.sorted_tables)
    assert "progress_report.done_text" in columns and "notice.attachments" in columns
    assert [c for c in columns if c not in text.FIELD_LABELS] == []


# ---------------------------------------------------------------- look-alike unit names


def test_a_unit_named_rtl_mark_zero_width_and_a_real_name_is_a_duplicate(session):
    """issue 11 #15: RLM + zero-width + 市公安局 was accepted beside the real 市公安局."""
    _, office = make_user(session)
    departments.create_department(session, actor=office, name="市公安局")
    before = _dump(session)
    for name in (f"{RLM_ZW}市公安局", "市公安局\u2060", "市 公安局", "市公安局\ufeff"):
        with pytest.raises(ValidationFailed, match="已存在"):
            departments.create_department(session, actor=office, name=name)
    assert _dump(session) == before
    other = departments.create_department(session, actor=office, name="市交通运输局")
    before = _dump(session)
    with pytest.raises(ValidationFailed, match="已存在"):
        departments.update_department(
            session,
            actor=office,
            department_id=other.id,
            expected_version=other.version,
            name=f"市公安局{RLM_ZW}",
        )
    session.expire_all()
    assert _dump(session) == before  # the refused rename changed nothing
    assert session.get(type(other), other.id).name == "市交通运输局"


def test_a_name_is_stored_without_its_invisible_characters(session):
    _, office = make_user(session)
    d = departments.create_department(
        session, actor=office, name=f"{RLM_ZW}市数据局\u202e", short_name="\u200b数据局 "
    )
    session.expire_all()
    stored = session.get(Department, d.id)
    assert (stored.name, stored.short_name) == ("市数据局", "数据局")
    with pytest.raises(ValidationFailed, match="不能为空"):
        departments.create_department(session, actor=office, name=RLM_ZW)


def test_no_service_can_store_an_invisible_name_or_a_nul(session):
    """The check sits under every service: a row added straight to a session is checked too."""
    session.add(Department(name=f"{RLM_ZW}市审计局"))
    session.commit()
    assert session.exec(select(Department.name)).scalars().all() == ["市审计局"]
    session.add(Department(name="市统计局\x00"))
    with pytest.raises(ValidationFailed, match="单位名称"):
        session.commit()
    session.rollback()


# ---------------------------------------------------------------- every service text field


def _dump(session) -> dict[str, list[str]]:
    """Every table's rows, to show that a refused write changed nothing."""
    out = {}
    for table in SQLModel.metadata.sorted_tables:
        rows = session.connection().execute(select(table)).all()
        out[table.name] = sorted(repr(tuple(r)) for r in rows)
    return out


@pytest.fixture
def world(session):
    """One unit with a task in progress, a 批示, a pending extension, an inspection with an
    open and an answered finding, a draft and an issued notice, and an assessment period."""
    a = make_department(session, name="市政务服务和大数据管理局")
    b = make_department(session, name="市发展和改革委员会")
    u_office, office = make_user(session)
    _, leader = make_user(session, role=Role.leader)
    _, inspector = make_user(session, role=Role.inspector)
    u_head, head = make_user(session, role=Role.dept_head, department_id=a.id)
    plan = make_plan(session)
    task = make_task(session, lead=a, responsible=[b], plan=plan, status="in_progress")
    asg = workflow._unit_assignment(session, head, task.id, a.id)
    ins = Instruction(task_id=task.id, author_id=leader.user_id, text="请加快进度")
    ext = ExtensionRequest(  # by the other unit: unit a may still ask
        task_id=task.id, department_id=b.id, requested_date=task.deadline, reason="原因"
    )
    insp = Inspection(
        inspected_on=NOW.date(), method="on_site", result="average", inspectors="督查组"
    )
    session.add_all([ins, ext, insp])
    session.flush()
    open_f = Finding(inspection_id=insp.id, department_id=a.id, description="问题", due_date=NOW)
    answered = Finding(
        inspection_id=insp.id,
        department_id=a.id,
        description="问题二",
        due_date=NOW,
        status=RectificationStatus.answered,
        answer_text="已整改完毕",
    )
    draft = Notice(kind="urging", title="督办单", body="正文")
    issued = Notice(
        kind="urging",
        title="催办通知",
        status="issued",
        doc_number="督办〔2026〕1号",
        reply_due=NOW.date() + dt.timedelta(days=5),
        issued_at=NOW,
    )
    period = AssessmentPeriod(
        kind="month", label="2026年5月", start=dt.date(2026, 5, 1), end=dt.date(2026, 5, 31)
    )
    session.add_all([open_f, answered, draft, issued, period])
    session.flush()
    session.add(NoticeRecipient(notice_id=issued.id, department_id=a.id, delivered_at=NOW))
    appeal = ScoreAppeal(
        period_id=period.id, department_id=a.id, line_key="k", line_text="扣分", reason="理由"
    )
    session.add(appeal)
    session.commit()
    return {
        "a": a,
        "office": office,
        "leader": leader,
        "inspector": inspector,
        "head": head,
        "head_user": u_head,
        "office_user": u_office,
        "task": task,
        "asg": asg,
        "ins": ins,
        "ext": ext,
        "open": open_f,
        "answered": answered,
        "draft": draft,
        "issued": issued,
        "appeal": appeal,
    }


def _new_task(s, w, bad, field):
    data = {
        "plan_id": w["task"].plan_id,
        "code": "（九）",
        "title": "新任务",
        "deadline": NOW.date() + dt.timedelta(days=30),
        "lead_department_id": w["a"].id,
        field: bad,
    }
    manage.create_task(s, actor=w["office"], **data)


def _task_children(s, w, bad, which):
    children = {
        "milestones": [{"title": bad, "due_date": NOW.date() + dt.timedelta(days=9)}],
        "targets": [{"text": bad, "target_value": 10, "direction": ">="}],
    }
    manage.create_task(
        s,
        actor=w["office"],
        plan_id=w["task"].plan_id,
        title="新任务",
        deadline=NOW.date() + dt.timedelta(days=30),
        **{which: children[which]},
    )


def _report(s, w, bad, field):
    kw = {"done_text": "已完成部署", field: bad}
    workflow.report_progress(s, actor=w["head"], assignment_id=w["asg"].id, percent=60, **kw)


def _draft(s, w, bad, field):
    n = s.get(Notice, w["draft"].id)
    drafting.update_draft(
        s, actor=w["office"], notice_id=n.id, expected_version=n.version, **{field: bad}
    )


def _finding_recheck(s, w, bad):
    f = s.get(Finding, w["answered"].id)
    records.recheck_finding(
        s,
        actor=w["inspector"],
        finding_id=f.id,
        expected_version=f.version,
        accepted=False,
        note=bad,
    )


def _inspection(s, w, bad, field):
    kw = {"inspectors": "督查组", "narrative": "查看台账", field: bad}
    records.record_inspection(
        s,
        actor=w["inspector"],
        inspected_on=NOW.date(),
        method="on_site",
        result="good",
        department_ids=[w["a"].id],
        **kw,
    )


CASES = {
    "标题": lambda s, w, bad: _new_task(s, w, bad, "title"),  # the task form's own words
    "说明": lambda s, w, bad: _new_task(s, w, bad, "description"),
    "任务编号": lambda s, w, bad: _new_task(s, w, bad, "code"),
    "节点名称": lambda s, w, bad: _task_children(s, w, bad, "milestones"),
    "指标名称": lambda s, w, bad: _task_children(s, w, bad, "targets"),
    "进展情况": lambda s, w, bad: _report(s, w, bad, "done_text"),
    "存在困难": lambda s, w, bad: _report(s, w, bad, "problems"),
    "下一步计划": lambda s, w, bad: _report(s, w, bad, "next_steps"),
    "延期理由": lambda s, w, bad: workflow.request_extension(
        s,
        actor=w["head"],
        task_id=w["task"].id,
        requested_date=NOW.date() + dt.timedelta(days=90),
        reason=bad,
    ),
    "完成情况说明": lambda s, w, bad: workflow.submit_for_sign_off(
        s, actor=w["head"], task_id=w["task"].id, summary=bad, expected_version=w["task"].version
    ),
    "批示内容": lambda s, w, bad: workflow.create_instruction(
        s, actor=w["leader"], task_id=w["task"].id, text=bad
    ),
    "回复内容": lambda s, w, bad: workflow.answer_instruction(
        s, actor=w["head"], instruction_id=w["ins"].id, text=bad
    ),
    "状态理由": lambda s, w, bad: manage.change_status(
        s,
        actor=w["office"],
        task_id=w["task"].id,
        action="task.suspend",
        expected_version=w["task"].version,
        reason=bad,
    ),
    "审批意见": lambda s, w, bad: manage.decide_extension(
        s,
        actor=w["office"],
        request_id=w["ext"].id,
        approve=False,
        expected_version=w["ext"].version,
        note=bad,
    ),
    "督查人员": lambda s, w, bad: _inspection(s, w, bad, "inspectors"),
    "督查情况": lambda s, w, bad: _inspection(s, w, bad, "narrative"),
    "问题描述": lambda s, w, bad: records.record_inspection(
        s,
        actor=w["inspector"],
        inspected_on=NOW.date(),
        method="on_site",
        result="good",
        inspectors="督查组",
        department_ids=[w["a"].id],
        findings=[FindingInput(w["a"].id, bad, NOW.date() + dt.timedelta(days=9))],
    ),
    "整改情况": lambda s, w, bad: records.answer_finding(
        s,
        actor=w["head"],
        finding_id=w["open"].id,
        expected_version=w["open"].version,
        text_=bad,
    ),
    "复查意见": _finding_recheck,
    "通知标题": lambda s, w, bad: _draft(s, w, bad, "title"),
    "主送单位": lambda s, w, bad: _draft(s, w, bad, "addressees"),
    "通知正文": lambda s, w, bad: _draft(s, w, bad, "body"),
    "工作要求": lambda s, w, bad: _draft(s, w, bad, "requirements"),
    "落款": lambda s, w, bad: _draft(s, w, bad, "signature"),
    "抄送": lambda s, w, bad: _draft(s, w, bad, "copy_to"),
    "反馈内容": lambda s, w, bad: replies.reply_notice(
        s, actor=w["head"], notice_id=w["issued"].id, text_=bad
    ),
    "处理意见": lambda s, w, bad: appeals.decide_appeal(
        s,
        actor=w["office"],
        appeal_id=w["appeal"].id,
        accept=False,
        note=bad,
        expected_version=w["appeal"].version,
    ),
    "单位名称": lambda s, w, bad: departments.create_department(s, actor=w["office"], name=bad),
    "单位简称": lambda s, w, bad: departments.create_department(
        s, actor=w["office"], name="市新单位", short_name=bad
    ),
    "姓名": lambda s, w, bad: users.update_user(
        s,
        actor=w["office"],
        user_id=w["head_user"].id,
        expected_version=w["head_user"].version,
        display_name=bad,
    ),
    "电子邮箱": lambda s, w, bad: users.create_user(
        s,
        actor=w["office"],
        username="newbie",
        display_name="新人",
        role=Role.leader,
        email=bad,
        password="long-enough-pw",
    ),
    "节假日名称": lambda s, w, bad: holidays.apply_calendar_changes(
        s, actor=w["office"], upserts=[holidays.CalendarChange(dt.date(2026, 10, 9), False, bad)]
    ),
    "通知模板": lambda s, w, bad: templates.save_template(
        s,
        actor=w["office"],
        kind="reminder",
        source=templates.template_source(s, "reminder")[0] + bad,
        expected_version=None,
    ),
    "设置": lambda s, w, bad: notice_rules.save_rules(
        s,
        actor=w["office"],
        rules={**notice_rules.load_notice_rules(s), "signature": bad},
        expected_version=None,
    ),
}


@pytest.mark.parametrize("field", list(CASES))
def test_a_nul_in_any_text_field_is_refused_in_chinese_and_changes_nothing(session, world, field):
    """issue 11 #5: a NUL byte gave a raw SQL error (PostgreSQL) or was stored (SQLite)."""
    before = _dump(session)
    with pytest.raises(ValidationFailed) as caught:
        CASES[field](session, world, "正常的文字内容\x00后半段")
    message = str(caught.value)
    assert field in message, message
    assert "控制字符" in message and "SELECT" not in message and "Traceback" not in message
    session.rollback()
    assert _dump(session) == before


def _milestone(s, w, value):
    _task_children(s, w, value, "milestones")


def _target_unit(s, w, value):
    manage.create_task(
        s,
        actor=w["office"],
        plan_id=w["task"].plan_id,
        title="新任务",
        deadline=NOW.date() + dt.timedelta(days=30),
        targets=[{"text": "办件量", "target_value": 1, "direction": ">=", "unit": value}],
    )


def _straight_into_the_session(s, w, value):
    """No service: the flush check bounds unbounded text too."""
    s.add(Instruction(task_id=w["task"].id, text=value))
    s.commit()


def _long_title(s, w, value):
    n = s.get(Notice, w["issued"].id)
    n.period_label = value
    s.commit()


@pytest.mark.parametrize(
    "call,value,limit",
    [
        (_milestone, "节" * 301, 300),
        (_target_unit, "个" * 21, 20),
        (_long_title, "期" * 61, 60),
        (_straight_into_the_session, "批" * (text.TEXT_MAX + 1), text.TEXT_MAX),
    ],
)
def test_a_value_longer_than_its_column_is_refused_before_the_database(
    session, world, call, value, limit
):
    """On PostgreSQL a too-long value raised DataError; on SQLite it was stored."""
    before = _dump(session)
    with pytest.raises(ValidationFailed, match=f"不能超过 {limit} 个字符"):
        call(session, world, value)
    session.rollback()
    assert _dump(session) == before


def test_excel_exports_keep_user_text_starting_with_equals_as_text():
    """A unit named =HYPERLINK(…) must not become a live formula in the office's Excel."""
    import io

    import openpyxl

    from duban.assessment import exports, scoring

    evil = '=HYPERLINK("http://evil.example/x","点此查看")'
    line = {
        "key": "k",
        "category": "督查结果",
        "points": -2.0,
        "detail": evil,
        "source_ref": "督查 #1",
        "day": "2026-03-01",
        "status": "counted",
    }
    unit = scoring.UnitResult(1, evil, -2.0, 1.0, 1.0, 98.0, 1, lines=[line])
    result = scoring.PeriodResult(
        period_id=1,
        label="2026年第一季度",
        kind="quarter",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 3, 31),
        status="open",
        as_of=dt.date(2026, 4, 1),
        formula={},
        reference_load=1.0,
        units=[unit],
        unit_count=1,
    )
    wb = openpyxl.load_workbook(io.BytesIO(exports.scorecard_xlsx(result)))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value == evil]
    assert len(cells) >= 2 and all(c.data_type == "s" for c in cells)


# ---------------------------------------------------------------- the plan import's bulk rows


def _plan_draft(**task_fields):
    from duban.intake import drafts

    unit = "市政务服务和大数据管理局"
    fields = {"code": "一", "title": "推进一网通办", "lead_units": [unit]} | task_fields
    return drafts.ImportDraft(title="实施方案", tasks=[drafts.DraftTask(**fields)])


@pytest.mark.parametrize(
    "task_fields, label",
    [
        ({"title": "推进\x00一网通办"}, "任务名称"),
        ({"description": "说明\x07"}, "任务说明"),
        ({"milestones": "milestone"}, "节点"),
        ({"targets": "target"}, "指标"),
    ],
)
def test_a_plan_import_checks_its_bulk_rows_like_every_other_write(session, task_fields, label):
    """The import writes tasks, milestones and targets with multi-row INSERTs, which no
    flush sees: the same check runs on those rows, and a refused import leaves no plan."""
    from duban.intake import drafts, importer

    if task_fields.get("milestones") == "milestone":
        day = clock.today() + dt.timedelta(days=9)
        task_fields = {"milestones": [drafts.DraftMilestone(date=day, text="完成\x00上线")]}
    if task_fields.get("targets") == "target":
        task_fields = {"targets": [drafts.DraftTarget(text="办件量\x1b", value=100.0)]}
    make_department(session, name="市政务服务和大数据管理局")
    _, office = make_user(session)
    before = _dump(session)
    with pytest.raises(ValidationFailed, match="控制字符") as refused:
        importer.commit_import(session, actor=office, draft=_plan_draft(**task_fields))
    assert label in str(refused.value)
    # (the partial plan's removal is audited and bumps the cache key: nothing else changes)
    kept = ("audit_log", "data_version")
    after = _dump(session)
    assert {k: v for k, v in after.items() if k not in kept} == {
        k: v for k, v in before.items() if k not in kept
    }


def test_a_plan_import_stores_codes_and_phases_without_invisible_characters(session):
    from duban.intake import importer

    make_department(session, name="市政务服务和大数据管理局")
    _, office = make_user(session)
    importer.commit_import(
        session, actor=office, draft=_plan_draft(code=f"{RLM_ZW}一", phase="\u200b第一阶段")
    )
    session.expire_all()
    assert session.exec(select(Task.code, Task.phase)).all() == [("一", "第一阶段")]
