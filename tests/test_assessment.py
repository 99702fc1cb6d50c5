"""Assessment: the formula against hand-computed cases, normalisation, snapshots, appeals."""

import datetime as dt
import itertools

import pytest
from sqlmodel import select

from duban.assessment import appeals, exports, formula, freezing, periods, results, scoring
from duban.core import clock
from duban.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from duban.monitoring import holidays
from models import (
    AppSetting,
    AuditLog,
    Finding,
    Inspection,
    InspectionDepartment,
    Instruction,
    InstructionAnswer,
    Notice,
    NoticeRecipient,
    Role,
    TaskStatus,
)
from tests.factories import make_department, make_plan, make_report, make_task, make_user

TODAY = dt.date(2026, 4, 15)  # Q1 2026 is over; March 2026 has no public holidays
Q1 = dt.date(2026, 2, 1)
_seq = itertools.count(1)


def at(d: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(hour))


@pytest.fixture
def frozen_today():
    with clock.frozen(TODAY):
        yield


def _notice(session, dept, *, kind="urging", level="red", issued=dt.date(2026, 2, 10)):
    n = next(_seq)
    notice = Notice(
        kind=kind,
        level=level if kind == "urging" else None,
        status="issued",
        title=f"测试通知{n}",
        doc_number=f"测〔2026〕{n}号",
        issued_at=at(issued),
    )
    session.add(notice)
    session.flush()
    session.add(NoticeRecipient(notice_id=notice.id, department_id=dept.id))
    session.commit()
    return notice


def _inspection(session, dept, result, day):
    insp = Inspection(inspected_on=day, method="on_site", result=result)
    session.add(insp)
    session.flush()
    session.add(InspectionDepartment(inspection_id=insp.id, department_id=dept.id))
    session.commit()
    return insp


@pytest.fixture
def world(session, frozen_today):
    """Three units, one quarter of events; expected points worked out by hand below."""
    a, b, c = (make_department(session, name=n) for n in ("甲局", "乙局", "丙局"))
    plan = make_plan(session)
    start = dt.date(2025, 12, 1)
    t1 = make_task(
        session,
        plan=plan,
        lead=a,
        responsible=[b],
        deadline=dt.date(2026, 3, 20),
        start_date=start,
        status=TaskStatus.in_progress,
        assigned_at=at(start),
    )
    t2 = make_task(
        session,
        plan=plan,
        lead=b,
        deadline=dt.date(2026, 3, 10),
        start_date=start,
        status=TaskStatus.completed,
        assigned_at=at(start),
        completed_at=at(dt.date(2026, 3, 9)),
    )
    t3 = make_task(
        session,
        plan=plan,
        lead=c,
        deadline=dt.date(2026, 1, 5),
        start_date=start,
        status=TaskStatus.in_progress,
        assigned_at=at(start),
    )
    make_report(session, t1, b, percent=100, reported_at=at(dt.date(2026, 3, 18)))
    make_report(session, t2, b, percent=100, reported_at=at(dt.date(2026, 3, 6)))
    urging = _notice(session, a, level="red")
    praise = _notice(session, b, kind="commendation", issued=dt.date(2026, 3, 1))
    poor = _inspection(session, c, "poor", dt.date(2026, 3, 5))
    avg = _inspection(session, a, "average", dt.date(2026, 3, 5))
    finding = Finding(
        inspection_id=avg.id,
        department_id=a.id,
        description="台账不全",
        due_date=dt.date(2026, 3, 16),
    )
    session.add(finding)
    ins = Instruction(task_id=t1.id, text="请加快推进", created_at=at(dt.date(2026, 3, 2)))
    session.add(ins)
    session.flush()
    # due = 5 working days after Mon 2 March = Mon 9 March; 甲 answers in time, 乙 never.
    session.add(
        InstructionAnswer(
            instruction_id=ins.id,
            department_id=a.id,
            text="已部署",
            created_at=at(dt.date(2026, 3, 4)),
        )
    )
    session.commit()
    _, office = make_user(session, role=Role.office)
    _, leader = make_user(session, role=Role.leader)
    _, head_a = make_user(session, role=Role.dept_head, department_id=a.id)
    _, head_c = make_user(session, role=Role.dept_head, department_id=c.id)
    period = periods.create_period(session, actor=office, kind="quarter", day=Q1)
    return dict(
        a=a,
        b=b,
        c=c,
        t1=t1,
        t2=t2,
        t3=t3,
        urging=urging,
        praise=praise,
        poor=poor,
        avg=avg,
        finding=finding,
        ins=ins,
        office=office,
        leader=leader,
        head_a=head_a,
        head_c=head_c,
        period=period,
    )


