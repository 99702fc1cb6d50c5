"""Browser: the office opens and publishes last quarter's assessment; dept01 sees its own."""

import datetime as dt

from playwright.sync_api import expect

from duban.assessment import periods
from duban.core import clock
from tests.browser_support import assert_no_exception, login, wait_idle


def _last_quarter() -> dt.date:
    """A day of last quarter (as in test_assessment_page.py)."""
    first = clock.today().replace(day=1)
    return first - dt.timedelta(days=95)


def test_browser_office_publishes_a_quarter_and_a_unit_checks_it(live_app, browser_page):
    page = browser_page
    login(page, live_app, "office")
    page.goto(f"{live_app}/assessment")
    page.wait_for_selector('h1:has-text("考核排名")')
    wait_idle(page)
    page.get_by_text("新建考核期").click()
    when = _last_quarter()
    # One click on the year, then the keyboard: a filled segment moves the focus to the next
    # one. (Clicking each segment failed when the calendar that opens with the first click
    # covered the month segment.)
    page.get_by_role("spinbutton", name="year, 包含日期（选该期内任意一天）").click()
    page.keyboard.type(f"{when.year:04d}{when.month:02d}{when.day:02d}")
    for part, value in (("year", when.year), ("month", when.month), ("day", when.day)):
        expect(
            page.get_by_role("spinbutton", name=f"{part}, 包含日期（选该期内任意一天）")
        ).to_have_attribute("aria-valuenow", str(value))
    page.get_by_role("button", name="建立考核期").click()
    page.get_by_role("tab", name="排名").wait_for()
    wait_idle(page)
    page.get_by_text("我确认申诉已处理完毕").click()
    page.get_by_role("button", name="冻结并发布成绩单").click()
    page.get_by_text("冻结发布，以下为快照").wait_for()
    assert_no_exception(page)

    page.context.clear_cookies()
    login(page, live_app, "dept01")
    page.goto(f"{live_app}/assessment")
    page.wait_for_selector('h1:has-text("考核排名")')
    wait_idle(page)
    # the demo's own months come first: open the quarter just published
    quarter = periods.period_bounds("quarter", when)[2]
    page.locator('[data-testid="stSelectbox"]', has_text="考核期").first.click()
    page.keyboard.type(quarter)
    page.get_by_role("option").filter(has_text=quarter).first.click()
    wait_idle(page)
    page.get_by_text("冻结发布，以下为快照").wait_for()
    assert_no_exception(page)
    expect(page.get_by_role("heading", name="市政务服务和大数据管理局")).to_have_count(1)
    expect(page.get_by_role("tab", name="排名")).to_have_count(0)
    expect(page.locator('[data-testid="stDataFrame"]')).not_to_have_count(0)
