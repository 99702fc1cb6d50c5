"""Working-day calendar: official Chinese calendar, admin overrides, Mon–Fri fallback."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

import chinese_calendar
import numpy as np
import polars as pl

from duban.core.numerals import parse_int
from duban.monitoring._scalars import first_day, last_day

__all__ = ["DayOverride", "WorkCalendar"]

log = logging.getLogger(__name__)

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()  # polars pl.Date is days since 1970-01-01
_MAX_EXTEND_YEARS = 200  # safety cap when searching forwards/backwards for working days
# Years already logged as falling back to Monday–Friday: once per year and process, though
# every data version builds a new calendar.
_fallback_logged: set[int] = set()


@dataclass(frozen=True)
class DayOverride:
    """One row of the admin table: a holiday (is_workday=False) or a make-up working day (调休)."""

    day: date
    is_workday: bool
    name: str = ""


_NUM = r"([0-9０-９]+|[零〇一二两三四五六七八九十百千]+)"
_NOT_AFTER_NUM = r"(?<![0-9０-９零〇一二两三四五六七八九十百千月年])"
_RE_WORKDAYS = re.compile(_NOT_AFTER_NUM + _NUM + r"\s*个?\s*工作日")
_RE_CALENDAR_DAYS = re.compile(
    _NOT_AFTER_NUM + _NUM + r"\s*个?\s*(?:(?:自然日|天)(?:之内|以内|内)?|日(?:之内|以内|内))"
)


class _Index(NamedTuple):
    """Immutable snapshot: flags[i] is day base_ord+i; cum = cumsum(flags) (inclusive)."""

    lo_year: int
    hi_year: int
    base_ord: int
    flags: np.ndarray
    cum: np.ndarray

    def covers(self, lo_year: int, hi_year: int) -> bool:
        return self.lo_year <= lo_year and hi_year <= self.hi_year


def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


class WorkCalendar:
    """Working days: admin overrides win, then chinese_calendar, then Monday–Friday.

    The calendar is immutable: build a new one when the admin table changes. Per-year
    boolean arrays are computed once and concatenated into one cumulative index, so
    ``working_days_between`` is two array lookups. If the override table holds two rows
    for the same day, the later row wins. Safe to share between threads (one instance per
    app process, e.g. in ``st.cache_resource``): the index is swapped atomically.
    """

    def __init__(self, overrides: Iterable[DayOverride] = (), *, use_package: bool = True):
        self._overrides: dict[date, DayOverride] = {}
        for ov in overrides:
            self._overrides[ov.day] = ov
        self._override_years: set[int] = {d.year for d in self._overrides}
        self._use_package = use_package
        self._package_years: dict[int, bool] = {}
        self._year_flags: dict[int, np.ndarray] = {}
        self._lock = threading.Lock()
        self._index: _Index | None = None

    # ----------------------------------------------------------------- facts
    @property
    def overrides(self) -> tuple[DayOverride, ...]:
        """The override rows in effect, sorted by day."""
        return tuple(self._overrides[d] for d in sorted(self._overrides))

    def package_knows(self, year: int) -> bool:
        """True if chinese_calendar (when enabled) has data for ``year``."""
        if not self._use_package:
            return False
        known = self._package_years.get(year)
        if known is None:
            known = _package_knows(year)
            self._package_years[year] = known
        return known

    def known(self, year: int) -> bool:
        """True if the package knows the year or any admin override falls in it."""
        return year in self._override_years or self.package_knows(year)

    def unknown_years(self, start: date, end: date) -> list[int]:
        """Years between start and end (either order) that fall back to Monday–Friday."""
        lo, hi = sorted((start.year, end.year))
        return [y for y in range(lo, hi + 1) if not self.known(y)]

    def _compute_year(self, year: int) -> np.ndarray:
        first = date(year, 1, 1)
        n = (date(year + 1, 1, 1) - first).days
        if self.package_knows(year):
            flags = np.fromiter(
                (chinese_calendar.is_workday(first + timedelta(days=i)) for i in range(n)),
                dtype=bool,
                count=n,
            )
        else:
            if self._use_package and year not in self._override_years:
                _log_fallback(year)
            weekday0 = first.weekday()
            flags = ((np.arange(n) + weekday0) % 7) < 5
        for d, ov in self._overrides.items():
            if d.year == year:
                flags[(d - first).days] = ov.is_workday
        flags.setflags(write=False)
        return flags

    def year_flags(self, year: int) -> np.ndarray:
        """Read-only boolean array, one entry per day of ``year`` (True = working day)."""
        flags = self._year_flags.get(year)
        if flags is None:
            flags = self._compute_year(year)
            self._year_flags[year] = flags
        return flags

    def _ensure(self, lo_year: int, hi_year: int) -> _Index:
        index = self._index
        if index is not None and index.covers(lo_year, hi_year):
            return index
        with self._lock:
            index = self._index
            if index is not None:
                if index.covers(lo_year, hi_year):
                    return index
                lo_year = min(lo_year, index.lo_year)
                hi_year = max(hi_year, index.hi_year)
            flags = np.concatenate([self.year_flags(y) for y in range(lo_year, hi_year + 1)])
            cum = np.cumsum(flags, dtype=np.int64)
            flags.setflags(write=False)
            cum.setflags(write=False)
            index = _Index(lo_year, hi_year, date(lo_year, 1, 1).toordinal(), flags, cum)
            self._index = index
            return index

    def is_workday(self, d: date) -> bool:
        """Override wins; else the official calendar; else Monday–Friday."""
        ov = self._overrides.get(d)
        if ov is not None:
            return ov.is_workday
        return bool(self.year_flags(d.year)[d.timetuple().tm_yday - 1])

    # ------------------------------------------------------------- counting
    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative (-(working days in (end, start])) if end < start."""
        ys, ye = start.year, end.year
        lo, hi = (ys, ye) if ys <= ye else (ye, ys)
        index = self._index
        if index is None or lo < index.lo_year or hi > index.hi_year:
            index = self._ensure(lo, hi)
        base, cum = index.base_ord, index.cum
        return int(cum[end.toordinal() - base] - cum[start.toordinal() - base])

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after start (n >= 1); start for n == 0; n < 0 counts backwards."""
        if n == 0:
            return start
        index = self._ensure(start.year, start.year)
        for _ in range(_MAX_EXTEND_YEARS):
            cum = index.cum
            i = start.toordinal() - index.base_ord
            if n > 0:
                target = int(cum[i]) + n
                if int(cum[-1]) >= target:
                    j = int(np.searchsorted(cum, target, side="left"))
                    return date.fromordinal(index.base_ord + j)
                index = self._ensure(index.lo_year, index.hi_year + 1)
            else:
                before = int(cum[i]) - int(index.flags[i])  # working days before start
                target = before + n + 1
                if target >= 1:
                    j = int(np.searchsorted(cum, target, side="left"))
                    return date.fromordinal(index.base_ord + j)
                index = self._ensure(index.lo_year - 1, index.hi_year)
        raise ValueError(f"{_MAX_EXTEND_YEARS} 年内找不到第 {n} 个工作日")

    def resolve_relative_deadline(self, text: str, start: date) -> date | None:
        """Deadline from "10个工作日内"/"十个工作日内" (working days), "30日内"/"30天内" (calendar)."""
        m = _RE_WORKDAYS.search(text)
        n = parse_int(m.group(1)) if m else None
        if n is not None:
            return self.add_working_days(start, n)
        m = _RE_CALENDAR_DAYS.search(text)
        n = parse_int(m.group(1)) if m else None
        if n is not None:
            return start + timedelta(days=n)
        return None

    # ----------------------------------------------------------- vectorised
    def index_array(self, start: date, end: date) -> tuple[date, np.ndarray]:
        """(start, cum) where cum[i] = working days in [start, start+i], for start..end inclusive.

        Working days in (a, b] are ``cum[b - start] - cum[a - start]``.
        """
        if end < start:
            raise ValueError("结束日期早于开始日期")
        index = self._ensure(start.year, end.year)
        i = start.toordinal() - index.base_ord
        j = end.toordinal() - index.base_ord
        cum = index.cum[i : j + 1] - (index.cum[i] - index.flags[i])
        return start, cum

    def cumulative_index(self, lo: date, hi: date) -> tuple[int, np.ndarray]:
        """(base_epoch_day, cum) covering at least lo..hi; cum is read-only, indexed by epoch day - base.

        Epoch days are polars ``pl.Date`` physical values (days since 1970-01-01).
        """
        index = self._ensure(min(lo.year, hi.year), max(lo.year, hi.year))
        return index.base_ord - _EPOCH_ORDINAL, index.cum

    def cum_at(self, days: pl.Series, base: int, cum: np.ndarray) -> pl.Series:
        """Gather cum values for a pl.Date series (nulls stay null); index must cover the dates."""
        idx = days.cast(pl.Int32).cast(pl.Int64) - base
        return pl.Series(days.name, cum).gather(idx)

    def working_days_between_many(
        self,
        starts: pl.Series | Sequence[date | None],
        ends: pl.Series | Sequence[date | None],
    ) -> pl.Series:
        """Vectorised ``working_days_between`` (Int64); a null on either side gives null."""
        s = _as_date_series(starts, "start")
        e = _as_date_series(ends, "end")
        if s.len() != e.len():
            raise ValueError("起止日期序列长度不一致")
        both = pl.concat([s, e]).drop_nulls()
        lo, hi = first_day(both), last_day(both)
        if lo is None or hi is None:
            return pl.Series("working_days", [None] * s.len(), dtype=pl.Int64)
        base, cum = self.cumulative_index(lo, hi)
        out = self.cum_at(e, base, cum) - self.cum_at(s, base, cum)
        return out.alias("working_days")


def _log_fallback(year: int) -> None:
    if year not in _fallback_logged:
        _fallback_logged.add(year)
        log.warning(
            "no official holiday data and no holiday table row for %d: "
            "working days fall back to Monday–Friday",
            year,
        )


def _as_date_series(values: pl.Series | Sequence[date | None], name: str) -> pl.Series:
    if isinstance(values, pl.Series):
        return values.cast(pl.Date) if values.dtype != pl.Date else values
    return pl.Series(name, list(values), dtype=pl.Date)
