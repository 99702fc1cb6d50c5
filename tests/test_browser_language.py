"""What AppTest cannot see: Streamlit's own widget chrome and plotly's ticks, in each locale.

The office logs in through the real form, opens 导入方案 (a file uploader, pickers) and the
dashboard (date axes), and the page text as the browser shows it must hold none of
Streamlit's English ("Upload", "200MB per file", "Choose an option" …) in Chinese, and no
Chinese outside what users and documents typed in English.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser_support import assert_no_exception, login, wait_idle
from tests.test_language_leaks import _CJK, data_strings

pytestmark = pytest.mark.browser

# Streamlit's frontend strings (streamlit/static js) that our pages must not show in Chinese.
CHROME = re.compile(
    r"Upload|Browse files|Drag and drop|per file|Choose an option|Choose options|Select all|"
    r"No results|No options to select|Add files"
)
MONTHS = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")


def _open(page, title: str) -> str:
    """Open a page from the sidebar (a new address would start a new session, in Chinese)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=60_000)
    wait_idle(page)
    assert_no_exception(page)
    return page.locator("body").inner_text()


def _uploader_button(page) -> str:
    """What the uploader's button reads: our CSS writes it (generated content)."""
    button = page.get_by_test_id("stFileUploaderDropzone").first.locator("button")
    return button.evaluate("b => getComputedStyle(b, '::after').content")


def _ticks(page) -> list[str]:
    """The tick labels of every plotly chart on the page, once the charts have drawn."""
    ticks = page.locator(".js-plotly-plot .xtick text, .js-plotly-plot .ytick text")
    expect(ticks.first).to_be_attached(timeout=60_000)
    return [x for x in ticks.all_text_contents() if x.strip()]


def _switch_to_english(page) -> None:
    page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").click()
    page.get_by_role("option", name="English").click()
    expect(page.get_by_test_id("stSidebarNav")).to_contain_text("Dashboard", timeout=60_000)
    wait_idle(page)


def test_chinese_pages_show_no_streamlit_english(live_app, browser_page):
    page = browser_page
    login(page, live_app, "office")
    body = _open(page, "方案导入")
    expect(page.get_by_test_id("stFileUploaderDropzone").first).to_be_visible()
    assert not CHROME.findall(body), CHROME.findall(body)
    assert "单个文件不超过 10 MB" in body  # the form states its limit, in our words
    assert _uploader_button(page) == '"选择文件"'  # and names its button
    _open(page, "领导驾驶舱")
    ticks = _ticks(page)
    assert not [x for x in ticks if MONTHS.search(x)], ticks


def test_english_pages_show_no_chinese_chrome(live_app, browser_page, demo_db_template):
    page = browser_page
    login(page, live_app, "office")
    _switch_to_english(page)
    pattern, whole = data_strings(Path(demo_db_template))
    body = _open(page, "Plan import")
    expect(page.get_by_test_id("stFileUploaderDropzone").first).to_be_visible()
    lines = [pattern.sub(" ", line) for line in body.splitlines() if line.strip() not in whole]
    chinese = [line for line in lines if _CJK.search(line) and "中文" not in line]
    assert not chinese, chinese
    assert "One file, at most 10 MB" in body and _uploader_button(page) == '"Choose files"'
    _open(page, "Dashboard")
    ticks = [pattern.sub(" ", x) for x in _ticks(page)]
    assert not [x for x in ticks if _CJK.search(x)], ticks