def _by_name(result):
    return {u.department_name: u for u in result.units}


def test_formula_against_hand_computed_quarter(session, world):
    res = results.period_result(session, actor=world["leader"], period_id=world["period"].id)
    assert (res.start, res.end, res.label) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 3, 31),
        "2026年第一季度",
    )
    u = _by_name(res)
    # 甲: T1 overdue 20 Mar → 31 Mar = 7 working days × 0.5 = −3.5 (lead ×1); red urging −4;
    # inspection 一般 −1; finding due 16 Mar unanswered −2.  Raw −10.5, load 1.0.
    lines_a = {ln["category"]: ln["points"] for ln in u["甲局"].lines}
    assert lines_a == {"任务逾期": -3.5, "催办通知": -4.0, "督查结果": -1.0, "整改逾期": -2.0}
    assert u["甲局"].raw_points == -10.5 and u["甲局"].load == 1.0
    # 乙: T2 done 9 Mar (reported 100 % on 6 Mar) before 10 Mar +2; commendation +3;
    # instruction of 2 Mar due 9 Mar unanswered −2; T1 reported done 18 Mar: not late.
    lines_b = sorted((ln["category"], ln["points"]) for ln in u["乙局"].lines)
    assert lines_b == [("批示未按时答复", -2.0), ("按期完成", 2.0), ("通报表扬", 3.0)]
    assert u["乙局"].raw_points == 3.0 and u["乙局"].load == 1.5
    # 丙: T3 overdue since 5 Jan, far beyond the cap: −10; inspection 差 −3.
    assert sorted(ln["points"] for ln in u["丙局"].lines) == [-10.0, -3.0]
    assert u["丙局"].raw_points == -13.0
    # Reference load = (1 + 1.5 + 1) / 3; score = 100 + raw × ref / load.
    ref = 3.5 / 3
    assert res.reference_load == pytest.approx(ref, abs=1e-4)
    assert u["甲局"].score == pytest.approx(100 - 10.5 * ref, abs=0.01)
    assert u["乙局"].score == pytest.approx(100 + 3 * ref / 1.5, abs=0.01)
    assert u["丙局"].score == pytest.approx(100 - 13 * ref, abs=0.01)
    assert [(x.department_name, x.rank) for x in res.units] == [
        ("乙局", 1),
        ("甲局", 2),
        ("丙局", 3),
    ]
    assert res.top(1)[0].department_name == "乙局" and res.bottom(1)[0].department_name == "丙局"
    # Every line names its source record.
    src = {ln["category"]: (ln["source_type"], ln["source_id"]) for ln in u["甲局"].lines}
    assert src["催办通知"] == ("notice", world["urging"].id)
    assert src["整改逾期"] == ("finding", world["finding"].id)
    assert src["任务逾期"] == ("task", world["t1"].id)
    assert src["督查结果"] == ("inspection", world["avg"].id)


