"""The seeds and the low-code data: the demo's tasks carry plausible 督办事项来源 (all weighing
1, no custom field); the large seed fills ten custom fields of every kind and a source on
every task, and they decode in the register with their types."""

import datetime as dt

import polars as pl
from sqlmodel import select

from duban.core import clock
from duban.fields import categories, definitions
from duban.fields import frame as field_frame
from duban.seed import _story, demo, large
from duban.tasks import register
from models import CustomField, Department, FieldKind, Task, TaskCategory


def test_demo_tasks_have_plausible_categories(session):
    demo.seed_demo(session, today=dt.date(2026, 11, 23))
    cats = {c.id: c for c in categories.list_categories(session, include_retired=True)}
    assert {c.name for c in cats.values()} == set(categories.DEFAULTS)
    assert all(c.weight == 1 for c in cats.values())  # the demo's assessment does not move
    tasks = session.exec(select(Task).order_by(Task.id)).all()
    assert tasks and all(t.category_id in cats for t in tasks)
    names = [cats[t.category_id].name for t in tasks if t.parent_id is None]
    # mostly the year's key work, a few from instructions, meetings and major projects
    assert names.count("年度重点工作") > len(names) / 2
    for source in ("领导批示交办", "会议议定事项", "重大项目"):
        assert 1 <= names.count(source) <= 5, source
    by_title = {t.title: cats[t.category_id].name for t in tasks}
    assert by_title["开展工程建设项目审批制度改革试点"] == "重大项目"
    assert by_title["开展政务服务窗口作风整治"] == "领导批示交办"
    parents = {t.id: t for t in tasks}
    for sub in (t for t in tasks if t.parent_id is not None):  # a subtask takes its parent's
        assert sub.category_id == parents[sub.parent_id].category_id
    assert len(_story.CATEGORY_OF) < len(_story.DEMO_TASKS) / 2
    # the office adds its own fields in the browser test: the demo has none
    assert session.exec(select(CustomField)).all() == []


def test_large_seed_custom_fields_decode_with_their_types(engine, session):
    today = dt.date(2026, 11, 23)
    with clock.frozen(today):
        counts = large.seed_large(
            session, today=today, departments=12, tasks=400, per_task=2, inspections=10
        )
    assert counts["custom_field"] == 10 and counts["task"] == 400
    fields = definitions.list_fields(session)
    kinds = [FieldKind(f.kind) for f in fields]
    assert set(kinds) == set(FieldKind)  # every kind, the two numbers with their units
    assert [f.unit for f in fields if f.kind == FieldKind.number] == ["万元", "件"]
    tasks = session.exec(select(Task)).all()
    cat_names = {c.id: c.name for c in session.exec(select(TaskCategory)).all()}
    assert all(t.category_id in cat_names for t in tasks)
    assert {cat_names[t.category_id] for t in tasks} >= {"年度重点工作", "重大项目"}

    df = register.base_frame(engine, today=today)
    assert df.height == 400
    expected = {
        FieldKind.number: pl.Float64,
        FieldKind.date: pl.Date,
        FieldKind.choice: pl.String,
        FieldKind.multi_choice: pl.List(pl.String),
        FieldKind.department: pl.Int64,
        FieldKind.boolean: pl.Boolean,
        FieldKind.text: pl.String,
        FieldKind.long_text: pl.String,
    }
    dept_ids = set(session.exec(select(Department.id)).all())
    for f in fields:
        s = df.get_column(field_frame.column(f))
        assert s.dtype == expected[FieldKind(f.kind)], f.label
        filled = s.drop_nulls()
        assert 0.7 * 400 < filled.len() < 0.97 * 400, f.label  # most tasks, not all
        if f.kind in (FieldKind.choice, FieldKind.multi_choice):
            values = filled.explode() if f.kind == FieldKind.multi_choice else filled
            assert set(values.to_list()) <= set(f.options), f.label
        if f.kind == FieldKind.department:
            assert set(filled.to_list()) <= dept_ids, f.label
    # what each task stored reads back the same through the register's decoding
    stored = {t.id: t.custom for t in tasks}
    for row in df.head(50).iter_rows(named=True):
        for f in fields:
            raw = stored[row["task_id"]].get(str(f.id))
            got = row[field_frame.column(f)]
            if f.kind == FieldKind.date and raw is not None:
                raw = dt.date.fromisoformat(raw)
            assert got == raw, (f.label, row["task_id"])
