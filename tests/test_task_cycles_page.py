"""AppTest of 报送频次 in 任务台账: the task form's control, the detail's line, the bulk
editor's column, the register's column and the plan's default setter."""

import io

import openpyxl
from sqlmodel import Session, select

from duban.core import db
from duban.core.db import make_engine
from duban.intake import excel
from models import Plan, Task
from tests.apptest import errors, page_as, shown
from ui.tasks.bulk import bulk_key


def _db(url):
    return Session(make_engine(url))


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _popovers(at) -> list[str]:
    """The popovers but the register's saved-view ones (保存为视图, 管理视图)."""
    views = {"保存为视图", "管理视图"}
    return [p.proto.popover.label for p in at.get("popover") if p.proto.popover.label not in views]


def test_register_shows_each_tasks_cycle(demo_db):
    with _db(demo_db) as s:
        own = s.exec(select(Task).where(Task.report_cycle == "weekly:5")).first()
        inherited = s.exec(select(Task).where(Task.report_cycle.is_(None))).first()
    at = page_as("tasks", "leader", "leader")
    table = at.dataframe[0].value
    by_code = dict(zip(table["code"], table["cycle"], strict=True))
    assert by_code[own.code] == "每周五" and by_code[inherited.code] == "每月10日前"
    assert not _popovers(at)  # the leader sets no plan default


def test_office_creates_a_task_with_a_monthly_cycle(demo_db):
    at = page_as("tasks", "office", "office")
    fk = "new_new_0"
    kind = at.selectbox(key=f"{fk}_cycle_kind")
    # the plan's default is the first choice and says what it is
    assert kind.value == "plan" and kind.format_func("plan") == "按方案默认（每月10日前）"
    at.text_input(key=f"{fk}_title").input("建立报送频次示例任务")
    kind.set_value("monthly_n")
    at.number_input(key=f"{fk}_cycle_day").set_value(15)
    _button(at, "保存").click().run()
    assert not at.exception and not errors(at), errors(at)
    with _db(demo_db) as s:
        task = s.exec(select(Task).where(Task.title == "建立报送频次示例任务")).one()
        assert task.report_cycle == "monthly:15"


def test_detail_says_the_cycle_and_where_it_comes_from_and_edit_keeps_it(demo_db):
    with _db(demo_db) as s:
        own = s.exec(
            select(Task).where(Task.report_cycle == "weekly:5", Task.status == "in_progress")
        ).first()
        inherited = s.exec(
            select(Task).where(Task.report_cycle.is_(None), Task.status == "in_progress")
        ).first()
    at = page_as("tasks", "office", "office")
    at.selectbox(key="open_task").set_value(own.id).run()
    captions = [shown(c.value) for c in at.caption]
    assert "🗓️ 报送频次：每周五（本任务设定）" in captions
    fk = f"edit_{own.id}_{own.version}"
    assert at.selectbox(key=f"{fk}_cycle_kind").value == "weekly:5"
    at.selectbox(key=f"{fk}_cycle_kind").set_value("plan")
    _button(at, "保存").click().run()
    assert not errors(at), errors(at)
    with _db(demo_db) as s:
        assert s.get(Task, own.id).report_cycle is None
    at = page_as("tasks", "office", "office")
    at.selectbox(key="open_task").set_value(inherited.id).run()
    assert "🗓️ 报送频次：每月10日前（方案默认）" in [shown(c.value) for c in at.caption]


