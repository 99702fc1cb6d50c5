"""Custom task fields and 督办事项来源: definitions, typed values, the register's columns,
and the task services that write them (permission, audit, retire keeps values)."""

import datetime as dt

import polars as pl
import pytest
from sqlmodel import select

from duban.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from duban.fields import categories, definitions, values
from duban.fields import frame as field_frame
from duban.tasks import manage, register
from models import AuditLog, CustomField, Role, Task, TaskStatus
from tests.factories import make_department, make_plan, make_task, make_user


def _field(**kw) -> CustomField:
    return CustomField(id=kw.pop("id", 1), label=kw.pop("label", "字段"), **kw)


@pytest.mark.parametrize(
    ("kind", "raw", "stored"),
    [
        ("text", "  投资主体 ", "投资主体"),
        ("number", "1,234.5", 1234.5),
        ("number", "１２万元", 12.0),
        ("number", 7, 7.0),
        ("date", "2026年3月1日", "2026-03-01"),
        ("date", "2026/3/31", "2026-03-31"),
        ("date", dt.datetime(2026, 4, 2, 8, 0), "2026-04-02"),
        ("choice", " 市级 ", "市级"),
        ("multi_choice", "区级、市级", ["市级", "区级"]),
        ("multi_choice", ["区级"], ["区级"]),
        ("boolean", "是", True),
        ("boolean", "否", False),
        ("boolean", "√", True),
        ("department", "公安局", 3),
        ("department", 3, 3),
        ("text", "", None),
        ("multi_choice", [], None),
    ],
)
def test_values_coerce_what_people_type(kind, raw, stored):
    f = _field(kind=kind, unit="万元" if kind == "number" else None, options=["市级", "区级"])
    assert values.coerce(f, raw, departments={3: ("市公安局", "公安局")}) == stored


@pytest.mark.parametrize(
    ("kind", "raw", "words"),
    [
        ("number", "十二", "应为数字"),
        ("number", "nan", "应为数字"),
        ("number", "1e400", "超出范围"),
        ("date", "2026-02-30", "应为日期"),
        ("date", "明天", "应为日期"),
        ("choice", "省级", "没有选项"),
        ("choice", ["市级", "区级"], "只能选一项"),
        ("boolean", "也许", "应填“是”或“否”"),
        ("department", "市不存在局", "没有名为"),
        ("department", 99, "不存在或已停用"),
        ("text", "a\x00b", "控制字符"),
    ],
)
def test_values_refuse_with_a_message_naming_the_field(kind, raw, words):
    f = _field(label="投资额", kind=kind, options=["市级", "区级"])
    with pytest.raises(ValidationFailed) as e:
        values.coerce(f, raw, departments={3: ("市公安局",)})
    assert words in str(e.value)
    if kind != "text":
        assert "投资额" in str(e.value)


def test_display_reads_back_in_both_languages():
    money = _field(kind="number", unit="万元")
    assert values.display(money, 1234.5) == "1,234.5 万元"
    assert values.display(money, 3000.0) == "3,000 万元"
    yes = _field(kind="boolean")
    assert values.display(yes, True) == "是" and values.display(yes, False, lang="en") == "No"
    multi = _field(kind="multi_choice", options=["甲", "乙"])
    assert values.display(multi, ["甲", "乙"]) == "甲、乙"
    assert values.display(_field(kind="department"), 3, departments={3: "市公安局"}) == "市公安局"
    assert values.display(money, None) == ""


def test_decode_gives_typed_columns_and_survives_bad_rows():
    fields = [
        _field(id=1, kind="number"),
        _field(id=2, kind="date"),
        _field(id=3, kind="multi_choice", options=["甲", "乙"]),
        _field(id=4, kind="boolean"),
        _field(id=5, kind="department"),
    ]
    raw = pl.Series(
        [
            '{"1": 2.5, "2": "2026-03-01", "3": ["甲"], "4": true, "5": 7}',
            "",
            None,
            '{"1": 3}',
            "{not json",
        ]
    )
    df = field_frame.decode(raw, fields)
    assert df.columns == ["cf_1", "cf_2", "cf_3", "cf_4", "cf_5"]
    assert df.schema["cf_2"] == pl.Date and df.schema["cf_3"] == pl.List(pl.String)
    assert df.row(0) == (2.5, dt.date(2026, 3, 1), ["甲"], True, 7)
    assert df["cf_1"].to_list() == [2.5, None, None, 3.0, None]