def test_edited_formula_changes_points(session, world):
    formula.save_formula(
        session,
        actor=world["office"],
        values={**formula.Formula().to_dict(), "overdue_per_day": 1.0, "overdue_cap_per_task": 5.0},
        expected_version=None,
    )
    res = results.period_result(session, actor=world["office"], period_id=world["period"].id)
    overdue = [ln for ln in _by_name(res)["甲局"].lines if ln["category"] == "任务逾期"][0]
    assert overdue["points"] == -5.0  # 7 days × 1.0 = 7, capped at 5
    assert "封顶" in overdue["detail"]


def test_normalisation_busy_unit_not_punished(session, frozen_today):
    """Twice the tasks and twice the lateness gives the same score as half of both."""
    busy, quiet = make_department(session), make_department(session)
    plan = make_plan(session)
    for dept, n in ((busy, 2), (quiet, 1)):
        for _ in range(n):
            make_task(
                session,
                plan=plan,
                lead=dept,
                deadline=dt.date(2026, 3, 20),
                start_date=dt.date(2026, 1, 5),
                assigned_at=at(dt.date(2026, 1, 5)),
                status=TaskStatus.in_progress,
            )
    lines, load, names = scoring.compute_lines(
        session,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 3, 31),
        today=TODAY,
        formula=formula.Formula(),
        cal=holidays.load_calendar(session),
    )
    units, ref = scoring.score_units(lines, load, names, formula.Formula())
    by = {u.department_id: u for u in units}
    assert by[busy.id].raw_points == -7.0 and by[quiet.id].raw_points == -3.5
    assert (by[busy.id].load, by[quiet.id].load, ref) == (2.0, 1.0, 1.5)
    assert by[busy.id].score == by[quiet.id].score == pytest.approx(100 - 3.5 * 1.5)
    # Responsible counts half: a responsible unit's load and lateness are weighted 0.5.
    helper = make_department(session)
    make_task(
        session,
        plan=plan,
        lead=quiet,
        responsible=[helper],
        deadline=dt.date(2026, 3, 30),
        start_date=dt.date(2026, 1, 5),
        assigned_at=at(dt.date(2026, 1, 5)),
    )
    lines, load, names = scoring.compute_lines(
        session,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 3, 31),
        today=TODAY,
        formula=formula.Formula(),
        cal=holidays.load_calendar(session),
    )
    assert load[helper.id] == 0.5
    assert [ln.points for ln in lines if ln.department_id == helper.id] == [-0.25]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"urging_red": -4}, "不能为负数"),
        ({"overdue_cap_per_task": -1}, "不能为负数"),
        ({"overdue_per_day": 3, "overdue_cap_per_task": 2}, "不能低于"),
        ({"urging_blue": 5}, "蓝色 ≤ 黄色 ≤ 红色"),
        ({"inspection_average": 4}, "不能低于"),
        ({"responsible_weight": 2}, "不能高于牵头单位权重"),
        ({"lead_weight": 0}, "须大于 0"),
        ({"bonus_for_friends": 5}, "未知的评分规则项"),
        ({"commendation": "很多"}, "须为数字"),
        ({"instruction_answer_days": 2.5}, "须为整数"),
    ],
)
def test_broken_formula_is_refused_and_nothing_changes(session, change, message):
    _, office = make_user(session, role=Role.office)
    good = formula.save_formula(session, actor=office, values={}, expected_version=None)
    version = session.get(AppSetting, formula.FORMULA_KEY).version
    with pytest.raises(ValidationFailed, match=message):
        formula.save_formula(
            session, actor=office, values={**good.to_dict(), **change}, expected_version=version
        )
    session.expire_all()
    row = session.get(AppSetting, formula.FORMULA_KEY)
    assert row.version == version and row.value == formula.Formula().to_dict()


