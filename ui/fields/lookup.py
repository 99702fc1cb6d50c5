"""The office's fields and categories as the task screens read them (cached per data version),
with their words in the UI language."""

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from duban.fields import categories, definitions, values
from duban.org import departments
from duban.tasks import reading
from models import CustomField, FieldKind, TaskCategory
from ui.context import data_version, lang, session, t

KIND_KEYS = {
    FieldKind.text: "fields.kind.text",
    FieldKind.long_text: "fields.kind.long_text",
    FieldKind.number: "fields.kind.number",
    FieldKind.date: "fields.kind.date",
    FieldKind.choice: "fields.kind.choice",
    FieldKind.multi_choice: "fields.kind.multi_choice",
    FieldKind.department: "fields.kind.department",
    FieldKind.boolean: "fields.kind.boolean",
}


@dataclass
class Lookup:
    fields: list[CustomField]  # every field, retired ones too, in display order
    categories: list[TaskCategory]  # every category, retired ones too, in display order
    depts: dict[int, str]  # the active units (a department field's choices)
    dept_names: dict[int, str]  # every unit, inactive ones too (a stored value's name)
    plans: dict[int, str] = field(default_factory=dict)

    def active_fields(self, plan_id: int | None = None, *, any_plan: bool = False) -> list:
        """The active fields; of one plan's tasks (its own and those for all plans), or all of
        them with any_plan."""
        return [
            f
            for f in self.fields
            if f.retired_at is None and (any_plan or definitions.applies(f, plan_id))
        ]

    def category(self, category_id: int | None) -> TaskCategory | None:
        return next((c for c in self.categories if c.id == category_id), None)


@st.cache_data(show_spinner=False, max_entries=4)
def _lookup(version: int) -> Lookup:
    with session() as db:
        fields = definitions.list_fields(db, include_retired=True)
        cats = categories.list_categories(db, include_retired=True)
        depts = departments.list_departments(db, include_inactive=True)
        plans = reading.list_plans(db)
    return Lookup(
        fields=fields,
        categories=cats,
        depts={d.id: d.name for d in depts if d.active and d.id is not None},
        dept_names={d.id: d.name for d in depts if d.id is not None},
        plans={p.id: p.title for p in plans if p.id is not None},
    )


def lookup() -> Lookup:
    return _lookup(data_version())


def kind_label(f: CustomField) -> str:
    return t(KIND_KEYS[FieldKind(f.kind)])


def field_label(f: CustomField) -> str:
    """The field's name with its unit ("投资额（万元）"), as a column header or label (raw
    text: escape it where Markdown reads it)."""
    return t("fields.with_unit", label=f.label, unit=f.unit) if f.unit else f.label


def category_label(c: TaskCategory) -> str:
    return t("fields.category_retired", name=c.name) if c.retired_at else c.name


def value_text(f: CustomField, value: Any, lk: Lookup) -> str:
    """A stored value in words (raw text: escape it where Markdown reads it)."""
    return values.display(f, value, lang=lang(), departments=lk.dept_names)
