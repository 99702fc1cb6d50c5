"""How many tasks hold a value of each custom field (shown beside the field in 系统管理): one
SQL query over Task.custom, a count per field, never a Python loop over the tasks."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Integer, case, cast, func
from sqlmodel import Session, col, select

from models import CustomField, Task


def value_counts(session: Session, fields: Iterable[CustomField]) -> dict[int, int]:
    """{field id: tasks with a stored value}. An empty input is stored as absent (see
    duban.fields.values), so "has a value" is "the key is there"; retired fields count too
    (their values are kept)."""
    ids = [f.id for f in fields if f.id is not None]
    if not ids:
        return {}
    custom = col(Task.custom)
    counts = [
        func.coalesce(
            func.sum(cast(case((custom[str(i)].as_string().is_not(None), 1), else_=0), Integer)),
            0,
        )
        for i in ids
    ]
    # a Row even for one column (Session.exec would give the bare number)
    row = session.connection().execute(select(*counts)).one()
    return {i: int(n or 0) for i, n in zip(ids, row, strict=True)}
