"""报送频次 in the task register: set on a task (form, bulk), a plan's default, the register
column, the Excel sheet's column, and the demo's cycles with some units 未按期报送."""

import datetime as dt
import io

import openpyxl
import polars as pl
import pytest
from sqlmodel import func, select

from duban.core import clock
from duban.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from duban.intake import excel
from duban.intake.drafts import DraftTask, ImportDraft
from duban.intake.importer import commit_import
from duban.monitoring import cycles, frames, holidays
from duban.seed import demo
from duban.tasks import cycles_set, manage, register
from models import AuditLog, Plan, ProgressReport, Role, Task, TaskStatus
from tests.factories import make_department, make_plan, make_task, make_user

NOW = dt.datetime(2026, 6, 10, 9, 0)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


def _form(plan, lead, **kw) -> dict:
    return {
        "plan_id": plan.id,
        "code": "一(一)",
        "title": "梳理公布服务事项清单",
        "deadline": TODAY + dt.timedelta(days=60),
        "lead_department_id": lead.id,
        **kw,
    }


# ---------------------------------------------------------------- a task's own cycle


def test_create_and_edit_store_the_code_and_empty_follows_the_plan(session):
    _, office = make_user(session)
    plan = make_plan(session, report_cycle="monthly:10")
    lead = make_department(session)
    task = manage.create_task(session, actor=office, **_form(plan, lead, report_cycle="每周五"))
    assert session.get(Task, task.id).report_cycle == "weekly:5"
    eff = cycles_set.effective(task, plan)
    assert (eff.label(), eff.from_plan) == ("每周五", False)

    task = manage.update_task(
        session, actor=office, task_id=task.id, expected_version=task.version, report_cycle=""
    )
    assert session.get(Task, task.id).report_cycle is None
    eff = cycles_set.effective(task, plan)
    assert (eff.label(), eff.from_plan) == ("每月10日前", True)

    # 不定期 on the task overrides the plan's cycle: the task owes no reports
    task = manage.update_task(
        session,
        actor=office,
        task_id=task.id,
        expected_version=task.version,
        report_cycle="不定期",
    )
    assert task.report_cycle == "none"
    assert cycles_set.effective(task, plan).cycle == cycles.NONE
    log = session.exec(
        select(AuditLog).where(AuditLog.action == "task.update").order_by(AuditLog.id.desc())
    ).first()
    assert log.before == {"report_cycle": None} and log.after == {"report_cycle": "none"}


def test_an_unreadable_cycle_is_refused_in_chinese_and_changes_nothing(session):
    _, office = make_user(session)
    plan = make_plan(session)
    lead = make_department(session)
    with pytest.raises(ValidationFailed, match="无法识别报送频次“每周八”"):
        manage.create_task(session, actor=office, **_form(plan, lead, report_cycle="每周八"))
    assert session.exec(select(func.count()).select_from(Task)).one() == 0
    task = manage.create_task(session, actor=office, **_form(plan, lead, report_cycle="每月底"))
    with pytest.raises(ValidationFailed, match="无法识别报送频次"):
        manage.update_task(
            session,
            actor=office,
            task_id=task.id,
            expected_version=task.version,
            report_cycle="看情况" * 50,  # long text is quoted only in part
        )
    session.refresh(task)
    assert task.report_cycle == "monthly:31" and task.version == 1


def test_bulk_sets_cycles_row_by_row_with_errors_in_chinese(session):
    _, office = make_user(session)
    lead = make_department(session)
    plan = make_plan(session)
    a, b, c = (make_task(session, lead=lead, plan=plan) for _ in range(3))
    results = manage.bulk_update(
        session,
        actor=office,
        rows=[
            {"task_id": a.id, "expected_version": a.version, "report_cycle": "每季度末"},
            {"task_id": b.id, "expected_version": b.version, "code": "B", "report_cycle": "偶尔"},
            {"task_id": c.id, "expected_version": c.version + 5, "report_cycle": "每周一"},
        ],
    )
    assert [r.ok for r in results] == [True, False, False]
    assert "无法识别报送频次“偶尔”" in results[1].message and results[1].code == "B"
    assert "已被他人修改" in results[2].message or "刷新" in results[2].message
    got = {t.id: t.report_cycle for t in session.exec(select(Task)).all()}
    assert got == {a.id: "quarterly:3:31", b.id: None, c.id: None}


# ---------------------------------------------------------------- the plan's default


