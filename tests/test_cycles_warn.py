"""未按期报送 in the warning lights: the rule, its reason in words, the frame against the
scalar engine, and the statement checked against the database."""

import datetime as dt
from dataclasses import asdict

import polars as pl
import pytest
from sqlmodel import select

from duban.core import clock
from duban.monitoring import cycles, dashboard, dashboard_export, status
from duban.monitoring.dashboard import Filters
from duban.monitoring.lights import (
    MISSED_COLUMN,
    MISSED_DTYPE,
    Colour,
    MissedReport,
    WarningInput,
    WarningRules,
    assess,
    assess_frame,
    reason_expr,
    reason_text,
)
from duban.monitoring.workdays import WorkCalendar
from models import Assignment, ProgressReport, TaskStatus
from tests.factories import make_department, make_plan, make_report, make_task

CAL = WorkCalendar()
D = dt.date
TODAY = D(2026, 11, 23)  # a Monday
RULES = WarningRules()


def task(**kw: object) -> WarningInput:
    """An in-progress task that is green on TODAY unless the test changes something."""
    base: dict[str, object] = {
        "status": "in_progress",
        "start": D(2026, 11, 9),
        "deadline": D(2026, 12, 7),
        "original_deadline": None,
        "progress": 50.0,
        "last_update": D(2026, 11, 20),
    }
    base.update(kw)
    return WarningInput(**base)  # type: ignore[arg-type]


FIN = MissedReport("市财政局", D(2026, 11, 6), 2)
ONE = MissedReport("市发展改革委", D(2026, 11, 20), 1)
RED = MissedReport("市住房城乡建设局", D(2026, 10, 30), 4)


def test_a_unit_missing_its_report_lights_yellow_and_says_so() -> None:
    w = assess(task(missed_reports=[FIN]), today=TODAY, rules=RULES, cal=CAL)
    assert w.colour is Colour.YELLOW
    assert w.reasons == ["市财政局未按期报送（应于2026-11-06前报送，已逾2期）"]


def test_three_missed_cycles_light_red_and_red_reasons_come_first() -> None:
    w = assess(task(missed_reports=[ONE, RED]), today=TODAY, rules=RULES, cal=CAL)
    assert w.colour is Colour.RED
    assert w.reasons == [
        "市住房城乡建设局未按期报送（应于2026-10-30前报送，已逾4期）",
        "市发展改革委未按期报送（应于2026-11-20前报送，已逾1期）",
    ]


def test_the_thresholds_are_the_offices_and_zero_turns_them_off() -> None:
    strict = WarningRules(missed_report_yellow=3, missed_report_red=0)
    w = assess(task(missed_reports=[FIN]), today=TODAY, rules=strict, cal=CAL)
    assert w.colour is Colour.GREEN and w.reasons == ["正常推进"]
    w = assess(task(missed_reports=[RED]), today=TODAY, rules=strict, cal=CAL)
    assert w.colour is Colour.YELLOW  # red is off: 4 missed cycles stay yellow
    off = WarningRules(missed_report_yellow=0, missed_report_red=0)
    assert assess(task(missed_reports=[RED]), today=TODAY, rules=off, cal=CAL).colour == "green"


def test_a_task_awaiting_sign_off_or_closed_is_not_judged_on_reports() -> None:
    for st, colour in (("submitted", "green"), ("completed", "blue"), ("suspended", "grey")):
        w = assess(task(status=st, missed_reports=[RED]), today=TODAY, rules=RULES, cal=CAL)
        assert w.colour == colour
        assert not any("未按期报送" in r for r in w.reasons)


def test_rules_validate_and_round_trip() -> None:
    assert (
        "未按期报送黄灯期数（4）不能大于红灯期数（3）"
        in WarningRules(missed_report_yellow=4).validate()
    )
    assert WarningRules(missed_report_yellow=4, missed_report_red=0).validate() == []
    assert any("不能小于 0" in e for e in WarningRules(missed_report_red=-1).validate())
    r = WarningRules(missed_report_yellow=2, missed_report_red=5)
    assert WarningRules.from_dict(r.to_dict()) == r
    with pytest.raises(ValueError, match="须为整数"):
        WarningRules.from_dict({"missed_report_red": "3"})


def test_the_reason_reads_in_english() -> None:
    text = "逾期 3 个工作日；市财政局未按期报送（应于2026-11-06前报送，已逾2期）"
    assert reason_text(text, "en") == (
        "overdue by 3 working days; 市财政局 missed its report (due by 2026-11-06, "
        "2 cycles missed in a row)"
    )
    assert reason_text(text, "zh") == text
    # the red list translates the column the same way
    col = pl.DataFrame({"r": [text]}).select(reason_expr(pl.col("r"), "en"))["r"]
    assert col.to_list() == [reason_text(text, "en")]


