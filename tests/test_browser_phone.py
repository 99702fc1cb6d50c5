"""Browser, on a phone (390 × 844, a phone's User-Agent, touch): the leader's dashboard shows
its figures and the first red-list card in the first screen; the unit head's first action
button is in the first screen, 签收 works, a progress report with a photo from the (fake)
camera is stored with the photo, and a 批示 is answered — all through the real login, with
no horizontal scrolling and no control under 40 px high on the way."""

import shutil

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from duban.core.db import make_engine
from duban.core.permissions import Actor
from duban.tasks import workflow
from models import (
    AppUser,
    Assignment,
    Attachment,
    Instruction,
    InstructionAnswer,
    ProgressReport,
    Task,
)
from tests.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    login,
    require_chromium,
    start_app,
    stop_app,
    wait_idle,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
ANSWER = "已按批示要求部署，本周内完成窗口改造。"
WAIT = 30_000  # ms: what a click's answer may take on a busy machine (expect's default is 5 s)


@pytest.fixture(scope="module")
def app_and_db(demo_db_template, tmp_path_factory):
    """The real app over a copy of the demo, with a leader's 批示 on one of dept01's tasks."""
    work = tmp_path_factory.mktemp("phone")
    db = work / "duban.db"
    shutil.copy(demo_db_template, db)
    url = f"sqlite:///{db}"
    with Session(make_engine(url)) as s:
        leader = s.exec(select(AppUser).where(AppUser.username == "leader")).one()
        unit = s.exec(select(AppUser).where(AppUser.username == "dept01")).one().department_id
        working = s.exec(
            select(Assignment).where(
                Assignment.department_id == unit, Assignment.acknowledged_at.is_not(None)
            )
        ).all()
        task_id = next(a.task_id for a in working if s.get(Task, a.task_id).status == "in_progress")
        workflow.create_instruction(
            s, actor=Actor.of(leader), task_id=task_id, text="请加快进度，月底前完成。"
        )
    proc, base = start_app(db, work, bcrypt_rounds=4)
    yield base, url, task_id
    stop_app(proc)


