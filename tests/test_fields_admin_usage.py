"""How many tasks hold a value of each custom field: one SQL count per field (SQLite and
PostgreSQL), what 系统管理 › 自定义字段 shows beside each field."""

from duban.fields import definitions, usage
from duban.tasks import manage
from models import Role
from tests.factories import make_department, make_plan, make_task, make_user


def test_value_counts_count_tasks_with_a_stored_value(session):
    _, office = make_user(session, Role.office)
    plan = make_plan(session)
    amount = definitions.create_field(session, actor=office, label="投资额", kind="number")
    flag = definitions.create_field(session, actor=office, label="重点", kind="boolean")
    tags = definitions.create_field(
        session, actor=office, label="标签", kind="multi_choice", options=["甲", "乙"]
    )
    unused = definitions.create_field(session, actor=office, label="备注", kind="text")
    lead = make_department(session)
    tasks = [make_task(session, plan=plan, lead=lead) for _ in range(4)]
    for i, task in enumerate(tasks):
        custom = {amount.id: i * 10}  # 0 is a value
        if i < 2:
            custom[flag.id] = False  # so is 否
        if i == 3:
            custom[tags.id] = ["乙"]
        manage.update_task(
            session, actor=office, task_id=task.id, expected_version=task.version, custom=custom
        )
    # a value cleared is no longer counted
    manage.update_task(
        session,
        actor=office,
        task_id=tasks[0].id,
        expected_version=tasks[0].version,
        custom={amount.id: ""},
    )
    counts = usage.value_counts(session, [amount, flag, tags, unused])
    assert counts == {amount.id: 3, flag.id: 2, tags.id: 1, unused.id: 0}
    # retired fields keep their values, and their count
    definitions.set_retired(
        session, actor=office, field_id=flag.id, expected_version=flag.version, retired=True
    )
    assert usage.value_counts(session, [flag]) == {flag.id: 2}
    assert usage.value_counts(session, []) == {}
