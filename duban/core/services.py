"""The write discipline every service follows: load, check version, change, audit, commit."""

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import text as sql
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, SQLModel

from duban.core import text
from duban.core.errors import DubanError, NotFound, StaleEdit, ValidationFailed

T = TypeVar("T", bound=SQLModel)
M = TypeVar("M", bound=BaseModel)


@contextlib.contextmanager
def write(session: Session) -> Iterator[Session]:
    """One transaction for one service call: commit on success; on any error roll back.

    A concurrent UPDATE that lost the optimistic-lock race (StaleDataError) becomes StaleEdit,
    so the user is told and nothing is overwritten.
    """
    try:
        yield session
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise StaleEdit() from exc
    except BaseException:
        session.rollback()
        raise


def get_or_404(session: Session, model: type[T], pk, what: str = "记录") -> T:
    obj = session.get(model, pk)
    if obj is None:
        raise NotFound(f"{what}不存在（编号 {pk}）。")
    return obj


def take_write_lock(session: Session) -> None:
    """On SQLite, start the transaction with a write so it holds the database write lock.

    SQLite has no row locks, and pysqlite opens the transaction only at the first write: a
    row read before it may be overwritten by another writer in between. A first write of
    nothing (the data version set to itself) waits for the lock (busy_timeout) and makes every
    later read current. No-op on PostgreSQL, which locks rows (`get_for_update`).
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sql("UPDATE data_version SET version = version WHERE id = 1"))


def get_for_update(session: Session, model: type[T], pk, what: str = "记录") -> T:
    """The row as it is now, locked until the transaction ends (or NotFound).

    For writes that derive a row's fields from what others may be writing at the same moment
    (a report touching its task, 签收): the second writer waits for the first and then reads
    its result, instead of failing on the version it loaded too early. PostgreSQL: SELECT …
    FOR NO KEY UPDATE (inserts referring to the row are not blocked); SQLite: the database
    write lock. Lock a task before its assignments, as every service does, so two writers
    never wait for each other.
    """
    take_write_lock(session)
    obj = session.get(model, pk, with_for_update={"key_share": True}, populate_existing=True)
    if obj is None:
        raise NotFound(f"{what}不存在（编号 {pk}）。")
    return obj


class Versioned(Protocol):
    """A row with an optimistic-lock counter (``models.common.versioned``)."""

    version: int


def check_version(obj: Versioned, expected_version: int | None) -> None:
    """Refuse the write when the user edited an older version of the row."""
    if expected_version is not None and obj.version != expected_version:
        raise StaleEdit()


def form_errors(exc: Exception) -> str:
    """A pydantic ValidationError as one Chinese sentence per field."""
    if not isinstance(exc, ValidationError):
        return str(exc)
    parts = []
    for err in exc.errors():
        field = ".".join(str(x) for x in err.get("loc", ())) or "输入"
        parts.append(f"{FIELD_LABELS.get(field, field)}：{_msg(err)}")
    return "；".join(parts)


def _msg(err: Mapping[str, Any]) -> str:
    t = err.get("type", "")
    ctx = err.get("ctx") or {}
    if t == "string_too_short":
        return "不能为空" if ctx.get("min_length") == 1 else f"至少 {ctx.get('min_length')} 个字符"
    if t == "string_too_long":
        return f"不能超过 {ctx.get('max_length')} 个字符"
    if t == "string_pattern_mismatch":
        return "只能使用小写字母、数字、下划线、点和连字符"
    if t in ("missing",):
        return "必填"
    if t.startswith(("int_", "float_")):
        return "必须是数字"
    if t.startswith("date"):
        return "日期格式不正确"
    if t == "enum":
        return "取值不在允许范围内"
    if t in ("greater_than_equal", "greater_than"):
        return f"不能小于 {ctx.get('ge', ctx.get('gt'))}"
    if t in ("less_than_equal", "less_than"):
        return f"不能大于 {ctx.get('le', ctx.get('lt'))}"
    return err.get("msg", "格式不正确")


FIELD_LABELS = {
    "name": "名称",
    "short_name": "简称",
    "username": "用户名",
    "display_name": "姓名",
    "role": "角色",
    "password": "密码",
    "title": "标题",
    "code": "编号",
    "deadline": "完成时限",
    "percent": "进度",
    "reason": "理由",
    "description": "说明",
    "email": "电子邮箱",
    "phase": "阶段",
    "milestones.title": "节点名称",
    "targets.text": "指标名称",
    "targets.unit": "指标单位",
    "label": "字段名称",
    "kind": "类型",
    "unit": "计量单位",
    "options": "选项",
    "help": "填写说明",
    "weight": "权重",
    "sort_order": "排序",
    "category_id": "事项来源",
}


def validated(model: type[M], data: dict) -> M:
    """`model.model_validate(data)`, with failures turned into a Chinese ValidationFailed.

    Text with a control character (a NUL …) is refused here too, before the service uses it
    in a query: PostgreSQL refuses a NUL even in a WHERE clause.
    """
    try:
        form = model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(form_errors(exc)) from exc
    _refuse_controls(form.model_dump())
    return form


def _refuse_controls(value: Any, path: str = "") -> None:
    """Every string of a validated form; `path` names it (``milestones.title``)."""
    if isinstance(value, str):
        label = FIELD_LABELS.get(path) or FIELD_LABELS.get(path.rsplit(".", 1)[-1], path)
        text.check_text(value, label or "输入", limit=None)
    elif isinstance(value, dict):
        for k, v in value.items():
            _refuse_controls(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list | tuple):
        for v in value:
            _refuse_controls(v, path)


__all__ = [
    "DubanError",
    "check_version",
    "form_errors",
    "get_for_update",
    "get_or_404",
    "take_write_lock",
    "validated",
    "write",
]
