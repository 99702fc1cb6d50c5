"""The assessment's Chinese texts in the UI language: period names, statuses and score lines.

Scoring writes its lines in Chinese and the period keeps its Chinese label: they go into the
bulletin, the Excel scorecard and the appeal record as they are. The English UI shows them
through this module; what a person typed inside them (a task's code and title, a notice's
number and title, a finding's description) passes through unchanged.
"""

import datetime as dt
import functools
import re

from duban.core import periods
from duban.i18n import t


def period_name(label: str, kind: str, start: dt.date | None, lang: str = "zh") -> str:
    """A period's name in `lang`: the stored label in Chinese; in English, a name made from
    the dates ("November 2026", "Q4 2026") when the label is the one the system made for
    them, else the label as the office wrote it."""
    if lang == "zh" or start is None:
        return label
    try:
        first, last, made = periods.period_bounds(kind, start)
    except ValueError:  # a kind the calendar does not know: the label is all there is
        return label
    if made != label or first != start:
        return label
    if kind == "week":
        return t("asm.label.week", lang, start=first, end=last)
    if kind == "month":
        month = t(f"month.{start.month}", lang)
        return t("asm.label.month", lang, y=start.year, m=start.month, month=month)
    if kind == "quarter":
        return t("asm.label.quarter", lang, y=start.year, q=(start.month - 1) // 3 + 1)
    return t("asm.label.year", lang, y=start.year)


# ---------------------------------------------------------------- score lines
# Words scoring puts into a line, and their catalog keys.
CATEGORIES = {
    "按期完成": "asm.cat.on_time",
    "任务逾期": "asm.cat.overdue",
    "催办通知": "asm.cat.urging",
    "通报表扬": "asm.cat.commendation",
    "批示未按时答复": "asm.cat.instruction",
    "督查结果": "asm.cat.inspection",
    "整改逾期": "asm.cat.rectification",
    "未按期报送": "cyw.asm.cat",
}
_WORDS = {
    "牵头": "asm.role.lead",
    "责任": "asm.role.responsible",
    "蓝色": "asm.level.blue",
    "黄色": "asm.level.yellow",
    "红色": "asm.level.red",
    "好": "asm.result.good",
    "较好": "asm.result.fairly_good",
    "一般": "asm.result.average",
    "差": "asm.result.poor",
}
_DAY = r"\d{4}-\d\d-\d\d"
_NUM = r"-?\d+(?:\.\d+)?"
# The pieces of a line's detail as scoring writes them (named groups: what it filled in), and
# their catalog keys. A rectification's detail ends in the finding's own words after "：";
# that tail is cut off first and kept as written.
DETAIL_PATTERNS: list[tuple[str, str]] = [
    (rf"(?P<day>{_DAY}) 完成（时限 (?P<deadline>{_DAY})），", "asm.line.finished_by"),
    (
        rf"时限 (?P<deadline>{_DAY})，本期逾期 (?P<n>\d+) 个工作日 × (?P<per>{_NUM})",
        "asm.line.overdue",
    ),
    (rf"，封顶 (?P<cap>{_NUM})", "asm.line.cap"),
    (rf"(?P<role>牵头|责任)×(?P<w>{_NUM})", "asm.line.role"),
    (rf"（(?P<day>{_DAY}) 完成）", "asm.line.finished"),
    (rf"（截至 (?P<day>{_DAY}) 未完成）", "asm.line.unfinished"),
    (rf"(?P<level>蓝色|黄色|红色)催办，(?P<day>{_DAY}) 签发", "asm.line.urging"),
    (rf"(?P<day>{_DAY}) 通报表扬", "asm.line.commended"),
    (rf"(?P<day>{_DAY}) 批示，应于 (?P<due>{_DAY}) 前答复，", "asm.line.instruction"),
    (rf"(?P<day>{_DAY}) 才答复", "asm.line.answered_late"),
    (r"至今未答复", "asm.line.unanswered"),
    (rf"(?P<day>{_DAY}) 督查，结果“(?P<result>好|较好|一般|差)”", "asm.line.inspected"),
    (rf"整改期限 (?P<day>{_DAY})，", "asm.line.rectification"),
    (rf"应于 (?P<due>{_DAY}) 前报送，", "cyw.asm.line.due"),
    (rf"(?P<day>{_DAY}) 才报送", "cyw.asm.line.reported_late"),
    (r"至今未报送", "cyw.asm.line.not_reported"),
    (r"，", "asm.line.comma"),
]


def _fill(key: str, lang: str, match: re.Match[str]) -> str:
    values = {k: t(_WORDS[v], lang) if v in _WORDS else v for k, v in match.groupdict().items()}
    return t(key, lang, **values)


def category_text(category: str, lang: str = "zh") -> str:
    """A line's category ("任务逾期") in `lang`."""
    key = CATEGORIES.get(category)
    return t(key, lang) if key and lang != "zh" else category


# A 督办事项来源 weight other than 1 closes the detail (scoring.category_text); the name is the
# office's own text, kept as written (it may hold "：" or "，" itself).
_CATEGORY_WEIGHT = re.compile(rf"，事项来源“(?P<name>.*)”×(?P<w>{_NUM})\Z", re.S)


def detail_text(detail: str, lang: str = "zh") -> str:
    """A line's detail ("时限 2026-11-02，本期逾期 3 个工作日 × 0.5，牵头×1…") in `lang`."""
    if lang == "zh" or not detail:
        return detail
    weighted = _CATEGORY_WEIGHT.search(detail)
    suffix = ""
    if weighted:
        detail = detail[: weighted.start()]
        suffix = t("dcat.asm.line", lang, name=weighted["name"], w=weighted["w"])
    head, sep, tail = detail.partition("：")
    for pattern, key in DETAIL_PATTERNS:
        head = re.sub(pattern, functools.partial(_fill, key, lang), head)
    return head + (t("asm.line.colon", lang) + tail if sep else "") + suffix


_SOURCES = [
    (r"批示 #(?P<id>\d+)（(?P<task>.*)）", "asm.src.instruction"),
    (r"督查 #(?P<id>\d+)", "asm.src.inspection"),
    (r"整改项 #(?P<id>\d+)", "asm.src.finding"),
    (r"任务 (?P<rest>.*)", "asm.src.task"),
    (r"通知 (?P<rest>.*)", "asm.src.notice"),
]


def source_text(source: str, lang: str = "zh") -> str:
    """Where a line comes from ("任务 四(二) 标题", "批示 #3（任务 …）") in `lang`."""
    if lang == "zh":
        return source
    for pattern, key in _SOURCES:
        m = re.fullmatch(pattern, source, flags=re.S)
        if m:
            values = m.groupdict()
            if "task" in values:
                values["task"] = source_text(values["task"], lang)
            return t(key, lang, **values)
    return source


_LINE = re.compile(
    "(?P<category>" + "|".join(CATEGORIES) + r") (?P<points>" + _NUM + r")：(?P<detail>.*?)"
    r"（(?P<source>(?:任务|通知) .*|(?:批示|督查|整改项) #\d+.*)）",
    re.S,
)


def line_text(text: str, lang: str = "zh") -> str:
    """A line as the appeal records it ("任务逾期 -1.5：…（任务 …）") in `lang`."""
    if lang == "zh":
        return text
    m = _LINE.fullmatch(text)
    if m is None:
        return text
    return t(
        "asm.line_text",
        lang,
        category=category_text(m["category"], lang),
        points=m["points"],
        detail=detail_text(m["detail"], lang),
        source=source_text(m["source"], lang),
    )


def line_summary(line: dict, lang: str = "zh") -> str:
    """One score line in a sentence, as the appeal form offers it and the appeal records it."""
    return t(
        "asm.line_text",
        lang,
        category=category_text(line["category"], lang),
        points=f"{line['points']:g}",
        detail=detail_text(line["detail"], lang),
        source=source_text(line["source_ref"], lang),
    )