def test_office_sets_a_plans_default_versioned_and_audited(session):
    _, office = make_user(session)
    _, leader = make_user(session, role=Role.leader)
    plan = make_plan(session)
    with pytest.raises(PermissionDenied, match="管理实施方案"):
        cycles_set.set_plan_cycle(
            session, actor=leader, plan_id=plan.id, cycle="每周五", expected_version=1
        )
    plan = cycles_set.set_plan_cycle(
        session, actor=office, plan_id=plan.id, cycle="每月10日前", expected_version=1
    )
    assert (plan.report_cycle, plan.version) == ("monthly:10", 2)
    log = session.exec(select(AuditLog).where(AuditLog.action == "plan.cycle")).one()
    assert log.after == {"report_cycle": "monthly:10"} and "每月10日前" in log.note
    with pytest.raises(StaleEdit):
        cycles_set.set_plan_cycle(
            session, actor=office, plan_id=plan.id, cycle="每周五", expected_version=1
        )
    with pytest.raises(ValidationFailed, match="无法识别报送频次"):
        cycles_set.set_plan_cycle(
            session, actor=office, plan_id=plan.id, cycle="每周八", expected_version=2
        )
    session.refresh(plan)
    assert (plan.report_cycle, plan.version) == ("monthly:10", 2)
    # 不定期 (or empty): no default; stored NULL, as the model reads it
    plan = cycles_set.set_plan_cycle(
        session, actor=office, plan_id=plan.id, cycle="不定期", expected_version=2
    )
    assert plan.report_cycle is None


def test_register_shows_the_effective_cycle_and_where_it_comes_from(session, engine):
    lead = make_department(session)
    plan = make_plan(session, report_cycle="weekly:5")
    own = make_task(session, lead=lead, plan=plan, report_cycle="monthly:10")
    inherited = make_task(session, lead=lead, plan=plan)
    bare = make_task(session, lead=lead, plan=make_plan(session, title="另一方案"))
    df = register.base_frame(engine, today=TODAY)
    rows = {r["task_id"]: r for r in df.iter_rows(named=True)}
    assert (rows[own.id]["cycle_label"], rows[own.id]["cycle_from_plan"]) == ("每月10日前", False)
    assert (rows[inherited.id]["cycle"], rows[inherited.id]["cycle_from_plan"]) == (
        "weekly:5",
        True,
    )
    assert rows[inherited.id]["task_cycle"] == ""
    assert rows[bare.id]["cycle_label"] == "不定期"
    back = pl.read_excel(io.BytesIO(register.export_excel(df)), sheet_name="任务台账")
    assert sorted(back["报送频次"].to_list()) == ["不定期", "每周五", "每月10日前"]


def test_cycle_words_read_back_as_the_same_cycle():
    for code in (
        "weekly:5",
        "weekly:7",
        "monthly:10",
        "monthly:31",
        "quarterly:1:10",
        "quarterly:1:31",
    ):
        assert cycles.parse(cycles_set.words(code)).code == code
    assert cycles_set.words("quarterly:1:31") == "每季度首月底"
    assert cycles_set.words(None) == ""


# ---------------------------------------------------------------- Excel


def _units(session):
    return make_department(session, name="市公安局"), make_department(session, name="市税务局")


def test_excel_round_trip_keeps_task_cycles_and_the_plans_default(session):
    police, tax = _units(session)
    _, office = make_user(session)
    draft = ImportDraft(
        title="原方案",
        report_cycle="每月10日前",
        tasks=[
            DraftTask(code="1", title="甲", lead_units=[police.name], report_cycle="每周五"),
            DraftTask(code="2", title="乙", lead_units=[tax.name], report_cycle="不定期"),
            DraftTask(code="3", title="丙", lead_units=[tax.name]),
        ],
    )
    first = commit_import(session, actor=office, draft=draft)
    plan = session.get(Plan, first.plan_id)
    assert plan.report_cycle == "monthly:10"
    stored = {t.code: t.report_cycle for t in session.exec(select(Task)).all()}
    assert stored == {"1": "weekly:5", "2": "none", "3": None}

    data = excel.export_plan(session, first.plan_id)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[excel.SHEET_TASKS]
    col = [c.value for c in ws[1]].index("报送频次")
    assert [ws.cell(r, col + 1).value for r in (2, 3, 4)] == ["每周五", "不定期", None]
    info = {r[0].value: r[1].value for r in wb[excel.SHEET_PLAN].iter_rows()}
    assert info["报送频次"] == "每月10日前"

    sheet = excel.read_task_sheet(data, session)
    assert sheet.errors == []
    second = commit_import(
        session, actor=office, draft=sheet.draft, source_name="x.xlsx", source_bytes=data
    )
    assert session.get(Plan, second.plan_id).report_cycle == "monthly:10"
    again = {
        t.code: t.report_cycle
        for t in session.exec(select(Task).where(Task.plan_id == second.plan_id)).all()
    }
    assert again == stored


