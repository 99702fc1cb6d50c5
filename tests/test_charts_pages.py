"""图表 under AppTest: every role renders it; the office builds and saves a chart; a leader
pins a chart and the dashboard shows it; another user's private chart by link is refused."""

import pytest
from sqlmodel import Session, select

from duban.charts import saved
from duban.core.db import make_engine
from duban.core.permissions import Actor
from models import AppUser, SavedChart
from tests.apptest import DEMO_USERS, errors, page_as


def _actor(url: str, username: str) -> tuple:
    engine = make_engine(url)
    s = Session(engine, expire_on_commit=False)
    user = s.exec(select(AppUser).where(AppUser.username == username)).one()
    return s, engine, Actor.of(user)


@pytest.mark.parametrize("username", list(DEMO_USERS))
def test_charts_page_renders_for_every_role(demo_db, username):
    at = page_as("charts", username, DEMO_USERS[username])
    assert not at.exception, at.exception
    assert at.selectbox(key="ch_dataset").value == "tasks"
    # the chart's data table is on the page (what a reader, and the browser test, reads)
    assert at.dataframe, "no data table"
    table = at.dataframe[0].value
    assert table.shape[0] > 0


def test_office_builds_and_saves_a_shared_chart(demo_db):
    import polars as pl

    from duban.tasks import register

    at = page_as("charts", "office", "office")
    at.selectbox(key="ch_group").set_value("status").run()
    at.selectbox(key="ch_split").set_value("colour").run()
    assert at.selectbox(key="ch_type").value == "stacked"
    at.text_input(key="ch_name").input("各状态亮灯").run()
    at.selectbox(key="ch_share").set_value("leader").run()
    at.button(key="ch_save_new").click().run()
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    s, engine, _office = _actor(demo_db, "office")
    chart = s.exec(select(SavedChart)).one()
    assert chart.name == "各状态亮灯" and chart.shared_role == "leader"
    assert chart.spec["group_by"] == "status" and chart.spec["split_by"] == "colour"
    assert at.query_params.get("chart") in (str(chart.id), [str(chart.id)])
    # the cross table on the page equals a plain polars count over the register
    shown = pl.from_pandas(at.dataframe[0].value)
    reg = register.base_frame(engine)
    expected = reg.group_by("status_label", "colour_label").len()
    light = {"红": "红灯", "黄": "黄灯", "绿": "绿灯", "蓝": "已办结", "灰": "未开始/中止"}
    for status_label, colour_label, n in expected.iter_rows():
        row = shown.filter(pl.col("任务状态") == status_label)
        assert row.height == 1, status_label
        assert row[light[colour_label]][0] == n, (status_label, colour_label)
    assert shown.select(pl.exclude("任务状态")).sum_horizontal().sum() == reg.height
    # 新建图表 leaves the saved chart; 打开 comes back to it
    at.button(key="ch_new").click().run()
    assert not at.exception, at.exception
    assert "chart" not in at.query_params and at.text_input(key="ch_name").value == ""
    assert at.selectbox(key="ch_group").value != "status"
    at.button(key=f"ch_open_{chart.id}").click().run()
    assert at.selectbox(key="ch_group").value == "status"
    assert at.text_input(key="ch_name").value == "各状态亮灯"
    s.close()
    engine.dispose()


def test_a_leader_pins_a_chart_and_the_dashboard_shows_it(demo_db):
    at = page_as("charts", "leader", "leader")
    at.selectbox(key="ch_group").set_value("phase").run()
    at.text_input(key="ch_name").input("阶段任务数").run()
    at.button(key="ch_save_new").click().run()
    assert not errors(at), errors(at)
    at.button(key="ch_pin_mine").click().run()
    assert not at.exception, at.exception
    assert any("已固定" in m.value for m in at.success)
    at.switch_page("pages/dashboard.py")
    at.run()
    assert not at.exception, at.exception
    assert any(h.value == "固定的图表" for h in at.subheader)
    assert any("阶段任务数" in m.value for m in at.markdown)
    links = [p.proto for p in at.get("page_link") if "在图表中打开" in p.proto.label]
    assert links and "chart=" in links[0].query_string
    # 取消固定 takes it off
    unpin = [b for b in at.button if b.key and b.key.startswith("ch_unpin_")]
    unpin[0].click().run()
    assert not any(h.value == "固定的图表" for h in at.subheader)


