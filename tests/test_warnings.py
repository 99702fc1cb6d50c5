"""Tests for the explainable warning engine (红黄绿灯): rules, reasons, vectorised frames."""

from dataclasses import asdict, replace
from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duban.monitoring.lights import (
    ALL_STATUSES,
    COLOUR_LABELS,
    Colour,
    WarningInput,
    WarningRules,
    assess,
    assess_frame,
    expected_progress,
)
from duban.monitoring.workdays import DayOverride, WorkCalendar

CAL = WorkCalendar()
RULES = WarningRules()
TODAY = date(2026, 11, 23)  # a Monday


def task(**kw: object) -> WarningInput:
    """An in-progress task that is green on TODAY unless the test changes something."""
    base: dict[str, object] = {
        "status": "in_progress",
        "start": date(2026, 11, 9),  # Monday
        "deadline": date(2026, 12, 7),  # 20 working days after start; 10 elapsed on TODAY
        "original_deadline": None,
        "progress": 50.0,
        "last_update": date(2026, 11, 20),
        "ignored_urgings": 0,
        "overdue_rectifications": 0,
        "completed_on": None,
    }
    base.update(kw)
    return WarningInput(**base)  # type: ignore[arg-type]


def run(inp: WarningInput, today: date = TODAY, rules: WarningRules = RULES):
    return assess(inp, today=today, rules=rules, cal=CAL)


# ---------------------------------------------------------------------- rules
def test_default_rules_follow_domain() -> None:
    r = WarningRules()
    assert r.overdue_red is True
    assert (r.behind_red_points, r.behind_yellow_points) == (30.0, 10.0)
    assert (r.due_soon_working_days, r.stagnant_working_days) == (5, 10)
    assert (r.ignored_urgings_red, r.overdue_rectifications_red) == (3, 1)
    assert r.validate() == []


def test_validate_reports_contradictions() -> None:
    errors = WarningRules(behind_yellow_points=30, behind_red_points=30).validate()
    assert any("黄灯进度落后阈值" in e and "须小于" in e for e in errors)
    errors = WarningRules(behind_yellow_points=-1, due_soon_working_days=-2).validate()
    assert len(errors) == 2 and all("不能小于" in e or "之间" in e for e in errors)
    assert WarningRules(stagnant_working_days=0).validate()
    assert WarningRules(ignored_urgings_red=0).validate()
    assert WarningRules(behind_red_points=150).validate()


def test_rules_round_trip_and_bad_input() -> None:
    r = WarningRules(behind_red_points=40, due_soon_working_days=3, overdue_red=False)
    assert WarningRules.from_dict(r.to_dict()) == r
    assert WarningRules.from_dict({}) == WarningRules()
    assert WarningRules.from_dict({"stagnant_working_days": 7.0}).stagnant_working_days == 7
    with pytest.raises(ValueError, match="未知的预警规则项"):
        WarningRules.from_dict({"colour_blind": True})
    with pytest.raises(ValueError, match="须为整数"):
        WarningRules.from_dict({"stagnant_working_days": "十"})
    with pytest.raises(ValueError, match="须为数字"):
        WarningRules.from_dict({"behind_red_points": True})
    with pytest.raises(ValueError, match="须小于"):
        WarningRules.from_dict({"behind_yellow_points": 50})
    with pytest.raises(ValueError):
        WarningRules.from_dict([1, 2])  # type: ignore[arg-type]


def test_colour_labels() -> None:
    assert {c.value for c in Colour} == set(COLOUR_LABELS)
    assert COLOUR_LABELS[Colour.RED] == "红"


# ------------------------------------------------------------ status colours
def test_green_baseline() -> None:
    w = run(task())
    assert w.colour is Colour.GREEN and w.reasons == ["正常推进"]
    assert w.expected_progress == 50.0 and w.behind_points == 0.0
    assert w.overdue_working_days == 0 and w.due_in_working_days == 10
    assert w.stale_working_days == 1


