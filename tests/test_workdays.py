"""Tests for the working-day calendar (official calendar, overrides, fallback, vectorised)."""

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duban.monitoring.workdays import DayOverride, WorkCalendar

CAL = WorkCalendar()
OVERRIDES_2027 = (
    DayOverride(date(2027, 1, 1), False, "元旦"),
    DayOverride(date(2027, 2, 20), True, "春节调休"),  # a Saturday
)
CAL_2027 = WorkCalendar(OVERRIDES_2027)


def brute_between(cal: WorkCalendar, a: date, b: date) -> int:
    sign = 1
    if b < a:
        a, b, sign = b, a, -1
    n = sum(cal.is_workday(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))
    return sign * n


# --------------------------------------------------------------- official facts
def test_national_day_2026_holiday() -> None:
    # Package data for 2026: 10-01..10-07 off (weekends included), 10-08 (Thu) back at work.
    for day in range(1, 8):
        assert not CAL.is_workday(date(2026, 10, day))
    assert CAL.is_workday(date(2026, 10, 8))
    assert CAL.working_days_between(date(2026, 9, 30), date(2026, 10, 8)) == 1


def test_make_up_working_days() -> None:
    assert date(2026, 2, 14).weekday() == 5 and CAL.is_workday(date(2026, 2, 14))
    assert date(2026, 10, 10).weekday() == 5 and CAL.is_workday(date(2026, 10, 10))
    assert date(2026, 9, 20).weekday() == 6 and CAL.is_workday(date(2026, 9, 20))
    assert date(2025, 1, 26).weekday() == 6 and CAL.is_workday(date(2025, 1, 26))


def test_ordinary_days() -> None:
    assert CAL.is_workday(date(2026, 11, 23))  # Monday
    assert not CAL.is_workday(date(2026, 11, 22))  # Sunday
    assert not CAL.is_workday(date(2026, 1, 1))  # New Year


def test_overrides_win_over_package() -> None:
    cal = WorkCalendar(
        [
            DayOverride(date(2026, 11, 23), False, "临时放假"),
            DayOverride(date(2026, 10, 3), True, "值班"),
        ]
    )
    assert not cal.is_workday(date(2026, 11, 23))
    assert cal.is_workday(date(2026, 10, 3))
    assert cal.working_days_between(date(2026, 11, 20), date(2026, 11, 24)) == 1
    assert CAL.working_days_between(date(2026, 11, 20), date(2026, 11, 24)) == 2


def test_later_override_row_wins() -> None:
    d = date(2026, 11, 24)
    cal = WorkCalendar([DayOverride(d, False), DayOverride(d, True)])
    assert cal.is_workday(d)
    assert [o.is_workday for o in cal.overrides] == [True]


# ------------------------------------------------------------ 2026 → 2027
def test_2027_falls_back_to_monday_friday() -> None:
    assert CAL.known(2026) and not CAL.known(2027)
    assert CAL.is_workday(date(2027, 1, 1))  # Friday; the package does not know it
    assert not CAL.is_workday(date(2027, 1, 2))
    assert CAL.unknown_years(date(2026, 6, 1), date(2027, 3, 1)) == [2027]
    assert CAL.unknown_years(date(2027, 3, 1), date(2026, 6, 1)) == [2027]
    assert CAL.unknown_years(date(2026, 1, 1), date(2026, 12, 31)) == []
    # 2026-12-31 Thu → 2027-01-04 Mon: Fri 1 Jan counts under the fallback.
    assert CAL.working_days_between(date(2026, 12, 31), date(2027, 1, 4)) == 2
    assert CAL.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)


def test_override_makes_2027_known() -> None:
    assert CAL_2027.known(2027)
    assert CAL_2027.unknown_years(date(2026, 6, 1), date(2027, 3, 1)) == []
    assert not CAL_2027.is_workday(date(2027, 1, 1))
    assert CAL_2027.is_workday(date(2027, 2, 20))
    assert CAL_2027.is_workday(date(2027, 1, 4))  # other days: Monday–Friday
    assert CAL_2027.working_days_between(date(2026, 12, 31), date(2027, 1, 4)) == 1
    assert CAL_2027.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_without_package() -> None:
    cal = WorkCalendar(use_package=False)
    assert not cal.known(2026)
    assert cal.is_workday(date(2026, 10, 1))  # Thursday, Mon–Fri only
    assert not cal.is_workday(date(2026, 10, 10))
    assert cal.unknown_years(date(2026, 1, 1), date(2027, 1, 1)) == [2026, 2027]


def test_before_package_range_falls_back() -> None:
    assert not CAL.known(2003)
    assert CAL.is_workday(date(2003, 12, 31))  # Wednesday
    # 12-31 (fallback) + 2004-01-02 + 01-05; 2004-01-01 is a holiday in the package data
    assert CAL.working_days_between(date(2003, 12, 30), date(2004, 1, 5)) == 3


# ------------------------------------------------------------------- counting
def test_between_spans() -> None:
    d = date(2026, 11, 23)
    assert CAL.working_days_between(d, d) == 0
    assert CAL.working_days_between(date(2026, 11, 20), date(2026, 11, 23)) == 1
    assert CAL.working_days_between(date(2026, 11, 23), date(2026, 11, 20)) == -1
    # 10-08, 10-09, 10-10 (make-up Saturday), 10-12
    assert CAL.working_days_between(date(2026, 9, 30), date(2026, 10, 12)) == 4
    assert CAL.working_days_between(date(2026, 10, 12), date(2026, 9, 30)) == -4


