"""AppTest of the task form and detail with 事项来源 and 自定义字段: a widget per active field
of the plan, required ones enforced by the service (nothing written), values stored typed,
shown on the task's own screen, user text escaped."""

import datetime as dt

from sqlmodel import Session, select

from duban.core.db import make_engine
from duban.core.permissions import Actor
from duban.fields import categories, definitions
from duban.tasks import manage
from models import AppUser, AuditLog, Department, Plan, Task
from tests.apptest import errors, page_as, shown

FK = "new_new_0"  # the new-task form's widget keys


def _db(url: str) -> Session:
    return Session(make_engine(url), expire_on_commit=False)


def _office(s: Session) -> Actor:
    return Actor.of(s.exec(select(AppUser).where(AppUser.username == "office")).one())


def _save(at, fk: str = FK):
    return next(b for b in at.button if b.key == f"FormSubmitter:task_form_{fk}-保存")


def _setup(url: str) -> dict:
    """Fields for every plan (one required), one for another plan, and two categories, one
    retired."""
    with _db(url) as s:
        me = _office(s)
        plans = s.exec(select(Plan).order_by(Plan.id)).all()
        other = make_other_plan(s) if len(plans) < 2 else plans[1]
        made = {
            "amount": definitions.create_field(
                s,
                actor=me,
                label="投资额",
                kind="number",
                unit="万元",
                required=True,
                help="本年度**计划**投资",
            ),
            "level": definitions.create_field(
                s, actor=me, label="项目级别", kind="choice", options=["市级", "区级"]
            ),
            "start": definitions.create_field(s, actor=me, label="开工日期", kind="date"),
            "tags": definitions.create_field(
                s, actor=me, label="领域", kind="multi_choice", options=["教育", "医疗", "交通"]
            ),
            "key": definitions.create_field(s, actor=me, label="是否重点", kind="boolean"),
            "owner": definitions.create_field(s, actor=me, label="配合单位", kind="department"),
            "note": definitions.create_field(s, actor=me, label="备注", kind="long_text"),
            "elsewhere": definitions.create_field(
                s, actor=me, label="别的方案的字段", kind="text", plan_id=other.id
            ),
            "major": categories.create_category(s, actor=me, name="市委交办事项", weight=2),
            "old": categories.create_category(s, actor=me, name="旧来源"),
        }
        categories.set_retired(
            s, actor=me, category_id=made["old"].id, expected_version=1, retired=True
        )
        made["plan"] = plans[0]
        return made


def make_other_plan(s: Session) -> Plan:
    p = Plan(title="另一个实施方案")
    s.add(p)
    s.commit()
    return p


def test_a_new_task_needs_its_required_field_then_stores_typed_values(demo_db):
    f = _setup(demo_db)
    with _db(demo_db) as s:
        dept = s.exec(select(AppUser).where(AppUser.username == "dept02")).one().department_id
        tasks_before = len(s.exec(select(Task.id)).all())
    at = page_as("tasks", "office", "office")
    at.selectbox(key="new_plan").set_value(f["plan"].id).run()
    ids = {k: v.id for k, v in f.items() if k not in ("plan",)}
    # one widget per active field of the plan, the other plan's field absent
    assert at.number_input(key=f"{FK}_cf_{ids['amount']}").label == "投资额（万元） *"
    assert shown(at.number_input(key=f"{FK}_cf_{ids['amount']}").help) == "本年度**计划**投资"
    assert not [w for w in at.text_input if w.key == f"{FK}_cf_{ids['elsewhere']}"]
    # the retired category is not offered to a new task
    cat = at.selectbox(key=f"{FK}_category")
    assert cat.label == "事项来源" and ids["old"] not in cat.options
    assert at.selectbox(key=f"{FK}_cf_{ids['key']}").options == ["—", "是", "否"]
    at.text_input(key=f"{FK}_title").input("新建产业园区")
    at.selectbox(key=f"{FK}_cf_{ids['level']}").set_value("区级")
    _save(at).click().run()
    assert any("请填写必填项：投资额" in e for e in errors(at)), errors(at)
    with _db(demo_db) as s:
        assert len(s.exec(select(Task.id)).all()) == tasks_before
    assert at.selectbox(key=f"{FK}_cf_{ids['level']}").value == "区级"  # kept
    at.number_input(key=f"{FK}_cf_{ids['amount']}").set_value(1250.5)
    at.date_input(key=f"{FK}_cf_{ids['start']}").set_value(dt.date(2026, 3, 1))
    at.multiselect(key=f"{FK}_cf_{ids['tags']}").set_value(["交通", "教育"])
    at.selectbox(key=f"{FK}_cf_{ids['key']}").set_value(True)
    at.selectbox(key=f"{FK}_cf_{ids['owner']}").set_value(dept)
    at.text_area(key=f"{FK}_cf_{ids['note']}").input("![](http://10.0.0.1/x.png) 第一行\n第二行")
    at.selectbox(key=f"{FK}_category").set_value(ids["major"])
    _save(at).click().run()
    assert not at.exception and not errors(at), errors(at)
    with _db(demo_db) as s:
        task = s.exec(select(Task).where(Task.title == "新建产业园区")).one()
        assert task.category_id == ids["major"]
        assert task.custom == {
            str(ids["amount"]): 1250.5,
            str(ids["level"]): "区级",
            str(ids["start"]): "2026-03-01",
            str(ids["tags"]): ["教育", "交通"],  # in the field's order
            str(ids["key"]): True,
            str(ids["owner"]): dept,
            str(ids["note"]): "![](http://10.0.0.1/x.png) 第一行\n第二行",
        }
        assert s.exec(select(AuditLog).where(AuditLog.action == "task.create")).all()


