"""The assessment in English: period names from their dates, score lines, the formula.

The stored texts stay Chinese (the bulletin, the Excel scorecard and the appeal record use
them); the English UI reads them through duban.assessment.labels with no Chinese left but
what a person typed (a task's code and title, a notice's number and title, a finding).
"""

import datetime as dt
import re

import pytest
from sqlmodel import select

from duban.assessment import exports, formula, labels, results
from duban.core import periods
from duban.i18n import t
from models import Finding, Notice, Task
from tests.test_assessment import frozen_today, world  # noqa: F401 (fixtures)

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@pytest.mark.parametrize(
    ("kind", "day", "english"),
    [
        ("month", dt.date(2026, 11, 17), "November 2026"),
        ("month", dt.date(2027, 1, 31), "January 2027"),
        ("quarter", dt.date(2026, 11, 17), "Q4 2026"),
        ("quarter", dt.date(2026, 2, 1), "Q1 2026"),
        ("year", dt.date(2026, 6, 1), "2026"),
        ("week", dt.date(2026, 12, 30), "2026-12-28 – 2027-01-03"),
    ],
)
def test_a_system_made_period_is_named_from_its_dates(kind, day, english):
    start, _, label = periods.period_bounds(kind, day)
    assert labels.period_name(label, kind, start, "en") == english
    assert labels.period_name(label, kind, start, "zh") == label


def test_a_period_name_the_office_wrote_stays_as_written():
    start = dt.date(2026, 11, 1)
    assert labels.period_name("第二批督查考核", "month", start, "en") == "第二批督查考核"
    # A label that reads like another month's is not this period's: shown as written.
    assert labels.period_name("2026年10月", "month", start, "en") == "2026年10月"
    assert labels.period_name("2026年11月", "odd", start, "en") == "2026年11月"


def _typed(session) -> list[str]:
    """What people typed that a line quotes, longest first."""
    texts: set[str] = set()
    for task in session.exec(select(Task)).all():
        texts |= {task.title, task.code or ""}
    for notice in session.exec(select(Notice)).all():
        texts |= {notice.title or "", notice.doc_number or ""}
    texts |= {f.description for f in session.exec(select(Finding)).all()}
    return sorted((x for x in texts if x), key=len, reverse=True)


def _untyped(text: str, typed: list[str]) -> str:
    for x in typed:
        text = text.replace(x, " ")
    return text


def test_every_score_line_reads_in_english(session, world):  # noqa: F811
    world["t1"].report_cycle = "monthly:10"  # its units miss report cycles (未按期报送) too
    session.add(world["t1"])
    session.commit()
    res = results.period_result(session, actor=world["office"], period_id=world["period"].id)
    lines = [ln for u in res.units for ln in u.lines]
    typed = _typed(session)
    assert {ln["category"] for ln in lines} == set(labels.CATEGORIES)  # every kind of line
    for ln in lines:
        english = labels.line_summary(ln, "en")
        assert not _CJK.search(_untyped(english, typed)), english
        # The appeal stores the Chinese sentence; the English UI reads it back the same.
        written = labels.line_summary(ln, "zh")
        assert written == f"{ln['category']} {ln['points']:g}：{ln['detail']}（{ln['source_ref']}）"
        assert labels.line_text(written, "en") == english
        assert labels.line_text(written, "zh") == written
    overdue = next(ln for ln in lines if ln["category"] == "任务逾期")
    assert re.search(
        r"\d+ working days late this period × 0\.5", labels.detail_text(overdue["detail"], "en")
    )
    finding = next(ln for ln in lines if ln["category"] == "整改逾期")
    assert labels.detail_text(finding["detail"], "en").endswith(": 台账不全")


def test_the_tables_read_in_english_and_stay_chinese_in_zh(session, world):  # noqa: F811
    res = results.period_result(session, actor=world["office"], period_id=world["period"].id)
    typed = _typed(session) + [u.department_name for u in res.units]
    en = exports.ranking_rows(res, "en") + [
        r for u in res.units for r in exports.line_rows(u, "en")
    ]
    for row in en:
        for key, value in row.items():
            assert not _CJK.search(key + _untyped(str(value), typed)), (key, value)
    zh = exports.ranking_rows(res)[0]
    assert list(zh)[:3] == ["名次", "单位", "得分"]
    lines = exports.line_rows(res.units[0])
    assert lines and lines[0]["状态"] == "计入"


def test_the_formula_reads_in_english():
    values = formula.Formula(base_score=90, instruction_answer_days=7)
    for name in formula.FIELD_KINDS:
        label, help_ = formula.field_text(name, "en")
        assert label and help_ and not _CJK.search(label + help_), name
        assert formula.FORMULA_FIELDS[name][1:] == formula.field_text(name, "zh")
    english = formula.explain_method(values, "en")
    assert len(english) == len(formula.explain_method(values)) == 5
    assert not _CJK.search(" ".join(english))
    assert "base of 90 points" in english[0] and "within 7 working days" in english[2]


@pytest.mark.parametrize(("pattern", "key"), labels.DETAIL_PATTERNS)
def test_every_detail_piece_reads_in_english(pattern, key):
    """Each piece of a detail, written as the catalog's Chinese, matches its pattern."""
    sample = dict(day="2026-07-01", deadline="2026-06-30", due="2026-07-08", n=3, per=0.5)
    sample |= dict(cap=10, w=1)
    words = dict(role="asm.role.lead", level="asm.level.red", result="asm.result.poor")
    written = t(key, "zh", **sample, **{k: t(v, "zh") for k, v in words.items()})
    english = labels.detail_text(written, "en")
    assert english == t(key, "en", **sample, **{k: t(v, "en") for k, v in words.items()})
    assert not _CJK.search(english), english
