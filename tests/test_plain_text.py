"""User text shown with st.markdown keeps its characters and loses its markup."""

import re

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from ui.common import plain

MD = MarkdownIt("commonmark")


def _rendered_text(source: str) -> str:
    """What CommonMark makes of `source`, as text (tags stripped, entities decoded)."""
    import html

    out = MD.render(source)
    return html.unescape(re.sub(r"<[^>]+>", "", out)).strip()


def test_markup_is_shown_not_rendered():
    source = plain("<b>粗</b> **星** ![](http://x/y.png) [链](http://x) `码` # 标题 1. 项")
    rendered = MD.render(source)
    for tag in ("<b>", "<strong>", "<img", "<a ", "<code>", "<h1>", "<ol>"):
        assert tag not in rendered


@given(st.text(alphabet=st.sampled_from("ab中文 <>&*_[]()!#`~|-.+:$\\{}"), max_size=40))
def test_the_reader_sees_exactly_what_was_typed(text):
    text = " ".join(text.split())  # Markdown folds runs of spaces; typed line breaks are kept
    assert _rendered_text(plain(text)) == text


def test_bare_urls_and_addresses_in_user_text_do_not_become_links():
    """GFM (Streamlit's Markdown) links http://…, www.… and a@b.c found in the text even
    when escaped; a word joiner inside the trigger stops it (issue 11 #6)."""
    shown = plain("见 http://evil.example/x、HTTPS://a.b、www.evil.example 或 x@evil.example")
    for trigger in ("http\\:", "HTTPS\\:", "www\\.", "x@"):
        assert trigger not in shown
    assert shown.count("\u2060") == 4
    assert _rendered_text(shown).replace("\u2060", "") == (
        "见 http://evil.example/x、HTTPS://a.b、www.evil.example 或 x@evil.example"
    )
