"""催报: what an urging notice and a bulletin say about 未按期报送, checked against the rows
(the reports stored, the weekly due dates computed here by hand)."""

import datetime as dt
import re

import pytest
from sqlmodel import select

from duban.core import clock
from duban.core.errors import ValidationFailed
from duban.monitoring.workdays import WorkCalendar
from duban.notices import drafting, facts
from models import Assignment, ProgressReport, Task, TaskStatus
from tests.factories import make_department, make_plan, make_report, make_task

CAL = WorkCalendar()
D = dt.date
TODAY = D(2026, 11, 10)  # a Tuesday; Fridays due: 16, 23, 30 Oct, 6 Nov


def _fridays(lo: dt.date, hi: dt.date) -> list[dt.date]:
    d = lo + dt.timedelta(days=(4 - lo.weekday()) % 7)
    out = []
    while d <= hi:
        out.append(d)
        d += dt.timedelta(days=7)
    return out


def unanswered(session, task_id: int, department_id: int) -> list[dt.date]:
    """The Friday due dates the unit has not reported for since, from the rows: after the due
    date its last report answered (or its assignment and two working days' grace)."""
    a = session.exec(
        select(Assignment).where(
            Assignment.task_id == task_id, Assignment.department_id == department_id
        )
    ).one()
    reported = [
        r.reported_at.date()
        for r in session.exec(
            select(ProgressReport).where(ProgressReport.assignment_id == a.id)
        ).all()
    ]
    if reported:
        lo = _fridays(max(reported), TODAY)[0] + dt.timedelta(days=1)
    else:
        lo = CAL.add_working_days(a.assigned_at.date(), 2)
    return _fridays(lo, TODAY - dt.timedelta(days=1))