def test_office_defines_fields_and_only_the_office(session):
    _, office = make_user(session, Role.office)
    _, leader = make_user(session, Role.leader)
    plan = make_plan(session)
    with pytest.raises(PermissionDenied):
        definitions.create_field(session, actor=leader, label="投资额", kind="number")
    money = definitions.create_field(
        session, actor=office, label="投资额", kind="number", unit="万元", sort_order=1
    )
    level = definitions.create_field(
        session,
        actor=office,
        label="级别",
        kind="choice",
        options=["市级", "区级"],
        plan_id=plan.id,
    )
    assert [f.label for f in definitions.list_fields(session, plan_id=plan.id)] == [
        "级别",
        "投资额",
    ]
    for bad, words in [
        ({"label": "投资额", "kind": "text"}, "已有名为"),
        ({"label": "牵头单位", "kind": "text"}, "固定列名"),
        ({"label": "类别", "kind": "choice"}, "至少要有一个选项"),
        ({"label": "类别", "kind": "choice", "options": ["a", "A"]}, "重复"),
        ({"label": "", "kind": "text"}, "字段名称"),
        ({"label": "x", "kind": "formula"}, "取值不在允许范围内"),
    ]:
        with pytest.raises(ValidationFailed) as e:
            definitions.create_field(session, actor=office, **bad)
        assert words in str(e.value), bad
    with pytest.raises(ValidationFailed, match="类型创建后不能修改"):
        definitions.update_field(
            session, actor=office, field_id=money.id, expected_version=money.version, kind="text"
        )
    definitions.update_field(
        session, actor=office, field_id=level.id, expected_version=1, label="项目级别"
    )
    with pytest.raises(StaleEdit):
        definitions.update_field(
            session, actor=office, field_id=level.id, expected_version=1, label="级"
        )
    actions = session.exec(select(AuditLog.action).where(AuditLog.object_type == "custom_field"))
    assert sorted(actions.all()) == ["field.create", "field.create", "field.update"]


def test_task_values_are_written_through_the_task_service_and_survive_retiring(session, engine):
    _, office = make_user(session, Role.office)
    plan = make_plan(session)
    other = make_plan(session)
    police = make_department(session, name="市公安局", short_name="公安局")
    task = make_task(session, plan=plan, lead=police, status=TaskStatus.completed)
    money = definitions.create_field(session, actor=office, label="投资额", kind="number")
    unit = definitions.create_field(session, actor=office, label="配合单位", kind="department")
    elsewhere = definitions.create_field(
        session, actor=office, label="他方案", kind="text", plan_id=other.id
    )
    cat = categories.create_category(session, actor=office, name="重大项目", weight=2)
    # classification stays editable after 销号; other edits do not
    manage.update_task(
        session,
        actor=office,
        task_id=task.id,
        expected_version=task.version,
        category_id=cat.id,
        custom={money.id: "1,200", str(unit.id): "公安局"},
    )
    session.refresh(task)
    assert task.custom == {str(money.id): 1200.0, str(unit.id): police.id}
    assert task.category_id == cat.id
    with pytest.raises(ValidationFailed, match="不适用于本方案"):
        manage.update_task(
            session,
            actor=office,
            task_id=task.id,
            expected_version=task.version,
            custom={elsewhere.id: "x"},
        )
    with pytest.raises(ValidationFailed, match="不能再编辑"):
        manage.update_task(
            session, actor=office, task_id=task.id, expected_version=task.version, title="改"
        )
    audit = session.exec(
        select(AuditLog).where(AuditLog.action == "task.update", AuditLog.object_id == str(task.id))
    ).one()
    assert audit.after["custom"] == {str(money.id): 1200.0, str(unit.id): police.id}
    # the log names the fields and says the values in words, not as ids
    assert "事项来源：重大项目" in audit.note
    assert "投资额：空 → 1,200" in audit.note and "配合单位：空 → 市公安局" in audit.note

    df = register.base_frame(engine)
    row = df.filter(pl.col("task_id") == task.id).row(0, named=True)
    assert row[f"cf_{money.id}"] == 1200.0 and row[f"cf_{unit.id}"] == police.id
    assert row["category"] == "重大项目" and row["category_weight"] == 2.0

    definitions.set_retired(
        session, actor=office, field_id=money.id, expected_version=money.version, retired=True
    )
    df = register.base_frame(engine)
    assert f"cf_{money.id}" not in df.columns  # hidden …
    session.refresh(task)
    assert task.custom[str(money.id)] == 1200.0  # … and kept
    session.refresh(money)
    definitions.set_retired(
        session, actor=office, field_id=money.id, expected_version=money.version, retired=False
    )
    df = register.base_frame(engine)
    assert df.filter(pl.col("task_id") == task.id)[f"cf_{money.id}"].item() == 1200.0


def test_required_fields_on_create_and_categories(session):
    _, office = make_user(session, Role.office)
    plan = make_plan(session)
    definitions.create_field(session, actor=office, label="项目编码", kind="text", required=True)
    data = dict(plan_id=plan.id, title="新任务", deadline=dt.date(2026, 12, 31))
    with pytest.raises(ValidationFailed, match="请填写必填项：项目编码"):
        manage.create_task(session, actor=office, **data)
    assert categories.ensure_defaults(session) == len(categories.DEFAULTS)
    assert categories.ensure_defaults(session) == 0
    first = categories.list_categories(session)[0]
    categories.set_retired(
        session, actor=office, category_id=first.id, expected_version=1, retired=True
    )
    with pytest.raises(ValidationFailed, match="不存在或已停用"):
        manage.create_task(
            session, actor=office, category_id=first.id, custom={"1": "XM-01"}, **data
        )
    task = manage.create_task(session, actor=office, custom={"1": "XM-01"}, **data)
    assert session.get(Task, task.id).custom == {"1": "XM-01"}
    with pytest.raises(ValidationFailed, match="已有名为“会议议定事项”"):
        categories.create_category(session, actor=office, name="会议议定事项 ")
