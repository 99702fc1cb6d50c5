"""AppTest of 方案导入: the office uploads a plan, maps units, imports; Excel sheet; role gate."""

import io

import openpyxl
import pytest
from sqlmodel import Session, select

from duban.core import db as dbmod
from duban.intake import excel
from models import Assignment, Department, Plan, Task
from tests.apptest import app_as, errors, page_as

PLAN = """关于深化政务服务改革的实施方案
市审改办
2026年3月5日

一、重点任务
1.推行政务服务事项清单管理。6月30日前公布清单，9月30日前完成动态调整。(牵头部门:市政务服务和大数据管理局;责任部门:市公安局、税务局)
2.推进财政票据电子化。12月底前完成。(牵头部门:市财政局;责任部门:市级相关部门)
"""


def _db(url: str) -> Session:
    return Session(dbmod.make_engine(url), expire_on_commit=False)


def _select(at, label: str):
    return next(s for s in at.selectbox if s.label == label)


def _button(at, prefix: str):
    return next(b for b in at.button if b.label.startswith(prefix))


def test_office_uploads_maps_units_and_imports(demo_db):
    at = page_as("import_plan", "office", "office")
    assert not at.exception and not errors(at)
    data = PLAN.encode("utf-8")
    at.file_uploader[0].set_value(("方案.txt", data, "text/plain")).run()
    assert not at.exception, at.exception
    assert "② 任务（2 项，可直接修改）" in [s.value for s in at.subheader]
    assert at.text_input[0].value == "关于深化政务服务改革的实施方案"
    # 市级相关部门 is generic (pre-set to leave out); 市财政局 needs a decision
    assert _select(at, "市级相关部门").value == "drop"
    assert _select(at, "市财政局").value == ""
    assert _button(at, "导入 2 项任务").disabled
    _select(at, "市财政局").set_value("create").run()
    go = _button(at, "导入 2 项任务")
    assert not go.disabled
    go.click().run()
    assert not at.exception and not errors(at), errors(at)
    assert any("已导入方案“关于深化政务服务改革的实施方案”" in s.value for s in at.success)

    with _db(demo_db) as s:
        plan = s.exec(select(Plan).where(Plan.title == "关于深化政务服务改革的实施方案")).one()
        tasks = s.exec(select(Task).where(Task.plan_id == plan.id)).all()
        assert len(tasks) == 2
        fin = s.exec(select(Department).where(Department.name == "市财政局")).one()
        units = s.exec(select(Assignment).where(Assignment.department_id == fin.id)).all()
        assert len(units) == 1
        assert not s.exec(select(Department).where(Department.name == "市级相关部门")).first()

    # the same file again: warned, blocked until the office confirms
    at2 = page_as("import_plan", "office", "office")
    at2.file_uploader[0].set_value(("again.txt", data, "text/plain")).run()
    assert any("不能重复导入" in w.value for w in at2.warning)
    # 市财政局 exists now, so nothing is left to decide but the re-import itself
    assert [x.label for x in at2.selectbox if x.label == "市财政局"] == []
    assert _button(at2, "导入 2 项任务").disabled
    next(c for c in at2.checkbox if c.label.startswith("仍然导入")).check().run()
    assert not _button(at2, "导入 2 项任务").disabled


def test_bad_file_gets_a_chinese_error(demo_db):
    at = page_as("import_plan", "office", "office")
    at.file_uploader[0].set_value(("plan.docx", b"not a zip at all", "application/msword")).run()
    assert not at.exception
    assert any("不是有效的 Word 文档" in e for e in errors(at))


