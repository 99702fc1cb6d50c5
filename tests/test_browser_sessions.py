"""Browser: the login cookie names a server-side session (issue 11 #2, #4, #5).

A cookie saved before logout, or copied before a password change, no longer logs in; forged
and malformed cookies show the login form, never a traceback.
"""

import datetime as dt

import jwt
import pytest
from playwright.sync_api import expect

from duban.core.settings import PLACEHOLDER_COOKIE_KEY
from tests.browser_support import assert_no_exception, login, track, wait_idle

pytestmark = pytest.mark.browser

COOKIE = "duban_auth"
FUTURE = int((dt.datetime.now(dt.UTC) + dt.timedelta(days=3650)).timestamp())


def _cookie(page) -> dict:
    found = [c for c in page.context.cookies() if c["name"] == COOKIE]
    assert len(found) == 1, page.context.cookies()
    return found[0]


def _shows_login_form(page, url: str) -> None:
    page.goto(url)
    wait_idle(page, timeout=60_000)
    expect(page.get_by_label("用户名")).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    assert_no_exception(page)


def test_the_login_cookie_is_written_by_the_first_page_and_survives_a_reload(
    live_app, browser_page
):
    """The login page no longer waits for the cookie: the first page writes it (issue 14)."""
    page = browser_page
    login(page, live_app, "inspector")  # settled: every component drawn has reported
    assert _cookie(page)["sameSite"] == "Strict"
    page.reload()
    wait_idle(page, timeout=60_000)
    expect(page.get_by_test_id("stSidebarNav")).to_be_visible()
    expect(page.get_by_label("用户名")).to_have_count(0)
    assert_no_exception(page)


def test_a_cookie_saved_before_logout_no_longer_logs_in(live_app, browser_page):
    page = browser_page
    login(page, live_app, "leader")
    saved = _cookie(page)
    assert saved["sameSite"] == "Strict" and not saved["httpOnly"]  # set from JavaScript
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_label("用户名")).to_be_visible()
    wait_idle(page)
    assert COOKIE not in {c["name"] for c in page.context.cookies()}  # deleted by the app
    page.context.add_cookies([saved])  # …and put back, as a copy would be
    _shows_login_form(page, live_app)


def test_a_copied_cookie_stops_working_after_a_password_change(live_app, browser_page):
    page = browser_page
    login(page, live_app, "dept03")
    copied = _cookie(page)
    page.goto(f"{live_app}/account")
    wait_idle(page, timeout=60_000)
    page.get_by_label("原密码").fill("duban-demo")
    page.get_by_label("新密码（8–72 字节）").fill("dept03-new-pw")
    page.get_by_label("再次输入新密码").fill("dept03-new-pw")
    page.get_by_role("button", name="保存新密码").click()
    # checking the old password and hashing the new one takes seconds on a busy machine: wait
    # for the run to finish, then for its message
    wait_idle(page)
    expect(page.get_by_text("密码已修改")).to_be_visible()
    assert _cookie(page)["value"] != copied["value"]  # this browser got a new session
    page.reload()
    wait_idle(page, timeout=60_000)
    expect(page.get_by_test_id("stSidebarNav")).to_be_visible()

    other = page.context.browser.new_context(locale="zh-CN")
    try:
        thief = other.new_page()
        track(thief)
        other.add_cookies([copied])
        _shows_login_form(thief, live_app)
    finally:
        other.close()


BAD = {
    # the finding: a 10-year cookie for office signed with the public placeholder key
    "forged old format": jwt.encode(
        {"username": "office", "exp_date": FUTURE}, PLACEHOLDER_COOKIE_KEY, algorithm="HS256"
    ),
    "forged new format": jwt.encode(
        {"sid": "x" * 43, "exp": FUTURE}, PLACEHOLDER_COOKIE_KEY, algorithm="HS256"
    ),
    "alg none": jwt.encode({"sid": "x" * 43, "exp": FUTURE}, None, algorithm="none"),
    "garbage": "not-a-jwt",
}


def test_forged_and_malformed_cookies_show_the_login_form(live_app, browser_page):
    page = browser_page
    for token in BAD.values():
        page.context.clear_cookies()
        page.context.add_cookies([{"name": COOKIE, "value": token, "url": live_app}])
        _shows_login_form(page, live_app)


def _fetch_without_cookie(url: str) -> tuple[int, bytes]:
    """GET `url` from outside the browser: no cookie, no Streamlit session."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""


def test_a_download_link_dies_with_the_login(live_app, browser_page):
    """issue 11 #11, as far as Streamlit lets an app go: Streamlit serves a clicked download at
    /media/<id> without looking at the cookie (the README says so), but only while the browser
    session that clicked holds it — after 退出登录 the same address is 404."""
    page = browser_page
    login(page, live_app, "office")
    page.goto(f"{live_app}/tasks")
    wait_idle(page, timeout=60_000)
    export = page.get_by_test_id("stDownloadButton").get_by_role("button", name="导出 Excel")
    with page.expect_download(timeout=60_000) as download:
        export.first.click()
    url = download.value.url
    assert "/media/" in url
    status, body = _fetch_without_cookie(url)
    assert status == 200 and body.startswith(b"PK")  # the limitation, stated in the README
    wait_idle(page)
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_label("用户名")).to_be_visible(timeout=30_000)
    wait_idle(page)
    assert _fetch_without_cookie(url) == (404, b"")
