"""报送频次: the grammar of cycles, due dates on working days, and who missed a report."""

import datetime as dt

import pytest

from duban.core import clock
from duban.core.errors import ValidationFailed
from duban.monitoring import cycles
from duban.monitoring.frames import read_frames
from duban.monitoring.workdays import DayOverride, WorkCalendar
from models import TaskStatus
from tests.factories import make_department, make_plan, make_report, make_task

CAL = WorkCalendar()
D = dt.date


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("每周五", "weekly:5"),
        ("每周星期一", "weekly:1"),
        ("每周", "weekly:5"),
        ("每周日", "weekly:7"),
        ("每星期三", "weekly:3"),
        ("每周五下班前报送", "weekly:5"),
        ("每月10日前", "monthly:10"),
        ("每月十日前报送", "monthly:10"),
        ("每月25号", "monthly:25"),
        ("每月底", "monthly:31"),
        ("每月末", "monthly:31"),
        ("每月上旬", "monthly:10"),
        ("每季度末", "quarterly:3:31"),
        ("每季度", "quarterly:3:31"),
        ("每季度首月10日前", "quarterly:1:10"),
        ("每季度结束后5日内", "quarterly:1:5"),
        ("每季度最后一个月25日前", "quarterly:3:25"),
        ("每季度10日前", "quarterly:1:10"),
        ("每季度首月底", "quarterly:1:31"),
        ("每季度第二个月15日前", "quarterly:2:15"),
        ("每季度末月底", "quarterly:3:31"),
        ("不定期", "none"),
        ("", "none"),
        (None, "none"),
        ("monthly:5", "monthly:5"),
        ("quarterly:2:15", "quarterly:2:15"),
        ("weekly:2", "weekly:2"),
    ],
)
def test_parse_reads_codes_and_plan_wording(text, code):
    assert cycles.parse(text).code == code
    assert cycles.parse(cycles.parse(text).code) == cycles.parse(text)  # the code round-trips


@pytest.mark.parametrize("text", ["每月40日", "随时", "weekly:9", "每周八", "monthly:0", "周"])
def test_parse_refuses_what_it_cannot_read_with_the_accepted_forms(text):
    with pytest.raises(ValidationFailed, match="无法识别报送频次.*每周五"):
        cycles.parse(text)


def test_labels_in_both_languages():
    assert cycles.label(cycles.parse("每周五")) == "每周五"
    assert cycles.label(cycles.parse("monthly:10")) == "每月10日前"
    assert cycles.label(cycles.parse("monthly:31"), "en") == "Monthly, by month-end"
    assert cycles.label(cycles.parse("quarterly:1:10")) == "每季度首月10日前"
    assert cycles.label(cycles.parse("quarterly:3:31"), "en") == "Quarterly, by quarter-end"
    assert cycles.label(cycles.NONE, "en") == "None"
    for code in (
        "weekly:1",
        "monthly:3",
        "quarterly:2:15",
        "quarterly:3:31",
        "quarterly:1:31",
        "none",
    ):
        assert cycles.parse(cycles.label(cycles.parse(code))) == cycles.parse(code)


def test_due_dates_move_off_holidays_and_keep_make_up_days():
    # 2026: 中秋 Fri 25 Sep, 国庆 1–7 Oct; Fridays on those days move to the next working day
    fridays = cycles.due_dates(cycles.parse("每周五"), D(2026, 9, 14), D(2026, 10, 16), CAL)
    assert fridays == [
        D(2026, 9, 18),
        D(2026, 9, 28),
        D(2026, 10, 8),
        D(2026, 10, 9),
        D(2026, 10, 16),
    ]
    # a make-up working Saturday is a normal working day for a "每周六" cycle
    saturdays = cycles.due_dates(cycles.parse("每周六"), D(2026, 10, 9), D(2026, 10, 11), CAL)
    assert saturdays == [D(2026, 10, 10)]
    monthly = cycles.due_dates(cycles.parse("每月底"), D(2026, 1, 1), D(2026, 6, 30), CAL)
    # 31 Jan 2026 is a Saturday → Mon 2 Feb; 28 Feb is a Saturday but a make-up working day
    assert monthly[0] == D(2026, 2, 2)
    assert monthly[1] == D(2026, 2, 28)
    assert len(monthly) == 6
    quarterly = cycles.due_dates(
        cycles.parse("每季度首月10日前"), D(2026, 1, 1), D(2026, 12, 31), CAL
    )
    assert [d.month for d in quarterly] == [1, 4, 7, 10]
    # 10 Oct 2026 is a make-up working Saturday: it stays
    assert quarterly[-1] == D(2026, 10, 10)


