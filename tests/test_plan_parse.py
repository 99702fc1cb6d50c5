"""Tests for the plan parser (duban.intake.parse) on synthetic fixtures and the shared samples."""

from __future__ import annotations

import datetime
import io
import json
import logging
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duban import cli
from duban.intake.parse.model import ParsedPlan, PlanParseError
from duban.intake.parse.reader import parse_plan_bytes, parse_plan_file

FIXTURES = Path(__file__).parent / "fixtures" / "plans"
SAMPLES = Path("/work/shared/samples/plans")
D = datetime.date


def _read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _by_code(plan: ParsedPlan) -> dict:
    return {t.code: t for t in plan.tasks}


# ---------------------------------------------------------------- heading style


def _check_heading_plan(plan: ParsedPlan) -> None:
    assert plan.title == "关于推进政务服务“一网通办”工作的实施方案"
    assert plan.issued_on == D(2021, 3, 1)
    assert plan.issuer == "县政务服务改革领导小组办公室"
    tasks = _by_code(plan)
    assert list(tasks) == ["三(一)", "三(二)", "三(三)"]
    t1 = tasks["三(一)"]
    assert t1.title == "梳理网上办事项清单"
    assert t1.lead_units == ["审批改革科"]
    assert t1.responsible_units == ["电子政务科", "各进驻窗口"]
    assert t1.deadline == D(2021, 4, 30)
    assert t1.parent_code is None
    assert "对外公布" in t1.text
    assert [(x.value, x.unit, x.direction) for x in t1.targets] == [(80.0, "%", ">=")]
    t2 = tasks["三(二)"]
    assert t2.lead_units == ["政务服务科"]
    assert t2.responsible_units == ["审批改革科", "电子政务科"]
    assert t2.deadline == D(2021, 9, 30)
    assert "1.压缩办理时限" in t2.text and "2.强化差评整改" in t2.text
    assert [(x.value, x.unit, x.direction) for x in t2.targets] == [
        (3.0, "个工作日", "<="),
        (100.0, "%", ">="),
        (8.0, "%", "<="),
    ]
    t3 = tasks["三(三)"]
    assert t3.lead_units == ["办公室"]
    assert t3.responsible_units == ["县邮政公司"]
    assert t3.deadline == D(2021, 10, 15)
    assert [(m.date, m.text) for m in t3.milestones] == [
        (D(2021, 6, 30), "6月底前开通快递送达"),
        (D(2021, 10, 15), "10月15日前实现全部事项快递送达"),
    ]
    # sections without assignments (guiding ideas, goals, safeguards) give no tasks
    assert not any(t.code.startswith(("一", "二", "四")) for t in plan.tasks)


def test_heading_style_utf8() -> None:
    plan = parse_plan_bytes(_read("heading_style.txt"), "plan.txt")
    _check_heading_plan(plan)
    assert plan.warnings == []


def test_heading_style_gbk_same_result() -> None:
    utf8 = parse_plan_bytes(_read("heading_style.txt"), "plan.txt")
    gbk = parse_plan_bytes(_read("heading_style.txt").decode("utf-8").encode("gbk"), "plan.txt")
    _check_heading_plan(gbk)
    assert gbk.to_json_dict() == utf8.to_json_dict()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig", "gb18030"])
def test_other_encodings(encoding: str) -> None:
    data = _read("heading_style.txt").decode("utf-8").encode(encoding)
    _check_heading_plan(parse_plan_bytes(data, "plan.txt"))


def test_full_width_punctuation_and_crlf() -> None:
    text = _read("heading_style.txt").decode("utf-8")
    text = text.replace(":", "：").replace("(", "（").replace(")", "）").replace("\n", "\r\n")
    _check_heading_plan(parse_plan_bytes(text.encode("utf-8"), "plan.txt"))


def test_json_shape() -> None:
    plan = parse_plan_bytes(_read("heading_style.txt"), "plan.txt")
    d = plan.to_json_dict()
    assert set(d) == {
        "title",
        "issuer",
        "doc_number",
        "issued_on",
        "phases",
        "tasks",
        "warnings",
    }
    assert d["issued_on"] == "2021-03-01"
    task = d["tasks"][2]
    assert set(task) == {
        "code",
        "title",
        "text",
        "parent_code",
        "lead_units",
        "responsible_units",
        "deadline",
        "phase",
        "milestones",
        "targets",
    }
    assert task["deadline"] == "2021-10-15"
    assert task["milestones"][0] == {"date": "2021-06-30", "text": "6月底前开通快递送达"}
    assert (
        d["tasks"][0]["targets"][0]
        == {
            "text": "形成清单并对外公布",
            "value": 80.0,
            "unit": "%",
            "direction": ">=",
        }
        or d["tasks"][0]["targets"][0]["value"] == 80.0
    )
    json.dumps(d, ensure_ascii=False)


# ---------------------------------------------------------------- inline style


def test_inline_style_several_tasks_per_paragraph() -> None:
    plan = parse_plan_bytes(_read("inline_style.txt"), "plan.txt", year=2017)
    assert plan.title == "某市推进“最多跑一次”改革实施方案"
    tasks = _by_code(plan)
    assert list(tasks) == ["二(一)1", "二(一)2", "二(一)3", "二(二)1", "二(二)2"]
    t = tasks["二(一)1"]
    assert t.title == "优化行政权力运行流程"
    assert t.lead_units == ["市行政服务中心"]
    assert t.responsible_units == ["市级相关部门"]
    assert t.deadline == D(2017, 6, 30)
    assert t.parent_code is None
    assert "牵头部门" not in t.text
    t = tasks["二(一)2"]
    assert t.lead_units == ["市行政服务中心", "市编委办"]
    assert t.responsible_units == ["市公安局", "市税务局", "市人社局"]
    assert t.deadline == D(2017, 3, 31)
    t = tasks["二(一)3"]
    assert t.lead_units == ["市市场监管局"]
    assert t.responsible_units == ["各县（市、区）政府", "市级相关部门"]
    assert t.deadline == D(2017, 9, 30)
    assert [m.date for m in t.milestones] == [D(2017, 6, 30), D(2017, 9, 30)]
    t = tasks["二(二)1"]
    assert t.lead_units == ["市电子政务办"]
    assert t.responsible_units == ["各镇街道", "市经济开发区"]
    assert t.deadline == D(2017, 12, 31)
    # assignment broken by a line break inside the parentheses; 明年 = plan year + 1
    t = tasks["二(二)2"]
    assert t.lead_units == ["市委编办"]
    assert t.responsible_units == ["市民政局", "市级相关部门"]
    assert t.deadline == D(2018, 3, 31)
    assert "职责分工" not in t.text and "市府办负责" not in t.text
    assert any("跳过其余 1 个" in w for w in plan.warnings)


def test_inline_style_without_year_warns() -> None:
    plan = parse_plan_bytes(_read("inline_style.txt"), "plan.txt")
    assert all(t.deadline is None for t in plan.tasks)
    assert any("--year" in w for w in plan.warnings)
    assert _by_code(plan)["二(一)2"].responsible_units == ["市公安局", "市税务局", "市人社局"]


# ---------------------------------------------------------------- traditional


