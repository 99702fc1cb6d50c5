"""AppTest of 考核排名: the office edits the formula and freezes; units see only themselves."""

import datetime as dt

import pytest
from sqlmodel import Session, select

from duban.assessment import appeals, exports, formula, periods, results
from duban.core import clock
from duban.core.db import make_engine
from duban.core.permissions import Actor
from models import AppSetting, AppUser, AssessmentPeriod, AssessmentSnapshot, AuditLog, ScoreAppeal
from tests.apptest import errors, page_as


def _last_quarter() -> dt.date:
    first = clock.today().replace(day=1)
    return first - dt.timedelta(days=95)


@pytest.fixture
def period_db(demo_db):
    """The demo database with last quarter open for assessment, and one engine to check it."""
    eng = make_engine(demo_db)
    with Session(eng) as s:
        office = Actor.of(s.exec(select(AppUser).where(AppUser.username == "office")).one())
        p = periods.create_period(s, actor=office, kind="quarter", day=_last_quarter())
        pid = p.id
    yield eng, pid
    eng.dispose()


def _open(pid: int, username: str, role: str):
    """The page as the user, on the given period (the demo's own months come first)."""
    at = page_as("assessment", username, role)
    at.selectbox(key="asm_period").set_value(pid).run()
    return at


def _text(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [str(m.value) for m in at.metric] + [s.value for s in at.subheader]
    return "\n".join(parts)


def test_office_creates_a_period(demo_db):
    at = page_as("assessment", "office", "office")
    assert not at.exception and not errors(at)
    at.date_input(key="asm_new_day").set_value(_last_quarter())
    [b for b in at.button if b.label == "建立考核期"][0].click().run()
    assert not at.exception and not errors(at), errors(at)
    assert len(at.tabs) == 5 and at.dataframe[0].value.shape[0] >= 10


def test_office_edits_formula_and_freezes(period_db):
    eng, pid = period_db
    at = _open(pid, "office", "office")
    assert not at.exception and not errors(at), errors(at)
    # A broken rule is refused in Chinese and nothing is stored.
    at.number_input(key="asm_f_urging_red_0").set_value(-4.0)
    [b for b in at.button if b.label == "保存评分规则"][0].click().run()
    assert any("不能为负数" in e for e in errors(at))
    with Session(eng) as s:
        assert s.get(AppSetting, formula.FORMULA_KEY) is None
    at.number_input(key="asm_f_urging_red_0").set_value(6.0)
    [b for b in at.button if b.label == "保存评分规则"][0].click().run()
    assert not errors(at), errors(at)
    with Session(eng) as s:
        assert s.get(AppSetting, formula.FORMULA_KEY).value["urging_red"] == 6.0
    # Freeze: refused without the confirmation, then done.
    [b for b in at.button if b.label == "冻结并发布成绩单"][0].click().run()
    assert any("请先勾选" in w.value for w in at.warning)
    at.checkbox(key="asm_freeze_ok").check()
    [b for b in at.button if b.label == "冻结并发布成绩单"][0].click().run()
    assert not at.exception and not errors(at), errors(at)
    with Session(eng) as s:
        assert s.get(AssessmentPeriod, pid).status == "frozen"
        snaps = s.exec(select(AssessmentSnapshot).where(AssessmentSnapshot.period_id == pid)).all()
        assert len(snaps) >= 10
        assert s.exec(
            select(AuditLog).where(
                AuditLog.action == "assessment_period.freeze", AuditLog.object_id == str(pid)
            )
        ).one()
    assert any("冻结发布" in i.value for i in at.info)
    [b for b in at.button if b.label == "生成通报 Word（DOCX）"][0].click().run()
    assert not errors(at), errors(at)
    # Publishing goes through 通知通报: a bulletin draft that gets its 文号 when issued.
    [b for b in at.button if b.label == "生成成绩单通报草稿"][0].click().run()
    assert not at.exception and not errors(at), errors(at)
    assert any("成绩单通报草稿已生成" in i.value for i in at.info)
    with Session(eng) as s:
        draft = exports.scorecard_notice(s, pid)
        assert draft is not None and draft.status == "draft" and draft.kind == "bulletin"


def test_dept_head_sees_only_its_own_unit_and_appeals(period_db):
    eng, pid = period_db
    at = _open(pid, "dept01", "dept_head")
    assert not at.exception and not errors(at), errors(at)
    text = _text(at)
    assert "市政务服务和大数据管理局" in text
    assert "市发展和改革委员会" not in text and "市税务局" not in text
    assert len(at.tabs) == 0  # no ranking, no other units
    frame = at.dataframe[0].value
    assert set(frame.columns) >= {"类别", "分值", "说明", "来源"}
    at.text_area(key="asm_appeal_reason").input("该事项已按期办结，见佐证材料。")
    [b for b in at.button if b.label == "提交申诉"][0].click().run()
    # no deduction is chosen for the unit: it must pick the one it appeals, nothing is written
    assert any("请选择要申诉的扣分" in e for e in errors(at)), errors(at)
    with Session(eng) as s:
        assert not s.exec(select(ScoreAppeal).where(ScoreAppeal.period_id == pid)).all()
    line = next(b for b in at.selectbox if (b.key or "").startswith("asm_appeal_line_"))
    assert line.value is None
    assert at.text_area(key="asm_appeal_reason").value == "该事项已按期办结，见佐证材料。"
    line.select_index(0)
    [b for b in at.button if b.label == "提交申诉"][0].click().run()
    assert not errors(at), errors(at)
    with Session(eng) as s:
        dept = s.exec(select(AppUser).where(AppUser.username == "dept01")).one().department_id
        appeal = s.exec(select(ScoreAppeal).where(ScoreAppeal.period_id == pid)).one()
        assert appeal.department_id == dept and appeal.status == "pending"


def test_leader_sees_the_ranking_read_only(period_db):
    at = page_as("assessment", "leader", "leader")
    assert not at.exception and not errors(at), errors(at)
    ranking = at.dataframe[0].value
    assert list(ranking["名次"])[0] == 1 and len(ranking) >= 10
    assert not [b for b in at.button if b.label in ("保存评分规则", "冻结并发布成绩单")]
    assert not [b for b in at.button if b.label == "建立考核期"]


def test_inspector_renders(period_db):
    at = page_as("assessment", "inspector", "inspector")
    assert not at.exception and not errors(at), errors(at)
    assert len(at.tabs) == 5


def test_office_accepts_an_appeal_on_the_page(period_db):
    eng, pid = period_db
    with Session(eng) as s:
        head = Actor.of(s.exec(select(AppUser).where(AppUser.username == "dept01")).one())
        unit = results.unit_result(s, actor=head, period_id=pid, department_id=head.department_id)
        line = next(ln for ln in unit.lines if ln["points"] < 0)
        appeal = appeals.create_appeal(
            s,
            actor=head,
            period_id=pid,
            department_id=head.department_id,
            line_key=line["key"],
            reason="督查当日本单位窗口正常运行，附签到表。",
        )
        appeal_id = appeal.id
    at = _open(pid, "office", "office")
    assert not at.exception and not errors(at), errors(at)
    at.text_input(key=f"asm_note_{appeal_id}").input("核实无误，予以采纳")
    [b for b in at.button if b.label == "处理"][0].click().run()
    assert not at.exception and not errors(at), errors(at)
    with Session(eng) as s:
        assert s.get(ScoreAppeal, appeal_id).status == "accepted"
        res = results.period_result(s, actor=head, period_id=pid)
        mine = next(ln for ln in res.units[0].lines if ln["key"] == line["key"])
        assert mine["status"] == "withdrawn" and mine["points"] == 0
