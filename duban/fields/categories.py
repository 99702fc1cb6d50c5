"""督办事项来源 (task categories): a built-in choice every task may carry, with the common
sources preset, editable by the office, used in the register's and dashboard's filters and in
the assessment (a category's weight multiplies the task's weight)."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator
from sqlmodel import Session, col, func, select

from duban.core import audit, clock, text
from duban.core.errors import ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import check_version, get_or_404, validated, write
from models import Task, TaskCategory

# The sources plans and supervision offices commonly name (督办事项来源).
DEFAULTS = (
    "年度重点工作",
    "会议议定事项",
    "领导批示交办",
    "重大项目",
    "人大建议政协提案",
    "上级督办事项",
    "群众反映问题",
)


class CategoryIn(BaseModel):
    name: str = Field(min_length=1, max_length=40)
    weight: float = Field(default=1.0, ge=0, le=10)
    sort_order: int = Field(default=0, ge=-10_000, le=10_000)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return text.clean_name(v, "事项来源", limit=40)


def ensure_defaults(session: Session) -> int:
    """Insert the common sources into an installation that has no category yet (idempotent:
    once the office has any category, retired ones included, nothing is added). Returns how
    many were added."""
    if session.exec(select(func.count()).select_from(TaskCategory)).one():
        return 0
    now = clock.now()
    for i, name in enumerate(DEFAULTS):
        session.add(TaskCategory(name=name, sort_order=(i + 1) * 10, created_at=now))
    session.commit()
    return len(DEFAULTS)


def _check_name(session: Session, name: str, category_id: int | None) -> None:
    key = text.name_key(name)
    for c in session.exec(select(TaskCategory)).all():
        if c.id != category_id and text.name_key(c.name) == key:
            state = "（已停用，可恢复）" if c.retired_at else ""
            raise ValidationFailed(f"已有名为“{c.name}”的事项来源{state}。")


def create_category(session: Session, *, actor: Actor, **data) -> TaskCategory:
    require(actor, "field.manage")
    form = validated(CategoryIn, data)
    with write(session):
        _check_name(session, form.name, None)
        cat = TaskCategory(**form.model_dump(), created_at=clock.now())
        session.add(cat)
        audit.record(session, actor, "category.create", cat, note=cat.name)
    return cat


def update_category(
    session: Session, *, actor: Actor, category_id: int, expected_version: int, **changes
) -> TaskCategory:
    """Rename (tasks follow: they refer to it by id), reweigh, reorder."""
    require(actor, "field.manage")
    unknown = set(changes) - set(CategoryIn.model_fields)
    if unknown:
        raise ValidationFailed(f"不能修改这些字段：{', '.join(sorted(unknown))}")
    with write(session):
        cat = get_or_404(session, TaskCategory, category_id, "事项来源")
        check_version(cat, expected_version)
        current = {k: getattr(cat, k) for k in CategoryIn.model_fields}
        form = validated(CategoryIn, {**current, **changes})
        _check_name(session, form.name, cat.id)
        before = audit.snapshot(cat)
        for k, v in form.model_dump().items():
            setattr(cat, k, v)
        session.add(cat)
        audit.record(session, actor, "category.update", cat, before=before, note=cat.name)
    return cat


def set_retired(
    session: Session, *, actor: Actor, category_id: int, expected_version: int, retired: bool
) -> TaskCategory:
    """停用: no longer offered for new choices; tasks that have it keep it (and its weight)."""
    require(actor, "field.manage")
    with write(session):
        cat = get_or_404(session, TaskCategory, category_id, "事项来源")
        check_version(cat, expected_version)
        if retired == (cat.retired_at is not None):
            return cat
        before = audit.snapshot(cat)
        cat.retired_at = clock.now() if retired else None
        session.add(cat)
        action = "category.retire" if retired else "category.restore"
        audit.record(session, actor, action, cat, before=before, note=cat.name)
    return cat


def list_categories(session: Session, *, include_retired: bool = False) -> list[TaskCategory]:
    q = select(TaskCategory)
    if not include_retired:
        q = q.where(col(TaskCategory.retired_at).is_(None))
    return list(session.exec(q.order_by(col(TaskCategory.sort_order), col(TaskCategory.id))).all())


def check_choice(session: Session, category_id: int | None, current: int | None) -> None:
    """A task may take an active category, or keep the (possibly retired) one it has."""
    if category_id is None or category_id == current:
        return
    cat = session.get(TaskCategory, category_id)
    if cat is None or cat.retired_at is not None:
        raise ValidationFailed(f"事项来源（编号 {category_id}）不存在或已停用。")


def task_counts(session: Session) -> dict[int, int]:
    """How many tasks carry each category (shown beside it in 系统管理)."""
    rows = session.exec(
        select(Task.category_id, func.count())
        .where(col(Task.category_id).is_not(None))
        .group_by(col(Task.category_id))
    ).all()
    return {int(c): int(n) for c, n in rows if c is not None}