def test_traditional_characters() -> None:
    plan = parse_plan_bytes(_read("traditional.txt"), "plan.txt")
    assert plan.title == "某市人民政府辦公廳關于印發政務服務改革實施方案的通知"
    assert "(" not in plan.title  # pinyin debris removed
    assert plan.doc_number == "某政辦〔2019〕8號"
    assert plan.issued_on == D(2019, 5, 20)
    assert plan.issuer == "某市人民政府辦公廳"
    tasks = _by_code(plan)
    assert list(tasks) == ["一(一)", "一(二)"]
    assert tasks["一(一)"].title == "推進審批服務標準化"
    assert tasks["一(一)"].lead_units == ["市政務服務中心"]
    assert tasks["一(一)"].responsible_units == ["市發展改革委", "市司法局"]
    assert tasks["一(一)"].deadline == D(2019, 10, 31)
    assert tasks["一(二)"].lead_units == ["市大數據局"]
    assert tasks["一(二)"].responsible_units == ["各縣(市、區)人民政府"]
    assert tasks["一(二)"].deadline == D(2019, 12, 31)
    assert tasks["一(二)"].targets[0].value == 85.0


# ---------------------------------------------------------------- years


def _mini(header: str) -> bytes:
    body = (
        "一、重点任务\n"
        "(一)建设平台。9月30日前完成平台建设,年底前上线运行。\n"
        "牵头单位:市大数据局\n责任单位:市财政局\n"
        "(二)完善制度。上半年出台管理办法。\n牵头单位:市司法局\n"
    )
    return (header + body).encode("utf-8")


def test_year_from_issue_date() -> None:
    plan = parse_plan_bytes(_mini("某某工作方案\n2019年1月2日\n"), "p.txt", year=2030)
    assert plan.issued_on == D(2019, 1, 2)
    t = _by_code(plan)["一(一)"]
    assert t.deadline == D(2019, 12, 31)
    assert [m.date for m in t.milestones] == [D(2019, 9, 30), D(2019, 12, 31)]
    assert _by_code(plan)["一(二)"].deadline == D(2019, 6, 30)


def test_year_from_doc_number() -> None:
    plan = parse_plan_bytes(_mini("某政办〔2020〕12号\n某某工作方案\n"), "p.txt")
    assert plan.doc_number == "某政办〔2020〕12号"
    assert plan.issued_on is None
    assert _by_code(plan)["一(一)"].deadline == D(2020, 12, 31)


def test_year_from_argument() -> None:
    plan = parse_plan_bytes(_mini("某某工作方案\n"), "p.txt", year=2022)
    assert _by_code(plan)["一(一)"].deadline == D(2022, 12, 31)
    assert not any("--year" in w for w in plan.warnings)


def test_year_unknown_warns() -> None:
    plan = parse_plan_bytes(_mini("某某工作方案\n"), "p.txt")
    assert _by_code(plan)["一(一)"].deadline is None
    assert _by_code(plan)["一(一)"].lead_units == ["市大数据局"]
    assert any("--year" in w for w in plan.warnings)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("(完成时限:2020年12月30前)", D(2020, 12, 30)),
        ("9月30日前完成", D(2020, 9, 30)),
        ("12月底完成", D(2020, 12, 31)),
        ("年底前完成", D(2020, 12, 31)),
        ("2021年3月底前完成", D(2021, 3, 31)),
        ("(完成时限:全年)", D(2020, 12, 31)),
        ("6月份完成", D(2020, 6, 30)),
        ("上半年完成", D(2020, 6, 30)),
        ("下半年完成", D(2020, 12, 31)),
        ("年内完成", D(2020, 12, 31)),
        ("今年10月15日前完成", D(2020, 10, 15)),
        ("明年3月底前完成", D(2021, 3, 31)),
        ("(完成时限:长期坚持)", None),
        ("持续推进", None),
    ],
)
def test_deadline_phrases(phrase: str, expected: datetime.date | None) -> None:
    text = f"某某方案\n某政办〔2020〕1号\n一、任务\n(一)推进改革{phrase}\n牵头单位:市政府办\n"
    plan = parse_plan_bytes(text.encode("utf-8"), "p.txt")
    assert len(plan.tasks) == 1
    assert plan.tasks[0].deadline == expected


# ---------------------------------------------------------------- units


def test_unit_lists() -> None:
    text = (
        "某市改革方案\n2020年1月1日\n一、任务\n"
        "(一)甲任务。\n牵头单位:市发改委和市财政局\n"
        "责任单位:市公安局、税务局、人社局及各县（市、区）政府等单位\n"
        "(二)乙任务。\n责任单位:市商务局(牵头)、市政务服务和大数据管理局\n"
        "(三)丙任务。(市交通局牵头,市公安局、市城管局配合)\n"
        "(四)丁任务。\n责任单位:市商务局\n"
    )
    tasks = _by_code(parse_plan_bytes(text.encode("utf-8"), "p.txt"))
    assert tasks["一(四)"].responsible_units == ["市商务局"]  # no convention: stays responsible
    assert tasks["一(一)"].lead_units == ["市发改委", "市财政局"]
    assert tasks["一(一)"].responsible_units == [
        "市公安局",
        "市税务局",
        "市人社局",
        "各县（市、区）政府",
    ]
    assert tasks["一(二)"].lead_units == ["市商务局"]
    assert tasks["一(二)"].responsible_units == ["市政务服务和大数据管理局"]
    assert tasks["一(三)"].lead_units == ["市交通局"]
    assert tasks["一(三)"].responsible_units == ["市公安局", "市城管局"]


def test_label_with_first_is_lead_note() -> None:
    text = (
        "某市方案\n2020年1月1日\n一、任务\n"
        "(一)甲任务。\n责任单位(列第一位的为牵头单位):市发改委、市财政局\n"
        "(二)乙任务。(责任单位:市商务局;完成时限:2020年6月底前)\n"
    )
    tasks = _by_code(parse_plan_bytes(text.encode("utf-8"), "p.txt"))
    assert (tasks["一(一)"].lead_units, tasks["一(一)"].responsible_units) == (
        ["市发改委"],
        ["市财政局"],
    )
    # the note states the document's convention: it applies to later lists too
    assert (tasks["一(二)"].lead_units, tasks["一(二)"].responsible_units) == (["市商务局"], [])
    assert tasks["一(二)"].deadline == D(2020, 6, 30)


def test_parent_code_for_nested_tasks() -> None:
    text = (
        "某县工作方案\n2020年1月1日\n一、任务\n"
        "(一)总任务(完成时限:2020年12月31日前)\n牵头单位:县政府办\n"
        "1.子任务甲。6月底前完成。\n牵头单位:县财政局\n"
        "2.子任务乙。9月底前完成。\n牵头单位:县审计局\n"
    )
    tasks = _by_code(parse_plan_bytes(text.encode("utf-8"), "p.txt"))
    assert list(tasks) == ["一(一)", "一(一)1", "一(一)2"]
    assert tasks["一(一)"].parent_code is None
    assert tasks["一(一)1"].parent_code == "一(一)"
    assert tasks["一(一)2"].lead_units == ["县审计局"]
    assert tasks["一(一)2"].deadline == D(2020, 9, 30)


def test_no_tasks_is_a_warning() -> None:
    plan = parse_plan_bytes("只是一段普通的文字,没有任何任务。".encode(), "a.txt")
    assert plan.tasks == []
    assert any("未识别到任务" in w for w in plan.warnings)