def test_formula_edit_is_versioned_audited_and_office_only(session):
    _, office = make_user(session, role=Role.office)
    _, leader = make_user(session, role=Role.leader)
    with pytest.raises(PermissionDenied):
        formula.save_formula(session, actor=leader, values={}, expected_version=None)
    formula.save_formula(session, actor=office, values={"commendation": 5}, expected_version=None)
    assert formula.load_formula(session)[0].commendation == 5
    with pytest.raises(StaleEdit):
        formula.save_formula(session, actor=office, values={"commendation": 6}, expected_version=99)
    with pytest.raises(StaleEdit):  # an editor opened before the first save
        formula.save_formula(session, actor=office, values={"commendation": 7}, expected_version=0)
    _, version = formula.load_formula(session)
    formula.save_formula(
        session, actor=office, values={"commendation": 8}, expected_version=version
    )
    assert formula.load_formula(session)[0].commendation == 8
    assert session.exec(
        select(AuditLog).where(AuditLog.action == "assessment_formula.update")
    ).first()


def test_frozen_snapshot_does_not_change(session, world):
    office, period = world["office"], world["period"]
    before = results.period_result(session, actor=office, period_id=period.id)
    freezing.freeze_period(
        session, actor=office, period_id=period.id, expected_version=period.version
    )
    frozen = results.period_result(session, actor=office, period_id=period.id)
    assert frozen.status == "frozen"
    assert [(u.department_name, u.score, u.rank) for u in frozen.units] == [
        (u.department_name, u.score, u.rank) for u in before.units
    ]
    # Later edits: a new red urging notice dated inside Q1, and a harsher formula.
    _notice(session, world["b"], level="red", issued=dt.date(2026, 3, 30))
    formula.save_formula(
        session,
        actor=office,
        values={"urging_red": 50, "overdue_cap_per_task": 50},
        expected_version=None,
    )
    after = results.period_result(session, actor=office, period_id=period.id)
    assert [(u.department_name, u.score, u.rank, u.lines) for u in after.units] == [
        (u.department_name, u.score, u.rank, u.lines) for u in frozen.units
    ]
    assert after.formula == formula.Formula().to_dict()  # the formula used, not today's
    # The live computation would now differ, so the test above can fail.
    lines, load, names = scoring.compute_lines(
        session,
        start=period.start,
        end=period.end,
        today=TODAY,
        formula=formula.load_formula(session)[0],
        cal=holidays.load_calendar(session),
    )
    live, _ = scoring.score_units(lines, load, names, formula.load_formula(session)[0])
    assert {u.department_name: u.score for u in live} != {
        u.department_name: u.score for u in after.units
    }
    with pytest.raises(ValidationFailed, match="已冻结"):
        freezing.freeze_period(session, actor=office, period_id=period.id, expected_version=None)


def test_cannot_freeze_before_the_period_ends(session, frozen_today):
    _, office = make_user(session, role=Role.office)
    p = periods.create_period(session, actor=office, kind="month", day=TODAY)
    with pytest.raises(ValidationFailed, match="结束后才能冻结"):
        freezing.freeze_period(session, actor=office, period_id=p.id, expected_version=p.version)
    with pytest.raises(ValidationFailed, match="已存在"):
        periods.create_period(session, actor=office, kind="month", day=TODAY)
    with pytest.raises(ValidationFailed, match="尚未开始"):
        periods.create_period(session, actor=office, kind="month", day=dt.date(2026, 6, 1))


def _line(session, world, actor, category):
    res = results.period_result(session, actor=actor, period_id=world["period"].id)
    unit = next(u for u in res.units if u.department_id == world["a"].id)
    return next(ln for ln in unit.lines if ln["category"] == category)