def test_excel_sheet_with_bad_rows_skips_them_when_chosen(demo_db):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = excel.SHEET_TASKS
    ws.append([h for _, h in excel.COLUMNS])
    ws.append(["1", None, "表格任务一", None, None, "市公安局", "市税务局", "2026-12-31"])
    ws.append(["2", None, "表格任务二", None, None, "火星局", None, "明年"])
    info = wb.create_sheet(excel.SHEET_PLAN)
    info.append(["方案名称", "表格导入的方案"])
    buf = io.BytesIO()
    wb.save(buf)

    at = page_as("import_plan", "office", "office")
    at.file_uploader[1].set_value(("任务表.xlsx", buf.getvalue(), plan_excel_mime())).run()
    assert not at.exception, at.exception
    assert any("任务表有 2 处错误（涉及 1 行）" in e for e in errors(at))
    go = _button(at, "导入 2 项任务")
    assert go.disabled
    skip = next(c for c in at.checkbox if c.label.startswith("跳过有错误的行"))
    skip.check().run()
    _button(at, "导入 1 项任务").click().run()
    assert not at.exception
    assert any("已导入方案“表格导入的方案”" in s.value for s in at.success)
    with _db(demo_db) as s:
        plan = s.exec(select(Plan).where(Plan.title == "表格导入的方案")).one()
        assert [x.title for x in s.exec(select(Task).where(Task.plan_id == plan.id))] == [
            "表格任务一"
        ]


def plan_excel_mime() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize(
    "user,role", [("leader", "leader"), ("inspector", "inspector"), ("dept01", "dept_head")]
)
def test_other_roles_do_not_get_the_page(demo_db, user, role):
    at = app_as(user, role)
    at.run()
    with pytest.raises(Exception):  # noqa: B017, PT011 - AppTest raises for an unregistered page
        at.switch_page("pages/import_plan.py")


def test_each_task_shows_the_words_its_units_and_deadline_were_read_from(demo_db):
    """Issue 12 #7: the office checks the reading against the document's own words."""
    at = page_as("import_plan", "office", "office")
    at.file_uploader[0].set_value(("方案.txt", PLAN.encode("utf-8"), "text/plain")).run()
    assert not at.exception, at.exception
    box = next(e for e in at.expander if e.label.startswith("识别依据"))
    marked = [m.value for m in box.markdown]
    first = next(v for v in marked if "推行政务服务事项清单管理" in v and "background" in v)
    # the assignment in orange, the deadline's words in blue, everything else escaped text
    assert ":orange-background[\\(牵头部门\\:市政务服务和大数据管理局;" in first
    assert ":blue-background[9月30日前]" in first
    second = next(v for v in marked if "推进财政票据电子化" in v and "background" in v)
    assert ":blue-background[12月底前]" in second


def test_evidence_markup_cannot_be_added_by_the_document():
    """A document's text is escaped: a 】 or [ in it cannot close or open a colour."""
    from ui.intake.views import highlighted

    md = highlighted(
        "推进工作]:red[假]。(牵头单位:<b>市发改委</b>)",
        [("units", "(牵头单位:<b>市发改委</b>)")],
    )
    assert md.count(":orange-background[") == 1
    assert "<b>" not in md and "\\]" in md


def test_phases_are_shown_and_imported_with_the_plan(demo_db):
    from tests.test_plan_import import PHASED_PLAN

    at = page_as("import_plan", "office", "office")
    at.file_uploader[0].set_value(("方案.txt", PHASED_PLAN.encode("utf-8"), "text/plain")).run()
    assert not at.exception, at.exception
    phases = next(x for x in at.text_input if x.label == "实施阶段")
    assert phases.value == "动员部署阶段、集中攻坚阶段、总结验收阶段"
    phases.set_value("动员部署阶段、集中攻坚阶段、总结验收阶段、巩固提升阶段").run()
    for sel in at.selectbox:
        if sel.value == "":
            sel.set_value("create").run()
    _button(at, "导入 2 项任务").click().run()
    assert not at.exception and not errors(at), errors(at)
    with _db(demo_db) as s:
        plan = s.exec(select(Plan).where(Plan.doc_number == '宁"放管服"组办〔2020〕5号')).one()
        assert plan.phases == ["动员部署阶段", "集中攻坚阶段", "总结验收阶段", "巩固提升阶段"]
        tasks = s.exec(select(Task).where(Task.plan_id == plan.id).order_by(Task.sort_key)).all()
        assert [t.phase for t in tasks] == ["动员部署阶段", "集中攻坚阶段"]