@pytest.mark.parametrize(
    ("status", "reason"), [("draft", "未交办"), ("suspended", "已中止"), ("cancelled", "已撤销")]
)
def test_grey_statuses(status: str, reason: str) -> None:
    w = run(task(status=status, deadline=date(2026, 11, 1), ignored_urgings=5))
    assert w.colour is Colour.GREY and w.reasons == [reason] and w.overdue_working_days == 0


def test_not_started_is_grey() -> None:
    w = run(task(status="assigned", start=date(2026, 12, 1), deadline=date(2026, 12, 31)))
    assert w.colour is Colour.GREY and w.reasons == ["尚未开始"]


def test_completed_is_blue() -> None:
    w = run(task(status="completed", completed_on=date(2026, 11, 20), progress=100.0))
    assert w.colour is Colour.BLUE and w.reasons == ["已办结"] and w.overdue_working_days == 0


def test_completed_late_says_by_how_much() -> None:
    # deadline Tue 11-10, done Fri 11-20: 11,12,13,16,17,18,19,20 → 8 working days
    w = run(task(status="completed", deadline=date(2026, 11, 10), completed_on=date(2026, 11, 20)))
    assert w.colour is Colour.BLUE
    assert w.reasons == ["已办结", "逾期 8 个工作日办结"] and w.overdue_working_days == 8


def test_unknown_status_rejected() -> None:
    with pytest.raises(ValueError, match="未知的任务状态"):
        run(task(status="done"))


# ------------------------------------------------------------------ red rules
def test_overdue_is_red() -> None:
    # deadline Thu 11-05 → TODAY: 6,9-13,16-20,23 → 12 working days
    w = run(task(deadline=date(2026, 11, 5), progress=95.0))
    assert w.colour is Colour.RED
    assert w.reasons == ["逾期 12 个工作日"] and w.overdue_working_days == 12
    assert w.expected_progress == 100.0


def test_overdue_across_national_day() -> None:
    # deadline 09-30; holidays 10-01..10-07; make-up Sat 10-10 counts: 10-08,09,10,12 → 4
    w = run(
        task(start=date(2026, 9, 1), deadline=date(2026, 9, 30), progress=90.0),
        today=date(2026, 10, 12),
    )
    assert w.reasons[0] == "逾期 4 个工作日" and w.overdue_working_days == 4


def test_past_deadline_without_working_day_in_between() -> None:
    # deadline Fri 11-20, today Sun 11-22: late, but no working day has passed yet
    w = run(task(deadline=date(2026, 11, 20), progress=100.0), today=date(2026, 11, 22))
    assert w.colour is Colour.RED and w.reasons == ["已过完成时限"]
    assert w.overdue_working_days == 0


def test_overdue_can_be_made_yellow() -> None:
    rules = replace(RULES, overdue_red=False)
    w = run(task(deadline=date(2026, 11, 5), progress=95.0), rules=rules)
    assert w.colour is Colour.YELLOW and w.reasons == ["逾期 12 个工作日"]


@pytest.mark.parametrize(
    ("progress", "colour", "reasons"),
    [
        (15.0, Colour.RED, ["进度落后序时进度 35 个百分点"]),
        (19.9, Colour.RED, ["进度落后序时进度 30 个百分点"]),  # 30.1 > 30: red, shown rounded
        (20.0, Colour.YELLOW, ["进度落后序时进度 30 个百分点"]),  # exactly 30: yellow
        (30.0, Colour.YELLOW, ["进度落后序时进度 20 个百分点"]),
        (40.0, Colour.YELLOW, ["进度落后序时进度 10 个百分点"]),  # exactly 10: yellow
        (40.5, Colour.GREEN, ["正常推进"]),
        (80.0, Colour.GREEN, ["正常推进"]),
    ],
)
def test_behind_schedule(progress: float, colour: Colour, reasons: list[str]) -> None:
    w = run(task(progress=progress))
    assert w.colour is colour and w.reasons == reasons
    assert w.behind_points == pytest.approx(50.0 - progress)


