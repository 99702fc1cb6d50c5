"""Browser: actions land on what the user chose (issue 14).

A register row click opens that task on its own page (`?task=ID`), at the top; a new search
afterwards opens nothing; the desk keeps a refused extension on its tab, its error in view
and the reason typed; a red row on the dashboard opens the task at the top of the register.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from duban.core.db import make_engine
from models import AppUser, Assignment, Task
from tests.browser_support import assert_no_exception, login, wait_idle

pytestmark = pytest.mark.browser

ROW_HEIGHT = 35  # Streamlit's dataframe: header and rows are 35 px high


def _nav(page, label: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text=label).first.click()
    page.wait_for_selector(f'h1:has-text("{label}")')
    wait_idle(page)


def _click_row(page, table, row: int) -> None:
    """Click the row marker of the table's `row` (0-based): the grid is a canvas."""
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 12, box["y"] + ROW_HEIGHT * (row + 1) + ROW_HEIGHT / 2)


def _tasks(template) -> list[Task]:
    eng = make_engine(f"sqlite:///{template}")
    with Session(eng) as s:
        rows = list(s.exec(select(Task).where(Task.status != "draft")).all())
    eng.dispose()
    return rows


def _task_heading(page):
    """The opened task's heading (the detail's subheader: "code title")."""
    return page.locator("h3").first


def test_a_register_row_opens_that_task_and_a_new_search_opens_nothing(
    live_app, browser_page, demo_db_template
):
    page = browser_page
    login(page, live_app, "office")
    _nav(page, "任务台账")
    table = page.locator('[data-testid="stDataFrame"]').first
    table.wait_for()
    _click_row(page, table, 3)
    expect(page).to_have_url(re.compile(r"[?&]task=\d+"))
    wait_idle(page)
    task_id = int(re.search(r"[?&]task=(\d+)", page.url).group(1))
    task = next(x for x in _tasks(demo_db_template) if x.id == task_id)
    heading = _task_heading(page)
    expect(heading).to_have_text(f"{task.code} {task.title}")
    expect(heading).to_be_in_viewport()
    expect(page.get_by_label("搜索")).to_have_count(0)  # no register above the task
    assert task.code.startswith("一(")  # row 4 of the whole register

    page.get_by_role("button", name="← 返回台账").click()
    search = page.get_by_label("搜索")
    search.wait_for()
    wait_idle(page)
    search.fill("二(")
    search.press("Enter")
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"^共 \d+ 项任务"))).to_be_visible()
    assert "task=" not in page.url
    expect(page.locator("h3")).to_have_count(0)  # no task's detail, chosen or not
    assert_no_exception(page)

    page.go_back()  # the browser's back button: the task the user chose, again
    expect(_task_heading(page)).to_have_text(f"{task.code} {task.title}")
    assert_no_exception(page)


def test_a_refused_extension_stays_on_its_tab_in_view_with_the_reason(
    live_app, browser_page, demo_db_template
):
    eng = make_engine(f"sqlite:///{demo_db_template}")
    with Session(eng) as s:
        dept = s.exec(select(AppUser).where(AppUser.username == "dept01")).one().department_id
        task = s.exec(
            select(Task)
            .join(Assignment, col(Assignment.task_id) == Task.id)
            .where(Assignment.department_id == dept, Assignment.role == "lead")
            .where(Task.status == "in_progress")
            .order_by(col(Task.id))
        ).first()
    eng.dispose()
    assert task is not None and task.deadline is not None
    page = browser_page
    login(page, live_app, "dept01")
    page.locator('[data-testid="stSidebarNav"] a', has_text="我的任务").first.click()
    page.wait_for_selector('h1:has-text("我的任务")')
    wait_idle(page)
    box = page.locator('[data-testid="stSelectbox"]', has_text="办理任务").first
    box.click()
    page.keyboard.type(task.code)
    page.get_by_role("option", name=f"{task.code} {task.title}").first.click()
    expect(page).to_have_url(re.compile(rf"[?&]task={task.id}$"))  # the task's own link
    heading = _task_heading(page)
    expect(heading).to_have_text(f"{task.code} {task.title}")
    wait_idle(page)
    expect(heading).to_be_in_viewport()
    page.get_by_role("tab", name="申请延期").click()
    wait_idle(page)
    year = page.get_by_role("spinbutton", name="year, 申请延期至")
    year.click()
    page.keyboard.type(str(task.deadline.year - 1))
    page.keyboard.press("Tab")
    reason = page.get_by_label("延期理由 *")
    reason.fill("系统改造需要更多时间。")
    page.get_by_role("button", name="提交延期申请").click()
    error = page.get_by_text("必须晚于当前完成时限")
    expect(error).to_be_visible()
    wait_idle(page)
    expect(error).to_be_in_viewport()
    expect(page.get_by_role("tab", name="申请延期")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_label("延期理由 *")).to_have_value("系统改造需要更多时间。")
    assert_no_exception(page)


def test_a_red_row_on_the_dashboard_opens_the_task_at_the_top(live_app, browser_page):
    page = browser_page
    login(page, live_app, "leader")
    red = page.locator('[data-testid="stDataFrame"]').first
    red.wait_for()
    wait_idle(page)
    _click_row(page, red, 0)
    page.wait_for_url(re.compile(r"/tasks\?task=\d+"))
    heading = _task_heading(page)
    heading.wait_for()
    wait_idle(page)
    expect(heading).to_be_in_viewport()
    box = heading.bounding_box()
    assert box is not None and box["y"] < 400, box  # at the top, not under a 38-row table
    expect(page.get_by_role("button", name="← 返回台账")).to_be_visible()
    expect(page.get_by_label("搜索")).to_have_count(0)
    assert_no_exception(page)
