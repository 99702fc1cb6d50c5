"""Saved register views (视图): the register's filters, columns and sort under a name, private
to their owner or — the office only — shared with a role; opened by a stable link tasks?view=ID.

The state is stored as JSON and read through `ViewState`, leniently: a field retired since,
a column the register no longer has or a value that no longer exists is dropped when the view
is applied, never an error.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlmodel import Session, col, or_, select

from duban.core import audit, clock, text
from duban.core.errors import NotFound, PermissionDenied, ValidationFailed
from duban.core.permissions import ROLE_LABELS, Actor, can, require
from duban.core.services import check_version, get_or_404, validated, write
from duban.monitoring.lights import COLOUR_LABELS
from duban.tasks import register
from duban.tasks.register import FieldFilter, RegisterFilter
from models import CustomField, Role, SavedView, TaskStatus

log = logging.getLogger(__name__)

PAGE = "tasks"
# Roles a view can be shared with: those that read the register (a unit's head never does).
SHARE_ROLES = (Role.leader, Role.inspector, Role.office)
NAME_MAX = 60
VIEWS_MAX = 200  # one user's own views


class FieldFilterState(BaseModel):
    model_config = ConfigDict(extra="ignore")

    any_of: list[Any] = Field(default_factory=list)
    low: Any = None
    high: Any = None
    contains: str = ""


class ViewState(BaseModel):
    """What a view holds: the register's filters, its columns (empty: the default) and sort."""

    model_config = ConfigDict(extra="ignore")

    plan_id: int | None = None
    phases: list[str] = Field(default_factory=list)
    department_id: int | None = None
    unit_role: str = "any"
    statuses: list[str] = Field(default_factory=list)
    colours: list[str] = Field(default_factory=list)
    deadline_from: dt.date | None = None
    deadline_to: dt.date | None = None
    text: str = Field(default="", max_length=200)
    categories: list[int] = Field(default_factory=list)
    custom: dict[int, FieldFilterState] = Field(default_factory=dict)
    columns: list[str] = Field(default_factory=list)
    sort: str | None = None
    descending: bool = False

    @field_validator("unit_role")
    @classmethod
    def _role(cls, v: str) -> str:
        return v if v in register.UNIT_ROLES else "any"


class ViewIn(BaseModel):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    shared_role: Role | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        name = text.clean_name(v, "视图名称", limit=NAME_MAX)
        if not name:
            raise ValueError("不能为空")
        return name


def state_of(
    f: RegisterFilter,
    *,
    columns: Sequence[str] = (),
    sort: str | None = None,
    descending: bool = False,
) -> dict:
    """The register's current state as the JSON a view stores."""
    state = ViewState(
        plan_id=f.plan_id,
        phases=list(f.phases),
        department_id=f.department_id,
        unit_role=f.unit_role,
        statuses=[str(s) for s in f.statuses],
        colours=[str(c) for c in f.colours],
        deadline_from=f.deadline_from,
        deadline_to=f.deadline_to,
        text=f.text or "",
        categories=[int(c) for c in f.categories],
        custom={
            int(k): FieldFilterState(
                any_of=list(v.any_of), low=v.low, high=v.high, contains=v.contains
            )
            for k, v in f.custom.items()
            if v.active()
        },
        columns=list(columns),
        sort=sort,
        descending=descending,
    )
    return state.model_dump(mode="json")


def read_state(raw: Any) -> ViewState:
    """A stored state, leniently: unreadable parts fall back to the plain register."""
    try:
        return ViewState.model_validate(raw if isinstance(raw, dict) else {})
    except ValidationError as exc:
        log.warning("视图状态无法读取，按默认台账打开：%s", exc)
        good = {}
        for key, value in (raw or {}).items():
            try:
                ViewState.model_validate({key: value})
                good[key] = value
            except ValidationError:
                continue
        return ViewState.model_validate(good)


