"""AppTest of 系统管理 › 自定义字段 and 事项来源: the office adds, edits (against the version
the form opened with), retires and restores fields and categories; a refusal changes nothing."""

from sqlmodel import Session, select

from duban.core.db import make_engine
from duban.core.permissions import Actor
from duban.fields import categories, definitions
from duban.tasks import manage
from models import AppUser, AuditLog, CustomField, Task, TaskCategory
from tests.apptest import errors, page_as

STALE = "已被他人修改"


def _db(url: str) -> Session:
    return Session(make_engine(url), expire_on_commit=False)


def _office(s: Session) -> Actor:
    return Actor.of(s.exec(select(AppUser).where(AppUser.username == "office")).one())


def _button(at, label: str):
    matches = [b for b in at.button if b.label == label]
    assert len(matches) == 1, [b.label for b in at.button]
    return matches[0]


def _submit(at, form: str):
    """The submit button of one st.form (several tabs have a 保存)."""
    return next(b for b in at.button if b.key.startswith(f"FormSubmitter:{form}-"))


def _table(at, column: str, n: int = 0):
    """The n-th table with that column (the fields in use, then the retired ones)."""
    return [d.value for d in at.dataframe if column in d.value.columns][n]


def _audits(s: Session, action: str) -> int:
    return len(s.exec(select(AuditLog.id).where(AuditLog.action == action)).all())


def test_the_office_sees_both_tabs_and_adds_a_number_field(demo_db):
    at = page_as("admin", "office", "office")
    labels = [x.label for x in at.tabs]
    assert "自定义字段" in labels and "事项来源" in labels
    at.text_input(key="cf_new_0_label").input("投资额")
    at.selectbox(key="cf_new_0_kind").set_value("number").run()
    at.text_input(key="cf_new_0_unit").input("万元")  # shown for numbers only
    at.checkbox(key="cf_new_0_required").check()
    at.text_input(key="cf_new_0_help").input("本年度计划投资")
    _button(at, "新增字段").click().run()
    assert not at.exception and not errors(at), errors(at)
    assert any("已新增字段“投资额”" in s.value for s in at.success)
    with _db(demo_db) as s:
        f = s.exec(select(CustomField).where(CustomField.label == "投资额")).one()
        assert (f.kind, f.unit, f.required, f.help, f.plan_id) == (
            "number",
            "万元",
            True,
            "本年度计划投资",
            None,
        )
        assert _audits(s, "field.create") == 1
    table = _table(at, "有值的任务")
    row = table[table["名称"] == "投资额"].iloc[0]
    assert (row["类型"], row["范围"], row["必填"], row["有值的任务"]) == (
        "数字",
        "全部方案",
        "是",
        0,
    )
    # the add form is fresh again
    assert at.text_input(key="cf_new_1_label").value == ""


def test_a_choice_field_for_one_plan_and_a_refused_name(demo_db):
    with _db(demo_db) as s:
        plan = s.exec(select(Task.plan_id)).first()
        from models import Plan

        title = s.get(Plan, plan).title
    at = page_as("admin", "office", "office")
    assert not [w for w in at.text_area if w.key == "cf_new_0_options"]
    at.text_input(key="cf_new_0_label").input("项目级别")
    at.selectbox(key="cf_new_0_kind").set_value("choice").run()
    at.text_area(key="cf_new_0_options").input("市级\n区级\n\n 省级 ")
    at.selectbox(key="cf_new_0_scope").set_value(plan)
    _button(at, "新增字段").click().run()
    assert not errors(at), errors(at)
    with _db(demo_db) as s:
        f = s.exec(select(CustomField).where(CustomField.label == "项目级别")).one()
        assert (f.options, f.plan_id) == (["市级", "区级", "省级"], plan)
    table = _table(at, "有值的任务")
    assert table[table["名称"] == "项目级别"].iloc[0]["范围"] == title
    # a built-in column's name is refused, in Chinese, and nothing is written
    at.text_input(key="cf_new_1_label").input("状态")
    _button(at, "新增字段").click().run()
    assert any("台账的固定列名" in e for e in errors(at)), errors(at)
    assert at.text_input(key="cf_new_1_label").value == "状态"  # what was typed stays
    with _db(demo_db) as s:
        assert len(s.exec(select(CustomField)).all()) == 1


def _make_field(url: str, **kw) -> CustomField:
    with _db(url) as s:
        return definitions.create_field(s, actor=_office(s), **kw)


def test_a_stale_field_edit_is_refused_and_keeps_what_was_typed(demo_db):
    f = _make_field(demo_db, label="投资额", kind="number", unit="万元")
    at = page_as("admin", "office", "office")
    at.selectbox(key="cf_pick").set_value(f.id).run()
    fk = f"cf_{f.id}_{f.version}"
    # the kind is shown, with why it cannot change, and is not an input
    assert any("字段类型：数字（创建后不能修改" in c.value for c in at.caption)
    assert not [w for w in at.selectbox if w.key == f"{fk}_kind"]
    with _db(demo_db) as s:  # meanwhile another administrator renames it
        definitions.update_field(
            s, actor=_office(s), field_id=f.id, expected_version=f.version, label="总投资"
        )
        audits = _audits(s, "field.update")
    at.text_input(key=f"{fk}_label").input("计划投资")
    at.text_input(key=f"{fk}_unit").input("亿元")
    _submit(at, f"{fk}_form").click().run()
    assert any(STALE in e for e in errors(at)), errors(at)
    with _db(demo_db) as s:
        stored = s.get(CustomField, f.id)
        assert (stored.label, stored.unit) == ("总投资", "万元")
        assert _audits(s, "field.update") == audits
    assert at.text_input(key=f"{fk}_label").value == "计划投资"
    at.button(key=f"cf_{f.id}_reload").click().run()
    fk2 = f"cf_{f.id}_{f.version + 1}"
    assert at.text_input(key=f"{fk2}_label").value == "总投资"
    at.text_input(key=f"{fk2}_unit").input("亿元")
    _submit(at, f"{fk2}_form").click().run()
    assert not errors(at), errors(at)
    with _db(demo_db) as s:
        assert s.get(CustomField, f.id).unit == "亿元"


