"""AppTest of saved views on 任务台账: the office filters by a custom field and 事项来源, saves
the view shared with leaders; the link tasks?view=ID opens it for a leader in a fresh app, and
shows another office user (for whom it is private) a message and the plain register."""

from sqlmodel import Session, select

from duban.core.db import make_engine
from duban.core.permissions import Actor
from duban.fields import categories, definitions
from duban.tasks import manage
from models import AppUser, Role, SavedView, Task
from tests.apptest import app_as, page_as
from tests.factories import PW_HASH


def _db(url):
    return Session(make_engine(url), expire_on_commit=False)


def _setup(url) -> dict:
    """Two custom fields and a category on the demo; a few tasks carry values."""
    with _db(url) as s:
        office = Actor.of(s.exec(select(AppUser).where(AppUser.username == "office")).one())
        money = definitions.create_field(
            s, actor=office, label="投资额", kind="number", unit="万元"
        )
        level = definitions.create_field(
            s, actor=office, label="层级", kind="choice", options=["市级", "区级"]
        )
        cat = categories.create_category(s, actor=office, name="专项督办", weight=2)
        tasks = s.exec(select(Task).order_by(Task.id)).all()
        for i, task in enumerate(tasks[:6]):
            manage.update_task(
                s,
                actor=office,
                task_id=task.id,
                expected_version=task.version,
                category_id=cat.id if i % 2 == 0 else None,
                custom={money.id: 100 * (i + 1), level.id: "市级" if i < 3 else "区级"},
            )
        s.add(
            AppUser(
                username="office2", display_name="办公室二", role=Role.office, password_hash=PW_HASH
            )
        )
        s.commit()
        total = len(tasks)
    return {"money": money, "level": level, "cat": cat, "total": total}


def _columns(at) -> list[str]:
    """The table's shown columns (task_id travels hidden)."""
    return [c for c in at.dataframe[0].value.columns if c != "task_id"]


def _open_link(username: str, role: str, view_id: int):
    at = app_as(username, role)
    at.run()
    at.switch_page("pages/tasks.py")
    at.query_params["view"] = str(view_id)
    at.run()
    assert not at.exception, at.exception
    return at


def test_office_saves_a_shared_view_that_a_leader_opens_by_its_link(demo_db):
    f = _setup(demo_db)
    at = page_as("tasks", "office", "office")
    assert not at.exception, at.exception
    total = len(at.dataframe[0].value)
    cols = list(at.dataframe[0].value.columns)
    assert f"cf_{f['money'].id}" in cols and "category" in cols  # shown by default
    at.multiselect(key="rf_cat").set_value([f["cat"].id]).run()
    at.multiselect(key=f"rf_cf_{f['level'].id}").set_value(["市级"]).run()
    at.number_input(key=f"rf_cf_{f['money'].id}_lo").set_value(150).run()
    assert not at.exception, at.exception
    view = at.dataframe[0].value
    # tasks 1..6 carry values; category on 1, 3, 5; 市级 on 1..3; ≥150 万元 from task 2: task 3
    assert len(view) == 1 and view[f"cf_{f['money'].id}"].tolist() == [300]
    assert "更多筛选（已设 2 项）" in [e.label for e in at.expander]
    at.multiselect(key="rf_cols").set_value(["code", "title", f"cf_{f['money'].id}"]).run()
    at.selectbox(key="rf_sort").set_value("deadline")
    at.radio(key="rf_desc").set_value(True).run()
    assert _columns(at) == ["code", "title", f"cf_{f['money'].id}"]

    at.text_input(key="rf_view_name").input("市级专项").run()
    at.selectbox(key="rf_view_share").set_value("leader").run()
    next(b for b in at.button if b.key == "rf_view_save").click().run()
    assert not at.exception, at.exception
    with _db(demo_db) as s:
        saved = s.exec(select(SavedView)).one()
    assert saved.name == "市级专项" and saved.shared_role == "leader"
    assert saved.state["sort"] == "deadline" and saved.state["descending"] is True
    assert at.query_params["view"] in (str(saved.id), [str(saved.id)])
    assert at.selectbox(key="rf_view").value == saved.id
    assert any(f"tasks?view={saved.id}" in c.value for c in at.code)

    leader = _open_link("leader", "leader", saved.id)
    assert not leader.warning
    shown = leader.dataframe[0].value
    assert _columns(leader) == ["code", "title", f"cf_{f['money'].id}"]
    assert shown[f"cf_{f['money'].id}"].tolist() == [300]
    assert leader.multiselect(key="rf_cat").value == [f["cat"].id]
    assert leader.selectbox(key="rf_view").value == saved.id

    # shared with leaders only: another office user does not see it
    other = _open_link("office2", "office", saved.id)
    assert any("不存在或未共享给您" in w.value for w in other.warning)
    assert len(other.dataframe[0].value) == total
    assert other.selectbox(key="rf_view").value is None


def test_a_private_view_link_tells_another_user_and_shows_the_plain_register(demo_db):
    _setup(demo_db)
    at = page_as("tasks", "office", "office")
    total = len(at.dataframe[0].value)
    at.multiselect(key="rf_colour").set_value(["red"]).run()
    red = len(at.dataframe[0].value)
    assert 0 < red < total
    at.text_input(key="rf_view_name").input("红灯").run()
    next(b for b in at.button if b.key == "rf_view_save").click().run()
    with _db(demo_db) as s:
        saved = s.exec(select(SavedView)).one()
    assert saved.shared_role is None

    again = _open_link("office", "office", saved.id)  # the owner, in a fresh app
    assert len(again.dataframe[0].value) == red and not again.warning
    other = _open_link("office2", "office", saved.id)
    assert any("不存在或未共享给您" in w.value for w in other.warning)
    assert len(other.dataframe[0].value) == total
    leader = _open_link("leader", "leader", saved.id)
    assert any("不存在或未共享给您" in w.value for w in leader.warning)

    # the owner sorts the view by deadline, latest first, updates it, then deletes it
    again.selectbox(key="rf_sort").set_value("deadline")
    again.radio(key="rf_desc").set_value(True).run()
    dl = list(again.dataframe[0].value["deadline"])
    assert dl == sorted(dl, reverse=True) and len(set(dl)) > 1
    key = f"rf_view_{saved.id}_{saved.version}"
    next(b for b in again.button if b.key == f"{key}_update").click().run()
    assert not again.exception, again.exception
    with _db(demo_db) as s:
        saved = s.get(SavedView, saved.id)
    assert saved.state["sort"] == "deadline" and saved.state["colours"] == ["red"]
    key = f"rf_view_{saved.id}_{saved.version}"
    again.checkbox(key=f"{key}_sure").check().run()
    next(b for b in again.button if b.key == f"{key}_delete").click().run()
    assert not again.exception, again.exception
    with _db(demo_db) as s:
        assert s.exec(select(SavedView)).all() == []
    assert "view" not in again.query_params
    assert again.selectbox(key="rf_view").value is None