def test_missing_progress_counts_as_zero() -> None:
    w = run(task(progress=None))
    assert w.colour is Colour.RED
    assert w.reasons == ["进度落后序时进度 50 个百分点（未填报进度）"]
    assert w.behind_points == 50.0


def test_ignored_urgings() -> None:
    assert run(task(ignored_urgings=2)).colour is Colour.GREEN
    w = run(task(ignored_urgings=3))
    assert w.colour is Colour.RED and w.reasons == ["3 次催办未回应"]


# --------------------------------------------------------------- yellow rules
def test_due_soon() -> None:
    w = run(task(start=date(2026, 11, 2), deadline=date(2026, 11, 26), progress=90.0))
    assert w.colour is Colour.YELLOW and w.reasons == ["距完成时限还有 3 个工作日"]
    assert w.due_in_working_days == 3
    w = run(task(start=date(2026, 11, 2), deadline=TODAY, progress=100.0))
    assert w.colour is Colour.YELLOW and w.reasons == ["今日到期"]
    # 11-24..11-27, 11-30, 12-01 → 6 working days left: not yet "due soon"
    w = run(task(start=date(2026, 11, 2), deadline=date(2026, 12, 1), progress=90.0))
    assert w.colour is Colour.GREEN and w.due_in_working_days == 6
    w = run(task(start=date(2026, 11, 2), deadline=date(2026, 11, 30), progress=90.0))
    assert w.reasons == ["距完成时限还有 5 个工作日"]


def test_due_soon_counts_make_up_saturday() -> None:
    # today 09-30; holidays 10-01..07; 10-08, 10-09, 10-10 (make-up Sat) → 3 working days
    w = run(
        task(
            start=date(2026, 9, 1),
            deadline=date(2026, 10, 10),
            progress=90.0,
            last_update=date(2026, 9, 29),
        ),
        today=date(2026, 9, 30),
    )
    assert w.reasons == ["距完成时限还有 3 个工作日"]


def test_stagnant() -> None:
    # last update Wed 10-28 → 29,30 + 3 full weeks + 23 → 18 working days
    w = run(
        task(
            last_update=date(2026, 10, 28),
            start=date(2026, 10, 1),
            deadline=date(2027, 3, 1),
            progress=60.0,
        )
    )
    assert w.colour is Colour.YELLOW and w.reasons == ["18 个工作日未更新"]
    assert w.stale_working_days == 18
    # no update at all: falls back to the start date (11-09 → 10 working days)
    w = run(task(last_update=None, progress=50.0))
    assert w.reasons == ["10 个工作日未更新"]
    # 9 working days is not yet stagnant
    assert run(task(last_update=date(2026, 11, 10))).colour is Colour.GREEN


def test_submitted_is_never_stagnant() -> None:
    w = run(task(status="submitted", last_update=date(2026, 10, 1), progress=100.0))
    assert w.colour is Colour.GREEN and w.reasons == ["正常推进"]
    assert w.stale_working_days is not None and w.stale_working_days > 10
    # but it can still be overdue
    w = run(task(status="submitted", deadline=date(2026, 11, 20), progress=100.0))
    assert w.colour is Colour.RED and w.reasons == ["逾期 1 个工作日"]


def test_overdue_rectifications() -> None:
    w = run(task(overdue_rectifications=2))
    assert w.colour is Colour.YELLOW and w.reasons == ["2 项整改逾期"]
    rules = replace(RULES, overdue_rectifications_red=3)
    assert run(task(overdue_rectifications=2), rules=rules).colour is Colour.GREEN


def test_all_reasons_red_first() -> None:
    w = run(
        task(
            progress=None,
            last_update=date(2026, 10, 28),
            start=date(2026, 10, 1),
            deadline=date(2026, 11, 26),
            ignored_urgings=4,
            overdue_rectifications=1,
            original_deadline=date(2026, 11, 16),
        )
    )
    assert w.colour is Colour.RED
    assert w.reasons[0].startswith("进度落后序时进度") and w.reasons[0].endswith("（未填报进度）")
    assert w.reasons[1:] == [
        "4 次催办未回应",
        "距完成时限还有 3 个工作日",
        "18 个工作日未更新",
        "1 项整改逾期",
        "已延期（原完成时限 2026-11-16）",
    ]


