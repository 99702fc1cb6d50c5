"""The Excel task sheet with 事项来源 and custom-field columns: the template lists and explains
them, a filled template imports typed values, a plan's export reads back the same, and a bad
cell is a row error naming the row and the column — nothing is imported."""

import datetime as dt
import io

import openpyxl
import pytest
from sqlmodel import func, select

from duban.core.errors import ValidationFailed
from duban.fields import categories, definitions
from duban.intake import excel
from duban.intake.importer import commit_import
from models import Plan, Role, Task
from tests.factories import make_department, make_user


@pytest.fixture
def world(session):
    _, office = make_user(session, Role.office)
    police = make_department(session, name="市公安局", short_name="公安局")
    money = definitions.create_field(
        session, actor=office, label="投资额", kind="number", unit="万元", required=True
    )
    level = definitions.create_field(
        session, actor=office, label="层级", kind="multi_choice", options=["市级", "区级"]
    )
    start = definitions.create_field(session, actor=office, label="开工日期", kind="date")
    cat = categories.create_category(session, actor=office, name="重大项目", weight=2)
    return {
        "office": office,
        "police": police,
        "money": money,
        "level": level,
        "start": start,
        "cat": cat,
    }


def _fill(template: bytes, rows: list[dict[str, object]]) -> bytes:
    """The template with its example row replaced by `rows` (header → value)."""
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb[excel.SHEET_TASKS]
    headers = [c.value for c in ws[1]]
    ws.delete_rows(2, ws.max_row)
    for r in rows:
        ws.append([r.get(h) for h in headers])
    wb[excel.SHEET_PLAN]["B1"] = "低代码方案"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_template_lists_the_columns_and_what_they_accept(session, world):
    wb = openpyxl.load_workbook(io.BytesIO(excel.template_bytes(session)))
    headers = [c.value for c in wb[excel.SHEET_TASKS][1]]
    assert headers[-4:] == ["事项来源", "投资额", "层级", "开工日期"]
    notes = "\n".join(str(r[0].value or "") for r in wb[excel.SHEET_HELP].iter_rows())
    assert "“事项来源”：填写其中一项：" in notes and "重大项目" in notes
    assert "“投资额”：数字，单位：万元（只填数字）；必填。" in notes
    assert "“层级”：多选，可填多项，用顿号“、”分隔：市级、区级。" in notes
    assert "“开工日期”：日期，如 2026-03-31。" in notes
    # without custom fields or a session: the sheet as before
    assert [
        c.value
        for c in openpyxl.load_workbook(io.BytesIO(excel.template_bytes()))[excel.SHEET_TASKS][1]
    ][-1] == "权重"


def test_template_round_trip_with_custom_fields_and_a_category(session, world):
    w = world
    data = _fill(
        excel.template_bytes(session),
        [
            {
                "序号": "1",
                "任务名称": "建设政务云",
                "牵头单位": "公安局",
                "事项来源": "重大项目",
                "投资额": 1200.5,
                "层级": "区级、市级",
                "开工日期": dt.datetime(2026, 3, 1),
            },
            {
                "序号": "2",
                "任务名称": "推进网上办",
                "牵头单位": "市公安局",
                "投资额": "30万元",
                "开工日期": "2026/4/2",
            },
        ],
    )
    sheet = excel.read_task_sheet(data, session)
    assert sheet.errors == []
    result = commit_import(session, actor=w["office"], draft=sheet.draft, source_name="表.xlsx")
    tasks = {t.code: t for t in session.exec(select(Task).where(Task.plan_id == result.plan_id))}
    m, lv, st = str(w["money"].id), str(w["level"].id), str(w["start"].id)
    assert tasks["1"].category_id == w["cat"].id
    assert tasks["1"].custom == {m: 1200.5, lv: ["市级", "区级"], st: "2026-03-01"}
    assert tasks["2"].category_id is None
    assert tasks["2"].custom == {m: 30.0, st: "2026-04-02"}

    # the plan's export carries them typed, and reads back to the same values
    out = excel.export_plan(session, result.plan_id)
    ws = openpyxl.load_workbook(io.BytesIO(out))[excel.SHEET_TASKS]
    headers = [c.value for c in ws[1]]
    row = {h: ws.cell(2, i + 1).value for i, h in enumerate(headers)}
    assert row["事项来源"] == "重大项目" and row["投资额"] == 1200.5
    assert row["开工日期"] == dt.datetime(2026, 3, 1) and row["层级"] == "市级、区级"
    back = excel.read_task_sheet(out, session)
    assert back.errors == []
    again = commit_import(session, actor=w["office"], draft=back.draft, source_name="导出.xlsx")
    copies = {t.code: t for t in session.exec(select(Task).where(Task.plan_id == again.plan_id))}
    assert {c: (t.category_id, t.custom) for c, t in copies.items()} == {
        c: (t.category_id, t.custom) for c, t in tasks.items()
    }


