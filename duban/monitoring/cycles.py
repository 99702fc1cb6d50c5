"""报送频次: reporting cycles, their due dates on working days, and who missed one (未按期报送).

A cycle is stored as a short code (Task.report_cycle, Plan.report_cycle as the plan's
default): "weekly:5" (ISO weekday, 1 = Monday), "monthly:10" (day of the month; 31 = the
month's last day), "quarterly:1:10" (month of the quarter, 1–3, and its day: Jan/Apr/Jul/Oct
10th), or "none". `parse` also reads the words plans use ("每周五", "每月10日前", "每月底",
"每季度末", "每季度首月10日前", "不定期").

Due dates follow the working-day calendar: a due date falling on a holiday or weekend moves
to the next working day. For each unit assigned to a task with a cycle, the windows are the
spans between consecutive due dates; a report (any report by the unit on the task, corrected
ones included) fills the window it falls in (d_{k-1}, d_k]. A window whose due date has passed
(before today) with no report is missed: 未按期报送. The first due date counted is at least
GRACE_WORKDAYS working days after the unit was assigned, and none is counted after the task
was submitted for sign-off or completed; draft, suspended and cancelled tasks owe nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from calendar import monthrange
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import polars as pl
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from duban.core.errors import ValidationFailed
from duban.core.numerals import parse_int
from duban.monitoring.frames import RawFrames
from duban.monitoring.workdays import WorkCalendar
from models import Assignment, Plan, ProgressReport, Task

__all__ = [
    "NONE",
    "Cycle",
    "CycleFacts",
    "compliance",
    "due_dates",
    "evaluate",
    "label",
    "missed_dues",
    "of",
    "parse",
    "unit_frames",
]

GRACE_WORKDAYS = 2  # a unit assigned on Thursday owes nothing on Friday
_LOOKAHEAD_DAYS = 200  # how far ahead next_due looks (covers a quarter and its holidays)
_OWING = ("assigned", "acknowledged", "in_progress", "submitted", "completed")
KINDS = ("none", "weekly", "monthly", "quarterly")


@dataclass(frozen=True)
class Cycle:
    kind: str = "none"  # none | weekly | monthly | quarterly
    day: int = 0  # ISO weekday (weekly) or day of the month (monthly, quarterly; 31 = last)
    month: int = 0  # quarterly: the month of the quarter (1–3)

    @property
    def code(self) -> str:
        if self.kind == "none":
            return "none"
        if self.kind == "quarterly":
            return f"quarterly:{self.month}:{self.day}"
        return f"{self.kind}:{self.day}"

    def __bool__(self) -> bool:
        return self.kind != "none"


NONE = Cycle()

_WEEKDAYS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7, "末": 5}
_NUM = r"([0-9０-９]{1,2}|[一二三四五六七八九十廿]{1,3})"
_RE_CODE = re.compile(r"^(none|weekly:[1-7]|monthly:\d{1,2}|quarterly:[1-3]:\d{1,2})$")
_RE_NONE = re.compile(r"^(无|不定期|不需(?:定期)?报送|不报送|按需|none|-|—)$")
_RE_WEEK = re.compile(
    r"^(?:每(?:个)?周|每星期|每礼拜|周|星期)(?:星期|周|礼拜)?([一二三四五六日天末1-7１-７])?"
)
_RE_MONTH = re.compile(
    r"^每(?:个)?月(?:的)?(?:" + _NUM + r"\s*[日号]|(底|末|月底|月末)|(上旬)|(中旬)|(下旬))?"
)
_RE_QUARTER = re.compile(
    r"^每(?:个)?季(?:度)?(?:(首月|第一个月|初|第二个月|末月|最后一个月|第三个月)(?:的)?"
    r"(?:" + _NUM + r"\s*[日号]|(底|末))?|" + _NUM + r"\s*[日号]|(末|底|结束后))?"
)
_RE_AFTER_QUARTER = re.compile(
    r"^每(?:个)?季(?:度)?(?:结束|末)后\s*" + _NUM + r"\s*(?:日|天|个工作日)"
)


def _bad(text: str) -> ValidationFailed:
    return ValidationFailed(
        f"无法识别报送频次“{text}”。可填写：每周五、每月10日前、每月底、每季度末、"
        "每季度首月10日前、不定期。"
    )


_RE_LEFTOVER_NUMBER = re.compile(r"^[0-9０-９零〇一二两三四五六七八九十廿百日天号]")


def _whole(m: re.Match[str], text: str) -> re.Match[str]:
    """The match, unless what follows it is a number the grammar did not read (每周八)."""
    if _RE_LEFTOVER_NUMBER.match(text[m.end() :]):
        raise _bad(text)
    return m


def _day(raw: str, text: str) -> int:
    n = parse_int(raw)
    if n is None or not 1 <= n <= 31:
        raise _bad(text)
    return n


@lru_cache(maxsize=512)
def parse(value: str | None) -> Cycle:
    """The cycle a code or a plan's wording names (ValidationFailed with the accepted forms)."""
    text = re.sub(r"\s+", "", (value or "").strip()).replace("（", "(").replace("）", ")")
    if not text or _RE_NONE.match(text.lower() if text.isascii() else text):
        return NONE
    if _RE_CODE.match(text):
        parts = text.split(":")
        if parts[0] == "none":
            return NONE
        if parts[0] == "quarterly":
            return Cycle("quarterly", day=_day(parts[2], text), month=int(parts[1]))
        day = int(parts[1])
        if parts[0] == "monthly":
            day = _day(parts[1], text)
        return Cycle(parts[0], day=day)
    if m := _RE_AFTER_QUARTER.match(text):
        _whole(m, text)
        return Cycle("quarterly", day=_day(m.group(1), text), month=1)
    if m := _RE_QUARTER.match(text):
        _whole(m, text)
        which, num, month_end, bare_num, end = m.groups()
        num = num or bare_num
        # a bare day ("每季度10日前") reads as the quarter's first month: the report on the
        # quarter just ended, the common rule
        if (
            which in ("末月", "最后一个月", "第三个月")
            or end in ("末", "底")
            or not (which or end or bare_num)
        ):
            month = 3  # "每季度" alone: by the quarter's end
        elif which == "第二个月":
            month = 2
        else:  # 首月 / 第一个月 / 初 / 结束后
            month = 1
        if num:
            day = _day(num, text)
        elif month_end or month == 3:
            day = 31
        else:
            day = 10  # 每季度初 / 首月: by the 10th, the usual rule
        return Cycle("quarterly", day=day, month=month)
    if m := _RE_MONTH.match(text):
        _whole(m, text)
        num, end, early, mid, late = m.groups()
        if num:
            return Cycle("monthly", day=_day(num, text))
        if early:
            return Cycle("monthly", day=10)
        if mid:
            return Cycle("monthly", day=20)
        return Cycle("monthly", day=31)  # 每月底 / 每月 / 下旬
    if m := _RE_WEEK.match(text):
        _whole(m, text)
        if text in ("周", "星期"):
            raise _bad(text)
        raw = m.group(1)
        if raw is None:
            return Cycle("weekly", day=5)  # "每周" alone: Friday, the usual 周报 day
        wd = _WEEKDAYS.get(raw) or parse_int(raw)
        if not wd or not 1 <= wd <= 7:
            raise _bad(text)
        return Cycle("weekly", day=wd)
    raise _bad(text)


