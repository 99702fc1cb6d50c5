"""Every Excel export, opened back: text stays text, figures are typed, the file says what it is.

The workbooks are real files read with openpyxl (and their sheet XML, for formulas and links).
"""

import datetime as dt
import io
import re
import zipfile

import openpyxl
import polars as pl
import pytest

from duban.assessment import exports as asm_exports
from duban.assessment import scoring
from duban.core import clock, exports
from duban.core.exports import About, Column, Sheet
from duban.intake import excel
from duban.monitoring import dashboard, dashboard_export, holidays, status
from duban.monitoring import rules as rules_mod
from duban.monitoring.dashboard import Filters
from duban.tasks import register
from duban.tasks.register import RegisterFilter
from models import Role, TaskStatus
from tests.factories import make_department, make_plan, make_report, make_task, make_user

TODAY = dt.date(2026, 6, 10)
PAYLOADS = ['=HYPERLINK("http://x","y")', "=1+1", "+1", "-1", "@SUM(A1)"]
INTERNAL_HEADERS = {"任务ID", "task_id", "department_id", "key", "明细编号", "ID", "id"}


# ---------------------------------------------------------------- reading a workbook back


def _book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _sheet_xml(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet")}


def assert_no_formula_or_link(data: bytes) -> None:
    """No cell of any sheet holds a formula (<f>) or a hyperlink."""
    for name, xml in _sheet_xml(data).items():
        assert not re.search(rb"<f[ >]", xml), f"{name} has a formula"
        assert b"<hyperlink" not in xml, f"{name} has a hyperlink"


def assert_text_cells(data: bytes, texts: list[str]) -> None:
    """Each text comes back as the same string, in a cell of type string."""
    wb = _book(data)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    for text in texts:
        found = [c for c in cells if c.value == text]
        assert found, f"{text!r} not in the workbook"
        assert all(c.data_type == "s" for c in found), (text, [c.data_type for c in found])
    assert_no_formula_or_link(data)


def headers(ws) -> list[str]:
    return [c.value for c in ws[1]]


def column(ws, header: str) -> list:
    """The cells under a header (data rows only)."""
    j = headers(ws).index(header) + 1
    return [ws.cell(row=i, column=j) for i in range(2, ws.max_row + 1)]


def assert_table_sheet(ws) -> None:
    """Bold frozen header with an autofilter, and no internal id among the headers."""
    assert ws.freeze_panes == "A2", ws.title
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
    assert all(c.font.b for c in ws[1] if c.value), ws.title
    assert not INTERNAL_HEADERS & set(headers(ws)), ws.title
    assert not any(h and "ID" in str(h).upper() for h in headers(ws)), ws.title


def about(wb, sheet: str = exports.ABOUT_SHEET) -> dict[str, object]:
    ws = wb[sheet]
    return {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and r[0] and len(r) > 1}


def assert_no_internal_keys(data: bytes) -> None:
    wb = _book(data)
    for ws in wb:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                assert not (isinstance(v, str) and re.search(r"\w+:\w+:\d+:d\d+", v)), v


# ---------------------------------------------------------------- the helper itself


def test_helper_types_columns_and_describes_the_export():
    frame = pl.DataFrame(
        {
            "name": ["市政务服务和大数据管理局", "=1+1测试局", "1.10"],
            "n": [3, 0, 12],
            "rate": [85.3, 100.0, None],
            "score": [98.456, 100.0, 90.0],
            "day": [dt.date(2026, 3, 1), None, dt.date(2026, 3, 31)],
            "iso": ["2026-03-01", "2026-03-02", "not a date"],
            "at": [dt.datetime(2026, 3, 1, 9, 30), None, None],
            "id": [1, 2, 3],
        }
    )
    cols = [
        Column("name", "单位"),
        Column("n", "任务数", "int"),
        Column("rate", "按期率", "percent"),
        Column("score", "得分", "decimal", places=2),
        Column("day", "日期", "date"),
        Column("iso", "ISO 日期", "date"),
        Column("at", "时间", "datetime"),
    ]
    when = dt.datetime(2026, 6, 10, 15, 30)
    data = exports.write_workbook(
        [Sheet("表", frame, cols)],
        about=About(
            title="测试导出",
            filter_text="单位：市公安局；预警：红灯",
            exported_by="张三",
            exported_at=when,
        ),
    )
    wb = _book(data)
    assert wb.sheetnames == ["说明", "表"]
    info = about(wb)
    assert info["筛选条件"] == "单位：市公安局；预警：红灯"
    assert info["导出人"] == "张三" and info["导出时间"] == when
    assert wb["说明"]["A1"].value == "测试导出"
    ws = wb["表"]
    assert_table_sheet(ws)
    assert headers(ws) == ["单位", "任务数", "按期率", "得分", "日期", "ISO 日期", "时间"]
    name, n, rate = column(ws, "单位"), column(ws, "任务数"), column(ws, "按期率")
    assert [c.value for c in name] == ["市政务服务和大数据管理局", "=1+1测试局", "1.10"]
    assert all(c.data_type == "s" for c in name)
    assert [c.value for c in n] == [3, 0, 12] and n[1].number_format == "0"
    assert rate[0].value == pytest.approx(0.853) and rate[0].number_format == "0.0%"
    assert rate[2].value is None
    assert column(ws, "得分")[0].number_format == "0.00"
    day = column(ws, "日期")
    assert day[0].is_date and day[0].value == dt.datetime(2026, 3, 1)
    assert day[0].number_format == "yyyy-mm-dd" and day[1].value is None
    iso = column(ws, "ISO 日期")
    assert iso[0].is_date and iso[2].value == "not a date"
    assert column(ws, "时间")[0].value == dt.datetime(2026, 3, 1, 9, 30)
    # widths from the content: 12 CJK characters need ~24 columns; a number column stays narrow
    assert ws.column_dimensions["A"].width >= 24
    assert ws.column_dimensions["B"].width < 15
    assert_no_formula_or_link(data)


def test_width_is_capped_and_long_text_wraps():
    frame = pl.DataFrame({"t": ["很长的说明" * 40]})
    ws = _book(exports.write_workbook([Sheet("s", frame, [Column("t", "说明")])]))["s"]
    assert exports.MAX_WIDTH <= ws.column_dimensions["A"].width < exports.MAX_WIDTH + 1
    assert ws["A2"].alignment.wrap_text


def test_display_width_counts_cjk_double():
    assert exports.display_width("abc") == 3
    assert exports.display_width("市公安局") == 8
    assert exports.display_width("督办〔2026〕7号") == 4 + 4 + 2 + 2 + 2 + 1


def test_sheet_names_are_legal():
    assert exports.sheet_name("a/b[c]:*?") == "a_b_c____"
    assert len(exports.sheet_name("很" * 40)) == 31


# ---------------------------------------------------------------- the dashboard


@pytest.fixture
def evil_world(session):
    """Units and tasks named like formulas; every task red (overdue, progress behind)."""
    with clock.frozen(TODAY):
        plan = make_plan(session, title="=1+1方案")
        units = [make_department(session, name=p, short_name=p) for p in PAYLOADS]
        tasks = []
        for i, (unit, payload) in enumerate(zip(units, PAYLOADS, strict=True)):
            tasks.append(
                make_task(
                    session,
                    plan=plan,
                    lead=unit,
                    responsible=[units[(i + 1) % len(units)]],
                    code=f"{i + 1}.10",
                    title=payload,
                    phase="试点先行",
                    deadline=TODAY - dt.timedelta(days=20 + i),
                    status=TaskStatus.in_progress,
                )
            )
        make_report(session, tasks[0], units[0], percent=100)
        _, office = make_user(session, role=Role.office, display_name="办公室 王五")
    return {"plan": plan, "units": units, "tasks": tasks, "office": office}


def _dashboard(engine, session, filters: Filters):
    with clock.frozen(TODAY):
        rules, cal = rules_mod.load_warning_rules(session), holidays.load_calendar(session)
        sf = status.status_frames(engine, today=TODAY)
        before = status.last_week(sf.raw, today=TODAY, rules=rules, cal=cal)
        d = dashboard.build_dashboard(sf, before, filters, rules=rules, cal=cal, red_rows=None)
        return d, dashboard.filter_options(sf)


def test_dashboard_export_is_safe_typed_and_states_its_filter(engine, session, evil_world):
    unit = evil_world["units"][1]
    filters = Filters(department_id=unit.id, role="lead")
    d, opts = _dashboard(engine, session, filters)
    words = dashboard_export.describe_filters(filters, opts)
    assert words == "单位：=1+1；分工：牵头"
    data = dashboard_export.export_excel(d, filter_text=words, exported_by="王五")
    wb = _book(data)
    info = about(wb)
    assert info["筛选条件"] == words and info["导出人"] == "王五"
    assert info["数据截至"] == dt.datetime.combine(TODAY, dt.time())
    for ws in wb.worksheets[1:]:
        assert_table_sheet(ws)
    red = wb["红灯任务"]
    assert [c.value for c in column(red, "任务")] == ["=1+1"]  # the filter was applied
    assert column(red, "编号")[0].value == "2.10" and column(red, "编号")[0].data_type == "s"
    assert column(red, "完成时限")[0].is_date
    assert column(red, "逾期工作日")[0].number_format == "0"
    assert isinstance(column(red, "逾期工作日")[0].value, int)
    assert column(red, "进度")[0].number_format == "0%"
    units = wb["各单位"]
    assert column(units, "单位")[0].value == "=1+1" and column(units, "单位")[0].data_type == "s"
    assert column(units, "分工任务")[0].number_format == "0"
    assert column(units, "按期办结率")[0].number_format == "0.0%"
    kpi = {r[0].value: r for r in wb["指标卡"].iter_rows(min_row=2)}
    assert kpi["任务总数"][1].value == 1 and kpi["任务总数"][1].number_format == "0"
    assert kpi["按期率"][1].number_format == "0.0%"
    assert_text_cells(data, ["=1+1", words])
    assert not any("%" in (h or "") for ws in wb.worksheets[1:] for h in headers(ws))


def test_dashboard_export_of_everything_says_so(engine, session, evil_world):
    d, opts = _dashboard(engine, session, Filters())
    words = dashboard_export.describe_filters(Filters(), opts)
    assert words == "全部"
    data = dashboard_export.export_excel(d, filter_text=words)
    wb = _book(data)
    assert about(wb)["筛选条件"] == "全部"
    assert wb["红灯任务"].max_row - 1 == d.red_total == len(PAYLOADS)
    assert_text_cells(data, PAYLOADS)


def test_dashboard_filter_words_name_plan_phase_and_dates():
    f = Filters(
        plan_id=1,
        phase="试点先行",
        department_id=9,
        date_from=dt.date(2026, 1, 1),
        date_to=None,
    )
    opts = {"plans": {1: "一网通办实施方案"}, "departments": {9: "市公安局"}}
    assert dashboard_export.describe_filters(f, opts) == (
        "实施方案：一网通办实施方案；阶段：试点先行；单位：市公安局；完成时限：2026-01-01 至 不限"
    )


# ---------------------------------------------------------------- the register


def test_register_export_is_safe_typed_and_states_its_filter(engine, session, evil_world):
    unit = evil_world["units"][0]
    with clock.frozen(TODAY):
        df = register.base_frame(engine, today=TODAY)
    f = RegisterFilter(department_id=unit.id, unit_role="lead", colours=["red"])
    view = register.register_view(df, f, actor=evil_world["office"])
    words = register.describe_filter(
        f, plans={}, departments={u.id: u.name for u in evil_world["units"]}
    )
    assert words == '单位：=HYPERLINK("http://x","y")（牵头）；预警：红灯'
    data = register.export_excel(view, filter_text=words, exported_by="王五")
    wb = _book(data)
    assert wb.sheetnames == ["说明", "任务台账"]
    assert about(wb)["筛选条件"] == words
    ws = wb["任务台账"]
    assert_table_sheet(ws)
    assert [c.value for c in column(ws, "任务")] == ['=HYPERLINK("http://x","y")']
    progress = column(ws, "进度")[0]
    assert progress.value == 1.0 and progress.number_format == "0%"  # was "100.000"
    assert column(ws, "当前时限")[0].is_date
    assert column(ws, "延期次数")[0].value == 0 and column(ws, "延期次数")[0].number_format == "0"
    assert column(ws, "编号")[0].value == "1.10"
    assert_text_cells(data, [PAYLOADS[0], words])


def test_register_export_of_all_rows_has_every_payload(engine, session, evil_world):
    with clock.frozen(TODAY):
        df = register.base_frame(engine, today=TODAY)
    view = register.register_view(df, RegisterFilter(), actor=evil_world["office"])
    words = register.describe_filter(RegisterFilter(), plans={}, departments={})
    data = register.export_excel(view, filter_text=words)
    assert about(_book(data))["筛选条件"] == "全部"
    assert_text_cells(data, PAYLOADS)


def test_register_filter_words_say_a_department_head_sees_only_its_unit(session):
    unit = make_department(session, name="市公安局")
    _, head = make_user(session, role=Role.dept_head, department_id=unit.id)
    f = RegisterFilter(plan_id=3, phases=["试点先行"], statuses=["in_progress"], text=" 社保 ")
    words = register.describe_filter(
        f, plans={3: "一网通办方案"}, departments={unit.id: "市公安局"}, actor=head
    )
    assert words == (
        "范围：市公安局参与的任务；实施方案：一网通办方案；阶段：试点先行；状态：推进中；关键词：社保"
    )


# ---------------------------------------------------------------- the scorecard


def _result(units: list[scoring.UnitResult]) -> scoring.PeriodResult:
    return scoring.PeriodResult(
        period_id=1,
        label="2026年第一季度",
        kind="quarter",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 3, 31),
        status="open",
        as_of=dt.date(2026, 4, 1),
        formula={},
        reference_load=1.0,
        units=units,
        unit_count=len(units),
    )


