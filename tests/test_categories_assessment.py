"""督办事项来源 in the assessment: a category's weight multiplies its tasks' points and load;
weight 0 leaves them out; weight 1 changes nothing; frozen periods keep their results."""

import datetime as dt
import re

import pytest

from duban.assessment import formula, freezing, labels, periods, results, scoring
from duban.core import clock
from duban.fields import categories
from duban.monitoring import holidays
from models import Role, TaskStatus
from tests.factories import make_department, make_plan, make_report, make_task, make_user

TODAY = dt.date(2026, 4, 15)  # Q1 2026 is over; March 2026 has no public holidays
Q1 = dt.date(2026, 2, 1)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def at(d: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(hour))


@pytest.fixture
def world(session):
    with clock.frozen(TODAY):
        a, b = make_department(session, name="甲局"), make_department(session, name="乙局")
        _, office = make_user(session, role=Role.office)
        major = categories.create_category(session, actor=office, name="重大项目", weight=2)
        plan = make_plan(session)
        start = dt.date(2025, 12, 1)
        # 甲 leads a 重大项目 overdue since Fri 20 March.
        t_major = make_task(
            session,
            plan=plan,
            lead=a,
            deadline=dt.date(2026, 3, 20),
            start_date=start,
            status=TaskStatus.in_progress,
            assigned_at=at(start),
            category_id=major.id,
        )
        # 乙 leads, 甲 helps, a task without a category closed on time on 9 March.
        t_plain = make_task(
            session,
            plan=plan,
            lead=b,
            responsible=[a],
            deadline=dt.date(2026, 3, 10),
            start_date=start,
            status=TaskStatus.completed,
            assigned_at=at(start),
            completed_at=at(dt.date(2026, 3, 9)),
        )
        make_report(session, t_plain, b, percent=100, reported_at=at(dt.date(2026, 3, 6)))
        period = periods.create_period(session, actor=office, kind="quarter", day=Q1)
        yield dict(a=a, b=b, office=office, major=major, t_major=t_major, period=period)


def _expected(major_weight: float) -> dict[str, tuple[float, float, float]]:
    """Unit name -> (raw points, load, score), worked out from the published rules."""
    f = formula.Formula()
    late_days = 7  # 23–27 and 30–31 March
    overdue = -min(late_days * f.overdue_per_day, f.overdue_cap_per_task) * f.lead_weight
    a_raw = overdue * major_weight + f.on_time_completion * f.responsible_weight
    a_load = 1 * major_weight * f.lead_weight + 1 * f.responsible_weight
    b_raw, b_load = f.on_time_completion * f.lead_weight, 1 * f.lead_weight
    loads = [x for x in (a_load, b_load) if x > 0]
    ref = sum(loads) / len(loads)
    return {
        "甲局": (a_raw, a_load, f.base_score + a_raw * ref / max(a_load, f.min_load)),
        "乙局": (b_raw, b_load, f.base_score + b_raw * ref / max(b_load, f.min_load)),
    }


def _standing(session, world):
    with clock.frozen(TODAY):
        res = results.period_result(session, actor=world["office"], period_id=world["period"].id)
    return {u.department_name: u for u in res.units}


@pytest.mark.parametrize("weight", [2.0, 0.5, 3.0])
def test_a_weighted_category_multiplies_points_and_load(session, world, weight):
    if weight != 2.0:
        with clock.frozen(TODAY):
            categories.update_category(
                session,
                actor=world["office"],
                category_id=world["major"].id,
                expected_version=world["major"].version,
                weight=weight,
            )
    got = _standing(session, world)
    for name, (raw, load, score) in _expected(weight).items():
        assert got[name].raw_points == pytest.approx(raw, abs=0.01), name
        assert got[name].load == pytest.approx(load, abs=1e-4), name
        assert got[name].score == pytest.approx(score, abs=0.01), name
    overdue = [ln for ln in got["甲局"].lines if ln["category"] == "任务逾期"]
    assert len(overdue) == 1
    assert overdue[0]["detail"].endswith(f"，事项来源“重大项目”×{weight:g}")
    # The English reading keeps the office's name as written and translates the rest.
    english = labels.detail_text(overdue[0]["detail"], "en")
    assert english.endswith(f", source “重大项目” ×{weight:g}")
    assert not _CJK.search(english.replace("重大项目", ""))