def test_add_working_days() -> None:
    assert CAL.add_working_days(date(2026, 9, 30), 0) == date(2026, 9, 30)
    assert CAL.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert CAL.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)  # make-up Saturday
    assert CAL.add_working_days(date(2026, 10, 8), -1) == date(2026, 9, 30)
    assert CAL.add_working_days(date(2026, 10, 3), 1) == date(2026, 10, 8)
    # far into unknown years: extends the index year by year
    far = CAL.add_working_days(date(2026, 12, 1), 600)
    assert far.year == 2029 and CAL.working_days_between(date(2026, 12, 1), far) == 600
    back = CAL.add_working_days(date(2005, 3, 1), -600)
    assert CAL.working_days_between(back, date(2005, 3, 1)) == 600 and CAL.is_workday(back)


@settings(max_examples=150, deadline=None)
@given(
    start=st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    n=st.integers(-300, 300),
    cal=st.sampled_from([CAL, CAL_2027]),
)
def test_add_working_days_inverts_between(start: date, n: int, cal: WorkCalendar) -> None:
    d = cal.add_working_days(start, n)
    if n >= 0:
        assert cal.working_days_between(start, d) == n
    else:  # the |n|-th working day before start: |n| working days in [d, start)
        assert cal.working_days_between(d - timedelta(days=1), start - timedelta(days=1)) == -n
    if n != 0:
        assert cal.is_workday(d)


@settings(max_examples=150, deadline=None)
@given(
    a=st.dates(date(2025, 12, 1), date(2027, 2, 28)),
    b=st.dates(date(2025, 12, 1), date(2027, 2, 28)),
    cal=st.sampled_from([CAL, CAL_2027]),
)
def test_between_matches_brute_force(a: date, b: date, cal: WorkCalendar) -> None:
    assert cal.working_days_between(a, b) == brute_between(cal, a, b)
    assert cal.working_days_between(a, b) == -cal.working_days_between(b, a)


# ---------------------------------------------------------- relative deadlines
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10个工作日内", date(2026, 10, 20)),
        ("请于十个工作日内报送整改情况", date(2026, 10, 20)),
        ("5个工作日", date(2026, 10, 13)),
        ("3 个工作日内", date(2026, 10, 10)),
        ("30日内", date(2026, 10, 30)),
        ("30天内", date(2026, 10, 30)),
        ("三十日内完成整改", date(2026, 10, 30)),
        ("9月30日前", None),
        ("年底前", None),
        ("", None),
    ],
)
def test_resolve_relative_deadline(text: str, expected: date | None) -> None:
    assert CAL.resolve_relative_deadline(text, date(2026, 9, 30)) == expected


# ------------------------------------------------------------------ vectorised
def test_index_array() -> None:
    start, cum = CAL.index_array(date(2026, 9, 30), date(2026, 10, 12))
    assert start == date(2026, 9, 30)
    assert len(cum) == 13 and cum.dtype == np.int64
    assert cum[0] == 1  # 9-30 itself is a working day
    for a in range(13):
        for b in range(13):
            da, db = start + timedelta(days=a), start + timedelta(days=b)
            assert cum[b] - cum[a] == CAL.working_days_between(da, db)


def test_many_handles_nulls_and_lists() -> None:
    out = CAL.working_days_between_many(
        [date(2026, 9, 30), None, date(2026, 10, 12)],
        [date(2026, 10, 12), date(2026, 1, 1), None],
    )
    assert out.dtype == pl.Int64
    assert out.to_list() == [4, None, None]
    empty = CAL.working_days_between_many([None], [None])
    assert empty.to_list() == [None]


@settings(max_examples=150, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(
            st.none() | st.dates(date(2024, 12, 1), date(2027, 12, 31)),
            st.none() | st.dates(date(2024, 12, 1), date(2027, 12, 31)),
        ),
        min_size=1,
        max_size=30,
    ),
    overrides=st.lists(
        st.builds(DayOverride, st.dates(date(2025, 1, 1), date(2027, 12, 31)), st.booleans()),
        max_size=5,
    ),
)
def test_many_equals_scalar(
    pairs: list[tuple[date | None, date | None]], overrides: list[DayOverride]
) -> None:
    cal = WorkCalendar(overrides)
    starts = pl.Series("s", [p[0] for p in pairs], dtype=pl.Date)
    ends = [p[1] for p in pairs]
    got = cal.working_days_between_many(starts, ends).to_list()
    want = [None if a is None or b is None else cal.working_days_between(a, b) for a, b in pairs]
    assert got == want


def test_sixty_thousand_scalar_calls_are_cheap() -> None:
    import time

    cal = WorkCalendar()
    days = [date(2025, 1, 1) + timedelta(days=i % 1000) for i in range(60_000)]
    t0 = time.perf_counter()
    total = sum(cal.working_days_between(d, date(2026, 11, 23)) for d in days)
    elapsed = time.perf_counter() - t0
    assert total > 0
    assert elapsed < 5.0  # generous: shared CI cores; typically ~0.1 s


def test_shared_between_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    cal = WorkCalendar(OVERRIDES_2027)
    pairs = [(date(2000 + i % 30, 3, 1), date(2030 - i % 25, 9, 1)) for i in range(400)]

    def count(p: tuple[date, date]) -> int:
        return cal.working_days_between(*p)

    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(count, pairs))
    assert got == [CAL_2027.working_days_between(a, b) for a, b in pairs]
