"""督办事项来源 on the dashboard: the category filter and the breakdown by source, against the
row-by-row reference (bench/reference.py) on random data."""

import datetime as dt
import random

import pytest
from sqlmodel import Session, col, select

from bench import reference
from duban.monitoring import dashboard, dashboard_export, frames, status
from duban.monitoring.dashboard import NO_CATEGORY, Filters
from duban.monitoring.lights import WarningRules
from duban.monitoring.workdays import WorkCalendar
from models import Task, TaskCategory
from tests.test_analytics import TODAYS, _close, _engine, check_against_reference, populate

NAMES = ["年度重点工作", "重大项目", "领导批示交办"]


def _categorise(session: Session, seed: int) -> dict[int, str]:
    """Three categories (the second retired), given at random to the tasks; some keep none."""
    rng = random.Random(seed)
    cats = [TaskCategory(name=n, sort_order=10 * (3 - i)) for i, n in enumerate(NAMES)]
    cats[1].retired_at = dt.datetime(2026, 1, 1)  # retired: its tasks keep it
    session.add_all(cats)
    session.commit()
    for task in session.exec(select(Task)).all():
        task.category_id = rng.choice([None, *(c.id for c in cats)])
        session.add(task)
    session.commit()
    ordered = sorted(cats, key=lambda c: c.sort_order)  # the office's order
    return {c.id: c.name for c in ordered if c.id is not None}


@pytest.mark.parametrize(("seed", "today"), [(s, TODAYS[s % len(TODAYS)]) for s in range(8)])
def test_filter_and_breakdown_match_the_reference(seed, today):
    engine = _engine()
    with Session(engine) as session:
        populate(session, seed, today, n_tasks=30)
        names = _categorise(session, seed)
        cal = WorkCalendar(())
        rules = WarningRules(stagnant_working_days=6, due_soon_working_days=3)
        for cat in [None, NO_CATEGORY, *names]:
            f = Filters(category_id=cat)
            # every figure of the dashboard, narrowed to the category, as the reference has it
            check_against_reference(engine, session, today, rules, cal, f)
            ref = reference.compute(session, today=today, rules=rules, cal=cal, filters=f)
            raw = frames.read_frames(engine)
            now = status.build_status(raw, today=today, rules=rules, cal=cal)
            before = status.last_week(raw, today=today, rules=rules, cal=cal)
            d = dashboard.build_dashboard(now, before, f, rules=rules, cal=cal, categories=names)
            got = {r["category_id"]: r for r in d.by_category.iter_rows(named=True)}
            want = ref["by_category"]
            assert set(got) == set(want), cat
            for cid, row in want.items():
                g = got[cid]
                assert (g["tasks"], g["red"], g["yellow"], g["overdue"]) == (
                    row["tasks"],
                    row["red"],
                    row["yellow"],
                    row["overdue"],
                ), cid
                assert _close(g["avg_progress"], row["avg_progress"]), cid
                assert g["category"] == (names[cid] if cid is not None else "未分类")
            # the office's order, 未分类 last
            order = [c for c in [*names, None] if c in want]
            assert d.by_category.get_column("category_id").to_list() == order
            assert sum(d.by_category.get_column("tasks")) == d.kpis[0].value
    engine.dispose()


def test_the_category_filter_in_the_url_and_in_words():
    assert Filters(category_id=3).to_query() == {"cat": "3"}
    assert Filters(category_id=NO_CATEGORY).to_query() == {"cat": "none"}
    for f in (Filters(category_id=3), Filters(category_id=NO_CATEGORY, plan_id=2)):
        assert Filters.from_query(f.to_query()) == f
    for junk in ("x", "-2", "0", "", "3.5"):
        assert Filters.from_query({"cat": junk}).category_id is None, junk
    opts = {"categories": {3: "重大项目", NO_CATEGORY: "未分类"}}
    assert dashboard_export.describe_filters(Filters(category_id=3), opts) == "事项来源：重大项目"
    words = dashboard_export.describe_filters(Filters(category_id=NO_CATEGORY), opts)
    assert words == "事项来源：未分类"


def test_filter_options_offer_the_categories_in_use(engine, session):
    today = dt.date(2026, 10, 12)
    populate(session, 3, today, n_tasks=20)
    names = _categorise(session, 3)
    raw = frames.read_frames(engine)
    sf = status.build_status(raw, today=today, rules=WarningRules(), cal=WorkCalendar(()))
    opts = dashboard.filter_options(sf, names)
    shown = session.exec(
        select(Task.category_id).where(col(Task.status).not_in(["draft", "cancelled"]))
    ).all()
    used = {c for c in shown if c is not None}
    assert list(opts["categories"]) == [c for c in names if c in used] + (
        [NO_CATEGORY] if None in shown else []
    )
