"""AppTest of 批量调整 with 事项来源 and custom fields: the office sets a category and two
fields on several rows and saves once; only the edited cells are sent; a failing row shows
its error while the others are saved; a field of another plan is refused for a row."""

import datetime as dt

from sqlmodel import Session, select

from duban.core import db
from duban.core.db import make_engine
from duban.core.permissions import Actor
from duban.fields import categories, definitions
from models import AppUser, AuditLog, Plan, Task
from tests.apptest import errors, page_as
from ui.tasks.bulk import bulk_key


def _db(url: str) -> Session:
    return Session(make_engine(url), expire_on_commit=False)


def _office(s: Session) -> Actor:
    return Actor.of(s.exec(select(AppUser).where(AppUser.username == "office")).one())


def _editor(at):
    return next(d for d in at.dataframe if (d.key or "").startswith("bulk_"))


def _edit(at, url: str, edited_rows: dict) -> None:
    shown = at.dataframe[0].value  # the register: the bulk editor lists the same rows
    at.session_state[bulk_key(db.data_version(make_engine(url)), shown["task_id"])] = {
        "edited_rows": edited_rows,
        "added_rows": [],
        "deleted_rows": [],
    }
    at.button(key="bulk_save").click().run()


def test_category_and_two_fields_on_three_rows_saved_at_once(demo_db):
    with _db(demo_db) as s:
        me = _office(s)
        amount = definitions.create_field(s, actor=me, label="投资额", kind="number", unit="万元")
        area = definitions.create_field(
            s, actor=me, label="领域", kind="multi_choice", options=["教育", "医疗", "交通"]
        )
        untouched = definitions.create_field(s, actor=me, label="备注", kind="text")
        major = categories.create_category(s, actor=me, name="市委交办事项", weight=2)
    at = page_as("tasks", "office", "office")
    editor = _editor(at)
    cf_amount, cf_area = f"cf_{amount.id}", f"cf_{area.id}"
    assert {"category", cf_amount, cf_area, f"cf_{untouched.id}"} <= set(editor.value.columns)
    ids = [int(i) for i in at.dataframe[0].value["task_id"][:4]]
    with _db(demo_db) as s:
        before = {i: s.get(Task, i) for i in ids}
        updates = len(s.exec(select(AuditLog.id).where(AuditLog.action == "task.update")).all())
    rows = {
        n: {"category": "市委交办事项", cf_amount: 100.0 * (n + 1), cf_area: ["交通", "教育"]}
        for n in range(3)
    }
    # the fourth row also gets a deadline before its start: that row fails, the others save
    bad = before[ids[3]].start_date - dt.timedelta(days=1)
    rows[3] = {"category": "市委交办事项", cf_amount: 5.0, "deadline": bad.isoformat()}
    _edit(at, demo_db, rows)
    assert any("已保存 3 项任务" in s.value for s in at.success), [s.value for s in at.success]
    assert any("开始日期不能晚于完成时限" in e for e in errors(at)), errors(at)
    with _db(demo_db) as s:
        for n, task_id in enumerate(ids[:3]):
            task = s.get(Task, task_id)
            assert task.category_id == major.id
            assert task.custom == {
                **before[task_id].custom,
                str(amount.id): 100.0 * (n + 1),
                str(area.id): ["教育", "交通"],  # in the field's order
            }
            # the other columns of the row were not sent: nothing else changed
            assert (task.deadline, task.report_cycle) == (
                before[task_id].deadline,
                before[task_id].report_cycle,
            )
        assert s.get(Task, ids[3]).category_id == before[ids[3]].category_id
        assert s.get(Task, ids[3]).custom == before[ids[3]].custom
        after = len(s.exec(select(AuditLog.id).where(AuditLog.action == "task.update")).all())
        assert after == updates + 3
    # the editor now shows the saved values
    at.run()
    shown = _editor(at).value
    first = shown[shown["task_id"] == ids[0]].iloc[0]
    assert first["category"] == "市委交办事项" and first[cf_amount] == 100.0
    assert list(first[cf_area]) == ["教育", "交通"]


def test_kinds_round_trip_and_a_field_of_another_plan_is_refused_for_the_row(demo_db):
    with _db(demo_db) as s:
        me = _office(s)
        first_plan = s.exec(select(Plan)).first()
        other = Plan(title="另一个实施方案", issued_on=dt.date(2026, 1, 5))
        s.add(other)
        s.commit()
        due = definitions.create_field(s, actor=me, label="开工日期", kind="date")
        key = definitions.create_field(s, actor=me, label="是否重点", kind="boolean")
        level = definitions.create_field(
            s, actor=me, label="级别", kind="choice", options=["市级", "区级"]
        )
        unit = definitions.create_field(s, actor=me, label="配合单位", kind="department")
        theirs = definitions.create_field(
            s, actor=me, label="别处字段", kind="text", plan_id=other.id
        )
        dept = s.exec(select(AppUser).where(AppUser.username == "dept03")).one().department_id
        from models import Department

        dept_name = s.get(Department, dept).name
    at = page_as("tasks", "office", "office")
    table = at.dataframe[0].value
    ids = [int(i) for i in table["task_id"][:2]]
    with _db(demo_db) as s:
        assert {s.get(Task, i).plan_id for i in ids} == {first_plan.id}
    _edit(
        at,
        demo_db,
        {
            0: {
                f"cf_{due.id}": "2026-04-01",
                f"cf_{key.id}": True,
                f"cf_{level.id}": "区级",
                f"cf_{unit.id}": dept_name,
            },
            1: {f"cf_{theirs.id}": "不该填", f"cf_{key.id}": False},
        },
    )
    assert any("已保存 1 项任务" in s.value for s in at.success), [s.value for s in at.success]
    assert any("“别处字段”不适用于本方案的任务" in e for e in errors(at)), errors(at)
    with _db(demo_db) as s:
        assert s.get(Task, ids[0]).custom == {
            str(due.id): "2026-04-01",
            str(key.id): True,
            str(level.id): "区级",
            str(unit.id): dept,
        }
        assert s.get(Task, ids[1]).custom == {}  # the refused row changed nothing
    at.run()
    shown = _editor(at).value
    row = shown[shown["task_id"] == ids[0]].iloc[0]
    assert row[f"cf_{level.id}"] == "区级" and row[f"cf_{unit.id}"] == dept_name
    assert bool(row[f"cf_{key.id}"]) is True
