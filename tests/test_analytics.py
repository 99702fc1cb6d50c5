"""Dashboard numbers against a naive row-by-row computation (bench/reference.py) on random data."""

import datetime as dt
import random

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel

from bench import reference
from duban.core import db
from duban.monitoring import dashboard, dashboard_export, frames, status
from duban.monitoring.dashboard import Filters
from duban.monitoring.lights import WarningRules
from duban.monitoring.workdays import DayOverride, WorkCalendar
from models import (
    Assignment,
    Department,
    ExtensionRequest,
    Finding,
    Inspection,
    Milestone,
    Notice,
    NoticeRecipient,
    NoticeTask,
    Plan,
    ProgressReport,
    Target,
    TargetReading,
    Task,
)

STATUSES = [
    "draft",
    "assigned",
    "acknowledged",
    "in_progress",
    "in_progress",
    "submitted",
    "completed",
    "completed",
    "suspended",
    "cancelled",
]
# Days where working-day arithmetic is interesting: a make-up working Saturday (2026-02-14),
# Spring Festival, National Day with its make-up Sunday (2026-09-20) and Saturday (10-10),
# and the 2026→2027 boundary where the package stops and the Mon–Fri fallback starts.
TODAYS = [
    dt.date(2026, 2, 16),
    dt.date(2026, 2, 24),
    dt.date(2026, 10, 8),
    dt.date(2026, 10, 12),
    dt.date(2026, 12, 31),
    dt.date(2027, 1, 4),
    dt.date(2027, 1, 11),
    dt.date(2027, 2, 8),
]
OVERRIDES_2027 = [
    DayOverride(dt.date(2027, 1, 1), False, "元旦"),
    DayOverride(dt.date(2027, 2, 6), True, "春节调休"),  # a Saturday made a working day
    DayOverride(dt.date(2027, 2, 8), False, "春节"),
    DayOverride(dt.date(2027, 2, 9), False, "春节"),
]


def _engine():
    eng = db.make_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )
    SQLModel.metadata.create_all(eng)
    return eng


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


def populate(session: Session, seed: int, today: dt.date, n_tasks: int = 12) -> None:
    """Random but plausible data around `today` (dates on both sides, all statuses)."""
    rng = random.Random(seed)
    depts = [Department(name=f"单位{i}", short_name=f"U{i}") for i in range(4)]
    session.add_all(depts)
    plan = Plan(title="方案", phases=["梳理公布", "试点先行"])
    session.add(plan)
    session.flush()
    day = lambda lo, hi: today + dt.timedelta(days=rng.randint(lo, hi))  # noqa: E731
    tasks = []
    for i in range(n_tasks):
        start = day(-120, 10) if rng.random() > 0.1 else None
        deadline = (start or today) + dt.timedelta(days=rng.randint(-5, 90))
        if rng.random() < 0.1:
            deadline = None
        status = rng.choice(STATUSES)
        original = deadline
        if deadline and rng.random() < 0.25:
            original = deadline - dt.timedelta(days=rng.randint(1, 30))
        assigned = None if status == "draft" else _at((start or today) - dt.timedelta(days=1))
        if assigned and rng.random() < 0.1:
            assigned = _at(today - dt.timedelta(days=rng.randint(0, 6)))  # assigned this week
        completed = submitted = None
        if status in ("submitted", "completed"):
            submitted = _at(day(-20, 0))
        if status == "completed":
            completed = max(submitted, _at(day(-15, 0)))
        t = Task(
            plan_id=plan.id,
            code=f"{i}",
            title=f"任务{i}",
            phase=rng.choice(["梳理公布", "试点先行", None]),
            start_date=start,
            deadline=deadline,
            original_deadline=original,
            status=status,
            assigned_at=assigned,
            submitted_at=submitted,
            completed_at=completed,
        )
        session.add(t)
        tasks.append(t)
    session.flush()
    for t in tasks:
        units = rng.sample(depts, rng.randint(0, 3))
        for j, d in enumerate(units):
            role = "lead" if j == 0 and rng.random() > 0.1 else "responsible"
            a = Assignment(task_id=t.id, department_id=d.id, role=role)
            session.add(a)
            session.flush()
            for _ in range(rng.randint(0, 4)):
                session.add(
                    ProgressReport(
                        task_id=t.id,
                        assignment_id=a.id,
                        department_id=d.id,
                        percent=float(rng.choice([0, 10, 35, 50, 80, 100])),
                        reported_at=_at(day(-60, 0), rng.choice([9, 15])),
                    )
                )
        if t.deadline and t.original_deadline and t.original_deadline < t.deadline:
            session.add(
                ExtensionRequest(
                    task_id=t.id,
                    department_id=units[0].id if units else None,
                    previous_deadline=t.original_deadline,
                    requested_date=t.deadline,
                    approved_date=t.deadline,
                    reason="客观原因",
                    status="approved",
                    decided_at=_at(day(-12, 0)),
                )
            )
        if units and rng.random() < 0.3:
            for _ in range(rng.randint(1, 3)):
                n = Notice(
                    kind="urging",
                    status="issued",
                    title="督办",
                    issued_at=_at(day(-20, 0)),
                    reply_due=day(-10, 3),
                )
                session.add(n)
                session.flush()
                session.add(NoticeTask(notice_id=n.id, task_id=t.id))
                replied = _at(day(-8, 0)) if rng.random() < 0.4 else None
                session.add(
                    NoticeRecipient(notice_id=n.id, department_id=units[0].id, replied_at=replied)
                )
        if units and rng.random() < 0.3:
            insp = Inspection(inspected_on=day(-30, -1), method="on_site", result="average")
            session.add(insp)
            session.flush()
            answered = _at(day(-5, 0)) if rng.random() < 0.4 else None
            session.add(
                Finding(
                    inspection_id=insp.id,
                    department_id=units[-1].id,
                    task_id=t.id,
                    description="问题",
                    due_date=day(-15, 5),
                    status="answered" if answered else "open",
                    answered_at=answered,
                    created_at=_at(day(-30, 0)),
                )
            )
        if rng.random() < 0.2:
            session.add(Milestone(task_id=t.id, title="节点", due_date=day(-30, 30)))
        if rng.random() < 0.2:
            tg = Target(task_id=t.id, text="指标", baseline=10.0, target_value=90.0)
            session.add(tg)
            session.flush()
            session.add(TargetReading(target_id=tg.id, value=50.0, recorded_at=_at(day(-9, 0))))
    session.commit()


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) < 1e-6