def test_office_pins_a_shared_chart_to_the_leaders_dashboard(demo_db):
    """Through the page: the office saves a chart shared with leaders and pins it to the
    leader role's dashboard; a leader sees it there, marked as the role's, without 取消固定."""
    from models import ChartPin

    at = page_as("charts", "office", "office")
    at.selectbox(key="ch_group").set_value("category").run()
    at.text_input(key="ch_name").input("各来源任务数").run()
    at.selectbox(key="ch_share").set_value("leader").run()
    at.button(key="ch_save_new").click().run()
    assert not errors(at), errors(at)
    at.selectbox(key="ch_pin_role_pick").set_value("leader").run()
    at.button(key="ch_pin_role").click().run()
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    s, engine, _office = _actor(demo_db, "office")
    chart = s.exec(select(SavedChart).where(SavedChart.name == "各来源任务数")).one()
    pin = s.exec(select(ChartPin).where(ChartPin.chart_id == chart.id)).one()
    assert pin.role == "leader" and pin.user_id is None
    s.close()
    engine.dispose()

    lead = page_as("dashboard", "leader", "leader")
    assert not lead.exception, lead.exception
    assert any(h.value == "固定的图表" for h in lead.subheader)
    assert any("各来源任务数" in m.value and "（领导驾驶舱）" in m.value for m in lead.markdown)
    assert not [b for b in lead.button if b.key == f"ch_unpin_{pin.id}"]
    # an inspector's dashboard does not have it
    insp = page_as("dashboard", "inspector", "inspector")
    assert not any("各来源任务数" in m.value for m in insp.markdown)


def test_a_link_to_another_users_private_chart_is_refused(demo_db):
    s, engine, office = _actor(demo_db, "office")
    chart = saved.save_chart(s, actor=office, name="办公室私有", spec={"group_by": "colour"})
    s.close()
    engine.dispose()
    at = page_as("charts", "leader", "leader")
    at.query_params["chart"] = str(chart.id)
    at.run()
    assert not at.exception, at.exception
    assert any("无权查看该图表" in e for e in errors(at))
    assert at.text_input(key="ch_name").value != "办公室私有"


def test_grouped_by_a_multiple_choice_field_and_retired_later(demo_db):
    import polars as pl

    from duban.fields import definitions
    from models import Task

    s, engine, office = _actor(demo_db, "office")
    field = definitions.create_field(
        s, actor=office, label="改革领域", kind="multi_choice", options=["审批", "监管", "服务"]
    )
    picks = [["审批"], ["审批", "监管"], ["服务"], [], ["监管", "服务", "审批"]]
    tasks = s.exec(select(Task).order_by(Task.id)).all()
    for task, chosen in zip(tasks, picks, strict=False):
        if chosen:
            task.custom = {str(field.id): chosen}
            s.add(task)
    s.commit()
    at = page_as("charts", "leader", "leader")
    at.selectbox(key="ch_group").set_value(f"cf_{field.id}").run()
    assert not at.exception, at.exception
    shown = dict(pl.from_pandas(at.dataframe[0].value).iter_rows())
    expected: dict[str, int] = {}
    for chosen in picks:
        for option in chosen:
            expected[option] = expected.get(option, 0) + 1
    expected["（未填）"] = len(tasks) - sum(1 for p in picks if p)
    assert shown == expected
    assert any("为多选" in c.value for c in at.caption)
    at.text_input(key="ch_name").input("按领域").run()
    at.button(key="ch_save_new").click().run()
    chart = s.exec(select(SavedChart)).one()
    # the office retires the field: the saved chart says so instead of failing
    field = definitions.set_retired(
        s, actor=office, field_id=field.id, expected_version=field.version, retired=True
    )
    at.query_params["chart"] = str(chart.id)
    at.run()
    assert not at.exception, at.exception
    assert any("字段“改革领域”已停用" in w.value for w in at.warning)
    s.close()
    engine.dispose()


def test_a_unit_head_sees_its_pinned_chart_under_its_tasks(demo_db):
    at = page_as("charts", "dept01", "dept_head")
    assert any("只含本单位的数据" in c.value for c in at.caption)
    at.text_input(key="ch_name").input("本单位亮灯").run()
    at.button(key="ch_save_new").click().run()
    at.button(key="ch_pin_mine").click().run()
    assert not errors(at), errors(at)
    at.switch_page("pages/my_tasks.py")
    at.run()
    assert not at.exception, at.exception
    assert any(h.value == "固定的图表" for h in at.subheader)
    assert any("本单位亮灯" in m.value for m in at.markdown)