def cn(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@pytest.fixture
def world(session):
    """发改委 leads a late task (with 财政局, who never reports) and a task on track whose
    6 Nov report it missed; 审计局 only missed reports; 统计局 reports every week."""
    ndrc = make_department(session, name="市发展改革委")
    fin = make_department(session, name="市财政局")
    audit = make_department(session, name="市审计局")
    stats = make_department(session, name="市统计局")
    plan = make_plan(session, report_cycle="weekly:5")
    calm = {"start_date": D(2026, 9, 12), "deadline": D(2026, 12, 31)}
    with clock.frozen(dt.datetime(2026, 10, 12, 9)):
        late = make_task(
            session, lead=ndrc, responsible=[fin], plan=plan, status=TaskStatus.in_progress
        )
        on_track = make_task(session, lead=ndrc, plan=plan, status=TaskStatus.in_progress, **calm)
        quiet = make_task(session, lead=audit, plan=plan, status=TaskStatus.in_progress, **calm)
        fine = make_task(session, lead=stats, plan=plan, status=TaskStatus.in_progress, **calm)
    for t in (late, on_track):
        make_report(session, t, ndrc, reported_at=dt.datetime(2026, 10, 15, 10), percent=45)
        make_report(session, t, ndrc, reported_at=dt.datetime(2026, 10, 29, 10), percent=55)
    # late for 16 and 23 Oct (answered on the 30th: not owed any more), missed 6 Nov
    make_report(session, quiet, audit, reported_at=dt.datetime(2026, 10, 30, 10), percent=55)
    for day in (15, 22, 29):
        make_report(session, fine, stats, reported_at=dt.datetime(2026, 10, day, 10), percent=55)
    make_report(session, fine, stats, reported_at=dt.datetime(2026, 11, 5, 10), percent=55)
    return {"ndrc": ndrc, "fin": fin, "audit": audit, "stats": stats, "late": late}


_LINE = re.compile(
    r"^\d+\.(?P<title>.+?)（编号(?P<code>[^，]+)，报送频次：(?P<cycle>[^）]+)）：应于(?P<dues>.+?)"
    r"前报送的(?:(?P<n>\d+)期进展均|进展)未报送。$",
    re.M,
)


def _dues(text: str) -> list[dt.date]:
    out, year = [], None
    for part in text.split("、"):
        m = re.fullmatch(r"(?:(\d{4})年)?(\d+)月(\d+)日", part)
        assert m, part
        year = int(m[1]) if m[1] else year
        out.append(D(year, int(m[2]), int(m[3])))
    return out


def check_urging_claims(session, dep, draft) -> list[int]:
    """Each 催报 line against the rows; returns the tasks it names."""
    by_code = {t.code: t for t in session.exec(select(Task)).all()}
    named = []
    for m in _LINE.finditer(draft.body):
        task = by_code[m["code"]]
        assert task.title == m["title"]
        assert m["cycle"] == "每周五"
        dues = _dues(m["dues"])
        assert dues == unanswered(session, task.id, dep.id), m[0]
        assert int(m["n"] or 1) == len(dues)
        named.append(task.id)
    # every task on which the unit owes reports is named, and only those
    owed = [
        a.task_id
        for a in session.exec(select(Assignment).where(Assignment.department_id == dep.id)).all()
        if unanswered(session, a.task_id, dep.id)
    ]
    assert sorted(named) == sorted(owed)
    return named


def test_the_urging_names_each_missed_report_and_its_dates(session, world):
    ndrc = world["ndrc"]
    d = drafting.generate(session, kind="urging", today=TODAY, department_id=ndrc.id)
    named = check_urging_claims(session, ndrc, d)
    assert len(named) == 2  # the late task and the one on track
    assert "此外，你单位承担的" in d.body and "有2项未按报送频次报送工作进展" in d.body
    # the task on track is not called late or behind: it is only in the 催报 part
    assert re.search(r"有(\d+)项存在逾期或进度滞后问题", d.body)[1] == "1"
    assert "未报送的进展请即补报" in d.body
    assert d.extra["facts"]["missed"] == [
        {"task_id": t, "dues": [x.isoformat() for x in unanswered(session, t, ndrc.id)]}
        for t in named
    ]


def test_a_unit_that_only_missed_reports_gets_a_催报(session, world):
    audit = world["audit"]
    d = drafting.generate(session, kind="urging", today=TODAY, department_id=audit.id)
    check_urging_claims(session, audit, d)
    assert d.title == "关于市审计局按期报送工作进展的督办通知（蓝色督办）"
    assert "逾期或进度滞后" not in d.body and "倒排工期" not in d.body
    assert "应于2026年11月6日前报送的进展未报送。" in d.body
    assert d.extra["level_reason"] == "有1项任务未按期报送进展"
    assert facts.why_text(d.extra["level_reason"], "en") == "1 tasks with missed progress reports"


def test_a_unit_that_reports_on_time_is_not_urged(session, world):
    with pytest.raises(ValidationFailed, match="未按期报送"):
        drafting.generate(session, kind="urging", today=TODAY, department_id=world["stats"].id)


def test_the_bulletin_lists_the_units_with_missed_reports(session, world):
    d = drafting.generate(session, kind="bulletin", today=TODAY, period="month")
    problems = d.body.split("三、存在问题", 1)[1]
    assert f"截至{cn(TODAY)}，以下单位有任务未按报送频次报送工作进展：" in problems
    said = dict(re.findall(r"^(\S+?)：(\d+项任务未按期报送进展（共\d+期）)。$", problems, re.M))
    expected = {}
    for dep in (world["ndrc"], world["fin"], world["audit"], world["stats"]):
        tasks = [
            unanswered(session, a.task_id, dep.id)
            for a in session.exec(
                select(Assignment).where(Assignment.department_id == dep.id)
            ).all()
        ]
        tasks = [x for x in tasks if x]
        if tasks:
            expected[dep.name] = f"{len(tasks)}项任务未按期报送进展（共{sum(map(len, tasks))}期）"
    assert said == expected
    assert "市统计局" not in said and len(said) == 3


def test_several_missed_cycles_are_dated_one_by_one(session, world):
    fin = world["fin"]
    d = drafting.generate(session, kind="urging", today=TODAY, department_id=fin.id)
    assert check_urging_claims(session, fin, d) == [world["late"].id]
    assert "应于2026年10月16日、10月23日、10月30日、11月6日前报送的4期进展均未报送。" in d.body