def test_mixed_assignment_styles() -> None:
    text = (
        "关于印发某区优化营商环境行动方案的通知\n区政府各部门:\n"
        "一、重点任务\n"
        "(一)深化商事制度改革(牵头单位:区市场监管局;责任单位:区税务局)\n"
        "全面推行企业开办“一网通办”,年内企业开办时间压缩至1个工作日以内。\n"
        "(二)提升审批效率。推行告知承诺制。牵头单位:区审批局;责任单位:区住建局、区自然资源局\n"
        "(三)强化信用监管\n1.建立信用档案。\n2.实施联合惩戒。\n"
        "责任单位:区发改委、区法院、区人民银行(列第一位的为牵头单位,下同)\n"
        "完成时限:2021年10月底前\n"
        "(四)优化纳税服务。\n责任单位:区税务局、区财政局\n完成时限:长期坚持\n"
        "二、组织保障\n各单位要加强领导。\n"
        "某区人民政府\n2021年4月6日\n"
    )
    plan = parse_plan_bytes(text.encode("utf-8"), "p.txt")
    assert plan.issuer == "某区人民政府"
    assert plan.issued_on == D(2021, 4, 6)
    tasks = _by_code(plan)
    assert list(tasks) == ["一(一)", "一(二)", "一(三)", "一(四)"]
    t = tasks["一(一)"]
    assert (t.lead_units, t.responsible_units) == (["区市场监管局"], ["区税务局"])
    assert "全面推行企业开办" in t.text  # body after an assignment in the heading stays
    assert t.deadline == D(2021, 12, 31)
    t = tasks["一(二)"]
    assert (t.lead_units, t.responsible_units) == (["区审批局"], ["区住建局", "区自然资源局"])
    t = tasks["一(三)"]
    assert (t.lead_units, t.responsible_units) == (["区发改委"], ["区法院", "区人民银行"])
    assert t.deadline == D(2021, 10, 31)
    t = tasks["一(四)"]
    assert (t.lead_units, t.responsible_units) == (["区税务局"], ["区财政局"])
    assert t.deadline is None


def test_unnumbered_paragraphs_with_own_assignment() -> None:
    text = (
        "某省优化营商环境实施方案\n某政办〔2022〕7号\n二、主要任务\n(一)优化企业开办服务\n"
        "推进商事制度改革。年底前开办时间压缩至1个工作日以内。"
        "(省市场监管局牵头,省税务局、省公安厅按职责分工负责)\n"
        "深化投资审批改革。推行承诺制,6月底前完成。(牵头单位:省发展改革委;责任单位:省自然资源厅)\n"
        "(二)提升政务服务水平\n1.推进一网通办。全年网上可办率达95%以上。(牵头单位:省政务服务中心)\n"
    )
    plan = parse_plan_bytes(text.encode("utf-8"), "p.txt")
    got = [(t.code, t.title, t.lead_units, t.responsible_units, t.deadline) for t in plan.tasks]
    assert got == [
        (
            "二(一)-1",
            "推进商事制度改革",
            ["省市场监管局"],
            ["省税务局", "省公安厅"],
            D(2022, 12, 31),
        ),
        ("二(一)-2", "深化投资审批改革", ["省发展改革委"], ["省自然资源厅"], D(2022, 6, 30)),
        ("二(二)1", "推进一网通办", ["省政务服务中心"], [], D(2022, 12, 31)),
    ]


def test_government_site_metadata_block() -> None:
    plan = parse_plan_bytes(_read("govsite_metadata.txt"), "p.txt")
    assert plan.title == "某某市人民政府办公室关于印发某某市数字政府建设工作方案的通知"
    assert plan.issuer == "某某市人民政府办公室"
    assert plan.doc_number == "某政办〔2021〕15号"
    assert plan.issued_on == D(2021, 3, 5)
    assert [(t.code, t.lead_units) for t in plan.tasks] == [("一(一)", ["市大数据局"])]


def test_two_plans_in_one_file_without_markers() -> None:
    plan = parse_plan_bytes(_read("two_plans.txt"), "p.txt", year=2021)
    assert plan.title == "甲县推进改革实施方案"
    assert [(t.code, t.title, t.lead_units) for t in plan.tasks] == [
        ("二(一)", "推进甲事项", ["县发改局"])
    ]
    assert any("跳过其余 1 个" in w for w in plan.warnings)


def test_out_of_sequence_inline_number_stays_in_text() -> None:
    text = (
        "某县工作方案\n2020年1月1日\n一、任务\n"
        "1.推进甲改革。总体分三步。5.第五步另行安排。(牵头单位:县发改局)\n"
        "2.推进乙改革。(牵头单位:县财政局)\n"
    )
    plan = parse_plan_bytes(text.encode("utf-8"), "p.txt")
    assert [t.code for t in plan.tasks] == ["一1", "一2"]
    assert "5.第五步另行安排。" in plan.tasks[0].text
    assert plan.tasks[0].lead_units == ["县发改局"]


def test_unnumbered_section_title_ends_the_last_task() -> None:
    text = "某县方案\n2020年1月1日\n一、任务\n(一)甲任务。\n牵头单位:县发改局\n保障措施\n各单位要加强领导,年底前完成考核。\n"
    plan = parse_plan_bytes(text.encode("utf-8"), "p.txt")
    assert [(t.code, t.text, t.deadline) for t in plan.tasks] == [("一(一)", "甲任务。", None)]


def test_tab_separated_task_table_in_text() -> None:
    rows = ["\t".join(r) for r in _task_rows()]
    text = "某市2021年改革任务分工\n" + "\n".join(rows) + "\n"
    plan = parse_plan_bytes(text.encode("utf-8"), "p.txt")
    _check_table_tasks(plan, 2021)


# ---------------------------------------------------------------- docx / xlsx / csv


def _task_rows() -> list[list[str]]:
    return [
        ["序号", "重点任务", "牵头单位", "责任单位", "完成时限"],
        [
            "1",
            "建设统一受理平台。实现一窗受理。",
            "市政务服务中心",
            "市公安局、税务局",
            "2021年6月底前",
        ],
        ["2", "推行告知承诺制", "市司法局", "各县（市、区）政府", "长期坚持"],
        [
            "3",
            "压缩审批时限,压缩至3个工作日以内",
            "市发改委",
            "市住建局(牵头)、市自然资源局",
            "9月30日前",
        ],
    ]


def _check_table_tasks(plan: ParsedPlan, year: int) -> None:
    tasks = _by_code(plan)
    assert list(tasks) == ["1", "2", "3"]
    assert tasks["1"].title == "建设统一受理平台"
    assert tasks["1"].lead_units == ["市政务服务中心"]
    assert tasks["1"].responsible_units == ["市公安局", "市税务局"]
    assert tasks["1"].deadline == D(2021, 6, 30)
    assert tasks["2"].responsible_units == ["各县（市、区）政府"]
    assert tasks["2"].deadline is None
    assert tasks["3"].lead_units == ["市发改委", "市住建局"]
    assert tasks["3"].responsible_units == ["市自然资源局"]
    assert tasks["3"].deadline == D(year, 9, 30)
    assert tasks["3"].targets[0].value == 3.0