def of(task_cycle: str | None, plan_cycle: str | None) -> Cycle:
    """A task's effective cycle: its own, else its plan's; a stored code that no longer
    parses counts as none (it was validated when written)."""
    for code in (task_cycle, plan_cycle):
        if code:
            try:
                return parse(code)
            except ValidationFailed:
                return NONE
    return NONE


_ZH_WEEK = "一二三四五六日"
_EN_WEEK = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ZH_QMONTH = {1: "首月", 2: "第二个月", 3: "末月"}
_EN_QMONTH = {1: "first", 2: "second", 3: "last"}


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def label(cycle: Cycle, lang: str = "zh") -> str:
    """The cycle in words: 每周五 / 每月10日前 / 每月底 / 每季度首月10日前 / 每季度末 / 不定期."""
    en = lang == "en"
    if cycle.kind == "weekly":
        return f"Weekly, {_EN_WEEK[cycle.day - 1]}" if en else f"每周{_ZH_WEEK[cycle.day - 1]}"
    if cycle.kind == "monthly":
        if cycle.day >= 31:
            return "Monthly, by month-end" if en else "每月底"
        return f"Monthly, by the {_ordinal(cycle.day)}" if en else f"每月{cycle.day}日前"
    if cycle.kind == "quarterly":
        if cycle.month == 3 and cycle.day >= 31:
            return "Quarterly, by quarter-end" if en else "每季度末"
        if en:
            when = "month-end" if cycle.day >= 31 else f"the {_ordinal(cycle.day)}"
            return f"Quarterly, by {when} of the quarter's {_EN_QMONTH[cycle.month]} month"
        when = "底" if cycle.day >= 31 else f"{cycle.day}日前"
        return f"每季度{_ZH_QMONTH[cycle.month]}{when}"
    return "None" if en else "不定期"