def test_extension_is_shown_even_when_green() -> None:
    w = run(task(original_deadline=date(2026, 11, 30)))
    assert w.colour is Colour.GREEN
    assert w.reasons == ["正常推进", "已延期（原完成时限 2026-11-30）"]


def test_reason_numbers_are_integers() -> None:
    w = run(task(progress=None, start=date(2026, 11, 2), deadline=date(2026, 12, 31)))
    assert w.behind_points is not None and w.behind_points != int(w.behind_points)
    assert all("." not in r for r in w.reasons)


# ------------------------------------------------------------ 序时进度
def test_expected_progress() -> None:
    assert expected_progress(None, date(2026, 12, 7), TODAY, CAL) is None
    assert expected_progress(date(2026, 11, 9), None, TODAY, CAL) is None
    assert expected_progress(date(2026, 11, 9), date(2026, 12, 7), TODAY, CAL) == 50.0
    assert expected_progress(date(2026, 11, 9), date(2026, 12, 7), date(2026, 11, 9), CAL) == 0.0
    assert expected_progress(date(2026, 11, 9), date(2026, 12, 7), date(2027, 1, 1), CAL) == 100.0
    assert expected_progress(date(2026, 11, 9), date(2026, 12, 7), date(2026, 11, 1), CAL) == 0.0
    # degenerate span (deadline == start): 0 before, 100 from the deadline on
    assert expected_progress(TODAY, TODAY, TODAY, CAL) == 100.0
    assert expected_progress(TODAY, TODAY, TODAY - timedelta(days=1), CAL) == 0.0


def test_2027_deadline_uses_fallback_calendar() -> None:
    # 2026-12-31 (Thu) → 2027-01-04: Fri 01-01 counts under Mon–Fri fallback, not with override
    inp = task(
        start=date(2026, 12, 1),
        deadline=date(2027, 1, 4),
        progress=100.0,
        last_update=date(2026, 12, 31),
    )
    plain = assess(inp, today=date(2026, 12, 31), rules=RULES, cal=CAL)
    assert plain.reasons == ["距完成时限还有 2 个工作日"]
    cal = WorkCalendar([DayOverride(date(2027, 1, 1), False, "元旦")])
    fixed = assess(inp, today=date(2026, 12, 31), rules=RULES, cal=cal)
    assert fixed.reasons == ["距完成时限还有 1 个工作日"]


# ----------------------------------------------------------------- frames
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
}


def to_frame(inputs: list[WarningInput]) -> pl.DataFrame:
    return pl.DataFrame([asdict(i) for i in inputs], schema=FRAME_SCHEMA)


def test_frame_keeps_columns_and_types() -> None:
    df = to_frame([task(), task(status="draft"), task(deadline=date(2026, 11, 5))])
    df = df.with_columns(pl.Series("task_id", [1, 2, 3]))
    out = assess_frame(df, today=TODAY, rules=RULES, cal=CAL)
    assert out.columns[: df.width] == df.columns
    assert out["task_id"].to_list() == [1, 2, 3]
    assert out["colour"].to_list() == ["green", "grey", "red"]
    assert out.schema["reasons"] == pl.List(pl.String)
    assert out.schema["overdue_wd"] == pl.Int64
    assert out.schema["behind_points"] == pl.Float64
    assert out.schema["expected_progress"] == pl.Float64
    assert out.schema["due_in_wd"] == pl.Int64 and out.schema["stale_wd"] == pl.Int64
    assert out["overdue_wd"].to_list() == [0, 0, 12]
    assert out["due_in_wd"].to_list() == [10, None, -12]


def test_frame_without_original_deadline_and_empty() -> None:
    df = to_frame([task(original_deadline=date(2026, 11, 30))]).drop("original_deadline")
    out = assess_frame(df, today=TODAY, rules=RULES, cal=CAL)
    assert out["reasons"].to_list() == [["正常推进"]]
    empty = assess_frame(to_frame([]), today=TODAY, rules=RULES, cal=CAL)
    assert empty.height == 0 and "colour" in empty.columns


