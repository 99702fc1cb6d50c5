"""Browser: dept01 acknowledges, reports with an evidence PDF and submits; office signs it off."""

from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from duban.core.db import make_engine
from models import AppUser, Assignment, Task
from tests.browser_support import assert_no_exception, login, wait_idle

pytestmark = pytest.mark.browser

# A real (tiny, valid) one-page PDF.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _new_task_of_dept01(template) -> Task:
    """A task dept01's unit leads and has not acknowledged yet (the demo has one)."""
    eng = make_engine(f"sqlite:///{template}")
    with Session(eng) as s:
        dept = s.exec(select(AppUser).where(AppUser.username == "dept01")).one().department_id
        task = s.exec(
            select(Task)
            .join(Assignment, Assignment.task_id == Task.id)
            .where(
                Assignment.department_id == dept,
                Assignment.role == "lead",
                Assignment.acknowledged_at.is_(None),  # ty: ignore
                Task.status == "assigned",
            )
        ).first()
    eng.dispose()
    assert task is not None, "the demo should give dept01 a newly assigned task"
    return task


def _context(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    return ctx, page


def _nav(page, label: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text=label).first.click()
    page.wait_for_selector(f'h1:has-text("{label}")')
    wait_idle(page)


def _select(page, label: str, option: str) -> None:
    box = page.locator('[data-testid="stSelectbox"]', has_text=label).first
    box.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option).first.click()
    wait_idle(page)


def test_dept01_reports_with_evidence_and_office_signs_off(
    live_app, _chromium, demo_db_template, tmp_path
):
    task = _new_task_of_dept01(demo_db_template)
    label = f"{task.code} {task.title}"
    evidence = tmp_path / "推进会议纪要.pdf"
    evidence.write_bytes(PDF)

    ctx, page = _context(_chromium)
    login(page, live_app, "dept01")
    _nav(page, "我的任务")
    pending = page.locator('[data-testid="stExpander"]', has_text="待签收")
    pending.get_by_text(task.title).wait_for()
    pending.get_by_role("button", name="签收").first.click()
    page.wait_for_selector(f"text=已签收：{task.code}")
    wait_idle(page)
    _select(page, "办理任务", label)
    page.get_by_label("本期进展 *").fill("已完成第三方评估机构遴选，签订服务合同。")
    page.get_by_label("存在困难").fill("样本量较大，需各窗口配合。")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(evidence))
    page.get_by_text("推进会议纪要.pdf").first.wait_for()
    page.get_by_role("button", name="提交进展").click()
    page.wait_for_selector("text=进展已提交")
    assert_no_exception(page)
    page.get_by_role("tab", name="申请销号").click()
    wait_idle(page)  # the tabs keep their choice on the server: a click is a run
    page.get_by_label("完成情况说明 *").fill("评估已完成，报告已印发。")
    page.get_by_role("button", name="申请销号").click()
    page.wait_for_selector("text=已申请销号")
    assert_no_exception(page)
    page.screenshot(path="/tmp/tasks_dept01_submitted.png", full_page=True)
    ctx.close()

    ctx, page = _context(_chromium)
    login(page, live_app, "office")
    _nav(page, "任务台账")
    _select(page, "查看任务", label)
    page.get_by_text("已完成第三方评估机构遴选，签订服务合同。").first.wait_for()
    expect(page.get_by_role("button", name="📎 推进会议纪要.pdf")).to_have_count(1)
    # the page drew the button without the file; the click reads it (issue 11 #8)
    with page.expect_download() as download:
        page.get_by_role("button", name="📎 推进会议纪要.pdf").click()
    assert Path(download.value.path()).read_bytes() == PDF
    wait_idle(page)
    page.get_by_text("销号", exact=True).first.click()  # the first action on a submitted task
    page.get_by_text("我已核对，确认执行所选操作").click()  # 销号 needs the explicit tick
    page.get_by_role("button", name="确定").click()
    page.wait_for_selector("text=已销号")
    assert_no_exception(page)
    expect(page.locator('[data-testid="stMetricValue"]', has_text="已办结")).to_have_count(1)
    page.screenshot(path="/tmp/tasks_office_signed_off.png", full_page=True)
    ctx.close()
