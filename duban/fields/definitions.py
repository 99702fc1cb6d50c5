"""Custom task fields (自定义字段): the office defines them in 系统管理, per plan or for every
plan. A field is never deleted: retiring hides it and keeps every stored value."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator
from sqlmodel import Session, col, or_, select

from duban.core import audit, clock, text
from duban.core.errors import ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import check_version, get_or_404, validated, write
from duban.fields.values import KIND_LABELS
from models import CustomField, FieldKind, Plan

ACTIVE_MAX = 40  # active fields in one scope: a register with more is no longer read
OPTIONS_MAX = 100
CHOICE_KINDS = (FieldKind.choice, FieldKind.multi_choice)

# The register's own columns: a custom field may not take one of their names.
BUILT_IN_LABELS = (
    "编号",
    "任务",
    "任务名称",
    "阶段",
    "牵头单位",
    "责任单位",
    "状态",
    "预警",
    "预警原因",
    "报送频次",
    "进度",
    "原定时限",
    "当前时限",
    "完成时限",
    "延期次数",
    "逾期工作日",
    "最近填报",
    "事项来源",
    "上级任务",
    "说明",
    "权重",
)


class FieldIn(BaseModel):
    label: str = Field(min_length=1, max_length=40)
    kind: FieldKind
    unit: str | None = Field(default=None, max_length=20)
    options: list[str] = Field(default_factory=list)
    required: bool = False
    help: str = Field(default="", max_length=200)
    sort_order: int = Field(default=0, ge=-10_000, le=10_000)
    plan_id: int | None = None

    @field_validator("label")
    @classmethod
    def _label(cls, v: str) -> str:
        return text.clean_name(v, "字段名称", limit=40)

    @field_validator("unit")
    @classmethod
    def _unit(cls, v: str | None) -> str | None:
        return text.clean_name(v, "计量单位", limit=20) or None if v is not None else None

    @field_validator("help")
    @classmethod
    def _help(cls, v: str) -> str:
        return v.strip()

    @field_validator("options")
    @classmethod
    def _options(cls, v: list[str]) -> list[str]:
        out: list[str] = []
        seen: set[str] = set()
        for o in v:
            name = text.clean_name(str(o), "选项", limit=40)
            if not name:
                continue
            key = text.name_key(name)
            if key in seen:
                raise ValueError(f"选项“{name}”重复")
            seen.add(key)
            out.append(name)
        return out


def _check(session: Session, form: FieldIn, field_id: int | None) -> None:
    if form.kind in CHOICE_KINDS:
        if not form.options:
            raise ValidationFailed(f"“{KIND_LABELS[form.kind]}”字段至少要有一个选项。")
        if len(form.options) > OPTIONS_MAX:
            raise ValidationFailed(f"选项不能超过 {OPTIONS_MAX} 个。")
    elif form.options:
        form.options = []
    if form.kind != FieldKind.number:
        form.unit = None
    if form.plan_id is not None:
        plan = session.get(Plan, form.plan_id)
        if plan is None or plan.importing_at is not None:
            raise ValidationFailed("所属实施方案不存在。")
    key = text.name_key(form.label)
    if key in {text.name_key(b) for b in BUILT_IN_LABELS}:
        raise ValidationFailed(f"“{form.label}”是台账的固定列名，请换一个名称。")
    # a name may be used once among the fields a task of the scope shows
    q = select(CustomField).where(col(CustomField.retired_at).is_(None))
    if form.plan_id is not None:  # a field for every plan meets all of them
        q = q.where(or_(col(CustomField.plan_id).is_(None), CustomField.plan_id == form.plan_id))
    others = session.exec(q).all()
    others = [f for f in others if f.id != field_id]
    if any(text.name_key(f.label) == key for f in others):
        raise ValidationFailed(f"已有名为“{form.label}”的字段。")
    same_scope = [f for f in others if f.plan_id == form.plan_id]
    if field_id is None and len(same_scope) >= ACTIVE_MAX:
        raise ValidationFailed(f"同一范围内的字段不能超过 {ACTIVE_MAX} 个，可先停用不用的字段。")


def _note(field: CustomField) -> str:
    scope = f"方案 {field.plan_id}" if field.plan_id else "全部方案"
    return f"{field.label}（{KIND_LABELS[FieldKind(field.kind)]}，{scope}）"


def create_field(session: Session, *, actor: Actor, **data) -> CustomField:
    """A new field; it shows at once in the task form, the register and the Excel sheets."""
    require(actor, "field.manage")
    form = validated(FieldIn, data)
    with write(session):
        _check(session, form, None)
        field = CustomField(**form.model_dump(), created_at=clock.now())
        session.add(field)
        audit.record(session, actor, "field.create", field, note=_note(field))
    return field


def update_field(
    session: Session, *, actor: Actor, field_id: int, expected_version: int, **changes
) -> CustomField:
    """Rename, reorder, change options, unit, help, required or scope. The kind never
    changes (stored values would no longer read); an option taken away stays on the tasks
    that have it (shown as it was) until they are edited."""
    require(actor, "field.manage")
    with write(session):
        field = get_or_404(session, CustomField, field_id, "自定义字段")
        check_version(field, expected_version)
        if "kind" in changes and str(changes["kind"]) != field.kind:
            raise ValidationFailed("字段类型创建后不能修改；可停用此字段后新建一个。")
        current = FieldIn.model_validate(
            {k: getattr(field, k) for k in FieldIn.model_fields}
        ).model_dump()
        unknown = set(changes) - set(FieldIn.model_fields)
        if unknown:
            raise ValidationFailed(f"不能修改这些字段：{', '.join(sorted(unknown))}")
        form = validated(FieldIn, {**current, **changes})
        _check(session, form, field.id)
        before = audit.snapshot(field)
        for k, v in form.model_dump().items():
            setattr(field, k, v)
        session.add(field)
        audit.record(session, actor, "field.update", field, before=before, note=_note(field))
    return field


def set_retired(
    session: Session, *, actor: Actor, field_id: int, expected_version: int, retired: bool
) -> CustomField:
    """停用 (hidden everywhere, values kept) or 恢复 (shown again with its values)."""
    require(actor, "field.manage")
    with write(session):
        field = get_or_404(session, CustomField, field_id, "自定义字段")
        check_version(field, expected_version)
        if retired == (field.retired_at is not None):
            return field
        if not retired:  # its name may have been taken meanwhile
            _check(session, FieldIn.model_validate(field.model_dump()), field.id)
        before = audit.snapshot(field)
        field.retired_at = clock.now() if retired else None
        session.add(field)
        action = "field.retire" if retired else "field.restore"
        audit.record(session, actor, action, field, before=before, note=_note(field))
    return field


def list_fields(
    session: Session, *, plan_id: int | None = None, include_retired: bool = False
) -> list[CustomField]:
    """The fields in display order. plan_id None: every field; a plan: the fields its tasks
    have (the plan's own and those for all plans)."""
    q = select(CustomField)
    if plan_id is not None:
        q = q.where(or_(col(CustomField.plan_id).is_(None), CustomField.plan_id == plan_id))
    if not include_retired:
        q = q.where(col(CustomField.retired_at).is_(None))
    return list(session.exec(q.order_by(col(CustomField.sort_order), col(CustomField.id))).all())


def applies(field: CustomField, plan_id: int | None) -> bool:
    return field.plan_id is None or field.plan_id == plan_id