def _nominal(cycle: Cycle, lo: dt.date, hi: dt.date) -> list[dt.date]:
    """The cycle's calendar dates in [lo, hi], before moving off holidays."""
    out: list[dt.date] = []
    if cycle.kind == "weekly":
        d = lo + dt.timedelta(days=(cycle.day - lo.isoweekday()) % 7)
        while d <= hi:
            out.append(d)
            d += dt.timedelta(days=7)
        return out
    months = range(1, 13)
    if cycle.kind == "quarterly":
        months = range(cycle.month, 13, 3)
    elif cycle.kind != "monthly":
        return out
    for year in range(lo.year, hi.year + 1):
        for month in months:
            d = dt.date(year, month, min(cycle.day, monthrange(year, month)[1]))
            if lo <= d <= hi:
                out.append(d)
    return out


def due_dates(cycle: Cycle, lo: dt.date, hi: dt.date, cal: WorkCalendar) -> list[dt.date]:
    """The cycle's due dates in [lo, hi], each moved to the next working day when it falls
    on a holiday or weekend (a nominal date just before lo may move into the range)."""
    out: list[dt.date] = []
    for d in _nominal(cycle, lo - dt.timedelta(days=20), hi):
        while not cal.is_workday(d):
            d += dt.timedelta(days=1)
        if lo <= d <= hi and (not out or d > out[-1]):
            out.append(d)
    return out


# ------------------------------------------------------------------ who owes what
_PAIR_SCHEMA = {
    "task_id": pl.Int64,
    "department_id": pl.Int64,
    "cycle": pl.String,
    "dues": pl.Int64,
    "missed": pl.Int64,
    "last_due": pl.Date,
    "missed_since": pl.Date,
    "missed_run": pl.Int64,
    "next_due": pl.Date,
    "last_report": pl.Date,
}
_MISS_SCHEMA = {
    "task_id": pl.Int64,
    "department_id": pl.Int64,
    "due": pl.Date,
    "reported_on": pl.Date,
}
_EPOCH = dt.date(1970, 1, 1)


def _epoch(d: dt.date) -> int:
    return (d - _EPOCH).days


def _owing(raw: RawFrames, today: dt.date) -> pl.DataFrame:
    """One row per (task, unit) owing reports: its cycle code, the first day it owes from
    (assignment day) and the last day a due date can count (yesterday, or the day the task
    was submitted / completed)."""
    plans = raw.plans.select("plan_id", pl.col("report_cycle").alias("plan_cycle"))
    tasks = (
        raw.tasks.filter(pl.col("status").is_in(_OWING))
        .join(plans, on="plan_id", how="left")
        .with_columns(
            pl.when(pl.col("report_cycle") != "")
            .then(pl.col("report_cycle"))
            .otherwise(pl.col("plan_cycle").fill_null(""))
            .alias("cycle")
        )
        .filter((pl.col("cycle") != "") & (pl.col("cycle") != "none"))
    )
    if tasks.is_empty():
        return pl.DataFrame(
            schema={
                "assignment_id": pl.Int64,
                "task_id": pl.Int64,
                "department_id": pl.Int64,
                "cycle": pl.String,
                "start": pl.Date,
                "stop": pl.Date,
                "open": pl.Boolean,
            }
        )
    yesterday = today - dt.timedelta(days=1)
    stop = pl.min_horizontal(
        pl.lit(yesterday),
        pl.coalesce(
            pl.min_horizontal("submitted_on", "completed_on"), pl.lit(dt.date(9999, 12, 31))
        ),
    )
    return (
        raw.assignments.join(
            tasks.select(
                "task_id", "cycle", "status", "assigned_on", "submitted_on", "completed_on"
            ),
            on="task_id",
        )
        .with_columns(
            pl.coalesce("assigned_on", "assigned_on_right").alias("start"),
            stop.alias("stop"),
            pl.col("status").is_in(["assigned", "acknowledged", "in_progress"]).alias("open"),
        )
        .filter(pl.col("start").is_not_null())
        .select("assignment_id", "task_id", "department_id", "cycle", "start", "stop", "open")
    )


