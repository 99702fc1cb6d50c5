"""The plan parser on the corpus of real published plans (tests/fixtures/plans/real/).

Each plan file ``X.txt``/``X.gbk.txt``/``X.docx``/``X.xlsx`` has ``X.source.md`` (where it was
published and how it was stored) and ``X.expected.json`` (what a careful reader extracts by
hand — every task, its lead and responsible units, deadline, phase and milestones, and the
plan's title, issuer, doc number and date — written before the parser was run on it).

`make eval-plans` prints the scores. Here every plan is held to the counts recorded in
``floor.json`` (a later change may not lose a task, a unit, a deadline or a metadata field
another plan gained), and the pooled figures to the bar of issue 12.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.eval_plans import BAR, FALLING, FLOOR, RISING, evaluate, expected_for, plans, score

REAL = Path(__file__).parent / "fixtures" / "plans" / "real"
PLANS = plans()
TASK_KEYS = {
    "code",
    "title",
    "parent_code",
    "lead_units",
    "responsible_units",
    "deadline",
}


def test_the_corpus_is_real_varied_and_documented() -> None:
    assert len(PLANS) >= 40
    assert {p.suffix for p in PLANS} >= {".txt", ".docx", ".xlsx"}
    assert any(p.name.endswith(".gbk.txt") for p in PLANS)
    for path in PLANS:
        exp = expected_for(path)
        source = (REAL / exp["source"]).read_text(encoding="utf-8")
        assert "http" in source or "shared/samples" in source, path.name  # where it came from
        assert exp["tasks"], path.name
        for task in exp["tasks"]:
            assert set(task) >= TASK_KEYS, (path.name, task.get("code"))
            assert not set(task["lead_units"]) & set(task["responsible_units"]), path.name


def test_every_plan_has_a_floor() -> None:
    floor = json.loads(FLOOR.read_text(encoding="utf-8"))
    assert sorted(floor) == sorted(p.name for p in PLANS)


@pytest.mark.parametrize("path", PLANS, ids=[p.name for p in PLANS])
def test_no_plan_falls_below_its_floor(path: Path) -> None:
    floor = json.loads(FLOOR.read_text(encoding="utf-8"))[path.name]
    got = score(path)
    lost = {k: (getattr(got, k), floor[k]) for k in RISING if getattr(got, k) < floor[k]}
    gained_errors = {k: (getattr(got, k), floor[k]) for k in FALLING if getattr(got, k) > floor[k]}
    assert not lost and not gained_errors, (lost, gained_errors)


def test_pooled_figures_meet_the_bar() -> None:
    _, pooled = evaluate()
    figures = pooled.figures()
    assert {k: round(figures[k], 3) for k in BAR if figures[k] < BAR[k]} == {}