def test_retiring_a_field_needs_a_tick_and_keeps_its_values(demo_db):
    f = _make_field(demo_db, label="是否重点", kind="boolean")
    with _db(demo_db) as s:
        task = s.exec(select(Task).where(Task.status == "in_progress")).first()
        manage.update_task(
            s,
            actor=_office(s),
            task_id=task.id,
            expected_version=task.version,
            custom={f.id: "是"},
        )
    at = page_as("admin", "office", "office")
    table = _table(at, "有值的任务")
    assert table[table["名称"] == "是否重点"].iloc[0]["有值的任务"] == 1
    at.selectbox(key="cf_pick").set_value(f.id).run()
    _button(at, "停用此字段").click().run()
    assert any("请先勾选确认" in w.value for w in at.warning)
    with _db(demo_db) as s:
        assert s.get(CustomField, f.id).retired_at is None
    at.checkbox(key=f"cf_toggle_ok_{f.id}_{f.version}").check()
    _button(at, "停用此字段").click().run()
    assert not errors(at), errors(at)
    with _db(demo_db) as s:
        assert s.get(CustomField, f.id).retired_at is not None
        assert s.get(Task, task.id).custom == {str(f.id): True}
    # listed apart, with its count, under the note that values are kept
    assert any("已停用的字段：值保留，恢复后重新显示" in c.value for c in at.caption)
    assert len([d for d in at.dataframe if "有值的任务" in d.value.columns]) == 1
    retired = _table(at, "有值的任务")
    assert list(retired["名称"]) == ["是否重点"] and retired.iloc[0]["已停用"] == "是"
    assert retired.iloc[0]["有值的任务"] == 1
    at.checkbox(key=f"cf_toggle_ok_{f.id}_{f.version + 1}").check()
    _button(at, "恢复此字段").click().run()
    with _db(demo_db) as s:
        assert s.get(CustomField, f.id).retired_at is None


def test_the_office_adds_reweighs_and_retires_a_category(demo_db):
    at = page_as("admin", "office", "office")
    # the demo has the common sources preset (categories.DEFAULTS, sort orders 10, 20 …)
    assert _table(at, "考核权重")["名称"].to_list()[:2] == list(categories.DEFAULTS[:2])
    at.text_input(key="cat_new_0_name").input("市委交办事项")
    at.number_input(key="cat_new_0_weight").set_value(2.5)
    _button(at, "新增").click().run()
    assert not errors(at), errors(at)
    with _db(demo_db) as s:
        cat = s.exec(select(TaskCategory).where(TaskCategory.name == "市委交办事项")).one()
        assert cat.weight == 2.5
        assert _audits(s, "category.create") == 1
        task = s.exec(select(Task).where(Task.status == "in_progress")).first()
        manage.update_task(
            s, actor=_office(s), task_id=task.id, expected_version=task.version, category_id=cat.id
        )
    at.run()
    table = _table(at, "考核权重")
    assert table.iloc[0].to_dict() == {
        "名称": "市委交办事项",
        "考核权重": 2.5,
        "排序": 0,
        "任务数": 1,
        "状态": "在用",
    }
    # out of range: refused by the widget's bounds; a duplicate name: by the service
    at.text_input(key="cat_new_1_name").input(" 市委交办事项 ")
    _button(at, "新增").click().run()
    assert any("已有名为“市委交办事项”的事项来源" in e for e in errors(at)), errors(at)
    # a stale rename is refused
    at.selectbox(key="cat_pick").set_value(cat.id).run()
    fk = f"cat_{cat.id}_{cat.version}"
    with _db(demo_db) as s:
        categories.update_category(
            s, actor=_office(s), category_id=cat.id, expected_version=cat.version, weight=3
        )
    at.text_input(key=f"{fk}_name").input("市委交办事项（重点）")
    _submit(at, f"{fk}_form").click().run()
    assert any(STALE in e for e in errors(at)), errors(at)
    with _db(demo_db) as s:
        stored = s.get(TaskCategory, cat.id)
        assert (stored.name, stored.weight) == ("市委交办事项", 3)
    assert at.text_input(key=f"{fk}_name").value == "市委交办事项（重点）"
    at.button(key=f"cat_{cat.id}_reload").click().run()
    at.checkbox(key=f"cat_toggle_ok_{cat.id}_{cat.version + 1}").check()
    _button(at, "停用此来源").click().run()
    assert not errors(at), errors(at)
    with _db(demo_db) as s:
        assert s.get(TaskCategory, cat.id).retired_at is not None
        assert s.get(Task, task.id).category_id == cat.id  # the task keeps it
    assert _table(at, "考核权重").iloc[0]["状态"] == "已停用"