@dataclass(frozen=True)
class _Windows:
    """One cycle's arrays: its due dates (epoch days), and per (task, unit) row of `group`
    the first and last counted window (k0, k1) and the windows its reports filled."""

    group: pl.DataFrame
    dues: np.ndarray
    k0: np.ndarray
    k1: np.ndarray
    r_pair: np.ndarray  # each report's row in `group`, sorted by (row, day)
    r_day: np.ndarray
    filled: np.ndarray  # sorted unique keys row * stride + window of the filled windows

    @property
    def stride(self) -> int:
        return len(self.dues) + 1


class CycleFacts:
    """pairs: one row per (task, unit) owing reports (see `compliance`); misses: every
    missed window (see `missed_dues`), computed only when asked for."""

    def __init__(self, raw: RawFrames, today: dt.date, cal: WorkCalendar):
        owing = _owing(raw, today)
        self._windows: list[_Windows] = []
        if owing.is_empty():
            self.pairs = pl.DataFrame(schema=_PAIR_SCHEMA)
            return
        days = raw.report_days.filter(
            pl.col("assignment_id").is_in(owing["assignment_id"].implode())
            & pl.col("reported_on").is_not_null()
        )
        parts = []
        for (code,), group in owing.group_by(["cycle"], maintain_order=True):
            w = _windows(of(str(code), None), group, days, today, cal)
            self._windows.append(w)
            parts.append(_pairs(w, of(str(code), None), today))
        self.pairs = pl.concat(parts).sort(["task_id", "department_id"])

    @cached_property
    def misses(self) -> pl.DataFrame:
        parts = [_misses(w) for w in self._windows]
        if not parts:
            return pl.DataFrame(schema=_MISS_SCHEMA)
        return pl.concat(parts).sort(["task_id", "department_id", "due"])


def evaluate(raw: RawFrames, today: dt.date, cal: WorkCalendar) -> CycleFacts:
    """The cycle facts of every (task, unit) (`.pairs`; `.misses` on demand)."""
    return CycleFacts(raw, today, cal)


def _days(values: pl.Series) -> np.ndarray:
    return values.cast(pl.Int32).to_numpy().astype(np.int64)


def _as_dates(epoch_days: np.ndarray, valid: np.ndarray) -> pl.Series:
    """Epoch days as a Date series, NULL where not `valid`."""
    out = pl.Series(np.where(valid, epoch_days, 0).astype(np.int32)).cast(pl.Date)
    return pl.select(pl.when(pl.Series(valid)).then(out).otherwise(None)).to_series()


