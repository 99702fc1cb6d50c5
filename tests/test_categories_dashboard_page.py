"""AppTest of 领导驾驶舱 with 督办事项来源: the 按事项来源 table on the demo, its links, and the
source filter from and to the URL."""

from sqlmodel import Session, select

from duban.core import db
from models import Task, TaskCategory
from tests.apptest import app_as, errors, page_as


def _total(at) -> int:
    return int({m.label: m.value for m in at.metric}["任务总数"])


def _by_category(at):
    found = [df.value for df in at.dataframe if "category" in df.value.columns]
    assert len(found) == 1
    return found[0]


def _demo_counts(demo_db) -> tuple[dict[str, int], dict[str, int]]:
    with Session(db.make_engine(demo_db)) as s:
        ids = {c.name: c.id for c in s.exec(select(TaskCategory)).all()}
        tasks = s.exec(select(Task)).all()
        counts = {
            name: sum(
                1 for t in tasks if t.category_id == cid and t.status not in ("draft", "cancelled")
            )
            for name, cid in ids.items()
        }
    return ids, counts


def test_the_breakdown_by_source_and_its_links(demo_db):
    ids, counts = _demo_counts(demo_db)
    at = page_as("dashboard", "leader", "leader")
    assert not at.exception and not errors(at), (at.exception, errors(at))
    table = _by_category(at)
    got = dict(zip(table["category"], table["tasks"], strict=True))
    assert got == {name: n for name, n in counts.items() if n}
    assert sum(got.values()) == _total(at)
    major = table[table["category"] == "重大项目"].iloc[0]
    assert major["open"] == f"dashboard?cat={ids['重大项目']}"
    assert 0 <= major["red"] <= major["tasks"] and 0 <= major["overdue"] <= major["tasks"]


def test_the_source_filter_comes_from_and_goes_to_the_url(demo_db):
    ids, counts = _demo_counts(demo_db)
    at = app_as("leader", "leader")
    at.run()
    at.switch_page("pages/dashboard.py")
    at.query_params["cat"] = str(ids["重大项目"])
    at.run()
    assert not at.exception and not errors(at), (at.exception, errors(at))
    assert at.selectbox(key="dash_cat").value == ids["重大项目"]
    assert _total(at) == counts["重大项目"]
    assert list(_by_category(at)["category"]) == ["重大项目"]
    at.selectbox(key="dash_cat").set_value(ids["年度重点工作"]).run()
    assert at.query_params.get("cat") in (str(ids["年度重点工作"]), [str(ids["年度重点工作"])])
    assert _total(at) == counts["年度重点工作"]
    [b for b in at.button if b.label == "重置"][0].click().run()
    assert "cat" not in at.query_params and _total(at) == sum(counts.values())


def test_a_link_to_an_unknown_source_is_ignored(demo_db):
    at = app_as("leader", "leader")
    at.run()
    at.switch_page("pages/dashboard.py")
    at.query_params.update({"cat": "none"})  # the demo has no task without a source
    at.run()
    assert not at.exception and not errors(at)
    assert at.selectbox(key="dash_cat").value is None
    assert _total(at) == 32
