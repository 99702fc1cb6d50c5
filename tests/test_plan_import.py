"""Plan intake service: unit matching, the one-transaction import, re-import, Excel round trip, CLI."""

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import func, select

from duban.core.errors import PermissionDenied, ValidationFailed
from duban.core.permissions import Actor
from duban.intake import excel
from duban.intake.drafts import (
    DraftMilestone,
    DraftTarget,
    DraftTask,
    ImportDraft,
    drop_rows,
    parse_target,
    rows_to_tasks,
    validate_draft,
)
from duban.intake.importer import commit_import, load_draft
from duban.intake.matching import CREATE, DROP, match_units
from models import (
    Assignment,
    AssignmentRole,
    AuditLog,
    Department,
    Milestone,
    Plan,
    Role,
    Target,
    Task,
    TaskStatus,
)
from tests.factories import make_department, make_user

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "plans"

INLINE_PLAN = """关于深化“放管服”改革的实施方案
市审改办
2021年3月5日

一、重点任务
1.推行政务服务事项清单管理。全面梳理事项，6月30日前公布清单，9月30日前完成动态调整。(牵头部门:市政务服务管理局;责任部门:市公安局、税务局)
2.推进企业开办全程网办。企业开办时间压缩至1个工作日以内，12月底前完成。(牵头部门:市市场监管局;责任部门:市级相关部门)
"""


def _count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def _units(session):
    return {
        "gov": make_department(session, name="市政务服务管理局", short_name="政务服务局"),
        "police": make_department(session, name="市公安局", short_name="公安局"),
        "tax": make_department(session, name="市税务局", short_name="税务局"),
        "market": make_department(session, name="市市场监督管理局", short_name="市场监管局"),
    }


def _office(session):
    return make_user(session, role=Role.office)[1]


def _draft() -> ImportDraft:
    return load_draft(INLINE_PLAN.encode("utf-8"), "plan.txt")[0]


# ---------------------------------------------------------------- matching


def test_match_units_exact_normalised_short_affix_and_unmatched(session):
    _units(session)
    make_department(session, name="市人力资源和社会保障局", short_name="人社局")
    m = match_units(
        session,
        [
            "市公安局",
            "市 税务局",
            "市場監管局",
            "人社局",
            "政务服务管理局",
            "市级相关部门",
            "市财政局",
        ],
    )
    assert (m["市公安局"].method, m["市公安局"].department_name) == ("exact", "市公安局")
    assert (m["市 税务局"].method, m["市 税务局"].department_name) == ("normalised", "市税务局")
    assert m["市場監管局"].department_name == "市市场监督管理局"  # traditional → short name
    assert m["人社局"].department_name == "市人力资源和社会保障局"
    assert (m["政务服务管理局"].method, m["政务服务管理局"].department_name) == (
        "short",
        "市政务服务管理局",
    )
    assert not m["市级相关部门"].matched and m["市级相关部门"].generic
    assert not m["市财政局"].matched and not m["市财政局"].generic


def test_ambiguous_name_is_not_matched_but_offers_candidates(session):
    a = make_department(session, name="新华区市场监督管理局", short_name="新华区市场监管局")
    b = make_department(session, name="卫东区市场监督管理局", short_name="卫东区市场监管局")
    m = match_units(session, ["市场监督管理局"])["市场监督管理局"]
    assert not m.matched
    assert {i for i, _ in m.candidates} == {a.id, b.id}


def test_another_areas_unit_is_only_a_candidate(session):
    city = make_department(session, name="市市场监督管理局", short_name="市场监管局")
    m = match_units(session, ["新华区市场监督管理局", "市场监督管理"])
    assert not m["新华区市场监督管理局"].matched
    assert m["新华区市场监督管理局"].candidates == [(city.id, city.name)]
    assert m["市场监督管理"].department_id == city.id  # a clipped name still matches


# ---------------------------------------------------------------- commit