def test_a_bad_number_cell_is_a_row_error_and_nothing_is_imported(session, world):
    data = _fill(
        excel.template_bytes(session),
        [
            {"序号": "1", "任务名称": "甲", "牵头单位": "公安局", "投资额": 5},
            {"序号": "2", "任务名称": "乙", "牵头单位": "公安局", "投资额": "十二"},
            {"序号": "3", "任务名称": "丙", "牵头单位": "公安局", "事项来源": "不存在的来源"},
        ],
    )
    sheet = excel.read_task_sheet(data, session)
    assert [(e.row, e.message.split("：")[0]) for e in sheet.errors] == [
        (3, "“投资额”列"),
        (4, "“事项来源”列"),
    ]
    assert "应为数字（单位：万元），不能是“十二”" in str(sheet.errors[0])
    assert str(sheet.errors[0]).startswith("第 3 行：")
    assert "没有名为“不存在的来源”的事项来源" in str(sheet.errors[1])
    with pytest.raises(ValidationFailed, match="第 3 行：“投资额”列"):
        commit_import(session, actor=world["office"], draft=sheet.draft)
    assert session.exec(select(func.count()).select_from(Plan)).one() == 0
    assert session.exec(select(func.count()).select_from(Task)).one() == 0


def test_a_column_that_is_no_field_is_ignored_with_a_warning(session, world):
    data = _fill(
        excel.template_bytes(session),
        [{"序号": "1", "任务名称": "甲", "牵头单位": "公安局", "投资额": 1}],
    )
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[excel.SHEET_TASKS]
    ws.cell(1, ws.max_column + 1, "备忘")
    ws.cell(2, ws.max_column, "随手记")
    buf = io.BytesIO()
    wb.save(buf)
    sheet = excel.read_task_sheet(buf.getvalue(), session)
    assert sheet.errors == []
    assert "任务表中的“备忘”列不是现有的自定义字段，已忽略" in sheet.draft.warnings


def test_a_plans_own_field_goes_out_with_that_plan_only(session, world):
    """A field of one plan is a column of that plan's export (typed, with its values) and of
    no other sheet; read back into a new plan, the column is left out with a warning that
    names the plan it belongs to — every other value comes back."""
    from duban.tasks import manage

    w = world
    rows = [
        {
            "序号": "1",
            "任务名称": "建设政务云",
            "牵头单位": "公安局",
            "投资额": 10,
            "完成时限": dt.datetime(2026, 12, 31),
        }
    ]
    first = commit_import(
        session,
        actor=w["office"],
        draft=excel.read_task_sheet(_fill(excel.template_bytes(session), rows), session).draft,
    )
    other = commit_import(
        session,
        actor=w["office"],
        draft=excel.read_task_sheet(_fill(excel.template_bytes(session), rows), session).draft,
    )
    own = definitions.create_field(
        session,
        actor=w["office"],
        label="拆迁户数",
        kind="number",
        unit="户",
        plan_id=first.plan_id,
    )
    task = session.exec(select(Task).where(Task.plan_id == first.plan_id)).one()
    manage.update_task(
        session,
        actor=w["office"],
        task_id=task.id,
        expected_version=task.version,
        custom={str(own.id): "36"},
    )

    def headers(data: bytes) -> list:
        return [c.value for c in openpyxl.load_workbook(io.BytesIO(data))[excel.SHEET_TASKS][1]]

    out = excel.export_plan(session, first.plan_id)
    ws = openpyxl.load_workbook(io.BytesIO(out))[excel.SHEET_TASKS]
    row = {c.value: ws.cell(2, c.column).value for c in ws[1]}
    assert headers(out)[-5:] == ["事项来源", "投资额", "层级", "开工日期", "拆迁户数"]
    assert row["拆迁户数"] == 36 and row["投资额"] == 10
    assert "拆迁户数" not in headers(excel.export_plan(session, other.plan_id))
    assert "拆迁户数" not in headers(excel.template_bytes(session))

    back = excel.read_task_sheet(out, session)
    assert back.errors == []
    plan = session.get(Plan, first.plan_id)
    assert (
        f"任务表中的“拆迁户数”列是方案“{plan.title}”的专用字段，不适用于新导入的方案，已忽略"
        in back.draft.warnings
    )
    again = commit_import(session, actor=w["office"], draft=back.draft, source_name="导出.xlsx")
    copy = session.exec(select(Task).where(Task.plan_id == again.plan_id)).one()
    assert copy.custom == {str(w["money"].id): 10.0}
