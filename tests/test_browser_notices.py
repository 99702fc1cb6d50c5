"""Browser: `inspector` issues an urging notice to dept01's unit; `dept01` acknowledges and answers."""

import datetime as dt
import re
import shutil

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from duban.core import clock
from duban.core.db import make_engine
from models import AppUser, Assignment, Department, Task
from tests.browser_support import assert_no_exception, login, wait_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_db_template(demo_db_template, tmp_path_factory):
    """The demo database with dept01's unit late on one task it leads (the demo has it on track)."""
    path = tmp_path_factory.mktemp("late_demo") / "demo.db"
    shutil.copy(demo_db_template, path)
    eng = make_engine(f"sqlite:///{path}")
    with Session(eng) as s:
        unit = s.get(
            Department,
            s.exec(select(AppUser).where(AppUser.username == "dept01")).one().department_id,
        )
        task = s.exec(
            select(Task)
            .join(Assignment, Assignment.task_id == Task.id)
            .where(
                Assignment.department_id == unit.id,
                Assignment.role == "lead",
                Task.status == "in_progress",
            )
        ).first()
        task.deadline = task.original_deadline = clock.today() - dt.timedelta(days=14)
        s.add(task)
        s.commit()
        name = unit.name
    eng.dispose()
    pytest.late_unit_name = name  # read by the test below
    return path


def _select(page, label: str, option: str) -> None:
    box = page.locator('[data-testid="stSelectbox"]', has_text=label).first
    box.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option).first.click()
    wait_idle(page)


def test_inspector_issues_and_dept01_acknowledges_and_answers(live_app, _chromium):
    unit = pytest.late_unit_name
    ctx = _chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(60_000)  # the shared CI machine can be slow
    login(page, live_app, "inspector")
    page.locator('[data-testid="stSidebarNav"] a', has_text="通知通报").first.click()
    page.wait_for_selector('h1:has-text("通知通报")')
    wait_idle(page)
    _select(page, "单位", unit)
    page.get_by_role("button", name="生成草稿").first.click()
    page.wait_for_selector("text=草稿已生成")
    assert_no_exception(page)
    expect(page.get_by_label("标题").first).to_have_value(re.compile(re.escape(unit)))
    title = page.get_by_label("标题").first.input_value()
    page.get_by_text("确认签发", exact=False).first.click()  # 签发 needs the explicit tick
    page.get_by_role("button", name="签发", exact=True).first.click()
    page.wait_for_selector("text=已签发：督办〔")
    assert_no_exception(page)
    page.screenshot(path="/tmp/notices_issued.png", full_page=True)
    ctx.close()

    ctx = _chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(60_000)  # the shared CI machine can be slow
    login(page, live_app, "dept01")
    page.locator('[data-testid="stSidebarNav"] a', has_text="通知通报").first.click()
    page.wait_for_selector('h1:has-text("通知通报")')
    wait_idle(page)
    page.get_by_text(title).first.wait_for()
    page.get_by_role("button", name="签收", exact=True).first.click()
    page.wait_for_selector("text=已签收。")
    wait_idle(page)
    page.get_by_label("整改反馈（做了什么、结果如何）").first.fill(
        "已召开专题会议部署，倒排工期，本月底前完成。"
    )
    page.get_by_role("button", name="提交反馈").first.click()
    page.wait_for_selector("text=反馈已提交。")
    assert_no_exception(page)
    page.screenshot(path="/tmp/notices_dept01.png", full_page=True)
    ctx.close()