def test_commit_creates_plan_tasks_assignments_milestones_targets_and_audit(session):
    u = _units(session)
    actor = _office(session)
    draft = _draft()
    assert len(draft.tasks) == 2
    data = INLINE_PLAN.encode("utf-8")
    res = commit_import(
        session,
        actor=actor,
        draft=draft,
        mapping={"市级相关部门": DROP},
        source_name="plan.txt",
        source_bytes=data,
    )
    plan = session.get(Plan, res.plan_id)
    assert plan.title == "关于深化“放管服”改革的实施方案"
    assert plan.issued_on == dt.date(2021, 3, 5)
    assert plan.source_sha256 and len(plan.source_sha256) == 64
    tasks = session.exec(select(Task).where(Task.plan_id == plan.id).order_by(Task.sort_key)).all()
    assert len(tasks) == 2 == res.tasks
    assert all(t.status == TaskStatus.draft for t in tasks)
    t1, t2 = tasks
    assert t1.deadline == dt.date(2021, 9, 30) and t2.deadline == dt.date(2021, 12, 31)
    roles = {
        (a.department_id, a.role)
        for a in session.exec(select(Assignment).where(Assignment.task_id == t1.id)).all()
    }
    assert roles == {
        (u["gov"].id, AssignmentRole.lead),
        (u["police"].id, AssignmentRole.responsible),
        (u["tax"].id, AssignmentRole.responsible),
    }
    t2_units = session.exec(select(Assignment).where(Assignment.task_id == t2.id)).all()
    assert [(a.department_id, a.role) for a in t2_units] == [(u["market"].id, AssignmentRole.lead)]
    ms = session.exec(select(Milestone).where(Milestone.task_id == t1.id)).all()
    assert sorted(m.due_date for m in ms) == [dt.date(2021, 6, 30), dt.date(2021, 9, 30)]
    assert res.dropped_units == ["市级相关部门"]
    actions = [a.action for a in session.exec(select(AuditLog).order_by(AuditLog.id)).all()]
    assert actions.count("task.create") == 2 and actions[-1] == "plan.import"
    log = session.exec(select(AuditLog).where(AuditLog.action == "plan.import")).one()
    assert log.username == actor.username and "plan.txt" in log.note


def test_targets_imported(session):
    make_department(session, name="市甲局")
    draft = ImportDraft(
        title="方案",
        tasks=[
            DraftTask(
                code="1",
                title="任务",
                lead_units=["市甲局"],
                deadline=dt.date(2026, 12, 31),
                targets=[DraftTarget("网办率", 95, "%", ">="), DraftTarget("时限", 3, "天", "<=")],
            )
        ],
    )
    res = commit_import(session, actor=_office(session), draft=draft)
    tg = session.exec(select(Target).order_by(Target.id)).all()
    assert [(x.text, x.target_value, x.unit, str(x.direction)) for x in tg] == [
        ("网办率", 95, "%", ">="),
        ("时限", 3, "天", "<="),
    ]
    assert res.targets == 2


def test_unmatched_unit_refuses_and_writes_nothing(session):
    _units(session)
    actor = _office(session)
    before = (_count(session, Plan), _count(session, AuditLog), _count(session, Department))
    with pytest.raises(ValidationFailed, match="市级相关部门"):
        commit_import(session, actor=actor, draft=_draft(), source_bytes=b"x")
    assert (_count(session, Plan), _count(session, AuditLog), _count(session, Department)) == before


def test_error_midway_rolls_back_everything(session):
    _units(session)
    actor = _office(session)
    gone = make_department(session, name="已撤销单位", active=False)
    with pytest.raises(ValidationFailed, match="不存在或已停用"):
        commit_import(
            session,
            actor=actor,
            draft=_draft(),
            mapping={"市级相关部门": gone.id, "市税务局": CREATE},
        )
    assert _count(session, Plan) == 0 and _count(session, Task) == 0
    assert session.exec(select(Department).where(Department.name == "市税务局")).one()
    assert _count(session, AuditLog) == 0


