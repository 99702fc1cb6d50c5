"""Date expressions in Chinese plan text: deadlines, milestones, relative years."""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

_REL_YEAR = r"今年|本年|当年|明年|次年|下一年|年"
_YEAR = r"(?:(?P<y>(?:19|20)\d{2})\s*年\s*|(?P<rel>今年|本年|当年|明年|次年)\s*)"

DATE_RE = re.compile(
    # 2020-11-28 / 2020.11.28 / 2020/11/28
    r"(?P<iso>(?P<iy>(?:19|20)\d{2})[-./](?P<im>\d{1,2})[-./](?P<id>\d{1,2}))(?!\d)"
    # 2020年12月30日 / 12月30前 / 9月底 / 6月份 / 2月上旬
    r"|(?P<md>" + _YEAR + r"?(?<![\d.])(?P<m>\d{1,2})\s*月\s*"
    r"(?:(?:\d{1,2}\s*[-~至到]\s*)?(?P<d>\d{1,2})(?![\d个项件%.])\s*(?:日|号)?|"
    r"(?P<part>底|末|份|上旬|中旬|下旬|初|中))?)"
    # 2020年底 / 年底前 / 今年底 / 年内 / 2021年上半年 / 三季度
    r"|(?P<yp>(?:(?P<y2>(?:19|20)\d{2})\s*年|(?P<rel2>" + _REL_YEAR + r"))"
    r"\s*(?P<ypart>底|末|内|上半年|下半年|第?[一二三四1-4]季度?|全年))"
    r"|(?P<half>(?:(?P<y3>(?:19|20)\d{2})\s*年|(?P<rel3>今年|本年|明年|次年))?(?P<hp>上半年|下半年))"
    r"|(?P<q>(?:(?P<y4>(?:19|20)\d{2})\s*年|(?P<rel4>今年|本年|明年|次年))?第?(?P<qn>[一二三四1-4])季度?"
    r"(?=末|底|前|内|完成|结束|公布|,|;|:|。|\)|$))"
    r"|(?P<whole>全年)"
    # "2016 年 6 底前" (the 月 left out)
    r"|(?P<ymb>(?P<y6>(?:19|20)\d{2})\s*年\s*(?P<m6>\d{1,2})\s*(?:底|末))"
    # "到2020年,全市用水总量控制在…" / "2025年,力争…": the end of that year
    r"|(?P<yo>(?<=[到至])(?P<y7>(?:19|20)\d{2})\s*年(?![\d底末内上下第全前]|\s*\d))"
    r"|(?P<yc>(?<![\d年])(?P<y8>(?:19|20)\d{2})\s*年(?=\s*,))"
)

ONGOING_RE = re.compile(r"长期坚持|长期推进|持续推进|长期|常态化|持续开展|持续实施|长效")

# A policy's period of validity is not a deadline: "实施期限至2021年12月31日", "有效期至…",
# "政策实施至…", "2021年5月1日至2022年4月30日实施阶段性…政策", "执行到…"
_POLICY_BEFORE_RE = re.compile(
    r"(?:实施|执行|施行|有效|延续|延长|适用|暂行)(?:期限|期间|期)?(?:为|截)?\s*(?:至|到)\s*$|"
    r"有效期(?:为|至|到)?\s*$"
)
_POLICY_AFTER_RE = re.compile(r"\s*(?:前|止|以前)?\s*[,]?\s*(?:实施|执行|施行|有效|适用)")
_RECURRING_RE = re.compile(r"(每[年月周季日天]?|去年?|上年)\s*$")
_START_AFTER_RE = re.compile(r"\s*(?:起|开始|以来|以后|之后|后)")
_RANGE_RE = re.compile(r"^\s*(?:-|~|至|到|—)\s*$")
_QN = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


@dataclass
class DateHit:
    start: int
    end: int
    date: datetime.date | None  # None when the year is unknown
    needs_year: bool
    range_start: bool = False


def _month_end(y: int, m: int) -> datetime.date:
    return datetime.date(y, m, calendar.monthrange(y, m)[1])


def _rel_year(rel: str | None, plan_year: int | None) -> tuple[int | None, bool]:
    """(year, had_explicit_marker)."""
    if rel is None or rel in ("年",):
        return plan_year, False
    if plan_year is None:
        return None, True
    if rel in ("明年", "次年", "下一年"):
        return plan_year + 1, True
    return plan_year, True


def _safe_date(y: int | None, m: int, d: int | None) -> datetime.date | None:
    if y is None or not 1 <= m <= 12:
        return None
    try:
        if d is None:
            return _month_end(y, m)
        return datetime.date(y, m, d)
    except ValueError:
        return None