def applied(
    state: ViewState,
    *,
    fields: Sequence[CustomField],
    plans: Sequence[int] | None = None,
    departments: Sequence[int] | None = None,
    categories: Sequence[int] | None = None,
) -> ViewState:
    """The state with what no longer exists dropped: retired or unknown fields (filters,
    columns, sort), unknown statuses and colours, and — when given — plans, units and
    categories that are gone."""
    out = state.model_copy(deep=True)
    ids = {f.id for f in fields}
    out.custom = {k: v for k, v in out.custom.items() if k in ids}
    out.columns = register.known_columns(out.columns, fields)
    allowed = set(register.table_columns(fields))
    if out.sort is not None and out.sort not in allowed:
        out.sort = None
    out.statuses = [s for s in out.statuses if s in {x.value for x in TaskStatus}]
    out.colours = [c for c in out.colours if c in COLOUR_LABELS]
    if plans is not None and out.plan_id is not None and out.plan_id not in set(plans):
        out.plan_id = None
        out.phases = []
    if departments is not None and out.department_id not in {None, *departments}:
        out.department_id = None
    if categories is not None:
        keep = {register.NO_CATEGORY, *categories}
        out.categories = [c for c in out.categories if c in keep]
    return out


def to_filter(state: ViewState) -> RegisterFilter:
    return RegisterFilter(
        plan_id=state.plan_id,
        phases=list(state.phases),
        department_id=state.department_id,
        unit_role=state.unit_role,
        statuses=list(state.statuses),
        colours=list(state.colours),
        deadline_from=state.deadline_from,
        deadline_to=state.deadline_to,
        text=state.text,
        categories=list(state.categories),
        custom={
            k: FieldFilter(any_of=list(v.any_of), low=v.low, high=v.high, contains=v.contains)
            for k, v in state.custom.items()
        },
    )


# ---------------------------------------------------------------- who sees and edits what


def may_see(actor: Actor, view: SavedView) -> bool:
    """Its owner, and — for a shared view — every user of the role it is shared with."""
    if not can(actor, "task.read_all"):
        return False
    return view.owner_id == actor.user_id or (
        view.shared_role is not None and view.shared_role == actor.role.value
    )


def may_edit(actor: Actor, view: SavedView) -> bool:
    """Its owner; for a shared view, also the office (it manages what roles are shown)."""
    if view.owner_id == actor.user_id and can(actor, "task.read_all"):
        return True
    return view.shared_role is not None and can(actor, "view.share")


def list_views(session: Session, *, actor: Actor, page: str = PAGE) -> list[SavedView]:
    """The actor's own views, then those shared with its role, each by name."""
    if not can(actor, "task.read_all"):
        return []
    rows = session.exec(
        select(SavedView)
        .where(SavedView.page == page)
        .where(
            or_(
                col(SavedView.owner_id) == actor.user_id,
                col(SavedView.shared_role) == actor.role.value,
            )
        )
        .order_by(col(SavedView.name), col(SavedView.id))
    ).all()
    own = [v for v in rows if v.owner_id == actor.user_id]
    return own + [v for v in rows if v.owner_id != actor.user_id]


def get_view(session: Session, *, actor: Actor, view_id: int) -> SavedView:
    """A view the actor may open (NotFound for one that does not exist or it may not see:
    a private view of another user is not revealed)."""
    view = session.get(SavedView, view_id)
    if view is None or not may_see(actor, view):
        raise NotFound(f"视图（编号 {view_id}）不存在，或未共享给您。")
    return view


def _check_share(actor: Actor, shared_role: Role | None) -> None:
    if shared_role is None:
        return
    require(actor, "view.share")
    if shared_role not in SHARE_ROLES:
        raise ValidationFailed(
            f"视图不能共享给{ROLE_LABELS[shared_role]}（该角色不使用任务台账）。"
        )