def test_appeal_accepted_removes_the_deduction(session, world):
    head, office, pid = world["head_a"], world["office"], world["period"].id
    line = _line(session, world, head, "督查结果")
    appeal = appeals.create_appeal(
        session,
        actor=head,
        period_id=pid,
        department_id=world["a"].id,
        line_key=line["key"],
        reason="当日督查对象为乙局窗口，非本单位。",
    )
    with pytest.raises(ValidationFailed, match="待处理"):
        appeals.create_appeal(
            session,
            actor=head,
            period_id=pid,
            department_id=world["a"].id,
            line_key=line["key"],
            reason="再次申诉同一条扣分",
        )
    with pytest.raises(ValidationFailed, match="申诉未处理"):
        freezing.freeze_period(session, actor=office, period_id=pid, expected_version=None)
    with pytest.raises(PermissionDenied):
        appeals.decide_appeal(session, actor=head, appeal_id=appeal.id, accept=True)
    appeals.decide_appeal(
        session, actor=office, appeal_id=appeal.id, accept=True, expected_version=appeal.version
    )
    res = results.period_result(session, actor=office, period_id=pid)
    a = _by_name(res)["甲局"]
    assert a.raw_points == -9.5  # −10.5 with the −1 withdrawn
    withdrawn = next(ln for ln in a.lines if ln["key"] == line["key"])
    assert (withdrawn["status"], withdrawn["points"], withdrawn["original_points"]) == (
        "withdrawn",
        0.0,
        -1.0,
    )
    log = session.exec(select(AuditLog).where(AuditLog.action == "score_appeal.accept")).one()
    assert log.object_id == str(appeal.id)
    with pytest.raises(ValidationFailed, match="已处理"):
        appeals.decide_appeal(session, actor=office, appeal_id=appeal.id, accept=False, note="不对")


def test_appeal_rejected_needs_a_reason_and_cannot_be_repeated(session, world):
    head, office, pid = world["head_a"], world["office"], world["period"].id
    line = _line(session, world, head, "催办通知")
    kw = dict(period_id=pid, department_id=world["a"].id, line_key=line["key"])
    with pytest.raises(ValidationFailed, match="申诉理由"):
        appeals.create_appeal(session, actor=head, reason=" ", **kw)
    appeal = appeals.create_appeal(session, actor=head, reason="已在规定时间内书面回复。", **kw)
    with pytest.raises(ValidationFailed, match="须写明理由"):
        appeals.decide_appeal(session, actor=office, appeal_id=appeal.id, accept=False, note="")
    appeals.decide_appeal(
        session, actor=office, appeal_id=appeal.id, accept=False, note="未见书面回复记录"
    )
    assert session.get(type(appeal), appeal.id).status == "rejected"
    with pytest.raises(ValidationFailed, match="已被驳回"):
        appeals.create_appeal(session, actor=head, reason="再次说明情况如下。", **kw)
    # A bonus line cannot be appealed; once frozen nothing can.
    assert _line(session, world, head, "催办通知")["points"] == -4.0
    freezing.freeze_period(session, actor=office, period_id=pid, expected_version=None)
    other = _line(session, world, head, "整改逾期")
    with pytest.raises(ValidationFailed, match="已冻结"):
        appeals.create_appeal(
            session, actor=head, reason="整改已于期限内完成。", **{**kw, "line_key": other["key"]}
        )


def test_dept_head_sees_and_appeals_only_its_own_unit(session, world):
    head_a, head_c, pid = world["head_a"], world["head_c"], world["period"].id
    res = results.period_result(session, actor=head_a, period_id=pid)
    assert [u.department_name for u in res.units] == ["甲局"] and res.unit_count == 3
    assert results.unit_result(session, actor=head_a, period_id=pid, department_id=world["a"].id)
    with pytest.raises(PermissionDenied, match="只能查看本单位"):
        results.unit_result(session, actor=head_c, period_id=pid, department_id=world["a"].id)
    line = _line(session, world, head_a, "催办通知")
    with pytest.raises(PermissionDenied):
        appeals.create_appeal(
            session,
            actor=head_c,
            period_id=pid,
            department_id=world["a"].id,
            line_key=line["key"],
            reason="替别的单位申诉一下",
        )
    with pytest.raises(PermissionDenied):
        appeals.list_appeals(session, actor=head_c, period_id=pid, department_id=world["a"].id)
    with pytest.raises(PermissionDenied):
        periods.create_period(session, actor=world["leader"], kind="month", day=TODAY)
    with pytest.raises(PermissionDenied):
        freezing.freeze_period(session, actor=head_a, period_id=pid, expected_version=None)