def test_create_unit_only_when_chosen(session):
    _units(session)
    actor = _office(session)
    res = commit_import(session, actor=actor, draft=_draft(), mapping={"市级相关部门": CREATE})
    assert res.created_departments == ["市级相关部门"]
    new = session.exec(select(Department).where(Department.name == "市级相关部门")).one()
    assert session.exec(select(Assignment).where(Assignment.department_id == new.id)).one()
    assert session.exec(select(AuditLog).where(AuditLog.action == "department.create")).one()


def test_reimport_same_file_refused_unless_forced(session):
    _units(session)
    actor = _office(session)
    data = INLINE_PLAN.encode("utf-8")
    kw = {"mapping": {"市级相关部门": DROP}, "source_name": "a.txt", "source_bytes": data}
    first = commit_import(session, actor=actor, draft=_draft(), **kw)
    with pytest.raises(ValidationFailed, match=f"已于.*导入为方案.*编号 {first.plan_id}"):
        commit_import(session, actor=actor, draft=_draft(), **kw)
    assert _count(session, Plan) == 1
    again = commit_import(session, actor=actor, draft=_draft(), force=True, **kw)
    assert again.plan_id != first.plan_id and _count(session, Plan) == 2


@pytest.mark.parametrize("role", [Role.leader, Role.inspector, Role.dept_head])
def test_non_office_refused(session, role):
    _units(session)
    _, actor = make_user(session, role=role)
    with pytest.raises(PermissionDenied):
        commit_import(session, actor=actor, draft=_draft(), mapping={"市级相关部门": DROP})
    assert _count(session, Plan) == 0


def test_draft_errors_refuse_with_row_numbers(session):
    actor = _office(session)
    draft = ImportDraft(
        title="",
        tasks=[DraftTask(code="1", title=""), DraftTask(code="1", title="乙", parent_code="9")],
    )
    with pytest.raises(ValidationFailed) as exc:
        commit_import(session, actor=actor, draft=draft)
    msg = str(exc.value)
    assert "请填写方案名称" in msg and "缺少任务名称" in msg
    assert "序号“1”重复" in msg and "上级序号“9”不存在" in msg
    assert _count(session, Plan) == 0


def test_parent_links_and_sort_keys(session):
    make_department(session, name="市甲局")
    draft = ImportDraft(
        title="方案",
        phases=["一阶段"],
        tasks=[
            DraftTask(code="1.1", title="子", parent_code="1", lead_units=["市甲局"]),
            DraftTask(code="1", title="父", phase="一阶段"),
            DraftTask(code="2", title="另一项", phase="二阶段"),
        ],
    )
    res = commit_import(session, actor=_office(session), draft=draft)
    by_code = {t.code: t for t in session.exec(select(Task)).all()}
    assert by_code["1.1"].parent_id == by_code["1"].id
    assert by_code["1.1"].sort_key.startswith(by_code["1"].sort_key + ".")
    assert session.get(Plan, res.plan_id).phases == ["一阶段", "二阶段"]


# ---------------------------------------------------------------- rows