def _line(payload: str, n: int, did: int) -> dict:
    return {
        "key": f"finding:finding:{n}:d{did}",
        "department_id": did,
        "category": "整改逾期",
        "points": -2.0,
        "detail": payload,
        "source_type": "finding",
        "source_id": n,
        "source_ref": f"整改项 #{n}",
        "day": "2026-03-16",
        "status": "counted",
    }


def test_scorecard_export_is_safe_typed_and_readable():
    units = [
        scoring.UnitResult(
            i + 1, p, -2.0, 1.0, 1.0, 98.0 - i, i + 1, lines=[_line(p, i + 3, i + 11)]
        )
        for i, p in enumerate(PAYLOADS)
    ]
    units[0].prev_score, units[0].prev_rank = 96.5, 2
    data = asm_exports.scorecard_xlsx(_result(units), exported_by="王五")
    wb = _book(data)
    assert wb.sheetnames == ["说明", "成绩单", "得分明细", "评分规则", "计分方法"]
    info = about(wb)
    assert info["筛选条件"] == "考核期：2026年第一季度（2026-01-01 至 2026-03-31）；单位：5 个"
    assert info["导出人"] == "王五"
    for name in ("成绩单", "得分明细", "评分规则"):
        assert_table_sheet(wb[name])
    ranking = wb["成绩单"]
    assert [c.value for c in column(ranking, "单位")] == PAYLOADS
    assert column(ranking, "名次")[0].value == 1 and column(ranking, "名次")[0].number_format == "0"
    assert column(ranking, "得分")[0].number_format == "0.00"
    assert column(ranking, "较上期得分")[0].value == pytest.approx(1.5)
    assert column(ranking, "名次变化")[0].value == 1
    lines = wb["得分明细"]
    assert "明细编号" not in headers(lines)
    day = column(lines, "日期")[0]
    assert day.is_date and day.value == dt.datetime(2026, 3, 16)
    assert column(lines, "来源")[0].value == "整改项 #3"
    assert [c.value for c in column(lines, "说明")] == PAYLOADS
    assert_no_internal_keys(data)
    assert_text_cells(data, PAYLOADS)