def test_an_admin_holiday_moves_the_due_date_too():
    cal = WorkCalendar([DayOverride(D(2026, 11, 27), False, "临时停工")])
    assert cycles.due_dates(cycles.parse("每周五"), D(2026, 11, 23), D(2026, 11, 30), cal) == [
        D(2026, 11, 30)
    ]


def test_compliance_counts_missed_windows_and_the_current_run(session):
    lead = make_department(session, name="市发展改革委")
    resp = make_department(session, name="市财政局")
    plan = make_plan(session, report_cycle="weekly:5")
    with clock.frozen(dt.datetime(2026, 10, 12, 9)):  # Monday
        task = make_task(
            session, lead=lead, responsible=[resp], plan=plan, status=TaskStatus.in_progress
        )
        # its own cycle wins over the plan's for the second task
        other = make_task(session, lead=lead, plan=plan, report_cycle="none")
    # Fridays after the grace: 16, 23, 30 Oct, 6 Nov; today is Tue 10 Nov
    make_report(session, task, lead, reported_at=dt.datetime(2026, 10, 15, 10))  # fills 16 Oct
    make_report(session, task, lead, reported_at=dt.datetime(2026, 10, 29, 10))  # fills 30 Oct
    make_report(session, task, resp, reported_at=dt.datetime(2026, 11, 2, 10))  # late, fills 6 Nov
    facts = cycles.evaluate(read_frames(session.get_bind()), D(2026, 11, 10), CAL)
    pairs = {(r["task_id"], r["department_id"]): r for r in facts.pairs.to_dicts()}
    assert set(pairs) == {(task.id, lead.id), (task.id, resp.id)}
    assert other.id not in facts.pairs["task_id"].to_list()
    mine = pairs[(task.id, lead.id)]
    assert (mine["dues"], mine["missed"]) == (4, 2)  # 23 Oct and 6 Nov
    assert mine["missed_since"] == D(2026, 11, 6) and mine["missed_run"] == 1
    assert mine["next_due"] == D(2026, 11, 13)
    theirs = pairs[(task.id, resp.id)]
    assert (theirs["dues"], theirs["missed"]) == (4, 3)
    assert theirs["missed_since"] is None  # reported on 2 Nov, after its last missed due
    assert theirs["last_report"] == D(2026, 11, 2)
    misses = facts.misses.filter(facts.misses["department_id"] == resp.id)
    assert misses["due"].to_list() == [D(2026, 10, 16), D(2026, 10, 23), D(2026, 10, 30)]
    # a late report answers each earlier miss: the first report after it
    assert misses["reported_on"].to_list() == [D(2026, 11, 2)] * 3
    # a unit's own reading (its rows only) equals the whole register's, for that unit
    for unit in (lead, resp):
        alone = cycles.evaluate(cycles.unit_frames(session, unit.id), D(2026, 11, 10), CAL)
        assert (
            alone.pairs.to_dicts()
            == facts.pairs.filter(facts.pairs["department_id"] == unit.id).to_dicts()
        )
        assert (
            alone.misses.to_dicts()
            == facts.misses.filter(facts.misses["department_id"] == unit.id).to_dicts()
        )
    # the period filter
    october = cycles.missed_dues(
        read_frames(session.get_bind()),
        D(2026, 11, 10),
        CAL,
        lo=D(2026, 10, 20),
        hi=D(2026, 10, 31),
    )
    assert sorted(october["due"].to_list()) == [D(2026, 10, 23), D(2026, 10, 23), D(2026, 10, 30)]


def test_nothing_is_owed_after_submission_or_by_suspended_tasks(session):
    lead = make_department(session, name="市住房城乡建设局")
    plan = make_plan(session, report_cycle="weekly:5")
    with clock.frozen(dt.datetime(2026, 10, 12, 9)):
        done = make_task(
            session,
            lead=lead,
            plan=plan,
            status=TaskStatus.submitted,
            submitted_at=dt.datetime(2026, 10, 20, 9),
        )
        paused = make_task(session, lead=lead, plan=plan, status=TaskStatus.suspended)
    facts = cycles.evaluate(read_frames(session.get_bind()), D(2026, 11, 10), CAL)
    rows = {r["task_id"]: r for r in facts.pairs.to_dicts()}
    assert paused.id not in rows
    assert rows[done.id]["dues"] == 1  # only 16 Oct, before submission on the 20th
    assert rows[done.id]["next_due"] is None


