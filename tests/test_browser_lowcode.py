"""Browser, the issue's path without code: the office adds two custom fields and a 督办事项来源
in 系统管理 and fills them in bulk in 任务台账 (批量赋值 over the whole register, then over one
unit's tasks); a leader builds a chart grouped by one of the fields in 图表, pins it, and finds
it on the dashboard. The figures drawn (read from the plotly figure in the page) equal an
independent polars computation over the database the app wrote."""

import shutil

import polars as pl
import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from duban.core.db import make_engine
from models import AppUser, Assignment, ChartPin, CustomField, Department, Task, TaskCategory
from tests.browser_support import login, start_app, stop_app, wait_idle

pytestmark = pytest.mark.browser

NOT_FILLED = "（未填）"


@pytest.fixture(scope="module")
def app_and_db(demo_db_template, tmp_path_factory):
    work = tmp_path_factory.mktemp("lowcode")
    db = work / "duban.db"
    shutil.copy(demo_db_template, db)
    proc, url = start_app(db, work, bcrypt_rounds=4)
    yield url, f"sqlite:///{db}"
    stop_app(proc)


def _page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    return ctx, page


def _nav(page, label: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text=label).first.click()
    page.wait_for_selector(f'h1:has-text("{label}")')
    wait_idle(page)


def _tab(page, label: str) -> None:
    page.get_by_role("tab", name=label).click()
    wait_idle(page)


def _key(key: str) -> str:
    """The element of a keyed widget, as the finished run drew it (not a stale copy)."""
    return f'.st-key-{key}:not([data-stale="true"])'


def _type(page, key: str, text: str, *, area: bool = False) -> None:
    box = page.locator(f"{_key(key)} {'textarea' if area else 'input'}")
    box.fill(text)
    box.blur()  # Streamlit takes a text box's value when it loses the focus
    wait_idle(page)
    expect(box).to_have_value(text)


def _choose(page, key: str, option: str) -> None:
    """Open the selectbox's list and click the option."""
    box = page.locator(f"{_key(key)} input")
    if box.input_value() == option:  # chosen already (the list would not open on it)
        return
    page.locator(_key(key)).get_by_role("button", name="Open").click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)
    expect(page.get_by_role("option")).to_have_count(0)  # the list closed on the choice
    expect(box).to_have_value(option)


def _click(page, key: str) -> None:
    page.locator(f"{_key(key)} button").click()
    wait_idle(page)


def _field(url: str, label: str) -> CustomField:
    with Session(make_engine(url)) as s:
        return s.exec(select(CustomField).where(CustomField.label == label)).one()


def _bulk_set(page, what: str, value_key: str, value: str, *, number: bool = False) -> None:
    """批量赋值 in the 批量调整 tab: one value for every task of the register's filter."""
    _tab(page, "批量调整")
    expander = page.locator('[data-testid="stExpander"]', has_text="批量赋值").first
    if not expander.locator(_key("bs_what")).is_visible():
        expander.locator("summary").click()
        wait_idle(page)  # a keyed expander reports its state: a run may follow
        expect(expander.locator(_key("bs_what"))).to_be_visible()
        # a list opened while the expander still unfolds closes as the page below moves
        expander.evaluate("e => Promise.all(e.getAnimations({subtree: true}).map(a => a.finished))")
    _choose(page, "bs_what", what)
    if number:
        _type(page, value_key, value)
    else:
        _choose(page, value_key, value)
    _click(page, "bs_apply")
    expect(page.get_by_text("项任务设置。").first).to_be_visible()


def _drawn(plot) -> dict[str, float]:
    """{bar label: value} of the first trace of the plotly figure in `plot`."""
    data = plot.locator(".js-plotly-plot").first.evaluate(
        "el => el.data.map(t => ({x: Array.from(t.x), y: Array.from(t.y)}))"
    )
    return dict(zip(data[0]["x"], data[0]["y"], strict=True))


def _expected(url: str, level_id: int, money_id: int) -> tuple[dict, dict]:
    """Independently of the app's code: every task's stored custom JSON read into polars and
    grouped by 项目级别 — the count of tasks and the sum of 投资额 per level."""
    with Session(make_engine(url)) as s:
        rows = s.exec(select(Task.id, Task.custom)).all()
    df = pl.DataFrame(
        {
            "level": [c.get(str(level_id)) for _, c in rows],
            "money": [c.get(str(money_id)) for _, c in rows],
        },
        schema={"level": pl.String, "money": pl.Float64},
    ).with_columns(pl.col("level").fill_null(NOT_FILLED))
    agg = df.group_by("level").agg(pl.len().alias("n"), pl.col("money").sum().alias("sum"))
    counts = dict(zip(agg["level"], agg["n"], strict=True))
    sums = dict(zip(agg["level"], agg["sum"], strict=True))
    return counts, sums