@pytest.fixture(scope="module")
def phone_browser():
    """Chromium whose camera is a fake device that grants itself (a test pattern)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        yield browser
        browser.close()


@pytest.fixture
def phone(phone_browser):
    ctx = phone_browser.new_context(
        viewport=PHONE,
        user_agent=IPHONE_UA,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        locale="zh-CN",
        permissions=["camera"],
    )
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    yield page
    ctx.close()


def _key(key: str) -> str:
    """The element of a keyed widget, as the finished run drew it (not a stale copy)."""
    return f'.st-key-{key}:not([data-stale="true"])'


def _in_first_screen(locator) -> None:
    """The element lies wholly inside the first screen of the page (not scrolled)."""
    box = locator.bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


def _no_horizontal_scroll(page) -> None:
    widths = page.evaluate(
        """() => {
            const main = document.querySelector('[data-testid="stMain"]');
            return [document.documentElement.scrollWidth, window.innerWidth,
                    main.scrollWidth, main.clientWidth];
        }"""
    )
    assert widths[0] <= widths[1] and widths[2] <= widths[3], widths


def _small_controls(page) -> list[str]:
    """Visible controls of the page's main area lower than 40 px (touch targets). A field
    with parts (a choice box with its Open and Clear buttons, a number with its steppers)
    counts as its box."""
    return page.evaluate(
        """() => {
            const boxes = '.react-aria-ComboBox, [data-testid="stNumberInputContainer"], '
                + '[data-baseweb="input"], [data-baseweb="textarea"], [data-baseweb="select"]';
            const out = [];
            const main = document.querySelector('[data-testid="stMain"]');
            for (const el of main.querySelectorAll(boxes + ', button, [role="tab"], summary')) {
                if (!el.checkVisibility({visibilityProperty: true})) continue;
                if (!el.matches(boxes) && el.parentElement.closest(boxes)) continue;  // a part
                // the tools a table or a chart shows on hover (a mouse's, not the path's)
                if (el.closest('[data-testid="stElementToolbar"], [data-testid="stTooltipIcon"], .modebar')) continue;
                const r = el.getBoundingClientRect();
                if (r.width > 0 && r.height < 40) {
                    out.push((el.innerText || el.getAttribute('aria-label') || el.className).slice(0, 30) + ' ' + Math.round(r.height));
                }
            }
            return out;
        }"""
    )


def test_the_leader_reads_the_figures_and_the_red_list_first(app_and_db, phone):
    base, _url, _task = app_and_db
    login(phone, base, "leader")
    expect(phone.locator("h1", has_text="领导驾驶舱")).to_be_visible()
    kpis = phone.locator(_key("dash_kpis"))
    expect(kpis.get_by_test_id("stMetric")).to_have_count(7)
    first_card = phone.locator('[class*="st-key-dash_card_"]').first
    expect(first_card.get_by_role("button", name="查看")).to_be_visible()
    _in_first_screen(kpis)
    _in_first_screen(first_card)
    # The filters are one folded line; the wide red-list table is not drawn.
    expect(phone.locator(_key("dash_filters_box"))).to_contain_text("筛选：全部任务")
    expect(phone.get_by_test_id("stDataFrame").filter(has_text="亮红灯单位")).to_have_count(0)
    _no_horizontal_scroll(phone)
    small = _small_controls(phone)
    assert small == [], small[:12]
    # The card opens its task.
    first_card.get_by_role("button", name="查看").click()
    wait_idle(phone)
    expect(phone.get_by_role("button", name="← 返回台账")).to_be_visible(timeout=WAIT)
    _no_horizontal_scroll(phone)


def test_the_unit_head_acknowledges_reports_with_a_photo_and_answers(app_and_db, phone):
    base, url, task_id = app_and_db
    engine = make_engine(url)
    login(phone, base, "dept01")  # a unit head starts on 待办; 我的任务 is one tap away
    phone.goto(f"{base}/my_tasks")
    wait_idle(phone)
    expect(phone.locator("h1", has_text="我的任务")).to_be_visible()
    with Session(engine) as s:
        unit = s.exec(select(AppUser).where(AppUser.username == "dept01")).one().department_id
        waiting = s.exec(
            select(Assignment).where(
                Assignment.department_id == unit, Assignment.acknowledged_at.is_(None)
            )
        ).all()
    assert waiting, "the demo leaves dept01 a task to acknowledge"
    # The first thing on the page that wants a tap is the 签收 of the first waiting task.
    ack = phone.locator('[class*="st-key-sec_ack_"] button').first
    expect(ack).to_be_visible()
    _in_first_screen(ack)
    first_button = phone.get_by_test_id("stMain").locator("button:visible").first
    assert first_button.inner_text() == "签收"
    _no_horizontal_scroll(phone)
    small = _small_controls(phone)
    assert small == [], small[:12]
    ack.click()
    wait_idle(phone)  # (a busy machine may take longer than expect's 5 s to answer a click)
    expect(phone.get_by_text("已签收：", exact=False)).to_be_visible(timeout=WAIT)
    with Session(engine) as s:
        acked = [s.get(Assignment, a.id) for a in waiting]
        assert sum(a.acknowledged_at is not None for a in acked) == 1

    # The task with the leader's 批示: report with a photo, then answer.
    phone.goto(f"{base}/my_tasks?task={task_id}")
    wait_idle(phone)
    expect(phone.get_by_text("最近一次填报")).to_be_visible()
    _no_horizontal_scroll(phone)
    small = _small_controls(phone)
    assert small == [], small[:12]
    with Session(engine) as s:
        before = len(s.exec(select(ProgressReport)).all())
    camera_switch = phone.locator('[class*="_cam_on"] label').first
    camera_switch.click()
    wait_idle(phone)
    camera = phone.get_by_test_id("stCameraInput")
    # the fake camera's picture is playing before the shutter is pressed
    camera.locator("video").wait_for()
    phone.wait_for_function(
        "() => document.querySelector('[data-testid=stCameraInput] video').readyState >= 2"
    )
    camera.get_by_role("button", name="Take Photo").click()
    expect(camera.get_by_role("button", name="Clear photo")).to_be_visible(timeout=WAIT)
    done = phone.locator('[class*="_done"] textarea').first
    done.fill("完成窗口改造一期，现场照片附后。")
    phone.get_by_role("button", name="提交进展").click()
    wait_idle(phone)
    expect(phone.get_by_text("进展已提交", exact=False)).to_be_visible(timeout=WAIT)
    with Session(engine) as s:
        reports = s.exec(select(ProgressReport).order_by(ProgressReport.id)).all()
        assert len(reports) == before + 1
        new = reports[-1]
        assert new.done_text == "完成窗口改造一期，现场照片附后。"
        files = s.exec(
            select(Attachment).where(
                Attachment.owner_type == "progress_report", Attachment.owner_id == new.id
            )
        ).all()
        assert [f.filename.startswith("现场照片_") for f in files] == [True]
        assert files[0].mime == "image/jpeg" and files[0].size > 1000

    # The 批示 is answered from the top of the same page.
    answer = phone.locator('[class*="wb_ans_"] textarea').first
    expect(answer).to_be_visible()
    answer.fill(ANSWER)
    phone.get_by_role("button", name="回复", exact=True).click()
    wait_idle(phone)
    expect(phone.get_by_text("已回复批示", exact=False)).to_be_visible(timeout=WAIT)
    with Session(engine) as s:
        ins = s.exec(select(Instruction).where(Instruction.task_id == task_id)).all()[-1]
        answers = s.exec(
            select(InstructionAnswer).where(InstructionAnswer.instruction_id == ins.id)
        ).all()
        assert [(a.department_id, a.text) for a in answers] == [(unit, ANSWER)]
    engine.dispose()
