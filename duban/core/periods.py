"""Calendar periods in words: the week (Monday–Sunday), month, quarter or year holding a day."""

import calendar
import datetime as dt

QUARTERS = "一二三四"


def period_bounds(kind: str, day: dt.date) -> tuple[dt.date, dt.date, str]:
    """The first day, last day and Chinese label of the week, month, quarter or year holding
    `day`: 2026年11月23日至11月29日, 2026年11月, 2026年第四季度, 2026年度."""
    y = day.year
    if kind == "week":
        start = day - dt.timedelta(days=day.weekday())
        end = start + dt.timedelta(days=6)
        tail = f"{end.year}年" if end.year != start.year else ""
        label = f"{start.year}年{start.month}月{start.day}日至{tail}{end.month}月{end.day}日"
        return start, end, label
    if kind == "month":
        last = calendar.monthrange(y, day.month)[1]
        return dt.date(y, day.month, 1), dt.date(y, day.month, last), f"{y}年{day.month}月"
    if kind == "quarter":
        q = (day.month - 1) // 3
        end_month = 3 * q + 3
        end = dt.date(y, end_month, calendar.monthrange(y, end_month)[1])
        return dt.date(y, 3 * q + 1, 1), end, f"{y}年第{QUARTERS[q]}季度"
    if kind == "year":
        return dt.date(y, 1, 1), dt.date(y, 12, 31), f"{y}年度"
    raise ValueError(f"unknown period kind {kind!r}")