def test_office_adds_fields_and_a_source_fills_them_and_a_leader_pins_a_chart(
    app_and_db, _chromium
):
    url, db_url = app_and_db
    with Session(make_engine(db_url)) as s:
        dept01 = s.exec(select(AppUser).where(AppUser.username == "dept01")).one()
        unit = s.get(Department, dept01.department_id)
        unit_tasks = set(
            s.exec(select(Assignment.task_id).where(Assignment.department_id == unit.id)).all()
        )
        total = len(s.exec(select(Task.id)).all())
    assert 0 < len(unit_tasks) < total

    # ---- the office: two fields and a source in 系统管理
    ctx, page = _page(_chromium)
    login(page, url, "office")
    _nav(page, "系统管理")
    _tab(page, "自定义字段")
    _type(page, "cf_new_0_label", "投资额")
    _choose(page, "cf_new_0_kind", "数字")
    _type(page, "cf_new_0_unit", "万元")
    _click(page, "cf_new_0_add")
    expect(page.get_by_text("已新增字段“投资额”").first).to_be_visible()
    _type(page, "cf_new_1_label", "项目级别")
    _choose(page, "cf_new_1_kind", "单选")
    _type(page, "cf_new_1_options", "市级\n区级", area=True)
    _click(page, "cf_new_1_add")
    expect(page.get_by_text("已新增字段“项目级别”").first).to_be_visible()
    _tab(page, "事项来源")
    _type(page, "cat_new_0_name", "民生实事")
    form = page.get_by_test_id("stForm").filter(has=page.locator(_key("cat_new_0_name")))
    form.get_by_role("button", name="新增", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("已新增事项来源“民生实事”").first).to_be_visible()
    money, level = _field(db_url, "投资额"), _field(db_url, "项目级别")

    # ---- filled in bulk in 任务台账: the whole register, then one unit's tasks
    _nav(page, "任务台账")
    _bulk_set(page, "事项来源", "bs_value_category", "民生实事")
    _bulk_set(page, "项目级别", f"bs_value_{level.id}", "市级")
    _bulk_set(page, "投资额（万元）", f"bs_value_{money.id}", "100", number=True)
    _tab(page, "台账")
    _choose(page, "rf_dept", unit.name)
    expect(page.get_by_text(f"共 {len(unit_tasks)} 项").first).to_be_visible()
    _bulk_set(page, "项目级别", f"bs_value_{level.id}", "区级")
    _bulk_set(page, "投资额（万元）", f"bs_value_{money.id}", "250.5", number=True)
    ctx.close()

    with Session(make_engine(db_url)) as s:
        cat = s.exec(select(TaskCategory).where(TaskCategory.name == "民生实事")).one()
        stored = {t.id: (t.category_id, t.custom) for t in s.exec(select(Task)).all()}
    assert all(c == cat.id for c, _ in stored.values())
    assert {i for i, (_, c) in stored.items() if c.get(str(level.id)) == "区级"} == unit_tasks
    counts, sums = _expected(db_url, level.id, money.id)
    assert counts == {"市级": total - len(unit_tasks), "区级": len(unit_tasks)}

    # ---- a leader builds the chart grouped by 项目级别, saves and pins it
    ctx, page = _page(_chromium)
    login(page, url, "leader")
    _nav(page, "图表")
    _choose(page, "ch_group", "项目级别")
    main = page.locator(_key("ch_main_fig"))
    expect(main.locator(".js-plotly-plot")).to_be_visible()
    assert _drawn(main) == counts
    _choose(page, "ch_measure", "数字字段合计")
    expect(page.locator(f"{_key('ch_field')} input")).to_have_value("投资额")
    expect(main).to_contain_text("投资额")
    assert _drawn(main) == pytest.approx(sums)
    _type(page, "ch_name", "各级别投资额")
    _click(page, "ch_save_new")
    _click(page, "ch_pin_mine")
    expect(page.get_by_text("已固定图表“各级别投资额”").first).to_be_visible()

    with Session(make_engine(db_url)) as s:
        pin = s.exec(select(ChartPin)).one()
        leader = s.exec(select(AppUser).where(AppUser.username == "leader")).one()
    assert pin.user_id == leader.id
    _nav(page, "领导驾驶舱")
    expect(page.get_by_role("heading", name="固定的图表")).to_be_visible()
    expect(page.get_by_text("各级别投资额").first).to_be_visible()
    pinned = page.locator(_key(f"pin_{pin.id}_fig"))
    expect(pinned.locator(".js-plotly-plot")).to_be_visible()
    assert _drawn(pinned) == pytest.approx(sums)
    ctx.close()