def test_docx_paragraphs_and_task_table() -> None:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph("某市政务服务改革实施方案")
    document.add_paragraph("某政办〔2021〕3号")
    document.add_paragraph("一、主要任务")
    document.add_paragraph("(一)优化营商环境(完成时限:2021年10月31日前)")
    document.add_paragraph("全面优化营商环境。")
    document.add_paragraph("牵头单位:市发改委")
    document.add_paragraph("责任单位:市市场监管局")
    document.add_paragraph("二、任务分工")
    rows = _task_rows()
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, val in enumerate(row):
            table.cell(r, c).text = val
    document.add_paragraph("某市人民政府办公室")
    document.add_paragraph("2021年2月1日")
    buf = io.BytesIO()
    document.save(buf)
    plan = parse_plan_bytes(buf.getvalue(), "plan.docx")
    assert plan.title == "某市政务服务改革实施方案"
    assert plan.doc_number == "某政办〔2021〕3号"
    assert plan.issued_on == D(2021, 2, 1)
    assert plan.issuer == "某市人民政府办公室"
    first = plan.tasks[0]
    assert first.code == "一(一)"
    assert first.lead_units == ["市发改委"]
    assert first.responsible_units == ["市市场监管局"]
    assert first.deadline == D(2021, 10, 31)
    plan.tasks = plan.tasks[1:]
    _check_table_tasks(plan, 2021)


def test_docx_automatic_numbering() -> None:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph("某县改革工作方案")
    document.add_paragraph("2021年1月5日")
    document.add_paragraph("一、重点任务")
    document.add_paragraph("推进甲改革。年底前完成。", style="List Number")
    document.add_paragraph("牵头单位:县发改局")
    document.add_paragraph("推进乙改革。6月底前完成。", style="List Number")
    document.add_paragraph("牵头单位:县财政局")
    buf = io.BytesIO()
    document.save(buf)
    plan = parse_plan_bytes(buf.getvalue(), "plan.docx")
    assert [(t.code, t.title, t.lead_units, t.deadline) for t in plan.tasks] == [
        ("一1", "推进甲改革", ["县发改局"], D(2021, 12, 31)),
        ("一2", "推进乙改革", ["县财政局"], D(2021, 6, 30)),
    ]


def test_xlsx_two_header_rows() -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "工作任务", "责任单位", None, "完成时限"])
    ws.append([None, None, "牵头单位", "配合单位", None])
    ws.merge_cells("C1:D1")
    ws.append([1, "推进数据共享", "市大数据局", "市公安局、市民政局", "2023年6月30日"])
    buf = io.BytesIO()
    wb.save(buf)
    plan = parse_plan_bytes(buf.getvalue(), "t.xlsx")
    assert len(plan.tasks) == 1
    t = plan.tasks[0]
    assert (t.code, t.lead_units, t.responsible_units) == (
        "1",
        ["市大数据局"],
        ["市公安局", "市民政局"],
    )
    assert t.deadline == D(2023, 6, 30)


def test_xlsx_task_sheet_with_title_and_merged_cells() -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2021年政务服务改革重点任务分工表"])
    ws.append([])
    for row in _task_rows():
        ws.append(row)
    ws.append(["4", "推进电子证照应用", "市大数据局", None, datetime.datetime(2021, 12, 31)])
    ws.merge_cells("C6:C7")  # lead of rows 3-4 merged (row 4's own value is dropped)
    buf = io.BytesIO()
    wb.save(buf)
    plan = parse_plan_bytes(buf.getvalue(), "tasks.xlsx")
    assert plan.title == "2021年政务服务改革重点任务分工表"
    tasks = _by_code(plan)
    assert tasks["4"].lead_units == ["市发改委"]
    assert tasks["4"].deadline == D(2021, 12, 31)
    del plan.tasks[3]
    _check_table_tasks(plan, 2021)


def test_xlsx_category_rows() -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "重点任务", "牵头单位", "责任单位", "完成时限"])
    ws.append(["一、优化营商环境", None, None, None, None])
    ws.merge_cells("A2:E2")
    ws.append([1, "推进A", "市发改委", "市财政局", "2022年6月底前"])
    ws.append([2, "推进B", "市商务局", "市税务局", "2022年9月底前"])
    ws.append(["二、提升政务服务", None, None, None, None])
    ws.merge_cells("A5:E5")
    ws.append([1, "推进C", "市政务服务中心", "市大数据局", "2022年12月底前"])
    buf = io.BytesIO()
    wb.save(buf)
    plan = parse_plan_bytes(buf.getvalue(), "t.xlsx")
    assert [
        (t.code, t.title, t.lead_units, t.responsible_units, t.deadline) for t in plan.tasks
    ] == [
        ("一1", "推进A", ["市发改委"], ["市财政局"], D(2022, 6, 30)),
        ("一2", "推进B", ["市商务局"], ["市税务局"], D(2022, 9, 30)),
        ("二1", "推进C", ["市政务服务中心"], ["市大数据局"], D(2022, 12, 31)),
    ]


def test_csv_task_sheet_gbk() -> None:
    import csv

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["某县2022年改革任务清单"])
    for row in _task_rows():
        w.writerow(row)
    plan = parse_plan_bytes(buf.getvalue().encode("gbk"), "tasks.csv")
    _check_table_tasks(plan, 2022)


def test_saved_web_page() -> None:
    html = (
        "<html><head><title>x</title><script>var a=1;</script></head><body>"
        '<div class="crumb">您当前所在位置:首页 &gt; 通知</div><h1>某县改革实施方案</h1>'
        "<p>发布日期:2021-05-06</p><p>一、任务</p><p>(一)推进改革。年底前完成。</p>"
        "<p>牵头单位:县发改局</p><p>责任单位:县财政局、县审计局</p></body></html>"
    )
    plan = parse_plan_bytes(html.encode("utf-8"), "page.html")
    assert plan.title == "某县改革实施方案"
    assert plan.issued_on == D(2021, 5, 6)
    t = plan.tasks[0]
    assert (t.code, t.lead_units, t.responsible_units, t.deadline) == (
        "一(一)",
        ["县发改局"],
        ["县财政局", "县审计局"],
        D(2021, 12, 31),
    )


# ---------------------------------------------------------------- malformed input


@pytest.mark.parametrize(
    ("data", "name", "needle"),
    [
        (b"", "a.txt", "空"),
        (b"   \n\n  ", "a.txt", "空"),
        (bytes(range(256)) * 20, "a.txt", "编码"),
        (b"\x00\x01\x02\x03" * 100, "a.txt", "编码"),
        ("这是文本,不是Word文档".encode(), "a.docx", "Word"),
        (b"PK\x03\x04garbage", "a.docx", "Word"),
        ("文本".encode(), "a.xlsx", "Excel"),
        (b"%PDF-1.4 junk", "a.pdf", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "a.doc", ".doc"),
        (b"hello", "a.exe", "不支持"),
    ],
)
def test_malformed_inputs(data: bytes, name: str, needle: str) -> None:
    with pytest.raises(PlanParseError) as exc:
        parse_plan_bytes(data, name)
    assert needle in str(exc.value)


def test_too_large() -> None:
    with pytest.raises(PlanParseError, match="10 MB"):
        parse_plan_bytes(b"a" * (10 * 1024 * 1024 + 1), "big.txt")


