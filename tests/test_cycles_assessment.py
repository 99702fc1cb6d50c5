"""未按期报送 in 考核: one deduction per missed report cycle due in the period, linked to its
task, weighed by the office (0 turns it off), readable in English."""

import datetime as dt

import pytest

from duban.assessment import formula, labels, periods, results
from duban.core import clock
from models import Role, TaskStatus
from tests.factories import make_department, make_plan, make_report, make_task, make_user

TODAY = dt.date(2026, 4, 15)


def at(d: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(hour))


@pytest.fixture
def monthly(session):
    """A task reporting by the 10th of each month, assigned 1 Dec 2025. Dues in Q1 2026:
    Mon 12 Jan (the 10th is a Saturday), Tue 10 Feb, Tue 10 Mar. The lead reports on 8 Jan
    (answers 12 Jan) and 15 Mar (late for 10 Feb and 10 Mar; answers 10 Apr); the
    responsible unit reports on 9 Feb only (late for 12 Jan, answers 10 Feb)."""
    with clock.frozen(TODAY):
        lead = make_department(session, name="市数据局")
        resp = make_department(session, name="市财政局")
        quiet = make_department(session, name="市审计局")
        plan = make_plan(session)
        start = dt.date(2025, 12, 1)
        task = make_task(
            session,
            plan=plan,
            lead=lead,
            responsible=[resp],
            deadline=dt.date(2026, 12, 31),
            start_date=start,
            status=TaskStatus.in_progress,
            assigned_at=at(start),
            report_cycle="monthly:10",
        )
        make_task(  # no cycle: owes nothing
            session,
            plan=plan,
            lead=quiet,
            deadline=dt.date(2026, 12, 31),
            start_date=start,
            status=TaskStatus.in_progress,
            assigned_at=at(start),
        )
        make_report(session, task, lead, percent=20, reported_at=at(dt.date(2026, 1, 8)))
        make_report(session, task, lead, percent=40, reported_at=at(dt.date(2026, 3, 15)))
        make_report(session, task, resp, percent=30, reported_at=at(dt.date(2026, 2, 9)))
        _, office = make_user(session, role=Role.office)
        period = periods.create_period(
            session, actor=office, kind="quarter", day=TODAY.replace(month=2)
        )
    return task, lead, resp, quiet, office, period


def _missed(res, name: str) -> list[dict]:
    unit = next(u for u in res.units if u.department_name == name)
    return [ln for ln in unit.lines if ln["category"] == "未按期报送"]


def test_one_line_per_missed_cycle_in_the_period(session, monthly):
    task, lead, resp, quiet, office, period = monthly
    with clock.frozen(TODAY):
        res = results.period_result(session, actor=office, period_id=period.id)
    assert (res.start, res.end) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    lines = _missed(res, "市数据局")
    assert [(ln["detail"], ln["points"]) for ln in lines] == [
        ("应于 2026-02-10 前报送，2026-03-15 才报送", -0.5),
        ("应于 2026-03-10 前报送，2026-03-15 才报送", -0.5),
    ]
    for ln in lines:  # each links to its task
        assert (ln["source_type"], ln["source_id"], ln["task_id"]) == ("task", task.id, task.id)
        assert ln["source_ref"] == f"任务 {task.code} {task.title}"
    assert len({ln["key"] for ln in lines}) == 2
    # 财政局 missed 12 Jan (the 10th moved off a Saturday) and, its 9 Feb report answering
    # only the February cycle, 10 Mar
    assert [ln["detail"] for ln in _missed(res, "市财政局")] == [
        "应于 2026-01-12 前报送，2026-02-09 才报送",
        "应于 2026-03-10 前报送，至今未报送",
    ]
    assert _missed(res, "市审计局") == []
    # the December miss (due 10 Dec 2025) is not in this period
    assert all(ln["day"] >= "2026-01-01" for ln in lines)


def test_the_office_weighs_it_and_zero_turns_it_off(session, monthly):
    task, lead, resp, quiet, office, period = monthly
    with clock.frozen(TODAY):
        formula.save_formula(session, actor=office, values={"missed_report": 2}, expected_version=0)
        heavy = results.period_result(session, actor=office, period_id=period.id)
        assert [ln["points"] for ln in _missed(heavy, "市数据局")] == [-2.0, -2.0]
        f, version = formula.load_formula(session)
        assert any("每期扣2分" in p for p in formula.explain_method(f))
        formula.save_formula(
            session, actor=office, values={"missed_report": 0}, expected_version=version
        )
        off = results.period_result(session, actor=office, period_id=period.id)
    assert _missed(off, "市数据局") == [] and _missed(off, "市财政局") == []
    assert not any(
        "未按期报送" in p for p in formula.explain_method(formula.Formula(missed_report=0))
    )


def test_the_line_reads_in_english(session, monthly):
    task, lead, resp, quiet, office, period = monthly
    with clock.frozen(TODAY):
        res = results.period_result(session, actor=office, period_id=period.id)
    ln = _missed(res, "市财政局")[1]
    assert labels.category_text(ln["category"], "en") == "Report cycle missed"
    assert labels.detail_text(ln["detail"], "en") == "report due by 2026-03-10, not reported yet"
    late = _missed(res, "市数据局")[0]["detail"]
    assert labels.detail_text(late, "en") == "report due by 2026-02-10, reported only on 2026-03-15"
    assert "Each reporting cycle a unit missed takes off 0.5 points" in " ".join(
        formula.explain_method(formula.Formula(), "en")
    )