def test_bulk_editor_sets_cycles_and_names_the_row_it_cannot_read(demo_db):
    at = page_as("tasks", "office", "office")
    version = db.data_version(make_engine(demo_db))
    table = at.dataframe[0].value
    ids = table["task_id"].to_list()
    open_rows = [i for i, s in enumerate(table["status_label"]) if s == "推进中"]
    i, j = open_rows[:2]
    with _db(demo_db) as s:
        first, second = s.get(Task, ids[i]), s.get(Task, ids[j])
    at.session_state[bulk_key(version, table["task_id"])] = {
        "edited_rows": {i: {"cycle": "每周三"}, j: {"cycle": "每周八"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.button(key="bulk_save").click().run()
    assert any("已保存 1 项任务" in s.value for s in at.success)
    bad = errors(at)
    assert len(bad) == 1 and second.code in bad[0] and "无法识别报送频次“每周八”" in bad[0]
    with _db(demo_db) as s:
        assert s.get(Task, first.id).report_cycle == "weekly:3"
        assert s.get(Task, second.id).report_cycle == second.report_cycle


def test_office_sets_the_plans_default_beside_the_plan_filter(demo_db):
    with _db(demo_db) as s:
        plan = s.exec(select(Plan)).one()
    at = page_as("tasks", "office", "office")
    assert not _popovers(at)  # no plan chosen: no setter
    at.selectbox(key="rf_plan").set_value(plan.id).run()
    assert _popovers(at) == ["方案默认报送频次：每月10日前"]
    fk = f"plan_cycle_{plan.id}_{plan.version}"
    assert at.selectbox(key=f"{fk}_kind").value == "monthly_n"
    assert at.number_input(key=f"{fk}_day").value == 10
    at.selectbox(key=f"{fk}_kind").set_value("weekly:5")
    _button(at, "保存报送频次").click().run()
    assert not at.exception and not errors(at), errors(at)
    assert any("已将方案默认报送频次设为：每周五" in s.value for s in at.success)
    with _db(demo_db) as s:
        assert s.get(Plan, plan.id).report_cycle == "weekly:5"
    assert _popovers(at) == ["方案默认报送频次：每周五"]
    # the register's column follows the plan for the tasks without their own
    table = at.dataframe[0].value
    assert "每周五" in set(table["cycle"]) and "每月10日前" not in set(table["cycle"])


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


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_excel_import_takes_cycles_and_blocks_on_an_unreadable_one(demo_db):
    at = page_as("import_plan", "office", "office")
    # the Excel tab offers the plan's setter beside the plan it exports
    assert "方案默认报送频次：每月10日前" in _popovers(at)
    row = {"title": "按周报送的任务", "lead_units": "市公安局", "deadline": "2026-12-31"}
    bad = _sheet(
        [{**row, "code": "1", "report_cycle": "每周八"}],
        {"方案名称": "带频次的方案", "报送频次": "每月5日前"},
    )
    at.file_uploader[1].set_value(("任务表.xlsx", bad, XLSX)).run()
    assert any("任务表有 1 处错误" in e for e in errors(at)), errors(at)
    rows = " ".join(str(v) for d in at.dataframe for v in d.value.to_numpy().ravel())
    assert "无法识别报送频次“每周八”" in rows
    assert _button(at, "导入 1 项任务").disabled

    good = _sheet(
        [{**row, "code": "1", "report_cycle": "每周四"}, {**row, "code": "2", "title": "乙"}],
        {"方案名称": "带频次的方案", "报送频次": "每月5日前"},
    )
    at = page_as("import_plan", "office", "office")
    at.file_uploader[1].set_value(("任务表.xlsx", good, XLSX)).run()
    cycle = next(x for x in at.text_input if x.label == "方案默认报送频次")
    assert cycle.value == "每月5日前"
    cycle.input("每周八").run()  # the header's own check blocks the import
    assert any("有 1 处需要修改" in e for e in errors(at)), errors(at)
    table = " ".join(str(v) for d in at.dataframe for v in d.value.to_numpy().ravel())
    assert "方案信息：无法识别报送频次“每周八”" in table
    assert _button(at, "导入 2 项任务").disabled
    next(x for x in at.text_input if x.label == "方案默认报送频次").input("每月5日前").run()
    _button(at, "导入 2 项任务").click().run()
    assert not at.exception and any("已导入方案" in s.value for s in at.success)
    with _db(demo_db) as s:
        plan = s.exec(select(Plan).where(Plan.title == "带频次的方案")).one()
        assert plan.report_cycle == "monthly:5"
        got = {t.code: t.report_cycle for t in s.exec(select(Task).where(Task.plan_id == plan.id))}
        assert got == {"1": "weekly:4", "2": None}