def find_dates(text: str, plan_year: int | None) -> list[DateHit]:
    """All date expressions in normalised text, in order."""
    hits: list[DateHit] = []
    last_year: int | None = None
    last_end = -10
    for m in DATE_RE.finditer(text):
        before = text[max(0, m.start() - 3) : m.start()]
        if _RECURRING_RE.search(before) and not m.group("y") and not m.group("y2"):
            continue
        if _START_AFTER_RE.match(text, m.end()) or before.endswith(("截至", "截至到", "自", "从")):
            continue  # a start or status date (…起施行, 截至…), not a deadline
        if _POLICY_BEFORE_RE.search(text[max(0, m.start() - 10) : m.start()]):
            continue  # the period a policy runs, not a deadline
        gap0 = text[last_end : m.start()] if last_end >= 0 else ""
        if _RANGE_RE.match(gap0) and _POLICY_AFTER_RE.match(text, m.end()) and hits:
            hits.pop()  # "2021年5月1日至2022年4月30日实施…": the period of a policy
            last_end = m.end()
            continue
        gap = text[last_end : m.start()] if last_end >= 0 else ""
        in_range = last_year is not None and _RANGE_RE.match(gap) is not None
        # without the plan's year, "2017年6月底前…、9月底前…" reads 9月 in the year just written
        read = _read(
            m,
            text,
            plan_year if plan_year is not None else last_year,
            range_year=last_year if in_range else None,
        )
        if read is None:
            continue
        date, explicit_year, needs_year = read
        if date is None and not needs_year:
            continue
        if in_range and hits:
            hits[-1].range_start = True
        hits.append(DateHit(m.start(), m.end(), date, needs_year))
        if explicit_year is not None:
            last_year = explicit_year
        elif date is not None:
            last_year = date.year
        last_end = m.end()
    return hits


# (date or None when the year is unknown, the year written out if any, needs a year)
_Read = tuple[datetime.date | None, int | None, bool]


def _read(
    m: re.Match[str], text: str, plan_year: int | None, *, range_year: int | None
) -> _Read | None:
    """One match of DATE_RE read as a date; None when it is not one after all.

    `range_year` is the year of the date before when this one ends a range ("3月至6月").
    """
    if m.group("iso"):
        iso_year = int(m.group("iy"))
        return _safe_date(iso_year, int(m.group("im")), int(m.group("id"))), iso_year, False
    if m.group("md"):
        return _month_day(m, plan_year, range_year)
    if m.group("yp"):
        return _year_part(m, text, plan_year)
    if m.group("half"):
        year, explicit, needs_year = _year_of(m.group("y3"), m.group("rel3"), plan_year)
        return _safe_date(year, 6 if m.group("hp") == "上半年" else 12, None), explicit, needs_year
    if m.group("q"):
        year, explicit, needs_year = _year_of(m.group("y4"), m.group("rel4"), plan_year)
        return _safe_date(year, _QN[m.group("qn")] * 3, None), explicit, needs_year
    if m.group("whole"):
        return _safe_date(plan_year, 12, 31), None, plan_year is None
    if m.group("ymb"):
        year = int(m.group("y6"))
        return _safe_date(year, int(m.group("m6")), None), year, False
    if m.group("yo") or m.group("yc"):
        year = int(m.group("y7") or m.group("y8"))
        return _safe_date(year, 12, 31), year, False
    return None


def _year_of(
    written: str | None, rel: str | None, plan_year: int | None
) -> tuple[int | None, int | None, bool]:
    """(year, the year written out if any, needs a year) from "2021年" or "明年"/"今年"/none."""
    if written:
        return int(written), int(written), False
    year, _ = _rel_year(rel, plan_year)
    return year, None, year is None


def _month_day(m: re.Match[str], plan_year: int | None, range_year: int | None) -> _Read | None:
    """12月30日 / 9月底 / 6月份 / 2月上旬, with or without a year."""
    month = int(m.group("m"))
    if not 1 <= month <= 12:
        return None
    if m.group("y") or m.group("rel"):
        year, explicit, needs_year = _year_of(m.group("y"), m.group("rel"), plan_year)
    elif range_year is not None:
        year, explicit, needs_year = range_year, None, False
    else:
        year, explicit, needs_year = plan_year, None, plan_year is None
    day: int | None = None
    if m.group("d"):
        day = int(m.group("d"))
    elif m.group("part") in ("上旬", "初"):
        day = 10
    elif m.group("part") in ("中旬", "中"):
        day = 20
    return _safe_date(year, month, day), explicit, needs_year


def _year_part(m: re.Match[str], text: str, plan_year: int | None) -> _Read | None:
    """2020年底 / 年底前 / 今年底 / 年内 / 2021年上半年 / 三季度 / 全年."""
    rel = m.group("rel2")
    if (
        not m.group("y2")
        and rel == "年"
        and re.match(
            r"[每去前上\d一二两三四五六七八九十几多半百]",
            text[max(0, m.start() - 1) : m.start()] or "x",
        )
    ):
        return None  # 每年底, 三年内, 2年内: not a date
    year, explicit, needs_year = _year_of(m.group("y2"), rel, plan_year)
    part = m.group("ypart")
    if part in ("底", "末", "内", "下半年", "全年"):
        date = _safe_date(year, 12, 31)
    elif part == "上半年":
        date = _safe_date(year, 6, None)
    else:
        q = _QN.get(part.strip("第季度"), 4)
        date = _safe_date(year, q * 3, None)
    return date, explicit, needs_year


_ISSUE_RE = re.compile(
    r"^\s*(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日\s*$"
)
_ISO_LINE_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-./年]\s*(?P<m>\d{1,2})\s*[-./月]\s*(?P<d>\d{1,2})"
)


def parse_full_date(text: str, *, whole: bool = True) -> datetime.date | None:
    """A complete Y-M-D date (whole line when whole=True)."""
    m = _ISSUE_RE.match(text) if whole else _ISO_LINE_RE.search(text)
    if not m:
        return None
    try:
        return datetime.date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    except ValueError:
        return None
