"""Browser: each demo role logs in through the real form and opens every page it is shown."""

import pytest
from playwright.sync_api import expect

from duban.core.permissions import pages_for
from duban.i18n import t
from models import Role
from tests.browser_support import assert_no_exception, login, wait_idle
from ui.nav import PAGES

pytestmark = pytest.mark.browser

ROLES = {
    "office": Role.office,
    "leader": Role.leader,
    "inspector": Role.inspector,
    "dept01": Role.dept_head,
}


@pytest.mark.parametrize("username", list(ROLES))
def test_role_logs_in_and_opens_every_page(live_app, browser_page, username):
    page = browser_page
    login(page, live_app, username)
    nav = page.locator('[data-testid="stSidebarNav"] a')
    expected = [t(f"page.{p.key}") for p in PAGES if p.key in pages_for(ROLES[username])]
    expect(nav).to_have_count(len(expected))
    shown = [nav.nth(i).inner_text().strip().split("\n")[-1] for i in range(nav.count())]
    # 待办 carries its count while something waits: 待办（3）
    assert [x.split("（")[0] for x in shown] == expected
    for title in expected:
        page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
        page.wait_for_selector(f'h1:has-text("{title}")')
        assert_no_exception(page)


def test_wrong_password_is_refused_in_chinese(live_app, browser_page):
    page = browser_page
    page.goto(live_app)
    wait_idle(page, timeout=60_000)  # the form is filled once the login page has settled
    page.get_by_label("用户名").fill("leader")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("text=用户名或密码错误")
    wait_idle(page)
    expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)


def test_logout_returns_to_login(live_app, browser_page):
    page = browser_page
    login(page, live_app, "leader")
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_selector("text=登录督办台")