def test_rows_errors_and_skip_invalid():
    rows = [
        {"code": "1", "title": "甲", "deadline": "2026-13-01"},
        {"code": "2", "title": "", "deadline": "2026/6/30"},
        {"code": "2", "title": "丙", "deadline": dt.date(2026, 6, 30)},
        {"code": "3", "title": "丁", "parent_code": "8"},
        {"code": "4", "title": "戊", "parent_code": "1", "milestones": "下月 完成"},
        {"code": "5", "title": "己", "deadline": "2026年6月30日", "targets": "比例 ≥ 90%"},
        {"code": "", "title": "", "deadline": None},
    ]
    tasks, errors = rows_to_tasks(rows, first_row=2)
    assert len(tasks) == 6
    errors += validate_draft(ImportDraft(title="x", tasks=tasks))
    msgs = sorted(str(e) for e in errors)
    assert any(m.startswith("第 2 行：完成时限“2026-13-01”不是有效日期") for m in msgs)
    assert "第 3 行：缺少任务名称" in msgs
    assert "第 4 行：序号“2”与第 3 行重复" in msgs
    assert "第 5 行：上级序号“8”不存在" in msgs
    assert any(m.startswith("第 6 行：节点“下月 完成”缺少有效日期") for m in msgs)
    assert tasks[5].deadline == dt.date(2026, 6, 30)
    assert tasks[5].targets[0] == DraftTarget("比例", 90, "%", ">=")
    kept, dropped = drop_rows(tasks, {e.row for e in errors})
    # row 6 (child of row 2) goes with its parent
    assert [t.title for t in kept] == ["己"] and dropped == [2, 3, 4, 5, 6]


def test_milestone_text_with_semicolon_survives_the_editor_round_trip():
    t = DraftTask(
        code="1",
        title="甲",
        deadline=dt.date(2026, 12, 31),
        milestones=[
            DraftMilestone(dt.date(2026, 6, 30), "完成梳理；公布清单"),
            DraftMilestone(dt.date(2026, 9, 30), "全面推开"),
        ],
    )
    from duban.intake.drafts import task_to_row

    tasks, errors = rows_to_tasks([task_to_row(t, sep="；")])
    assert errors == [] and tasks[0].milestones == t.milestones


def test_parse_target_forms():
    assert parse_target("审批时限 ≤ 5个工作日") == DraftTarget("审批时限", 5, "个工作日", "<=")
    assert parse_target("实现全覆盖") == DraftTarget("实现全覆盖")


# ---------------------------------------------------------------- Excel


