"""Title line breaking on titles far longer than any real one (a user may type 300 characters):
it returns lines that fit, broken between pieces where it can (it once tried every set of
breaks, which took minutes and stalled the notices page)."""

from duban.documents.layout import TITLE_LINE_CHARS, _title_width, title_lines
from tests.user_text_payloads import LINE, LONG


def test_very_long_titles_fit_the_line():
    for title in (LINE, LONG[:300], "关于对" + "市公安局、" * 30 + "予以通报表扬的通报"):
        lines = title_lines(title)
        assert "".join(lines) == title.strip()
        assert all(_title_width(x) <= TITLE_LINE_CHARS for x in lines)
        assert len(lines) >= 8


def test_a_list_of_units_breaks_after_its_commas():
    lines = title_lines("关于对" + "市公安局、" * 30 + "予以通报表扬的通报")
    assert all(x.endswith("、") for x in lines[1:-2])