# ---------------------------------------------------------------- the task sheet (intake)


def test_plan_export_keeps_text_and_reads_back(session, evil_world):
    plan = evil_world["plan"]
    with clock.frozen(TODAY):
        data = excel.export_plan(session, plan.id, exported_by="王五")
    wb = _book(data)
    assert wb.sheetnames[:3] == [excel.SHEET_TASKS, excel.SHEET_PLAN, excel.SHEET_HELP]
    info = about(wb, excel.SHEET_ABOUT)
    assert info["筛选条件"] == "实施方案：=1+1方案（全部任务）" and info["导出人"] == "王五"
    ws = wb[excel.SHEET_TASKS]
    assert_table_sheet(ws)
    assert column(ws, "完成时限")[0].is_date
    assert column(ws, "序号")[0].number_format == "@"
    assert_text_cells(data, [*PAYLOADS, "=1+1方案", "1.10"])
    back = excel.read_task_sheet(data, session)
    assert [t.title for t in back.draft.tasks] == PAYLOADS
    assert [t.code for t in back.draft.tasks] == [f"{i}.10" for i in range(1, 6)]
    # (a unit list splits at commas on import: the payload without one reads back whole)
    assert back.draft.tasks[1].lead_units == ["=1+1"]
    assert back.draft.title == "=1+1方案"
    assert not back.errors


def test_task_template_is_safe_and_typed():
    data = excel.template_bytes()
    wb = _book(data)
    ws = wb[excel.SHEET_TASKS]
    assert_table_sheet(ws)
    assert ws["A2"].number_format == "@"  # a typed "1.10" stays text
    assert column(ws, "完成时限")[0].is_date
    assert_no_formula_or_link(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert b"<dataValidation" in z.read("xl/worksheets/sheet1.xml")
