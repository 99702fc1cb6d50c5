"""A fresh server's first request for a page must go through the login guard.

Streamlit starts in its old multipage mode when a `pages/` folder exists and, on the first
run of the process, executes pages/x.py directly (without app.py) if the address names a
page. `ui.context.actor()` reroutes such a run through app.py. This module gets its own
server (`live_app` is module-scoped), so its first test is that first request.
"""

import pytest
from playwright.sync_api import expect

from tests.browser_support import assert_no_exception, wait_idle

pytestmark = pytest.mark.browser


def _log_in(page, username: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("duban-demo")
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)
    wait_idle(page)


def test_first_request_for_admin_shows_the_login_form_then_the_page(live_app, browser_page):
    page = browser_page
    page.goto(f"{live_app}/admin")
    page.get_by_label("用户名").wait_for(timeout=60_000)
    wait_idle(page)
    body = page.locator("body").inner_text()
    assert "系统管理" not in body and "审计日志" not in body  # nothing of the page leaks
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)  # no page list either
    _log_in(page, "office")
    page.get_by_role("heading", name="系统管理").wait_for(timeout=60_000)
    assert page.url.startswith(f"{live_app}/admin")
    assert_no_exception(page)


def test_a_shared_dashboard_link_survives_the_login(live_app, browser_page):
    page = browser_page
    page.goto(f"{live_app}/tasks?task=1")  # a red-list link from the dashboard
    page.get_by_label("用户名").wait_for(timeout=60_000)
    wait_idle(page)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    _log_in(page, "leader")
    page.get_by_role("heading", name="任务台账").wait_for(timeout=60_000)
    assert "/tasks" in page.url and "task=1" in page.url  # not the leader's default page
    assert_no_exception(page)


def test_a_page_the_role_may_not_see_is_not_served(live_app, browser_page):
    page = browser_page
    page.goto(f"{live_app}/admin")
    page.get_by_label("用户名").wait_for(timeout=60_000)
    wait_idle(page)
    _log_in(page, "dept01")
    expect(page.get_by_role("heading", name="待办")).to_have_count(1)  # dept01's first page
    wait_idle(page)
    expect(page.get_by_role("heading", name="系统管理")).to_have_count(0)


def test_a_link_to_the_roles_first_page_opens_with_its_parameters(live_app, browser_page):
    """The role's first page keeps its own address: a signed-in leader opening a shared
    "dashboard?missed=1" (or a unit its "inbox" from a reminder) gets that page with the
    filter, not "Page not found" and the bare main page."""
    page = browser_page
    page.goto(live_app)
    page.get_by_label("用户名").wait_for(timeout=60_000)
    wait_idle(page)
    _log_in(page, "leader")
    expect(page.get_by_role("heading", name="领导驾驶舱")).to_be_visible()  # the first page at /
    page.goto(f"{live_app}/dashboard?missed=1")
    wait_idle(page)
    expect(page.get_by_role("heading", name="领导驾驶舱")).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)
    assert "missed=1" in page.url
    # the filter applied: the red list is the list of tasks with missed reports
    expect(page.get_by_role("heading", name="未按期报送的任务")).to_be_visible()
    assert_no_exception(page)