def _check_name(session: Session, actor: Actor, name: str, view_id: int | None) -> None:
    key = text.name_key(name)
    for v in session.exec(select(SavedView).where(SavedView.owner_id == actor.user_id)).all():
        if v.id != view_id and v.page == PAGE and text.name_key(v.name) == key:
            raise ValidationFailed(f"您已有名为“{v.name}”的视图，请换一个名称或更新原视图。")


def _clean_state(state: dict) -> dict:
    try:
        return ViewState.model_validate(state).model_dump(mode="json")
    except ValidationError as exc:
        raise ValidationFailed(f"视图内容无效：{exc.errors()[0].get('msg', '')}") from exc


def _note(view: SavedView) -> str:
    role = Role(view.shared_role) if view.shared_role else None
    scope = f"共享给{ROLE_LABELS[role]}" if role else "仅本人"
    return f"{view.name}（{scope}）"


def save_view(
    session: Session,
    *,
    actor: Actor,
    name: str,
    state: dict,
    shared_role: Role | str | None = None,
) -> SavedView:
    """A new view of the register's current state (`state_of`)."""
    require(actor, "task.read_all")
    if actor.user_id is None:
        raise PermissionDenied("无权操作：系统账号不能保存视图。")
    form = validated(ViewIn, {"name": name, "shared_role": shared_role or None})
    _check_share(actor, form.shared_role)
    clean = _clean_state(state)
    with write(session):
        _check_name(session, actor, form.name, None)
        count = len(
            session.exec(select(SavedView.id).where(SavedView.owner_id == actor.user_id)).all()
        )
        if count >= VIEWS_MAX:
            raise ValidationFailed(f"每人最多保存 {VIEWS_MAX} 个视图，可先删除不用的视图。")
        now = clock.now()
        view = SavedView(
            name=form.name,
            owner_id=actor.user_id,
            shared_role=form.shared_role.value if form.shared_role else None,
            page=PAGE,
            state=clean,
            created_at=now,
            updated_at=now,
        )
        session.add(view)
        # a view changes no data the pages cache: the data version stays
        audit.record(session, actor, "view.create", view, note=_note(view), bump_version=False)
    return view


_UNSET: Any = object()


def update_view(
    session: Session,
    *,
    actor: Actor,
    view_id: int,
    expected_version: int,
    name: str | None = None,
    state: dict | None = None,
    shared_role: Any = _UNSET,
) -> SavedView:
    """Rename, overwrite with the current state, or change whom it is shared with."""
    with write(session):
        view = get_or_404(session, SavedView, view_id, "视图")
        if not may_edit(actor, view):
            raise PermissionDenied("无权操作：只能修改自己的视图（共享视图由办公室管理）。")
        check_version(view, expected_version)
        before = audit.snapshot(view)
        if name is not None:
            form = validated(ViewIn, {"name": name})
            if view.owner_id == actor.user_id:
                _check_name(session, actor, form.name, view.id)
            view.name = form.name
        if shared_role is not _UNSET:
            role = validated(ViewIn, {"name": view.name, "shared_role": shared_role or None})
            if role.shared_role is not None or view.shared_role is not None:
                require(actor, "view.share")
            _check_share(actor, role.shared_role)
            view.shared_role = role.shared_role.value if role.shared_role else None
        if state is not None:
            view.state = _clean_state(state)
        view.updated_at = clock.now()
        session.add(view)
        audit.record(
            session, actor, "view.update", view, before=before, note=_note(view), bump_version=False
        )
    return view


def delete_view(session: Session, *, actor: Actor, view_id: int, expected_version: int) -> None:
    with write(session):
        view = get_or_404(session, SavedView, view_id, "视图")
        if not may_edit(actor, view):
            raise PermissionDenied("无权操作：只能删除自己的视图（共享视图由办公室管理）。")
        check_version(view, expected_version)
        before = audit.snapshot(view)
        note = _note(view)
        session.delete(view)
        audit.record(
            session,
            actor,
            "view.delete",
            object_type="saved_view",
            object_id=view_id,
            before=before,
            note=note,
            bump_version=False,
        )
