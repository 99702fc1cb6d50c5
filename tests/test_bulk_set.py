"""AppTest of 批量赋值: one value of 事项来源 or of a custom field for every task of the
register's view, through the task service (an audit row per task); a plan's own field skips
the other plans' tasks; a value that cannot be read changes nothing."""

from sqlmodel import Session, col, func, select

from duban.core.db import make_engine
from duban.core.permissions import Actor
from duban.fields import categories, definitions
from models import AppUser, AuditLog, Plan, Task
from tests.apptest import errors, page_as


def _db(url: str) -> Session:
    return Session(make_engine(url), expire_on_commit=False)


def _office(s: Session) -> Actor:
    return Actor.of(s.exec(select(AppUser).where(AppUser.username == "office")).one())


def _updates(s: Session) -> int:
    q = select(func.count()).select_from(AuditLog).where(AuditLog.action == "task.update")
    return s.exec(q).one()


def test_category_then_a_field_for_the_whole_view(demo_db):
    with _db(demo_db) as s:
        me = _office(s)
        cat = categories.create_category(s, actor=me, name="民生实事", weight=1.5)
        money = definitions.create_field(s, actor=me, label="投资额", kind="number", unit="万元")
        before = _updates(s)
    at = page_as("tasks", "office", "office")
    shown = [int(i) for i in at.dataframe[0].value["task_id"]]
    box = next(e for e in at.expander if "批量赋值" in e.label)
    assert str(len(shown)) in box.label
    at.selectbox(key="bs_what").set_value("category").run()
    at.selectbox(key="bs_value_category").set_value(cat.id).run()
    at.button(key="bs_apply").click().run()
    assert not errors(at), errors(at)
    assert any(f"已为 {len(shown)} 项任务设置" in m.value for m in at.success)
    with _db(demo_db) as s:
        got = s.exec(select(Task.id).where(Task.category_id == cat.id)).all()
        assert sorted(got) == sorted(shown)
        assert _updates(s) == before + len(shown)  # one audited service call per task

    at.selectbox(key="bs_what").set_value(money.id).run()
    at.number_input(key=f"bs_value_{money.id}").set_value(120.5).run()
    at.button(key="bs_apply").click().run()
    with _db(demo_db) as s:
        values = s.exec(select(Task.custom).where(col(Task.id).in_(shown))).all()
        assert all(v.get(str(money.id)) == 120.5 for v in values)


def test_a_plans_field_skips_other_plans_and_a_required_field_is_not_cleared(demo_db):
    with _db(demo_db) as s:
        me = _office(s)
        plan = s.exec(select(Plan).order_by(col(Plan.id))).first()
        other = Plan(title="另一个实施方案", phases=[])
        s.add(other)
        s.commit()
        s.add(Task(plan_id=other.id, title="别的方案的任务", code="X1"))
        s.commit()
        level = definitions.create_field(
            s, actor=me, label="级别", kind="choice", options=["市级", "区级"], plan_id=plan.id
        )
        ours = s.exec(select(Task.id).where(Task.plan_id == plan.id)).all()
    at = page_as("tasks", "office", "office")
    at.selectbox(key="bs_what").set_value(level.id).run()
    assert any("另有 1 项属于其他方案" in c.value for c in at.caption)
    at.selectbox(key=f"bs_value_{level.id}").set_value("区级").run()
    at.button(key="bs_apply").click().run()
    with _db(demo_db) as s:
        rows = dict(s.exec(select(Task.id, Task.custom)).all())
    assert {i for i, c in rows.items() if c.get(str(level.id)) == "区级"} == set(ours)

    with _db(demo_db) as s:
        definitions.update_field(
            s, actor=me, field_id=level.id, expected_version=level.version, required=True
        )
    at.run()
    at.selectbox(key="bs_what").set_value(level.id).run()
    at.selectbox(key=f"bs_value_{level.id}").set_value(None).run()  # empty: clear
    at.button(key="bs_apply").click().run()
    assert any("为必填项，不能清空" in e for e in errors(at)), errors(at)
    with _db(demo_db) as s:
        rows = dict(s.exec(select(Task.id, Task.custom)).all())
    assert all(rows[i].get(str(level.id)) == "区级" for i in ours)