def check_against_reference(engine, session, today, rules, cal, filters=Filters()):
    ref = reference.compute(session, today=today, rules=rules, cal=cal, filters=filters)
    raw = frames.read_frames(engine)
    now = status.build_status(raw, today=today, rules=rules, cal=cal)
    before = status.last_week(raw, today=today, rules=rules, cal=cal)
    d = dashboard.build_dashboard(now, before, filters, rules=rules, cal=cal, red_rows=None)

    # every task's colour, reasons and figures
    got = {r["task_id"]: r for r in now.tasks.iter_rows(named=True)}
    assert set(got) == {t["task_id"] for t in ref["tasks"]}
    for t in ref["tasks"]:
        g = got[t["task_id"]]
        assert g["colour"] == t["colour"], (t, g)
        assert g["reasons"] == t["reasons"]
        assert g["overdue_wd"] == t["overdue_wd"]
        assert g["lead_department_id"] == t["lead_department_id"]
        assert _close(g["expected_progress"], t["expected_progress"])
    got_a = {r["assignment_id"]: r for r in now.assignments.iter_rows(named=True)}
    for a in ref["assignments"]:
        g = got_a[a["assignment_id"]]
        assert (g["colour"], g["reasons"], g["progress"]) == (
            a["colour"],
            a["reasons"],
            a["progress"],
        )

    # KPI cards and their change since last week
    values = {k.key: k for k in d.kpis}
    for key, v in values.items():
        assert _close(v.value, ref["kpis"][key]), key
        before_v = ref["kpis_before"][key]
        expected_delta = None if v.value is None or before_v is None else v.value - before_v
        assert _close(v.delta, expected_delta), key

    # red list: same tasks, same order
    assert d.red_list.get_column("task_id").to_list() == ref["red_ids"]

    # by department
    dep = {r["department_id"]: r for r in d.departments.iter_rows(named=True)}
    refdep = ref["departments"]
    assert set(dep) == set(refdep.index)
    for did, row in refdep.iterrows():
        for col in (
            "assignments",
            "overdue",
            "red",
            "completed",
            "on_time",
            "lead_red",
            "resp_green",
        ):
            assert dep[did][col] == int(row[col]), (did, col)

    # heatmap cells
    cells = {
        (r["department_short"], r["phase"]): (r["n"], r["red"])
        for r in d.heatmap.iter_rows(named=True)
    }
    assert cells == ref["heatmap"]

    # weekly trend
    tr = d.trend.to_dicts()
    assert [r["week_end"] for r in tr] == [r["week_end"] for r in ref["trend"]]
    for g, r in zip(tr, ref["trend"], strict=True):
        assert (g["completed"], g["overdue"]) == (r["completed"], r["overdue"]), g["week_end"]
        assert _close(g["expected"], r["expected"]) and _close(g["actual"], r["actual"])
    return d


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    seed=st.integers(0, 10_000),
    today=st.sampled_from(TODAYS),
    with_overrides=st.booleans(),
    stagnant=st.integers(3, 12),
    role=st.sampled_from([None, "lead", "responsible"]),
    dept=st.sampled_from([None, 1, 2]),
)
def test_dashboard_matches_naive_computation(seed, today, with_overrides, stagnant, role, dept):
    engine = _engine()
    with Session(engine) as session:
        populate(session, seed, today)
        cal = WorkCalendar(OVERRIDES_2027 if with_overrides else ())
        rules = WarningRules(stagnant_working_days=stagnant, due_soon_working_days=3)
        check_against_reference(
            engine, session, today, rules, cal, Filters(department_id=dept, role=role)
        )
    engine.dispose()