def _windows(
    cycle: Cycle, group: pl.DataFrame, days: pl.DataFrame, today: dt.date, cal: WorkCalendar
) -> _Windows:
    """The cycle's due dates over the whole span (computed once), each row's counted
    windows, and the windows its reports filled — numpy over all rows at once."""
    lo = group["start"].min()
    assert isinstance(lo, dt.date)
    hi = today + dt.timedelta(days=_LOOKAHEAD_DAYS)
    dues = np.array([_epoch(d) for d in due_dates(cycle, lo, hi, cal)], dtype=np.int64)
    start, stop = _days(group["start"]), _days(group["stop"])
    # the first counted due: at least GRACE_WORKDAYS working days after the start
    grace = {
        d: _epoch(cal.add_working_days(d, GRACE_WORKDAYS))
        for d in group["start"].unique().to_list()
    }
    first = np.array([grace[d] for d in group["start"].to_list()], dtype=np.int64)
    k0 = np.searchsorted(dues, first, side="left")
    k1 = np.searchsorted(dues, stop, side="right") - 1  # the last due on or before stop
    rep = days.join(group.select("assignment_id").with_row_index("pair"), on="assignment_id")
    r_pair = rep["pair"].to_numpy().astype(np.int64)
    r_day = _days(rep["reported_on"])
    keep = r_day >= start[r_pair]
    r_pair, r_day = r_pair[keep], r_day[keep]
    order = np.lexsort((r_day, r_pair))
    r_pair, r_day = r_pair[order], r_day[order]
    # a report on day r fills the window (d_{k-1}, d_k] it falls in, or the first counted one
    w = np.maximum(np.searchsorted(dues, r_day, side="left"), k0[r_pair])
    inside = w <= k1[r_pair]
    filled = np.unique(r_pair[inside] * (len(dues) + 1) + w[inside])
    return _Windows(group, dues, k0, k1, r_pair, r_day, filled)


def _pairs(win: _Windows, cycle: Cycle, today: dt.date) -> pl.DataFrame:
    group, dues, k0, k1 = win.group, win.dues, win.k0, win.k1
    n, last = group.height, max(len(dues) - 1, 0)
    counted = np.maximum(k1 - k0 + 1, 0)
    filled = np.bincount(win.filled // win.stride, minlength=n)[:n]
    # the last window any report reached (late reports reach past k1), per row
    last_w = np.full(n, -1, dtype=np.int64)
    np.maximum.at(
        last_w,
        win.r_pair,
        np.maximum(np.searchsorted(dues, win.r_day, side="left"), k0[win.r_pair]),
    )
    last_day = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_day, win.r_pair, win.r_day)
    run_from = np.maximum(last_w + 1, k0)
    run = np.where(counted > 0, np.maximum(k1 - run_from + 1, 0), 0)
    nxt = int(np.searchsorted(dues, _epoch(today), side="left"))
    has_next = group["open"].to_numpy() & (nxt < len(dues))
    return pl.DataFrame(
        {
            "task_id": group["task_id"],
            "department_id": group["department_id"],
            "cycle": [cycle.code] * n,
            "dues": counted,
            "missed": counted - filled,
            "last_due": _as_dates(dues[np.clip(k1, 0, last)], counted > 0),
            "missed_since": _as_dates(dues[np.clip(run_from, 0, last)], run > 0),
            "missed_run": run,
            "next_due": _as_dates(np.full(n, dues[min(nxt, last)] if len(dues) else 0), has_next),
            "last_report": _as_dates(last_day, last_day >= 0),
        },
        schema=_PAIR_SCHEMA,
    )


def _misses(win: _Windows) -> pl.DataFrame:
    """Every missed window, with the first report after its due date (a late answer)."""
    counted = np.maximum(win.k1 - win.k0 + 1, 0)
    total = int(counted.sum())
    if total == 0:
        return pl.DataFrame(schema=_MISS_SCHEMA)
    owner = np.repeat(np.arange(win.group.height), counted)
    k = (
        np.repeat(win.k0, counted)
        + np.arange(total)
        - np.repeat(np.cumsum(counted) - counted, counted)
    )
    missed = ~np.isin(owner * win.stride + k, win.filled)
    owner, k = owner[missed], k[missed]
    due = win.dues[k]
    # the first report of the same row after the due date: one search over (row, day) keys
    big = np.int64(1 << 24)
    reports = win.r_pair * big + win.r_day
    j = np.searchsorted(reports, owner * big + due, side="right")
    found = j < len(reports)
    found[found] = win.r_pair[j[found]] == owner[found]
    after = np.where(
        found, win.r_day[np.minimum(j, max(len(reports) - 1, 0))] if len(reports) else 0, 0
    )
    return pl.DataFrame(
        {
            "task_id": win.group["task_id"].to_numpy()[owner],
            "department_id": win.group["department_id"].to_numpy()[owner],
            "due": _as_dates(due, np.ones(len(due), dtype=bool)),
            "reported_on": _as_dates(after, found),
        },
        schema=_MISS_SCHEMA,
    )


