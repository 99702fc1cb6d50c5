"""AppTest of 简洁视图 (issue 17): the dashboard's cards tell what its table tells, 我的任务
puts the first action first, the task detail puts the essentials first, and the switch is
remembered per user."""

from sqlmodel import Session, select

from duban.core import db
from duban.core.permissions import Actor
from duban.org import preferences
from models import AppUser, Assignment, Department, Task
from tests.apptest import app_as, errors, page_as, shown


def _compact(demo_db, username: str, value: bool | None = True) -> None:
    with Session(db.make_engine(demo_db)) as s:
        user = s.exec(select(AppUser).where(AppUser.username == username)).one()
        preferences.set_compact_view(s, actor=Actor.of(user), value=value)


def _ok(at) -> None:
    assert not at.exception and not errors(at), (at.exception, errors(at))


def _markdown(at) -> list[str]:
    return [shown(m.value) for m in at.markdown]


def test_the_red_cards_say_what_the_red_table_says(demo_db):
    wide = page_as("dashboard", "leader", "leader")
    _ok(wide)
    table = next(df.value for df in wide.dataframe if "overdue_wd" in df.value.columns)
    _compact(demo_db, "leader")
    at = page_as("dashboard", "leader", "leader")
    _ok(at)
    assert not [df for df in at.dataframe if "overdue_wd" in df.value.columns]  # no wide table
    # one card per red task, worst first, each with its button to the task
    opens = [b.key for b in at.button if (b.key or "").startswith("dash_open_")]
    ids = [int(k.removeprefix("dash_open_")) for k in opens]
    assert ids == [int(u.split("=")[1]) for u in table["open"]][:10]
    texts = _markdown(at)
    for _, row in table.head(10).iterrows():
        title = f"**{row['code']} {row['title']}**"
        at_card = texts.index(title)
        facts = texts[at_card + 1]
        assert facts.startswith(row["lead_name"])
        assert f"逾期 {int(row['overdue_wd'])} 个工作日" in facts or row["overdue_wd"] == 0
    # the filters fold into one line that names them; the KPI figures are the same
    assert [e.label for e in at.expander if "筛选" in e.label] == ["筛选：全部任务"]
    assert {m.label: m.value for m in at.metric} == {m.label: m.value for m in wide.metric}


def test_the_filter_line_names_the_chosen_unit(demo_db):
    _compact(demo_db, "leader")
    at = page_as("dashboard", "leader", "leader")
    with Session(db.make_engine(demo_db)) as s:
        unit_id = s.exec(select(AppUser).where(AppUser.username == "dept01")).one().department_id
        name = s.get(Department, unit_id).name
    at.selectbox(key="dash_dept").set_value(unit_id).run()
    at.toggle(key="dash_missed").set_value(True).run()
    _ok(at)
    assert [e.label for e in at.expander if "筛选" in e.label] == [f"筛选：{name} · 仅看未按期报送"]


def _dept01_assignments(demo_db, *, acknowledged: bool) -> list[Assignment]:
    """dept01's unit's assignments, acknowledged or waiting for 签收."""
    with Session(db.make_engine(demo_db)) as s:
        unit = s.exec(select(AppUser).where(AppUser.username == "dept01")).one().department_id
        acked = Assignment.acknowledged_at
        return list(
            s.exec(
                select(Assignment).where(
                    Assignment.department_id == unit,
                    acked.is_not(None) if acknowledged else acked.is_(None),
                )
            ).all()
        )


def test_my_tasks_puts_the_first_action_first(demo_db):
    _compact(demo_db, "dept01")
    at = page_as("my_tasks", "dept01", "dept_head")
    _ok(at)
    assert not at.metric  # the counts are one line, not five cards
    waiting = _dept01_assignments(demo_db, acknowledged=False)
    (line,) = [m for m in _markdown(at) if m.startswith("待办：")]
    assert f"待签收 **{len(waiting)}**" in line
    first = at.button[0]
    assert first.label == "签收" and first.key.startswith("sec_ack_")
    assert int(first.key.removeprefix("sec_ack_")) in {a.id for a in waiting}
    first.click().run()
    _ok(at)
    with Session(db.make_engine(demo_db)) as s:
        acked = [s.get(Assignment, a.id) for a in waiting]
        assert sum(a.acknowledged_at is not None for a in acked) == 1


def test_the_task_detail_puts_the_essentials_first(demo_db):
    _compact(demo_db, "dept01")
    mine = _dept01_assignments(demo_db, acknowledged=True)
    at = app_as("dept01", "dept_head")
    at.run()
    at.switch_page("pages/my_tasks.py")
    at.query_params["task"] = str(mine[1].task_id)
    at.run()
    _ok(at)
    with Session(db.make_engine(demo_db)) as s:
        task = s.get(Task, mine[1].task_id)
    texts = _markdown(at)
    last = texts.index("##### 最近一次填报")
    status = [m for m in texts[:last] if f" · 完成时限 {task.deadline.isoformat()}" in m]
    assert len(status) == 1 and status[0].startswith("**推进中"), texts[:last]
    labels = [e.label for e in at.expander]
    for folded in ("任务内容", "节点、指标与延期"):
        assert folded in labels
    assert any(lbl.startswith("承办单位（") for lbl in labels)
    assert [t.label for t in at.toggle if t.label == "📷 拍照作为佐证"]
    # the wide units table (单位, 签收用时…) is drawn as lines instead
    assert not [df for df in at.dataframe if "签收用时（小时）" in df.value.columns]
    wide = app_as("dept01", "dept_head")  # the same task in the full layout has that table
    _compact(demo_db, "dept01", False)
    wide.run()
    wide.switch_page("pages/my_tasks.py")
    wide.query_params["task"] = str(mine[1].task_id)
    wide.run()
    assert [df for df in wide.dataframe if "签收用时（小时）" in df.value.columns]


def _home(username: str, role: str):
    """The user's first page (AppTest keeps the sidebar in its tree only before a
    switch_page; the leader's and the office's first page is the dashboard)."""
    at = app_as(username, role)
    at.run()
    return at


def test_the_switch_is_remembered_for_the_user(demo_db):
    at = _home("leader", "leader")
    _ok(at)
    assert at.toggle(key="compact_view").value is False  # a computer (no phone User-Agent)
    at.toggle(key="compact_view").set_value(True).run()
    _ok(at)
    assert not [df for df in at.dataframe if "overdue_wd" in df.value.columns]  # cards now
    assert any((b.key or "").startswith("dash_open_") for b in at.button)
    with Session(db.make_engine(demo_db)) as s:
        user = s.exec(select(AppUser).where(AppUser.username == "leader")).one()
        assert preferences.compact_view(s, actor=Actor.of(user)) is True
    again = _home("leader", "leader")  # a new session of the same user
    assert again.toggle(key="compact_view").value is True
    other = _home("office", "office")
    assert other.toggle(key="compact_view").value is False
