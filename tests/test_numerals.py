"""The one Chinese numeral parser and formatter (plan headings, deadlines, documents)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from duban.core.numerals import format_int, parse_int


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10", 10),
        ("１５", 15),  # full-width digits
        ("十", 10),
        ("十五", 15),
        ("二十", 20),
        ("九十九", 99),
        ("一百零五", 105),
        ("两百", 200),
        ("一千零一", 1001),
        ("三万五千", 35000),
        ("二〇二〇", 2020),  # years are written digit by digit
        ("二○一八", 2018),
        ("十二", 12),
        (" 三 ", 3),
    ],
)
def test_parses_numerals_as_plans_write_them(text, value):
    assert parse_int(text) == value


@pytest.mark.parametrize("text", ["", "几", "十十", "一百二三", "第三", "三个", "万"])
def test_anything_else_is_not_a_number(text):
    assert parse_int(text) is None


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "零"),
        (7, "七"),
        (10, "十"),
        (11, "十一"),
        (25, "二十五"),
        (100, "一百"),
        (105, "一百零五"),
        (110, "一百一十"),
        (1010, "一千零一十"),
    ],
)
def test_formats_as_documents_count(n, text):
    assert format_int(n) == text


@given(st.integers(min_value=0, max_value=9999))
def test_format_then_parse_is_the_number(n):
    assert parse_int(format_int(n)) == n