def _naive(cycle, start, stop, reports, today, cal):
    """The rule as written in cycles' docstring, one pair at a time in plain Python."""
    dues = cycles.due_dates(cycle, start, today + dt.timedelta(days=200), cal)
    first = cal.add_working_days(start, cycles.GRACE_WORKDAYS)
    ks = [k for k, d in enumerate(dues) if first <= d <= stop]
    reports = sorted(r for r in reports if r >= start)

    def prev(k):
        return dues[k - 1] if ks and k > ks[0] else start - dt.timedelta(days=1)

    missed = [k for k in ks if not any(prev(k) < r <= dues[k] for r in reports)]
    last = reports[-1] if reports else None
    run = [k for k in ks if last is None or prev(k) >= last]
    after = {k: next((r for r in reports if r > dues[k]), None) for k in missed}
    return {
        "dues": len(ks),
        "missed": len(missed),
        "missed_since": dues[run[0]] if run else None,
        "missed_run": len(run),
        "misses": [(dues[k], after[k]) for k in missed],
    }


def _raw(pairs):
    """RawFrames holding only what cycles reads: tasks, plans, assignments, report days."""
    import polars as pl

    from duban.monitoring.frames import RawFrames

    tasks = pl.DataFrame(
        {
            "task_id": [i for i, *_ in pairs],
            "plan_id": [1] * len(pairs),
            "status": ["in_progress"] * len(pairs),
            "assigned_on": [p[2] for p in pairs],
            "submitted_on": [None] * len(pairs),
            "completed_on": [None] * len(pairs),
            "report_cycle": [p[1] for p in pairs],
        },
        schema_overrides={"submitted_on": pl.Date, "completed_on": pl.Date},
    )
    assignments = pl.DataFrame(
        {
            "assignment_id": [i for i, *_ in pairs],
            "task_id": [i for i, *_ in pairs],
            "department_id": [1] * len(pairs),
            "assigned_on": [p[2] for p in pairs],
        }
    )
    days = pl.DataFrame(
        [(i, r) for i, _c, _s, reports in pairs for r in reports],
        schema={"assignment_id": pl.Int64, "reported_on": pl.Date},
        orient="row",
    )
    empty = pl.DataFrame()
    return RawFrames(
        tasks=tasks,
        assignments=assignments,
        reports=empty,
        report_days=days,
        departments=empty,
        extensions=empty,
        urgings=empty,
        findings=empty,
        milestones=empty,
        targets=empty,
        readings=empty,
        plans=pl.DataFrame({"plan_id": [1], "report_cycle": [""]}),
    )


def test_the_vectorised_reading_equals_the_rule_pair_by_pair():
    import random

    rng = random.Random(15)
    today = D(2026, 11, 20)
    codes = ["weekly:5", "weekly:1", "monthly:10", "monthly:31", "quarterly:1:10", "quarterly:3:31"]
    pairs = []
    for i in range(1, 301):
        start = D(2026, 1, 5) + dt.timedelta(days=rng.randint(0, 300))
        span = max((today - start).days, 1)
        reports = sorted(
            {start + dt.timedelta(days=rng.randint(-5, span)) for _ in range(rng.randint(0, 12))}
        )
        pairs.append((i, rng.choice(codes), start, reports))
    facts = cycles.evaluate(_raw(pairs), today, CAL)
    got = {r["task_id"]: r for r in facts.pairs.to_dicts()}
    for i, code, start, reports in pairs:
        want = _naive(cycles.parse(code), start, today - dt.timedelta(days=1), reports, today, CAL)
        row = got[i]
        assert (row["dues"], row["missed"], row["missed_since"], row["missed_run"]) == (
            want["dues"],
            want["missed"],
            want["missed_since"],
            want["missed_run"],
        ), (i, code, start, reports)
        mine = facts.misses.filter(facts.misses["task_id"] == i)
        assert (
            list(zip(mine["due"].to_list(), mine["reported_on"].to_list(), strict=True))
            == want["misses"]
        )