def test_weight_zero_leaves_the_tasks_out(session, world):
    with clock.frozen(TODAY):
        categories.update_category(
            session,
            actor=world["office"],
            category_id=world["major"].id,
            expected_version=world["major"].version,
            weight=0,
        )
    got = _standing(session, world)
    assert all(ln.get("task_id") != world["t_major"].id for ln in got["甲局"].lines)
    for name, (raw, load, score) in _expected(0).items():
        assert got[name].raw_points == pytest.approx(raw, abs=0.01), name
        assert got[name].load == pytest.approx(load, abs=1e-4), name
        assert got[name].score == pytest.approx(score, abs=0.01), name


def test_weight_one_changes_nothing(session, world):
    """A task with a weight-1 category scores exactly as the same task without one."""

    def lines_and_load():
        with clock.frozen(TODAY):
            lines, load, _ = scoring.compute_lines(
                session,
                start=dt.date(2026, 1, 1),
                end=dt.date(2026, 3, 31),
                today=TODAY,
                formula=formula.Formula(),
                cal=holidays.load_calendar(session),
            )
        return [ln.to_dict() for ln in lines], load

    with clock.frozen(TODAY):
        categories.update_category(
            session,
            actor=world["office"],
            category_id=world["major"].id,
            expected_version=world["major"].version,
            weight=1,
        )
    with_category = lines_and_load()
    task = world["t_major"]
    session.refresh(task)
    task.category_id = None
    session.add(task)
    session.commit()
    assert lines_and_load() == with_category
    assert not any("事项来源" in ln["detail"] for ln in with_category[0])


def test_a_frozen_period_keeps_its_results(session, world):
    before = _standing(session, world)
    with clock.frozen(TODAY):
        freezing.freeze_period(
            session,
            actor=world["office"],
            period_id=world["period"].id,
            expected_version=world["period"].version,
        )
        categories.update_category(
            session,
            actor=world["office"],
            category_id=world["major"].id,
            expected_version=world["major"].version,
            weight=0,
        )
    after = _standing(session, world)
    for name in before:
        assert (after[name].score, after[name].load, after[name].raw_points) == (
            before[name].score,
            before[name].load,
            before[name].raw_points,
        )
        assert after[name].lines == before[name].lines


def test_the_method_in_words_names_the_category_weight():
    zh = formula.explain_method(formula.Formula())
    assert "事项来源" in zh[1] and "不计入考核" in zh[1] and "事项来源" in zh[3]
    en = formula.explain_method(formula.Formula(), "en")
    assert "weight of its source" in en[1] and not _CJK.search(" ".join(en))


@pytest.mark.parametrize("weight", [2.0, 0.0])
def test_missed_report_cycles_weigh_with_the_category(session, weight):
    """A monthly report missed on 10 Feb and 10 Mar: −0.5 each at weight 1, × the weight of
    the task's source, none at weight 0."""
    with clock.frozen(TODAY):
        lead = make_department(session, name="市数据局")
        _, office = make_user(session, role=Role.office)
        cat = categories.create_category(session, actor=office, name="会议议定事项", weight=weight)
        start = dt.date(2025, 12, 1)
        task = make_task(
            session,
            plan=make_plan(session),
            lead=lead,
            deadline=dt.date(2026, 12, 31),
            start_date=start,
            status=TaskStatus.in_progress,
            assigned_at=at(start),
            report_cycle="monthly:10",
            category_id=cat.id,
        )
        make_report(session, task, lead, percent=20, reported_at=at(dt.date(2026, 1, 8)))
        make_report(session, task, lead, percent=40, reported_at=at(dt.date(2026, 3, 15)))
        period = periods.create_period(session, actor=office, kind="quarter", day=Q1)
        res = results.period_result(session, actor=office, period_id=period.id)
    units = [u for u in res.units if u.department_name == "市数据局"]
    if weight == 0:  # its only task does not count: no line, no load, nothing to rank
        assert units == []
        return
    missed = [ln for ln in units[0].lines if ln["category"] == "未按期报送"]
    per_cycle = formula.Formula().missed_report * weight
    assert [ln["points"] for ln in missed] == [-per_cycle, -per_cycle]
    assert all(ln["detail"].endswith("，事项来源“会议议定事项”×2") for ln in missed)
    assert units[0].load == weight