FRAME_SCHEMA = {
    "status": pl.String,
    "start": pl.Date,
    "deadline": pl.Date,
    "original_deadline": pl.Date,
    "progress": pl.Float64,
    "last_update": pl.Date,
    "ignored_urgings": pl.Int64,
    "overdue_rectifications": pl.Int64,
    "completed_on": pl.Date,
    MISSED_COLUMN: MISSED_DTYPE,
}


def _frame(inputs: list[WarningInput]) -> pl.DataFrame:
    rows = []
    for i in inputs:
        row = asdict(i)
        row[MISSED_COLUMN] = row.pop("missed_reports")
        rows.append(row)
    return pl.DataFrame(rows, schema=FRAME_SCHEMA)


@pytest.mark.parametrize(
    "rules",
    [
        RULES,
        WarningRules(missed_report_yellow=2, missed_report_red=2),
        WarningRules(missed_report_yellow=0, missed_report_red=2),
        WarningRules(missed_report_yellow=3, missed_report_red=0),
    ],
)
def test_the_frame_agrees_with_the_scalar_engine(rules: WarningRules) -> None:
    inputs = [
        task(),
        task(missed_reports=[FIN]),
        task(missed_reports=[ONE, FIN, RED]),
        task(missed_reports=[RED], deadline=D(2026, 11, 2)),  # overdue too
        task(missed_reports=[FIN], progress=None, last_update=None),
        task(status="submitted", missed_reports=[RED]),
        task(status="completed", missed_reports=[RED], completed_on=D(2026, 11, 20)),
        task(status="draft", missed_reports=[FIN]),
        task(start=D(2026, 12, 1), missed_reports=[FIN]),  # not started yet
    ]
    out = assess_frame(_frame(inputs), today=TODAY, rules=rules, cal=CAL)
    for row, inp in zip(out.iter_rows(named=True), inputs, strict=True):
        w = assess(inp, today=TODAY, rules=rules, cal=CAL)
        assert (row["colour"], row["reasons"]) == (w.colour.value, w.reasons)
    # without the column, nobody misses anything
    plain = assess_frame(_frame(inputs).drop(MISSED_COLUMN), today=TODAY, rules=rules, cal=CAL)
    assert not any("未按期报送" in r for rs in plain["reasons"].to_list() for r in rs)


# ------------------------------------------------------------------ against the database
def _fridays_due(lo: dt.date, hi: dt.date) -> list[dt.date]:
    """Friday due dates in [lo, hi] (no holiday falls on a Friday in Oct–Nov 2026 after the
    National Day week)."""
    d = lo + dt.timedelta(days=(4 - lo.weekday()) % 7)
    out = []
    while d <= hi:
        out.append(d)
        d += dt.timedelta(days=7)
    return out


@pytest.fixture
def weekly(session):
    """A weekly (every Friday) task assigned on Mon 12 Oct 2026: the lead reported for the
    weeks of 16 and 30 Oct, the responsible unit never; a second lead-only task on track
    that missed only the 6 Nov report."""
    lead = make_department(session, name="市发展改革委", short_name="发改委")
    resp = make_department(session, name="市财政局", short_name="财政局")
    plan = make_plan(session, report_cycle="weekly:5")
    with clock.frozen(dt.datetime(2026, 10, 12, 9)):
        late = make_task(
            session, lead=lead, responsible=[resp], plan=plan, status=TaskStatus.in_progress
        )
        calm = make_task(
            session,
            lead=lead,
            plan=plan,
            status=TaskStatus.in_progress,
            start_date=D(2026, 9, 12),
            deadline=D(2026, 12, 31),
        )
    for t in (late, calm):
        make_report(session, t, lead, reported_at=dt.datetime(2026, 10, 15, 10), percent=45)
        make_report(session, t, lead, reported_at=dt.datetime(2026, 10, 29, 10), percent=55)
    return late, calm, lead, resp