def test_on_both_backends_and_plan_filters(engine, session):
    """The fixture's backend (SQLite, and PostgreSQL with TEST_DATABASE_URL) gives the same."""
    today = dt.date(2027, 1, 4)
    populate(session, 7, today, n_tasks=25)
    cal = WorkCalendar(OVERRIDES_2027)
    rules = WarningRules()
    check_against_reference(engine, session, today, rules, cal)
    d = check_against_reference(
        engine,
        session,
        today,
        rules,
        cal,
        Filters(phase="试点先行", date_from=dt.date(2026, 12, 1), date_to=dt.date(2027, 3, 1)),
    )
    assert d.calendar_warning is None or "2027" not in d.calendar_warning


def test_fast_read_equals_plain_read(engine, session):
    """PostgreSQL reads through ADBC and gives the same frames as the plain path; SQLite never
    uses ADBC (its own SQLite library would drop this process's file locks)."""
    populate(session, 3, dt.date(2026, 12, 31), n_tasks=30)
    adbc = frames._adbc_connect(engine)
    if engine.url.get_backend_name() == "sqlite":
        assert adbc is None
        return
    adbc.close()
    fast = frames.read_frames(engine)
    plain = frames._read_all(engine, frames._BIG, big=False)
    key = {"tasks": "task_id", "assignments": "assignment_id"}
    for name in ("tasks", "assignments"):
        assert getattr(fast, name).sort(key[name]).equals(plain[name].sort(key[name])), name
    assert fast.reports.equals(plain["reports"].sort(["assignment_id", "reported_on", "report_id"]))


def test_file_sqlite_write_after_dashboard_read(tmp_path):
    """Reading the dashboard from a file database leaves the app's engine able to write."""
    from sqlalchemy import text

    eng = db.make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    SQLModel.metadata.create_all(eng)
    today = dt.date(2026, 12, 31)
    with Session(eng) as s:
        populate(s, 5, today, n_tasks=10)
    with eng.begin() as conn:
        conn.execute(
            text("INSERT INTO data_version (id, version, updated_at) VALUES (1, 0, '2026-01-01')")
        )
    sf = status.status_frames(eng, today=today)
    assert sf.tasks.height == 10
    with eng.begin() as conn:
        conn.execute(text("UPDATE data_version SET version = version + 1"))
    assert db.data_version(eng) == 1
    eng.dispose()


def test_unknown_year_warning_and_fallback():
    """2027 without rows in the table: Mon–Fri, and the dashboard says so."""
    from duban.monitoring.holidays import unknown_years_warning

    cal = WorkCalendar()
    assert cal.is_workday(dt.date(2027, 1, 1))  # a Friday; New Year unknown to the package
    msg = unknown_years_warning(cal, dt.date(2026, 11, 1), dt.date(2027, 3, 1))
    assert msg and "2027 年" in msg and "周一至周五" in msg
    cal2 = WorkCalendar(OVERRIDES_2027)
    assert not cal2.is_workday(dt.date(2027, 1, 1))
    assert cal2.is_workday(dt.date(2027, 2, 6))  # make-up Saturday
    assert unknown_years_warning(cal2, dt.date(2026, 11, 1), dt.date(2027, 3, 1)) is None


def test_excel_export_has_every_section(engine, session):
    today = dt.date(2026, 10, 12)
    populate(session, 11, today, n_tasks=20)
    sf = status.status_frames(engine, today=today)
    before = status.last_week(sf.raw, today=today, rules=WarningRules(), cal=WorkCalendar())
    d = dashboard.build_dashboard(
        sf, before, Filters(), rules=WarningRules(), cal=WorkCalendar(), red_rows=None
    )
    data = dashboard_export.export_excel(d)
    sheets = pl.read_excel(data, sheet_id=0)
    assert list(sheets) == [
        "说明",
        "指标卡",
        "红灯任务",
        "各单位",
        "单位×阶段",
        "时间轴",
        "趋势",
        "量化指标",
    ]
    assert sheets["红灯任务"].height == d.red_total
    assert sheets["指标卡"]["当前"][0] == d.kpis[0].value


def test_filters_round_trip_through_the_url():
    f = Filters(
        plan_id=2,
        phase="试点先行",
        department_id=5,
        role="lead",
        date_from=dt.date(2026, 1, 1),
        date_to=dt.date(2026, 12, 31),
    )
    assert Filters.from_query(f.to_query()) == f
    assert Filters.from_query({"plan": "x", "role": "boss", "from": "2026-13-01"}) == Filters()


@pytest.mark.parametrize("n", [0])
def test_empty_database(engine, n):
    sf = status.status_frames(engine, today=dt.date(2026, 5, 1))
    assert sf.tasks.height == n
    before = status.last_week(sf.raw, today=sf.today, rules=WarningRules(), cal=WorkCalendar())
    d = dashboard.build_dashboard(sf, before, Filters(), rules=WarningRules(), cal=WorkCalendar())
    assert d.kpis[0].value == 0 and d.red_total == 0 and d.trend.height == 0