def test_the_edit_form_keeps_a_retired_category_and_saves_only_changed_fields(demo_db):
    f = _setup(demo_db)
    ids = {k: v.id for k, v in f.items() if k != "plan"}
    with _db(demo_db) as s:
        me = _office(s)
        task = s.exec(
            select(Task).where(Task.plan_id == f["plan"].id, Task.status == "in_progress")
        ).first()
        task.category_id = ids["old"]  # given before the category was retired
        s.add(task)
        s.commit()
        manage.update_task(
            s,
            actor=me,
            task_id=task.id,
            expected_version=task.version,
            custom={ids["amount"]: 10, ids["level"]: "市级"},
        )
        # the office then takes 市级 away: the task keeps it, shown as it was
        level = definitions.update_field(
            s, actor=me, field_id=ids["level"], expected_version=1, options=["区级", "县级"]
        )
        assert level.options == ["区级", "县级"]
        task = s.get(Task, task.id)
    at = page_as("tasks", "office", "office")
    at.selectbox(key="open_task").set_value(task.id).run()
    fk = f"edit_{task.id}_{task.version}"
    cat = at.selectbox(key=f"{fk}_category")
    assert cat.value == ids["old"] and cat.format_func(ids["old"]) == "旧来源（已停用）"
    assert at.selectbox(key=f"{fk}_cf_{ids['level']}").value == "市级"
    assert at.number_input(key=f"{fk}_cf_{ids['amount']}").value == 10
    at.number_input(key=f"{fk}_cf_{ids['amount']}").set_value(20)
    _save(at, fk).click().run()
    assert not errors(at), errors(at)
    with _db(demo_db) as s:
        stored = s.get(Task, task.id)
        assert stored.category_id == ids["old"]
        assert stored.custom == {str(ids["amount"]): 20.0, str(ids["level"]): "市级"}
    # the detail shows the source and each field with a value, in words
    md = [shown(m.value).replace("**", "") for m in at.markdown]
    assert any("事项来源：旧来源" in m for m in md), md
    assert any("投资额：20 万元" in m for m in md), md
    assert any("项目级别：市级" in m for m in md), md


def test_the_detail_shows_values_as_text_never_as_markup(demo_db):
    f = _setup(demo_db)
    ids = {k: v.id for k, v in f.items() if k != "plan"}
    with _db(demo_db) as s:
        task = s.exec(
            select(Task).where(Task.plan_id == f["plan"].id, Task.status == "in_progress")
        ).first()
        dept = s.exec(select(AppUser).where(AppUser.username == "dept02")).one().department_id
        manage.update_task(
            s,
            actor=_office(s),
            task_id=task.id,
            expected_version=task.version,
            category_id=ids["major"],
            custom={
                ids["amount"]: 1234567,
                ids["key"]: "否",
                ids["tags"]: "医疗、教育",
                ids["owner"]: dept,
                ids["start"]: "2026-05-04",
                ids["note"]: "<b>粗</b> ![](http://10.0.0.1/x.png)",
            },
        )
        dept_name = s.get(Department, dept).name
    for user, role in (("leader", "leader"), ("office", "office")):
        at = page_as("tasks", user, role)
        at.selectbox(key="open_task").set_value(task.id).run()
        assert not at.exception and not errors(at), errors(at)
        raw = [m.value for m in at.markdown]
        md = [shown(m).replace("**", "") for m in raw]
        for words in (
            "事项来源：市委交办事项",
            "投资额：1,234,567 万元",
            "是否重点：否",
            "领域：教育、医疗",
            f"配合单位：{dept_name}",
            "开工日期：2026-05-04",
            "备注：<b>粗</b> ![](http://10.0.0.1/x.png)",
        ):
            assert any(words in m for m in md), (words, md)
        assert not any("<b>" in m or "](http" in m for m in raw)  # escaped in the source
        assert not any("项目级别" in m for m in md)  # no value: not listed