def test_change_since_previous_period_and_trend(session, world):
    office = world["office"]
    dec = periods.create_period(session, actor=office, kind="quarter", day=dt.date(2025, 12, 1))
    jan_res = results.period_result(session, actor=office, period_id=world["period"].id)
    dec_res = results.period_result(session, actor=office, period_id=dec.id)
    c_now, c_before = _by_name(jan_res)["丙局"], _by_name(dec_res)["丙局"]
    assert jan_res.previous_label == "2025年第四季度"
    assert c_now.prev_score == c_before.score
    assert c_now.delta == pytest.approx(c_now.score - c_before.score, abs=0.01)
    rows = results.trend(session, actor=world["head_c"], kind="quarter")
    assert {r["department"] for r in rows} == {"丙局"}
    assert [r["period"] for r in rows] == ["2025年第四季度", "2026年第一季度"]


def test_exports_excel_and_official_bulletin(session, world):
    import io

    import openpyxl
    from docx import Document

    office, pid = world["office"], world["period"].id
    with pytest.raises(ValidationFailed, match="冻结发布后"):
        exports.scorecard_docx(session, actor=office, period_id=pid)
    freezing.freeze_period(session, actor=office, period_id=pid, expected_version=None)
    res = results.period_result(session, actor=office, period_id=pid)
    wb = openpyxl.load_workbook(io.BytesIO(exports.scorecard_xlsx(res)))
    assert wb.sheetnames == ["说明", "成绩单", "得分明细", "评分规则", "计分方法"]
    ranking = [r for r in wb["成绩单"].iter_rows(min_row=2, values_only=True)]
    assert [r[:2] for r in ranking] == [(1, "乙局"), (2, "甲局"), (3, "丙局")]
    detail = list(wb["得分明细"].iter_rows(min_row=2, values_only=True))
    assert len(detail) == sum(len(u.lines) for u in res.units)
    doc = Document(io.BytesIO(exports.scorecard_docx(session, actor=office, period_id=pid)))
    text = "\n".join(p.text.replace("\n", "") for p in doc.paragraphs)  # title w:br
    cells = "\n".join(c.text for tb in doc.tables for row in tb.rows for c in row.cells)
    assert "关于2026年第一季度各成员单位考核结果的通报" in text
    assert "乙局" in text and "丙局" in text  # top and bottom named
    assert "督查 #" in cells and "整改项 #" in cells  # every line with its source
    with pytest.raises(PermissionDenied):
        exports.scorecard_docx(session, actor=world["head_a"], period_id=pid)