def test_cli_ok_and_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes(_read("heading_style.txt"))
    assert cli.main(["parse-plan", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["tasks"][0]["lead_units"] == ["审批改革科"]
    bad = tmp_path / "bad.docx"
    bad.write_text("not a docx")
    assert cli.main(["parse-plan", str(bad)]) == 2
    assert capsys.readouterr().err.startswith("错误: ")
    assert cli.main(["parse-plan", str(tmp_path / "missing.txt")]) == 2
    assert cli.main(["parse-plan"]) == 2
    assert cli.main(["parse-plan", str(path), "--year", "abc"]) == 2
    capsys.readouterr()
    noyear = tmp_path / "inline.txt"
    noyear.write_bytes(_read("inline_style.txt"))
    assert cli.main(["parse-plan", str(noyear), "--year", "2017"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["tasks"][0]["deadline"] == "2017-06-30"


def test_cli_usage_errors_are_told_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["parse-plan", "a.txt", "b.txt"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "用法" in err and "Traceback" not in err
    assert cli.main(["import-plan", "a.txt", "--bogus"]) == 2
    assert "不认识的参数或选项 --bogus" in capsys.readouterr().err
    assert cli.main(["import-plan", "a.txt", "--year", "26"]) == 2
    assert "年份无效：26" in capsys.readouterr().err
    assert cli.main(["parse-plan", "-h"]) == 0
    assert "--year" in capsys.readouterr().out


def test_damaged_word_file_is_a_user_error() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<?xml version='1.0'?><Types/>")
        zf.writestr("word/document.xml", "<?xml version='1.0'?><document/>")
    with pytest.raises(PlanParseError, match="无法读取 Word 文件"):
        parse_plan_bytes(buf.getvalue(), "a.docx")


def test_an_unexpected_error_is_logged_and_told_to_the_user(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from duban.intake.parse import reader

    def broken(data: bytes, ext: str, year: int | None) -> ParsedPlan:
        raise TypeError("a bug")

    monkeypatch.setattr(reader, "_dispatch", broken)
    with caplog.at_level(logging.ERROR, logger="duban"):
        with pytest.raises(PlanParseError, match=r"出错\(TypeError\)"):
            parse_plan_bytes(b"text", "a.txt")
    assert [r.exc_info is not None for r in caplog.records] == [True]


def test_parse_plan_file(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_bytes(_read("traditional.txt"))
    assert parse_plan_file(path).issued_on == D(2019, 5, 20)
    with pytest.raises(PlanParseError):
        parse_plan_file(tmp_path)


# ---------------------------------------------------------------- fuzz


def _parse_or_clean_error(data: bytes, name: str) -> None:
    """Either a plan or a user-facing PlanParseError; an internal error is a bug."""
    try:
        plan = parse_plan_bytes(data, name)
    except PlanParseError as exc:
        assert "出错(" not in str(exc), repr(exc.__cause__)
        return
    assert isinstance(plan, ParsedPlan)
    json.dumps(plan.to_json_dict(), ensure_ascii=False)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000), st.sampled_from(["a.txt", "a.docx", "a.xlsx", "a.csv", "a"]))
def test_fuzz_bytes(data: bytes, name: str) -> None:
    _parse_or_clean_error(data, name)


_ALPHABET = st.sampled_from(
    list(
        "一二三四五六七八九十、()（）:：;；,，。.12390 \n牵头单位责任部门配合月日年底前全年明今%以上内达"
    )
    + ["牵头单位:", "责任单位:", "(一)", "1.", "2020年", "12月30日前", "市公安局、税务局", "\n"]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ALPHABET, max_size=300).map("".join))
def test_fuzz_text(text: str) -> None:
    _parse_or_clean_error(text.encode("utf-8"), "a.txt")
    _parse_or_clean_error(text.encode("gb18030"), "a.txt")


# ---------------------------------------------------------------- shared samples


def _sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"sample {name} not available")
    return path


def test_sample_zero_trips() -> None:
    plan = parse_plan_file(_sample("zero-trips-plan-2020.txt"))
    assert plan.issued_on == D(2020, 11, 28)
    assert "零跑腿" in (plan.title or "")
    tasks = _by_code(plan)
    for code in ("四(一)", "四(二)", "四(三)", "四(四)", "四(五)"):
        assert code in tasks
        assert tasks[code].lead_units
    first = tasks["四(一)"]
    assert first.lead_units == ["审批改革协调科"]
    assert first.responsible_units == ["电子政务科", "各进驻政务服务中心窗口"]
    assert first.deadline == D(2020, 12, 30)
    assert tasks["四(二)"].lead_units == ["电子政务科"]
    assert tasks["四(二)"].deadline == D(2021, 3, 30)
    assert tasks["四(五)"].lead_units == ["办公室"]
    assert tasks["四(五)"].responsible_units == ["各进驻政务服务中心窗口"]
    assert not any(code.startswith(("一", "二", "三", "六")) for code in tasks)


def test_sample_zero_trips_gbk_matches() -> None:
    gbk = parse_plan_file(_sample("zero-trips-plan-2020.gbk.txt"))
    utf8 = parse_plan_file(_sample("zero-trips-plan-2020.txt"))
    assert [(t.code, t.lead_units, t.deadline) for t in gbk.tasks] == [
        (t.code, t.lead_units, t.deadline) for t in utf8.tasks
    ]


def test_sample_one_trip_webpage() -> None:
    plan = parse_plan_file(_sample("one-trip-plans-webpage.txt"), year=2017)
    tasks = _by_code(plan)
    assert len([c for c in tasks if c.startswith("二(一)")]) == 6
    assert len([c for c in tasks if c.startswith("二(二)")]) == 3
    assert len([c for c in tasks if c.startswith("二(三)")]) == 3
    assert tasks["二(一)1"].lead_units == ["市行政服务中心"]
    assert tasks["二(三)2"].lead_units == ["市信访局"]
    assert tasks["二(一)6"].deadline == D(2017, 9, 30)
    assert any("跳过" in w for w in plan.warnings)
    assert all(t.lead_units for t in plan.tasks)
    assert "职责分工" not in tasks["二(三)3"].text


def test_sample_traditional() -> None:
    plan = parse_plan_file(_sample("service-hall-plan-2018-traditional.txt"))
    assert plan.doc_number == "鄭政辦〔2018〕109號"
    assert plan.issued_on == D(2018, 12, 13)
    assert plan.title and "(" not in plan.title


# ---------------------------------------------------------------- the assignment grammar

_ONE_TASK = (
    "关于推进某项改革的实施方案\n某市人民政府\n2021年3月5日\n一、重点任务\n1.推进某项工作。{}\n"
)

GRAMMAR = [
    # labels, in every bracket
    ("(牵头单位:市发改委;责任单位:市财政局、市税务局)", ["市发改委"], ["市财政局", "市税务局"]),
    ("【牵头单位:区司法局;责任单位:各街道】", ["区司法局"], ["各街道"]),
    ("〔牵头部门:市商务局,配合部门:市财政局〕", ["市商务局"], ["市财政局"]),
    (
        "\n牵头责任单位:省发展改革委。\n协同责任单位:省财政厅、省税务局等。",
        ["省发展改革委"],
        ["省财政厅", "省税务局"],
    ),
    # persons are no units
    ("\n牵头负责领导:张三。\n牵头责任单位:省商务厅。", ["省商务厅"], []),
    (
        "\n分管省领导:李四\n部门分工:省商务厅牵头,各地、各部门配合。",
        ["省商务厅"],
        ["各地", "各部门"],
    ),
    # verbs
    ("(市发改委牵头,市财政局、市税务局配合)", ["市发改委"], ["市财政局", "市税务局"]),
    ("(由市住建局负责)", [], ["市住建局"]),
    ("(市科技局牵头负责)", ["市科技局"], []),
    ("(财政部、税务总局等按职责分工负责)", [], ["财政部", "税务总局"]),
    (
        "〔市生态环境局牵头,市发展和改革局、工业和信息化局参与〕",
        ["市生态环境局"],
        ["市发展和改革局", "市工业和信息化局"],
    ),
    ("(分管副市长负责,市科技局牵头。明确牵头部门的,其他有关部门配合,下同)", ["市科技局"], []),
    (
        "(县政府办、行政审批服务局牵头;县直相关单位,各乡镇人民政府负责)",
        ["县政府办", "县行政审批服务局"],
        ["县直相关单位", "各乡镇人民政府"],
    ),
    ("由市公安局牵头,市交通运输局配合。", ["市公安局"], ["市交通运输局"]),
    # collectives, 等, dates inside a unit list
    ("(责任单位:各区、县级市人民政府)", [], ["各区、县级市人民政府"]),
    (
        "(责任单位:各县(市、区)党委和人民政府,市直有关部门)",
        [],
        ["各县(市、区)党委和人民政府", "市直有关部门"],
    ),
    ("(责任单位:市公安局等有关部门)", [], ["市公安局", "有关部门"]),
    ("(责任单位:市公安局等部门)", [], ["市公安局"]),
    ("(牵头单位:市教育局;责任单位:各区政府,6月底完成)", ["市教育局"], ["各区政府"]),
    ("(牵头单位:市科技局;配合单位:黄埔区、南沙区政府)", ["市科技局"], ["黄埔区政府", "南沙区政府"]),
    # a first-is-lead note inside the list
    (
        "(市发改委、市农委、市财政局。排名第一的为牵头单位,下同)",
        ["市发改委"],
        ["市农委", "市财政局"],
    ),
    # labels whose colon was lost, a name running into the next sentence
    ("责任单位各社区居委会、驻辖区单位", [], ["各社区居委会", "驻辖区单位"]),
    ("\n牵头领导:张三副局长\n责任部门:园林局配合做好专项整治工作", [], ["园林局"]),
    # places sharing the level and organ written once; 相关/有关 collectives
    (
        "(哈尔滨机场指挥部、哈尔滨、黑河、绥芬河市政府负责)",
        [],
        ["哈尔滨机场指挥部", "哈尔滨市政府", "黑河市政府", "绥芬河市政府"],
    ),
    ("(省发改委、相关市、县政府负责)", [], ["省发改委", "相关市、县政府"]),
    # agencies managed from above are named by their own seat: no 省 in front
    (
        "(省发改委、铁路办、哈尔滨铁路局、合肥海关负责)",
        [],
        ["省发改委", "省铁路办", "哈尔滨铁路局", "合肥海关"],
    ),
    # a note inside a labelled list; a space a PDF left inside a name
    (
        "(责任单位:省委办公厅、省政府办公厅、省发展改革委,排名第一的单位为牵头单位,下同)",
        ["省委办公厅"],
        ["省政府办公厅", "省发展改革委"],
    ),
    ("(责任单位:自治 区农牧厅、财政厅)", [], ["自治区农牧厅", "自治区财政厅"]),
]


@pytest.mark.parametrize(("assignment", "lead", "resp"), GRAMMAR, ids=[g[0][:24] for g in GRAMMAR])
def test_assignment_grammar(assignment: str, lead: list[str], resp: list[str]) -> None:
    plan = parse_plan_bytes(_ONE_TASK.format(assignment).encode("utf-8"), "plan.txt")
    assert len(plan.tasks) == 1
    t = plan.tasks[0]
    assert (t.lead_units, t.responsible_units) == (lead, resp)


def test_a_first_is_lead_note_holds_for_every_later_task() -> None:
    text = (
        "关于推进某项改革的实施方案\n某市人民政府\n2021年3月5日\n一、重点任务\n"
        "1.推进甲工作。(市发改委、市农委。排名第一的为牵头单位,下同)\n"
        "2.推进乙工作。(市财政局、市统计局)\n"
    )
    tasks = parse_plan_bytes(text.encode("utf-8"), "plan.txt").tasks
    assert [(t.lead_units, t.responsible_units) for t in tasks] == [
        (["市发改委"], ["市农委"]),
        (["市财政局"], ["市统计局"]),
    ]


def test_bare_unit_lists_without_a_note_are_not_assignments() -> None:
    """(市发改委、市财政局) with no verb, label or note is read as text, not as units."""
    plan = parse_plan_bytes(_ONE_TASK.format("(市发改委、市财政局)").encode("utf-8"), "plan.txt")
    assert not plan.tasks or not (plan.tasks[0].lead_units or plan.tasks[0].responsible_units)


@pytest.mark.parametrize(
    ("docno", "year"),
    [
        ('宁"放管服"组办〔2020〕5号', 2020),
        ("京政办发(2019)3号", 2019),
        ("国办发[2015]19号", 2015),
        ("X 政 发 【2018】 第12号", 2018),
    ],
)
def test_doc_numbers_in_any_form_give_the_plan_year(docno: str, year: int) -> None:
    text = f"{docno}\n关于推进某项改革的实施方案\n一、重点任务\n1.推进某项工作,9月30日前完成。(牵头单位:市发改委)\n"
    plan = parse_plan_bytes(text.encode("utf-8"), "plan.txt")
    assert plan.doc_number is not None and f"〔{year}〕" in plan.doc_number
    assert plan.tasks[0].deadline == datetime.date(year, 9, 30)


@pytest.mark.parametrize(
    "sentence",
    [
        "实施期限至2021年12月31日",
        "政策有效期至2022年6月30日",
        "2021年5月1日至2022年4月30日实施阶段性降低费率政策",
        "5年内逐步建成",
        "年内持续推进",
    ],
)
def test_policy_periods_durations_and_ongoing_work_are_no_deadlines(sentence: str) -> None:
    text = _ONE_TASK.format(f"{sentence}。(牵头单位:市人社局)")
    assert parse_plan_bytes(text.encode("utf-8"), "plan.txt").tasks[0].deadline is None


def test_an_item_number_followed_by_digits_is_still_a_new_item() -> None:
    text = (
        "关于人才工作的方案\n某政发〔2022〕3号\n一、重点任务\n"
        "10.实施青年人才计划。(牵头单位:区人社局)\n"
        "11.121人才工程扩面。(牵头单位:区委组织部)\n"
    )
    tasks = parse_plan_bytes(text.encode("utf-8"), "plan.txt").tasks
    assert [(t.code, t.lead_units) for t in tasks] == [
        ("一10", ["区人社局"]),
        ("一11", ["区委组织部"]),
    ]


def test_a_table_flattened_one_cell_a_line() -> None:
    text = "\n".join(
        [
            "2016年民生实事目标任务分解表",
            "序号",
            "民生实事",
            "责任单位",
            "完成时限",
            "1",
            "启动建设东湖湿地公园。",
            "县水务局",
            "县住建局",
            "12月底前",
            "2",
            "开工建设县老年养护楼。",
            "县民政局",
            "5月底前动工",
            "开工建设老年大学。",
            "12月底前",
            "3",
            "城区再新建1个农贸市场。",
            "县商务局",
            "9月投入使用",
        ]
    )
    plan = parse_plan_bytes(text.encode("utf-8"), "plan.txt", year=2016)
    assert [(t.code, t.title, t.responsible_units, t.deadline) for t in plan.tasks] == [
        ("1", "启动建设东湖湿地公园", ["县水务局", "县住建局"], datetime.date(2016, 12, 31)),
        ("2", "开工建设县老年养护楼", ["县民政局"], datetime.date(2016, 5, 31)),
        ("2-2", "开工建设老年大学", ["县民政局"], datetime.date(2016, 12, 31)),
        ("3", "城区再新建1个农贸市场", ["县商务局"], datetime.date(2016, 9, 30)),
    ]
    assert plan.title == "2016年民生实事目标任务分解表"


def test_items_ending_with_an_unbracketed_assignment_stay_under_their_heading() -> None:
    """ "1.推进工作。牵头单位:X。" left its "。" as a section of its own, so item 2 lost its
    parent's number (code "2" instead of "一2")."""
    text = "关于X的方案\n一、重点任务\n" + "\n".join(
        f"{i}.推进第{i}项工作。牵头单位:市发改委。" for i in range(1, 4)
    )
    tasks = parse_plan_bytes(text.encode("utf-8"), "plan.txt").tasks
    assert [t.code for t in tasks] == ["一1", "一2", "一3"]


def test_items_numbered_past_99() -> None:
    text = "关于X的方案\n一、重点任务\n" + "\n".join(
        f"{i}.推进第{i}项工作。(牵头单位:市发改委)" for i in range(1, 106)
    )
    tasks = parse_plan_bytes(text.encode("utf-8"), "plan.txt").tasks
    assert len(tasks) == 105 and tasks[-1].code == "一105"


def test_a_standing_units_note_adds_them_to_this_and_every_later_task() -> None:
    text = (
        "关于提振消费的若干措施\n某市人民政府\n2025年7月13日\n一、重点任务\n"
        "(一)稳定扩大就业。[市人社局、市财政局等按职责分工负责。排名第一的为牵头单位,下同。"
        "本条及以下责任单位均包括各县市区政府(管委会),不再列出]\n"
        "(二)助力农民增收。[市农业农村局、市商务局等按职责分工负责]\n"
    )
    tasks = parse_plan_bytes(text.encode("utf-8"), "plan.txt").tasks
    assert [(t.lead_units, t.responsible_units) for t in tasks] == [
        (["市人社局"], ["市财政局", "各县市区政府(管委会)"]),
        (["市农业农村局"], ["市商务局", "各县市区政府(管委会)"]),
    ]


def test_numbered_fields_belong_to_the_item_above() -> None:
    text = (
        "某开发区爱国卫生月活动实施方案\n开发区管委会\n2017年4月11日\n二、活动安排\n"
        "1.召开片区爱国卫生月会议\n(1)时间:2017年4月18-22日\n(2)地点:复兴社区内\n"
        "(3)责任单位:开发区爱卫办 联系人:陈国良\n"
    )
    tasks = parse_plan_bytes(text.encode("utf-8"), "plan.txt").tasks
    assert [(t.code, t.responsible_units, t.deadline) for t in tasks] == [
        ("二1", ["开发区爱卫办"], datetime.date(2017, 4, 22))
    ]


def test_a_page_collapsed_to_one_line_without_spaces() -> None:
    body = "".join(
        f"({n})第{n}项专项整治。要求做好整治工作。牵头领导:张{n}副局长责任部门:城建科、安全站"
        for n in "一二三四"
    )
    text = "区建设局创建工作实施方案\n" + "为做好创建工作,制定本方案。" * 20 + body
    tasks = parse_plan_bytes(text.encode("utf-8"), "plan.txt").tasks
    assert [(t.code, t.responsible_units) for t in tasks] == [
        (f"({n})", ["城建科", "安全站"]) for n in "一二三四"
    ]


def test_phases_nest_and_dated_steps_under_them_are_the_tasks() -> None:
    text = (
        "某市创建园林城市工作方案\n(某府办[2010]37号)\n一、工作计划\n"
        "(一)动员发动阶段(2009年12月)。\n1.2009年12月成立工作小组。\n2.2009年12月召开动员大会。\n"
        "(二)创建省园林城市阶段(2009年12月起至2010年获得称号止)。\n"
        "1.达标冲刺阶段(2010年2月至2010年3月)。\n(1)整理档案资料。\n"
        "(2)2010年3月底,向省建设厅提出申请。\n"
        "(三)创建国家园林城市阶段(获得省园林城市称号起至2011年获得国家园林城市称号止)。\n"
    )
    plan = parse_plan_bytes(text.encode("utf-8"), "plan.txt")
    assert plan.doc_number == "某府办〔2010〕37号"
    assert [p.name for p in plan.phases] == [
        "动员发动阶段",
        "创建省园林城市阶段",
        "达标冲刺阶段",
        "创建国家园林城市阶段",
    ]
    assert [(t.code, t.phase, t.deadline) for t in plan.tasks] == [
        ("一(一)1", "动员发动阶段", datetime.date(2009, 12, 31)),
        ("一(一)2", "动员发动阶段", datetime.date(2009, 12, 31)),
        ("一(二)1(2)", "达标冲刺阶段", datetime.date(2010, 3, 31)),
    ]


def test_a_year_named_once_in_the_text_is_the_plan_year_with_a_warning() -> None:
    text = (
        "广州市违法建设治理工作方案\n一、重点任务\n"
        "1.推进治理。第一季度:印发方案;第四季度:完成任务。(牵头单位:市城管局)\n"
    )
    plan = parse_plan_bytes(text.encode("utf-8"), "p.txt")
    assert plan.tasks[0].deadline is None  # no year anywhere: no date guessed
    plan = parse_plan_bytes(text.replace("1.推进治理", "1.推进2023年治理").encode("utf-8"), "p.txt")
    assert plan.tasks[0].deadline == datetime.date(2023, 12, 31)
    assert [m.date for m in plan.tasks[0].milestones] == [
        datetime.date(2023, 3, 31),
        datetime.date(2023, 12, 31),
    ]
    assert any("2023 年" in w for w in plan.warnings)


def test_a_task_card_table_in_word(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("广州市2023年重点工作")
    table = d.add_table(rows=4, cols=2)
    for row, (label, value) in zip(
        table.rows,
        [
            ("序号", "135"),
            ("重点工作", "统筹违法建设治理与城市更新。"),
            ("牵头单位", "市城市管理综合执法局"),
            ("完成时限", "2023年12月底前"),
        ],
        strict=True,
    ):
        row.cells[0].text, row.cells[1].text = label, value
    buf = io.BytesIO()
    d.save(buf)
    plan = parse_plan_bytes(buf.getvalue(), "card.docx")
    assert [(t.code, t.lead_units, t.deadline) for t in plan.tasks] == [
        ("135", ["市城市管理综合执法局"], datetime.date(2023, 12, 31))
    ]


def test_a_table_drawn_with_bars_and_a_person_column() -> None:
    text = (
        "一、民生实事任务分解表\n"
        "序号 | 具体工作任务和要求 | 责任领导 | 责任单位 | 落实情况 |\n"
        "1 | 完成吉水二中迁建项目主体建设。 | 张三 | 县教体局 各相关乡镇政府 | 已完成 |\n"
        "2 | 扩充公办幼儿园学位至1800个。 | 李四 | 县教体局 | 推进中 |\n"
    )
    tasks = parse_plan_bytes(text.encode("utf-8"), "plan.txt").tasks
    assert [(t.title, t.lead_units, t.responsible_units) for t in tasks] == [
        ("完成吉水二中迁建项目主体建设", [], ["县教体局", "各相关乡镇政府"]),
        ("扩充公办幼儿园学位至1800个", [], ["县教体局"]),
    ]


def test_a_target_table_whose_target_column_is_the_task() -> None:
    text = "\n".join(
        ["2022年预期目标任务分解表", "序号", "2022年预期目标", "责任单位"]
        + [
            "1",
            "地区生产总值增长5.5%左右",
            "区发展改革委",
            "2",
            "一般公共预算收入增长4%",
            "区财政局",
        ]
    )
    tasks = parse_plan_bytes(text.encode("utf-8"), "plan.txt").tasks
    assert [(t.code, t.title, t.responsible_units) for t in tasks] == [
        ("1", "地区生产总值增长5.5%左右", ["区发展改革委"]),
        ("2", "一般公共预算收入增长4%", ["区财政局"]),
    ]


def test_a_goal_horizon_is_not_taken_for_the_plan_year() -> None:
    text = (
        "关于推进某项改革的实施方案\n一、总体目标\n到2035年基本实现现代化。\n二、重点任务\n"
        "1.推进某项工作,6月底前完成。(牵头单位:市发改委)\n"
    )
    plan = parse_plan_bytes(text.encode("utf-8"), "plan.txt")
    assert plan.tasks[0].deadline is None
    assert any("无法确定方案年份" in w for w in plan.warnings)


def test_sub_rows_of_a_bar_table_get_their_merged_cells_back() -> None:
    text = (
        "序号 | 项目名称 | 项目内容 | 当前进展情况 | 主办单位 |\n"
        "1 | 农村人居环境整治提升工程 | 试点村达到100个。 | 已完成 | 县人居环境专班 |\n"
        "建设“四好农村路”50公里。 | 完工建设50.52公里。 | |||\n"
        "2 | 教育提升工程 | 新建幼儿园2所。 | 推进中 | 县教体局 |\n"
    )
    tasks = parse_plan_bytes(text.encode("utf-8"), "plan.txt", year=2023).tasks
    assert [(t.code, t.title, t.lead_units) for t in tasks] == [
        ("1", "农村人居环境整治提升工程", ["县人居环境专班"]),
        ("1-2", "农村人居环境整治提升工程", ["县人居环境专班"]),
        ("2", "教育提升工程", ["县教体局"]),
    ]
    assert "建设“四好农村路”50公里" in tasks[1].text


def test_a_flattened_table_copied_from_its_middle() -> None:
    text = "\n".join(
        ["序号 |", "主要任务 |", "牵头 单位 |", "责任主体与协同单位 |"]
        + ["24 |", "优化提升50条背街后巷交通组织。 |", "城管局 |", "市政局、相关街道 |"]
        + ["25 |", "新建建筑垃圾中转站8个。 |", "城管局 |", "崇川经济开发区 |"]
    )
    tasks = parse_plan_bytes(text.encode("utf-8"), "plan.txt", year=2023).tasks
    assert [(t.code, t.lead_units, t.responsible_units) for t in tasks] == [
        ("24", ["城管局"], ["市政局", "相关街道"]),
        ("25", ["城管局"], ["崇川经济开发区"]),
    ]


def test_the_header_of_a_collapsed_page_and_a_title_under_its_issuer() -> None:
    collapsed = (
        "河南省人民政府 关于明确政府工作报告提出的2023年 重点工作责任单位的通知 豫政〔2023〕5号 "
        "现将重点工作任务予以分解并明确责任单位。 一、重点任务 "
        + " ".join(
            f"{i}.推进第{i}项工作。(省发展改革委牵头,省财政厅等按职责分工负责)" for i in range(1, 9)
        )
    )
    plan = parse_plan_bytes(collapsed.encode("utf-8"), "plan.txt")
    assert plan.title == "河南省人民政府关于明确政府工作报告提出的2023年重点工作责任单位的通知"
    assert (plan.issuer, plan.doc_number) == ("河南省人民政府", "豫政〔2023〕5号")
    stacked = (
        "四川省人民政府办公厅\n关于印发全省五大经济区2015年\n重点工作方案的通知\n"
        "川办函〔2015〕160号 2015年9月1日\n各市(州)人民政府:\n现将方案印发你们。\n"
        "一、重点任务\n(一)推进某项工作。(责任单位:省发展改革委、科技厅)\n"
    )
    plan = parse_plan_bytes(stacked.encode("utf-8"), "plan.txt")
    assert plan.title == "四川省人民政府办公厅关于印发全省五大经济区2015年重点工作方案的通知"
    assert (plan.doc_number, plan.issued_on) == ("川办函〔2015〕160号", datetime.date(2015, 9, 1))
    assert plan.tasks[0].responsible_units == ["省发展改革委", "省科技厅"]


def test_duty_items_headed_by_their_units() -> None:
    text = (
        "北京市城市环境秩序百日整治行动方案\n某市人民政府办公厅\n2010年9月1日\n三、职责分工\n"
        "(十六)各区县政府和地区管委会。落实属地责任,制定专项整治方案。\n"
        "(十七)首都综治办、市委督查室、市监察局。负责组织专项督查和效能检查考核。\n"
        "(十八)加强宣传引导。营造良好氛围。\n"
        "四、工作步骤\n(一)动员部署、调查摸底、宣传发动阶段(2010年9月10日至9月17日)。召开动员大会。\n"
    )
    plan = parse_plan_bytes(text.encode("utf-8"), "plan.txt")
    assert [(t.code, t.responsible_units) for t in plan.tasks] == [
        ("三(十六)", ["各区县政府", "地区管委会"]),
        ("三(十七)", ["首都综治办", "市委督查室", "市监察局"]),
    ]
    # the office sees which words the units were read from
    assert plan.tasks[0].evidence == [("units", "各区县政府和地区管委会")]
    assert [p.name for p in plan.phases] == ["动员部署、调查摸底、宣传发动阶段"]


def test_a_standing_note_in_other_words() -> None:
    text = (
        "关于某项工作的实施细则\n某市人民政府\n2022年3月1日\n一、政策措施\n"
        "1.支持企业技术改造。(责任单位:市工信局;以下政策措施均需各县区人民政府、园区管委会落实,"
        "不再单独列出)\n2.成立工作专班。(责任单位:市工信局、市财政局等有关部门)\n"
    )
    tasks = parse_plan_bytes(text.encode("utf-8"), "plan.txt").tasks
    assert tasks[1].responsible_units == [
        "市工信局",
        "市财政局",
        "有关部门",
        "各县区人民政府",
        "园区管委会",
    ]