def _sheet(rows: list[list], info: dict | None = None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = excel.SHEET_TASKS
    ws.append([h for _, h in excel.COLUMNS])
    for r in rows:
        ws.append(r)
    if info:
        pi = wb.create_sheet(excel.SHEET_PLAN)
        for k, v in info.items():
            pi.append([k, v])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_template_has_headers_frozen_row_and_instructions():
    wb = openpyxl.load_workbook(io.BytesIO(excel.template_bytes()))
    assert wb.sheetnames == [excel.SHEET_TASKS, excel.SHEET_PLAN, excel.SHEET_HELP]
    ws = wb[excel.SHEET_TASKS]
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["序号", "上级序号", "任务名称"] and "牵头单位" in headers
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["C"].width > 30
    assert "顿号" in "".join(str(c.value) for c in wb[excel.SHEET_HELP]["A"])


def test_excel_round_trip_reproduces_tasks(session):
    u = _units(session)
    actor = _office(session)
    draft = ImportDraft(
        title="原方案",
        issuer="市审改办",
        doc_number="审改〔2026〕1号",
        issued_on=dt.date(2026, 1, 5),
        phases=["梳理", "推进"],
        tasks=[
            DraftTask(
                code="1",
                title="父任务",
                description="说明，含\n换行",
                phase="梳理",
                lead_units=["市政务服务管理局", "市公安局"],
                responsible_units=["市税务局"],
                deadline=dt.date(2026, 6, 30),
                milestones=[DraftMilestone(dt.date(2026, 3, 31), "完成梳理")],
                targets=[DraftTarget("网办率", 95.5, "%", ">="), DraftTarget("全覆盖")],
                weight=2.5,
            ),
            DraftTask(
                code="1.1",
                parent_code="1",
                title="子任务",
                phase="推进",
                responsible_units=["市市场监督管理局"],
                deadline=dt.date(2026, 5, 1),
            ),
        ],
    )
    first = commit_import(session, actor=actor, draft=draft)
    data = excel.export_plan(session, first.plan_id)
    sheet = excel.read_task_sheet(data, session)
    assert sheet.errors == []
    second = commit_import(
        session, actor=actor, draft=sheet.draft, source_name="x.xlsx", source_bytes=data
    )
    a, b = (excel.plan_draft(session, r.plan_id) for r in (first, second))
    assert (b.title, b.issuer, b.doc_number, b.issued_on, b.phases) == (
        a.title,
        a.issuer,
        a.doc_number,
        a.issued_on,
        a.phases,
    )
    assert a.tasks == b.tasks
    assert a.tasks[0].lead_units == ["市政务服务管理局", "市公安局"]
    assert a.tasks[1].parent_code == "1" and u


def test_sheet_row_errors_with_unknown_unit_and_skip(session):
    _units(session)
    data = _sheet(
        [
            ["1", None, "甲", None, None, "市公安局", None, dt.datetime(2026, 6, 30)],
            ["2", None, "乙", None, None, "火星局", None, "不知道"],
            ["3", "9", "丙", None, None, "公安局", None, None],
            ["1", None, "丁", None, None, None, None, None],
            ["5", None, None, "只有内容", None, None, None, None],
        ],
        {"方案名称": "表格方案"},
    )
    sheet = excel.read_task_sheet(data, session)
    msgs = [str(e) for e in sheet.errors]
    assert any(m.startswith("第 3 行：单位“火星局”在系统中不存在") for m in msgs)
    assert any(m.startswith("第 3 行：完成时限“不知道”不是有效日期") for m in msgs)
    assert "第 4 行：上级序号“9”不存在" in msgs
    assert "第 5 行：序号“1”与第 2 行重复" in msgs
    assert "第 6 行：缺少任务名称" in msgs
    actor = _office(session)
    # not skipped: the import is refused and nothing is written
    with pytest.raises(ValidationFailed):
        commit_import(session, actor=actor, draft=sheet.draft)
    assert _count(session, Plan) == 0
    # skipped: only the valid row goes in
    sheet.draft.tasks, dropped = drop_rows(sheet.draft.tasks, sheet.bad_rows)
    assert dropped == [3, 4, 5, 6]
    res = commit_import(session, actor=actor, draft=sheet.draft)
    assert res.tasks == 1 and session.get(Plan, res.plan_id).title == "表格方案"


def test_not_a_task_sheet():
    from duban.intake.parse.model import PlanParseError

    with pytest.raises(PlanParseError, match="不是有效的 Excel"):
        excel.read_task_sheet(b"hello")
    with pytest.raises(PlanParseError, match="任务名称"):
        excel.read_task_sheet(_bad_header())


def _bad_header() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(["编号", "事情"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_samples_dry_run_parse_to_drafts():
    samples = Path("/work/shared/samples/plans")
    if not samples.exists():
        pytest.skip("no samples on this machine")
    for f in sorted(samples.glob("*.txt")):
        draft, errors = load_draft(f.read_bytes(), f.name, year=2018)
        assert draft.tasks, f.name
        assert not [e for e in validate_draft(draft) if e.row is not None], f.name


# ---------------------------------------------------------------- CLI


def _cli(db: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "DUBAN_MODE": "demo"}
    return subprocess.run(
        [sys.executable, "-m", "duban", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_dry_run_then_commit(tmp_path):
    from duban.core import db as dbmod

    path = tmp_path / "cli.db"
    eng = dbmod.make_engine(f"sqlite:///{path}")
    dbmod.upgrade(eng)
    with dbmod.session_scope(eng) as s:
        actor = Actor.system()
        for name in ("市政务服务管理局", "市公安局", "市税务局", "市市场监督管理局"):
            s.add(Department(name=name))
        del actor
    eng.dispose()
    plan = tmp_path / "plan.txt"
    plan.write_bytes(INLINE_PLAN.encode("gb18030"))

    dry = _cli(path, "import-plan", str(plan))
    assert dry.returncode == 0, dry.stderr
    assert "任务：2 项" in dry.stdout and "市级相关部门 → 未匹配" in dry.stdout
    assert "未写入数据库" in dry.stdout

    refused = _cli(path, "import-plan", str(plan), "--commit")
    assert refused.returncode == 2 and "未匹配" in refused.stderr

    done = _cli(path, "import-plan", str(plan), "--commit", "--drop-unmatched")
    assert done.returncode == 0, done.stderr
    assert "已导入方案" in done.stdout and "任务 2 项" in done.stdout

    again = _cli(path, "import-plan", str(plan), "--commit", "--drop-unmatched")
    assert again.returncode == 2 and "不能重复导入" in again.stderr and "--force" in again.stderr

    missing = _cli(path, "import-plan", str(tmp_path / "nope.txt"))
    assert missing.returncode == 2 and "找不到文件" in missing.stderr

    eng = dbmod.make_engine(f"sqlite:///{path}")
    with dbmod.session_scope(eng) as s:
        assert _count(s, Plan) == 1 and _count(s, Task) == 2
    eng.dispose()


def test_docx_plan_to_import_with_short_names(session):
    import docx

    gov = make_department(session, name="市政务服务和大数据管理局", short_name="政务服务局")
    hr = make_department(session, name="市人力资源和社会保障局", short_name="人社局")
    make_department(session, name="市公安局", short_name="公安局")
    make_department(session, name="市税务局", short_name="税务局")
    d = docx.Document()
    for line in [
        "关于推进政务服务标准化的实施方案",
        "市审改办  2025年4月1日",
        "一、主要任务",
        "（一）统一事项清单。10月15日前完成梳理，12月底前公布。",
        "牵头单位：市政务服务和大数据管理局",
        "责任单位：市公安局、税务局、人社局",
    ]:
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    draft, errors = load_draft(buf.getvalue(), "方案.docx")
    assert errors == [] and len(draft.tasks) == 1
    m = match_units(session, draft.unit_names())
    assert m["市人社局"].department_id == hr.id and m["市人社局"].method == "short"
    res = commit_import(session, actor=_office(session), draft=draft, source_bytes=buf.getvalue())
    task = session.exec(select(Task).where(Task.plan_id == res.plan_id)).one()
    assert task.deadline == dt.date(2025, 12, 31)
    lead = session.exec(
        select(Assignment).where(
            Assignment.task_id == task.id, Assignment.role == AssignmentRole.lead
        )
    ).one()
    assert lead.department_id == gov.id and res.assignments == 4


def test_exported_sheet_is_read_strictly_by_load_draft(session):
    make_department(session, name="市甲局")
    draft = ImportDraft(
        title="方案",
        tasks=[
            DraftTask(code="1", title="父", lead_units=["市甲局"], deadline=dt.date(2026, 5, 1)),
            DraftTask(code="1.1", parent_code="1", title="子", deadline=dt.date(2026, 4, 1)),
        ],
    )
    res = commit_import(session, actor=_office(session), draft=draft)
    data = excel.export_plan(session, res.plan_id)
    assert excel.is_task_sheet(data)
    back, errors = load_draft(data, "导出.xlsx")
    assert errors == [] and back.title == "方案"
    assert [(t.code, t.parent_code, t.deadline) for t in back.tasks] == [
        ("1", None, dt.date(2026, 5, 1)),
        ("1.1", "1", dt.date(2026, 4, 1)),
    ]


def test_same_file_imported_twice_at_once_makes_one_plan(engine, tmp_path):
    """Two clicks on 导入 at the same moment (two offices, two processes): one plan."""
    import threading

    from sqlmodel import Session

    from tests.test_notices import _concurrent_engine

    eng = _concurrent_engine(engine, tmp_path)
    with Session(eng, expire_on_commit=False) as s:
        _units(s)
        actor = _office(s)
        s.commit()
    data = INLINE_PLAN.encode("utf-8")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run():
        with Session(eng, expire_on_commit=False) as s:
            barrier.wait()
            try:
                commit_import(
                    s,
                    actor=actor,
                    draft=_draft(),
                    mapping={"市级相关部门": DROP},
                    source_name="a.txt",
                    source_bytes=data,
                )
                outcomes.append("ok")
            except ValidationFailed as exc:
                outcomes.append("refused" if "已于" in str(exc) else str(exc))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["ok", "refused"], outcomes
    with Session(eng) as s:
        assert _count(s, Plan) == 1
    if eng is not engine:
        eng.dispose()


PHASED_PLAN = """宁"放管服"组办〔2020〕5号
关于印发《宁县"放管服"改革攻坚行动方案》的通知
各乡镇,县直各部门:
现将方案印发给你们,请认真贯彻落实。
一、实施步骤
(一)动员部署阶段(2020年3月1日—4月30日)
1.制定工作方案。4月15日前印发各乡镇实施方案。(牵头单位:县政务服务中心;责任单位:各乡镇)
(二)集中攻坚阶段(2020年5月—9月)
1.清理证明事项。9月30日前完成清理并公布保留清单。(牵头单位:县司法局)
(三)总结验收阶段(2020年10月—12月)
组织开展自查,形成总结报告。
"""


def test_phase_headings_become_the_plans_phases_and_their_tasks_carry_them(session):
    """Issue 12: 阶段 headings are phases, not tasks without units; the doc number's year
    (after quotes and a prefix) resolves "9月30日前"."""
    gov = make_department(session, name="县政务服务中心")
    justice = make_department(session, name="县司法局")
    towns = make_department(session, name="各乡镇")
    draft = load_draft(PHASED_PLAN.encode("utf-8"), "plan.txt")[0]
    assert draft.doc_number == '宁"放管服"组办〔2020〕5号'
    assert draft.phases == ["动员部署阶段", "集中攻坚阶段", "总结验收阶段"]
    assert [(t.code, t.phase, t.deadline) for t in draft.tasks] == [
        ("一(一)1", "动员部署阶段", dt.date(2020, 4, 15)),
        ("一(二)1", "集中攻坚阶段", dt.date(2020, 9, 30)),
    ]
    res = commit_import(
        session,
        actor=_office(session),
        draft=draft,
        mapping={},
        source_name="plan.txt",
        source_bytes=PHASED_PLAN.encode("utf-8"),
    )
    plan = session.get(Plan, res.plan_id)
    assert plan.phases == ["动员部署阶段", "集中攻坚阶段", "总结验收阶段"]
    tasks = session.exec(select(Task).where(Task.plan_id == plan.id).order_by(Task.sort_key)).all()
    assert [(t.phase, t.deadline) for t in tasks] == [
        ("动员部署阶段", dt.date(2020, 4, 15)),
        ("集中攻坚阶段", dt.date(2020, 9, 30)),
    ]
    units = {(a.task_id, a.department_id, a.role) for a in session.exec(select(Assignment)).all()}
    assert units == {
        (tasks[0].id, gov.id, AssignmentRole.lead),
        (tasks[0].id, towns.id, AssignmentRole.responsible),
        (tasks[1].id, justice.id, AssignmentRole.lead),
    }


def test_cli_preview_names_the_phases_and_each_tasks_units_and_phase(tmp_path):
    from duban.core import db as dbmod

    path = tmp_path / "cli.db"
    eng = dbmod.make_engine(f"sqlite:///{path}")
    dbmod.upgrade(eng)
    eng.dispose()
    plan = tmp_path / "plan.txt"
    plan.write_bytes(PHASED_PLAN.encode("utf-8"))
    dry = _cli(path, "import-plan", str(plan))
    assert dry.returncode == 0, dry.stderr
    assert "阶段：动员部署阶段、集中攻坚阶段、总结验收阶段" in dry.stdout
    assert (
        "一(一)1 制定工作方案　牵头：县政务服务中心　责任：各乡镇　时限：2020-04-15"
        "　阶段：动员部署阶段"
    ) in dry.stdout