def _sheet(rows: list[dict], info: dict) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = excel.SHEET_TASKS
    ws.append([h for _, h in excel.COLUMNS])
    for r in rows:
        ws.append([r.get(k) for k, _ in excel.COLUMNS])
    pi = wb.create_sheet(excel.SHEET_PLAN)
    for k, v in info.items():
        pi.append([k, v])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_bad_cycle_cell_is_a_row_error_and_imports_nothing(session):
    police, _ = _units(session)
    _, office = make_user(session)
    data = _sheet(
        [
            {"code": "1", "title": "甲", "lead_units": police.name, "report_cycle": "每月15日前"},
            {"code": "2", "title": "乙", "lead_units": police.name, "report_cycle": "每周八"},
        ],
        {"方案名称": "表格方案"},
    )
    sheet = excel.read_task_sheet(data, session)
    assert [str(e) for e in sheet.errors] == [
        "第 3 行：无法识别报送频次“每周八”。可填写：每周五、每月10日前、每月底、每季度末、"
        "每季度首月10日前、不定期"
    ]
    assert sheet.draft.tasks[0].report_cycle == "每月15日前"
    with pytest.raises(ValidationFailed, match="第 3 行：无法识别报送频次"):
        commit_import(session, actor=office, draft=sheet.draft)
    assert session.exec(select(func.count()).select_from(Plan)).one() == 0
    assert session.exec(select(func.count()).select_from(Task)).one() == 0


def test_a_bad_plan_default_refuses_the_import(session):
    police, _ = _units(session)
    _, office = make_user(session)
    data = _sheet(
        [{"code": "1", "title": "甲", "lead_units": police.name}],
        {"方案名称": "表格方案", "报送频次": "随时"},
    )
    sheet = excel.read_task_sheet(data, session)
    assert sheet.draft.report_cycle == "随时"
    with pytest.raises(ValidationFailed, match="方案信息：无法识别报送频次“随时”"):
        commit_import(session, actor=office, draft=sheet.draft)
    assert session.exec(select(func.count()).select_from(Plan)).one() == 0


def test_the_template_shows_a_cycle_in_words():
    wb = openpyxl.load_workbook(io.BytesIO(excel.template_bytes()))
    ws = wb[excel.SHEET_TASKS]
    headers = [c.value for c in ws[1]]
    assert ws.cell(2, headers.index("报送频次") + 1).value == "每月10日前"
    assert "报送频次" in [r[0].value for r in wb[excel.SHEET_PLAN].iter_rows()]


# ---------------------------------------------------------------- the demo


@pytest.mark.parametrize("day", [dt.date(2026, 12, 1), dt.date(2026, 10, 9), dt.date(2026, 5, 6)])
def test_demo_seeds_cycles_with_some_units_late_and_others_on_time(session, day):
    """Across days (holiday weeks included): the plan's default, tasks of their own, at
    least three units 未按期报送 now and several on time, no report after the seeding moment."""
    with clock.frozen(dt.datetime.combine(day, dt.time(8, 30))):
        demo.seed_demo(session)
        plan = session.exec(select(Plan)).one()
        assert cycles.label(cycles.parse(plan.report_cycle)) == "每月10日前"
        own = [t for t in session.exec(select(Task)).all() if t.report_cycle]
        assert len(own) >= 4
        latest = session.exec(select(func.max(ProgressReport.reported_at))).one()
        assert latest <= clock.now()
        raw = frames.read_frames(session.get_bind())
        facts = cycles.evaluate(raw, day, holidays.load_calendar(session))
    late = facts.pairs.filter(pl.col("missed_since").is_not_null())
    on_time = facts.pairs.filter(pl.col("missed_since").is_null() & (pl.col("dues") > 0))
    assert late.height >= 3 and on_time.height >= 10
    # the tasks with their own cycle: the late units are those the story stopped
    by_own = late.join(
        pl.DataFrame(
            {"task_id": [t.id for t in own], "code": [t.report_cycle for t in own]},
            schema={"task_id": pl.Int64, "code": pl.String},
        ),
        on="task_id",
    )
    assert by_own.height >= 3 and set(by_own["cycle"]) <= {"weekly:5", "monthly:20"}
    open_own = [t for t in own if t.status == TaskStatus.in_progress and t.report_cycle != "none"]
    assert len(open_own) >= 3