def test_the_reason_is_true_of_the_database(session, weekly) -> None:
    late, calm, lead, resp = weekly
    today = D(2026, 11, 10)
    sf = status.status_frames(session.get_bind(), today=today)
    tasks = {r["task_id"]: r for r in sf.tasks.iter_rows(named=True)}
    row = tasks[late.id]
    missed = [r for r in row["reasons"] if "未按期报送" in r]
    assert missed == [  # the red one (4 cycles) before the yellow one
        "市财政局未按期报送（应于2026-10-16前报送，已逾4期）",
        "市发展改革委未按期报送（应于2026-11-06前报送，已逾1期）",
    ]
    assert row["colour"] == "red"
    assert (row["missed_reports"], row["missed_units"]) == (4, 2)
    assert row["missed_since"] == D(2026, 10, 16)

    # Each statement against the stored reports: after the due date the unit's last report
    # answered (or its assignment and two working days' grace), N Fridays passed unanswered.
    for dep, reason in ((resp, missed[0]), (lead, missed[1])):
        a = session.exec(
            select(Assignment).where(
                Assignment.task_id == late.id, Assignment.department_id == dep.id
            )
        ).one()
        reported = [
            r.reported_at.date()
            for r in session.exec(
                select(ProgressReport).where(ProgressReport.assignment_id == a.id)
            ).all()
        ]
        if reported:  # a report answers the first due date on or after it
            lo = _fridays_due(max(reported), today)[0] + dt.timedelta(days=1)
        else:
            lo = CAL.add_working_days(a.assigned_at.date(), 2)
        unanswered = _fridays_due(lo, today - dt.timedelta(days=1))
        assert reason == (
            f"{dep.name}未按期报送（应于{unanswered[0].isoformat()}前报送，"
            f"已逾{len(unanswered)}期）"
        )

    # the assignments carry their own facts
    units = {
        r["department_id"]: r
        for r in sf.assignments.filter(pl.col("task_id") == late.id).iter_rows(named=True)
    }
    assert units[resp.id]["colour"] == "red" and units[resp.id]["missed_reports"] == 4
    assert units[resp.id]["missed_total"] == 4 and units[resp.id]["report_cycle"] == "weekly:5"
    assert units[lead.id]["missed_reports"] == 1
    assert units[lead.id]["next_report_due"] == D(2026, 11, 13)

    # the task otherwise on track: the one missed report raises it to yellow, and says why
    assert tasks[calm.id]["colour"] == "yellow"
    assert tasks[calm.id]["reasons"] == ["市发展改革委未按期报送（应于2026-11-06前报送，已逾1期）"]


def test_a_report_ends_the_run_and_the_week_before_is_rebuilt(session, weekly) -> None:
    late, calm, lead, resp = weekly
    make_report(session, calm, lead, reported_at=dt.datetime(2026, 11, 9, 10), percent=60)
    sf = status.status_frames(session.get_bind(), today=D(2026, 11, 10))
    row = sf.tasks.filter(pl.col("task_id") == calm.id).row(0, named=True)
    assert row["colour"] == "green" and row["missed_reports"] == 0 and row["missed_since"] is None
    # the 9 Nov report also answers 13 Nov; 20 Nov is missed by the 24th. A week before
    # (as of 3 Nov) only 30 Oct was due and it was answered on 29 Oct.
    raw = sf.raw
    later = status.build_status(raw, today=D(2026, 11, 17), rules=RULES, cal=CAL)
    assert later.tasks.filter(pl.col("task_id") == calm.id)["missed_reports"].item() == 0
    later = status.build_status(raw, today=D(2026, 11, 24), rules=RULES, cal=CAL)
    assert later.tasks.filter(pl.col("task_id") == calm.id)["missed_reports"].item() == 1
    before = status.last_week(raw, today=D(2026, 11, 10), rules=RULES, cal=CAL)
    assert before.tasks.filter(pl.col("task_id") == calm.id)["missed_reports"].item() == 0
    assert cycles.evaluate(raw, D(2026, 11, 10), CAL).pairs.height == 3


# ------------------------------------------------------------------ the dashboard's filter
def test_the_missed_filter_keeps_tasks_with_a_unit_missing_now(session, weekly) -> None:
    late, calm, lead, resp = weekly
    other = make_task(session, lead=resp, status=TaskStatus.in_progress)  # no cycle
    today = D(2026, 11, 10)
    sf = status.status_frames(session.get_bind(), today=today)
    before = status.last_week(sf.raw, today=today, rules=RULES, cal=CAL)

    def board(**kw: object):
        return dashboard.build_dashboard(sf, before, Filters(**kw), rules=RULES, cal=CAL)

    everything = board()
    assert (everything.missed_units, everything.missed_tasks) == (2, 2)
    assert other.id in sf.tasks["task_id"].to_list()
    d = board(missed=True)
    assert d.kpis[0].value == 2  # the scope: the two tasks with a unit missing
    rows = {r["task_id"]: r for r in d.red_list.iter_rows(named=True)}
    assert list(rows) == [late.id, calm.id]  # the red one first; the yellow one is listed too
    assert rows[late.id]["missed_unit_list"] == ["财政局", "发改委"]  # most cycles first
    assert rows[calm.id]["missed_units_text"] == "发改委"
    # with a unit chosen: only the tasks where that unit is missing
    d = board(missed=True, department_id=resp.id)
    assert d.red_list["task_id"].to_list() == [late.id]
    assert (d.missed_units, d.missed_tasks) == (1, 1)
    # the red list without the filter stays the red tasks, now with who misses reports
    assert everything.red_list["task_id"].to_list() == [late.id]
    # the link keeps it
    f = Filters(missed=True, department_id=resp.id)
    assert f.to_query() == {"missed": "1", "dept": str(resp.id)}
    assert Filters.from_query(f.to_query()) == f
    assert Filters.from_query({"missed": "no"}).missed is False
    words = dashboard_export.describe_filters(f, dashboard.filter_options(sf))
    assert words == "单位：市财政局；仅看未按期报送"