def test_published_scorecard_is_a_numbered_bulletin_delivered_to_every_unit(session, world):
    import io

    from docx import Document

    from duban.notices import issuing, reading

    office, pid = world["office"], world["period"].id
    with pytest.raises(ValidationFailed, match="冻结发布后"):
        exports.draft_scorecard_notice(session, actor=office, period_id=pid)
    freezing.freeze_period(session, actor=office, period_id=pid, expected_version=None)
    with pytest.raises(PermissionDenied):
        exports.draft_scorecard_notice(session, actor=world["leader"], period_id=pid)
    draft = exports.draft_scorecard_notice(session, actor=office, period_id=pid)
    assert draft.kind == "bulletin" and draft.status == "draft" and draft.doc_number is None
    assert exports.scorecard_notice(session, pid).id == draft.id
    with pytest.raises(ValidationFailed, match="已生成草稿"):  # one bulletin per period
        exports.draft_scorecard_notice(session, actor=office, period_id=pid)
    unnumbered = Document(io.BytesIO(exports.scorecard_docx(session, actor=office, period_id=pid)))
    assert "（草稿，签发时编号）" in [p.text for p in unnumbered.paragraphs]
    issued = issuing.issue_notice(
        session, actor=office, notice_id=draft.id, expected_version=draft.version
    )
    assert issued.doc_number == "通报〔2026〕1号"
    to = {
        r.department_id
        for r in session.exec(
            select(NoticeRecipient).where(NoticeRecipient.notice_id == draft.id)
        ).all()
    }
    assert to == {world["a"].id, world["b"].id, world["c"].id}
    doc = Document(io.BytesIO(exports.scorecard_docx(session, actor=office, period_id=pid)))
    texts = [p.text.replace("\n", "") for p in doc.paragraphs]  # title w:br
    assert "通报〔2026〕1号" in texts
    assert "关于2026年第一季度各成员单位考核结果的通报" in texts
    cells = [c.text for tb in doc.tables for row in tb.rows for c in row.cells]
    assert "乙局" in cells and "得分" in cells  # the ranking table travels with the notice
    # every unit sees the bulletin in its own notice list and can acknowledge it
    rows = reading.list_notices(session, actor=world["head_c"])
    assert [r.notice.doc_number for r in rows] == ["通报〔2026〕1号"]
    with pytest.raises(ValidationFailed, match="已签发（通报〔2026〕1号）"):
        exports.draft_scorecard_notice(session, actor=office, period_id=pid)


def _score_line(dept: int, points: float, n: int) -> "scoring.ScoreLine":
    return scoring.ScoreLine(
        key=f"x:{n}:d{dept}",
        department_id=dept,
        category="测试",
        points=points,
        detail="",
        source_type="task",
        source_id=n,
        source_ref="",
        day="2026-03-01",
    )


def test_score_is_base_plus_raw_per_load_and_ranks_share_ties():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=60, deadline=None)
    @given(
        st.lists(
            st.tuples(
                st.floats(0, 20, allow_nan=False).map(lambda x: round(x, 2)),
                st.lists(st.sampled_from([-4.0, -2.0, -0.5, 2.0, 3.0]), max_size=6),
            ),
            min_size=1,
            max_size=8,
        )
    )
    def check(units):
        f = formula.Formula()
        lines = [
            _score_line(d, p, i) for d, (_, pts) in enumerate(units) for i, p in enumerate(pts)
        ]
        load = {d: ld for d, (ld, _) in enumerate(units)}
        names = {d: f"单位{d}" for d in range(len(units))}
        results, ref = scoring.score_units(lines, load, names, f)
        positive = [ld for ld, _ in units if ld > 0]
        assert ref == pytest.approx(sum(positive) / len(positive) if positive else 1.0, abs=1e-3)
        for r in results:
            ld, pts = units[r.department_id]
            expected = f.base_score + sum(pts) * ref / max(ld, f.min_load)
            assert r.score == pytest.approx(expected, abs=0.02)
        for a in results:
            for b in results:
                if a.score > b.score:
                    assert a.rank < b.rank
                if a.score == b.score:
                    assert a.rank == b.rank

    check()


def test_top_and_bottom_include_ties_at_the_cut():
    load = {1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0}
    names = {d: f"单位{d}" for d in load}
    lines = [_score_line(2, -1.0, 1), _score_line(3, -1.0, 2), _score_line(4, -5.0, 3)]
    units, ref = scoring.score_units(lines, load, names, formula.Formula())
    res = scoring.PeriodResult(
        period_id=1,
        label="",
        kind="month",
        start=TODAY,
        end=TODAY,
        status="open",
        as_of=TODAY,
        formula={},
        reference_load=ref,
        units=units,
        unit_count=4,
    )
    assert [u.department_id for u in res.top(1)] == [1]
    assert [u.department_id for u in res.bottom(2)] == [4, 2, 3]  # 2 and 3 tie for third