def compliance(raw: RawFrames, today: dt.date, cal: WorkCalendar) -> pl.DataFrame:
    """One row per (task, unit) owing reports on a cycle:

    cycle (code), dues (due dates passed and counted), missed (of those, windows with no
    report), last_due, missed_since (the first due of the current unanswered run, NULL when
    the unit has reported since its last due: this is 未按期报送 now), missed_run (how many
    dues in that run), next_due (the first due date on or after today, for open tasks),
    last_report."""
    return evaluate(raw, today, cal).pairs


def missed_dues(
    raw: RawFrames,
    today: dt.date,
    cal: WorkCalendar,
    *,
    lo: dt.date | None = None,
    hi: dt.date | None = None,
) -> pl.DataFrame:
    """Every missed window (task_id, department_id, due, reported_on: the first report after
    the due date, NULL if none yet), optionally only those due in [lo, hi]."""
    misses = evaluate(raw, today, cal).misses
    if lo is not None:
        misses = misses.filter(pl.col("due") >= lo)
    if hi is not None:
        misses = misses.filter(pl.col("due") <= hi)
    return misses


def unit_frames(session: Session, department_id: int) -> RawFrames:
    """The frames `evaluate` reads, for one unit's assignments only (a unit's own to-do
    after each of its writes: a few hundred rows instead of the whole register)."""
    rows = session.execute(
        sa_select(
            *(
                col(c)
                for c in (
                    Assignment.id,
                    Assignment.task_id,
                    Assignment.assigned_at,
                    Task.plan_id,
                    Task.status,
                    Task.assigned_at,
                    Task.submitted_at,
                    Task.completed_at,
                    Task.report_cycle,
                    Plan.report_cycle,
                )
            )
        )
        .join(Task, col(Task.id) == Assignment.task_id)
        .join(Plan, col(Plan.id) == Task.plan_id)
        .where(col(Assignment.department_id) == department_id, col(Plan.importing_at).is_(None))
    ).all()
    ids = [r[0] for r in rows]
    days = (
        session.exec(
            select(ProgressReport.assignment_id, ProgressReport.reported_at).where(
                col(ProgressReport.assignment_id).in_(ids)
            )
        ).all()
        if ids
        else []
    )

    def day(v: dt.datetime | None) -> dt.date | None:
        return v.date() if v is not None else None

    empty = pl.DataFrame()
    return RawFrames(
        tasks=pl.DataFrame(
            {
                "task_id": [r[1] for r in rows],
                "plan_id": [r[3] for r in rows],
                "status": [str(getattr(r[4], "value", r[4])) for r in rows],
                "assigned_on": [day(r[5]) for r in rows],
                "submitted_on": [day(r[6]) for r in rows],
                "completed_on": [day(r[7]) for r in rows],
                "report_cycle": [r[8] or "" for r in rows],
            },
            schema={
                "task_id": pl.Int64,
                "plan_id": pl.Int64,
                "status": pl.String,
                "assigned_on": pl.Date,
                "submitted_on": pl.Date,
                "completed_on": pl.Date,
                "report_cycle": pl.String,
            },
        ).unique("task_id"),
        assignments=pl.DataFrame(
            {
                "assignment_id": ids,
                "task_id": [r[1] for r in rows],
                "department_id": [department_id] * len(rows),
                "assigned_on": [day(r[2]) for r in rows],
            },
            schema={
                "assignment_id": pl.Int64,
                "task_id": pl.Int64,
                "department_id": pl.Int64,
                "assigned_on": pl.Date,
            },
        ),
        reports=empty,
        report_days=pl.DataFrame(
            {"assignment_id": [a for a, _ in days], "reported_on": [day(d) for _, d in days]},
            schema={"assignment_id": pl.Int64, "reported_on": pl.Date},
        ).unique(),
        departments=empty,
        extensions=empty,
        urgings=empty,
        findings=empty,
        milestones=empty,
        targets=empty,
        readings=empty,
        plans=pl.DataFrame(
            {
                "plan_id": sorted({r[3] for r in rows}),
                "report_cycle": [
                    next(r[9] for r in rows if r[3] == p) or ""
                    for p in sorted({r[3] for r in rows})
                ],
            },
            schema={"plan_id": pl.Int64, "report_cycle": pl.String},
        ),
    )