def test_frame_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="未知的任务状态"):
        assess_frame(to_frame([task(status="done")]), today=TODAY, rules=RULES, cal=CAL)
    with pytest.raises(ValueError, match="缺少列"):
        assess_frame(to_frame([task()]).drop("progress"), today=TODAY, rules=RULES, cal=CAL)


SPECIAL_DAYS = [
    date(2025, 1, 26),  # make-up Sunday
    date(2025, 1, 28),
    date(2025, 10, 1),
    date(2025, 10, 11),  # make-up Saturday
    date(2026, 2, 14),  # make-up Saturday
    date(2026, 2, 16),
    date(2026, 9, 20),  # make-up Sunday
    date(2026, 9, 30),
    date(2026, 10, 1),
    date(2026, 10, 7),
    date(2026, 10, 8),
    date(2026, 10, 10),  # make-up Saturday
    date(2026, 12, 31),
    date(2027, 1, 1),
    date(2027, 1, 4),
    date(2027, 2, 20),
]
CALENDARS = [
    CAL,
    WorkCalendar(
        [
            DayOverride(date(2027, 1, 1), False, "元旦"),
            DayOverride(date(2027, 2, 20), True, "调休"),
            DayOverride(date(2026, 11, 23), False, "临时"),
        ]
    ),
]
RULE_SETS = [
    RULES,
    WarningRules(overdue_red=False, behind_red_points=20, behind_yellow_points=5),
    WarningRules(due_soon_working_days=0, stagnant_working_days=1, ignored_urgings_red=1),
    WarningRules(behind_red_points=100, behind_yellow_points=0, overdue_rectifications_red=2),
]


@st.composite
def scenario(draw: st.DrawFn) -> tuple[date, list[WarningInput]]:
    today = draw(
        st.one_of(st.dates(date(2025, 1, 1), date(2027, 12, 31)), st.sampled_from(SPECIAL_DAYS))
    )

    def a_date() -> date | None:
        return draw(
            st.one_of(
                st.none(),
                st.sampled_from(SPECIAL_DAYS),
                st.integers(-60, 60).map(lambda k: today + timedelta(days=k)),
                st.dates(date(2025, 1, 1), date(2027, 12, 31)),
            )
        )

    inputs = []
    for _ in range(draw(st.integers(1, 12))):
        inputs.append(
            WarningInput(
                status=draw(st.sampled_from(ALL_STATUSES)),
                start=a_date(),
                deadline=a_date(),
                original_deadline=a_date(),
                progress=draw(
                    st.none() | st.floats(0, 100, allow_nan=False) | st.integers(0, 100).map(float)
                ),
                last_update=a_date(),
                ignored_urgings=draw(st.integers(0, 5)),
                overdue_rectifications=draw(st.integers(0, 3)),
                completed_on=a_date(),
            )
        )
    return today, inputs


@settings(max_examples=150, deadline=None)
@given(
    case=scenario(),
    cal=st.sampled_from(CALENDARS),
    rules=st.sampled_from(RULE_SETS),
)
def test_frame_matches_scalar(
    case: tuple[date, list[WarningInput]], cal: WorkCalendar, rules: WarningRules
) -> None:
    today, inputs = case
    out = assess_frame(to_frame(inputs), today=today, rules=rules, cal=cal)
    for row, inp in zip(out.iter_rows(named=True), inputs, strict=True):
        w = assess(inp, today=today, rules=rules, cal=cal)
        assert row["colour"] == w.colour.value
        assert row["reasons"] == w.reasons
        assert row["overdue_wd"] == w.overdue_working_days
        assert row["expected_progress"] == w.expected_progress
        assert row["behind_points"] == w.behind_points
        assert row["due_in_wd"] == w.due_in_working_days
        assert row["stale_wd"] == w.stale_working_days
