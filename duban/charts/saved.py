"""Saved charts and their pins: save, update (version-checked), delete; private or shared with
a role (the office only); pinned to one's own dashboard or (the office) to a role's. Every
write is checked and audited."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field, field_validator
from sqlmodel import Session, col, or_, select

from duban.charts import spec as spec_mod
from duban.core import audit, clock, text
from duban.core.errors import NotFound, PermissionDenied, ValidationFailed
from duban.core.permissions import ROLE_LABELS, Actor, require
from duban.core.services import check_version, get_or_404, validated, write
from models import AppUser, ChartPin, Role, SavedChart


class ChartIn(BaseModel):
    name: str = Field(min_length=1, max_length=60)
    shared_role: Role | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return text.clean_name(v, "图表名称", limit=60)


@dataclass(frozen=True)
class Pinned:
    """A chart on a dashboard: the pin (own or the role's) and the chart."""

    pin: ChartPin
    chart: SavedChart

    @property
    def for_role(self) -> bool:
        return self.pin.role is not None


def can_view(actor: Actor, chart: SavedChart) -> bool:
    """The owner, and every user of the role the chart is shared with."""
    return chart.owner_id == actor.user_id or (
        chart.shared_role is not None and chart.shared_role == actor.role.value
    )


def get_chart(session: Session, *, actor: Actor, chart_id: int) -> SavedChart:
    """The chart, if the actor may open it (PermissionDenied otherwise, NotFound if gone)."""
    chart = session.get(SavedChart, chart_id)
    if chart is None:
        raise NotFound(f"图表不存在或已删除（编号 {chart_id}）。")
    if not can_view(actor, chart):
        raise PermissionDenied("无权查看该图表：它是他人的私有图表，或未共享给您的角色。")
    return chart


def _share(actor: Actor, role: Role | None) -> str | None:
    if role is not None:
        require(actor, "view.share")
    return role.value if role is not None else None


def save_chart(
    session: Session, *, actor: Actor, name: str, spec: dict, shared_role: Role | str | None = None
) -> SavedChart:
    """A new chart owned by the actor (shared with a role: the office only)."""
    form = validated(ChartIn, {"name": name, "shared_role": shared_role or None})
    parsed = spec_mod.parse(spec)
    if actor.user_id is None:
        raise ValidationFailed("系统账户不能保存图表。")
    with write(session):
        now = clock.now()
        chart = SavedChart(
            name=form.name,
            owner_id=actor.user_id,
            shared_role=_share(actor, form.shared_role),
            spec=parsed.model_dump(),
            created_at=now,
            updated_at=now,
        )
        session.add(chart)
        audit.record(session, actor, "saved_chart.create", chart, note=chart.name)
    return chart


def _own(actor: Actor, chart: SavedChart) -> None:
    if chart.owner_id != actor.user_id:
        raise PermissionDenied("只能修改或删除自己保存的图表。")


def update_chart(
    session: Session,
    *,
    actor: Actor,
    chart_id: int,
    expected_version: int,
    name: str | None = None,
    spec: dict | None = None,
    shared_role: Role | str | None | bool = False,
) -> SavedChart:
    """Rename, change the spec or the sharing of one's own chart (`shared_role=False`:
    unchanged; None: private again). A stale edit raises StaleEdit."""
    with write(session):
        chart = get_or_404(session, SavedChart, chart_id, "图表")
        _own(actor, chart)
        check_version(chart, expected_version)
        before = audit.snapshot(chart)
        role = chart.shared_role if shared_role is False else shared_role
        form = validated(ChartIn, {"name": name or chart.name, "shared_role": role or None})
        chart.name = form.name
        if shared_role is not False:
            new_role = _share(actor, form.shared_role)
            if new_role != chart.shared_role:
                _drop_role_pins(session, chart, keep=new_role)
            chart.shared_role = new_role
        if spec is not None:
            chart.spec = spec_mod.parse(spec).model_dump()
        chart.updated_at = clock.now()
        session.add(chart)
        audit.record(session, actor, "saved_chart.update", chart, before=before, note=chart.name)
    return chart


def _drop_role_pins(session: Session, chart: SavedChart, *, keep: str | None) -> None:
    """A chart no longer shared with a role leaves that role's dashboards (and the pins of
    its users, who can no longer open it)."""
    for pin in session.exec(select(ChartPin).where(ChartPin.chart_id == chart.id)).all():
        if pin.role is not None and pin.role != keep:
            session.delete(pin)
        elif pin.user_id is not None and pin.user_id != chart.owner_id:
            user = session.get(AppUser, pin.user_id)
            if user is None or user.role != keep:
                session.delete(pin)


def delete_chart(session: Session, *, actor: Actor, chart_id: int, expected_version: int) -> None:
    """Delete one's own chart and its pins (the audit log keeps what it was)."""
    with write(session):
        chart = get_or_404(session, SavedChart, chart_id, "图表")
        _own(actor, chart)
        check_version(chart, expected_version)
        before = audit.snapshot(chart)
        for pin in session.exec(select(ChartPin).where(ChartPin.chart_id == chart.id)).all():
            session.delete(pin)
        session.delete(chart)
        audit.record(
            session,
            actor,
            "saved_chart.delete",
            object_type="saved_chart",
            object_id=chart_id,
            before=before,
            note=chart.name,
        )


def pin_chart(
    session: Session, *, actor: Actor, chart_id: int, role: Role | str | None = None
) -> ChartPin:
    """Pin to the actor's own dashboard (a chart they may open), or to a role's dashboard
    (the office; the chart must be shared with that role)."""
    with write(session):
        chart = get_chart(session, actor=actor, chart_id=chart_id)
        if role:
            require(actor, "view.share")
            r = Role(role)
            if chart.shared_role != r.value:
                raise ValidationFailed(
                    f"请先把图表“{chart.name}”共享给{ROLE_LABELS[r]}，再固定到该角色的驾驶舱。"
                )
            where = (ChartPin.role == r.value, col(ChartPin.user_id).is_(None))
        else:
            where = (ChartPin.user_id == actor.user_id, col(ChartPin.role).is_(None))
        existing = session.exec(
            select(ChartPin).where(ChartPin.chart_id == chart.id, *where)
        ).first()
        if existing is not None:
            raise ValidationFailed(f"图表“{chart.name}”已经固定在该驾驶舱。")
        last = session.exec(
            select(ChartPin.sort_order).where(*where).order_by(col(ChartPin.sort_order).desc())
        ).first()
        pin = ChartPin(
            chart_id=chart.id or 0,
            user_id=None if role else actor.user_id,
            role=Role(role).value if role else None,
            sort_order=(last or 0) + 10,
            created_at=clock.now(),
            created_by=actor.user_id,
        )
        session.add(pin)
        where_words = f"{ROLE_LABELS[Role(role)]}驾驶舱" if role else "本人驾驶舱"
        audit.record(session, actor, "saved_chart.pin", pin, note=f"{chart.name} → {where_words}")
    return pin


def unpin_chart(session: Session, *, actor: Actor, pin_id: int) -> None:
    """Take a chart off a dashboard: one's own pin, or (the office) a role's."""
    with write(session):
        pin = get_or_404(session, ChartPin, pin_id, "固定的图表")
        if pin.role is not None:
            require(actor, "view.share")
        elif pin.user_id != actor.user_id:
            raise PermissionDenied("只能取消固定自己驾驶舱上的图表。")
        chart = session.get(SavedChart, pin.chart_id)
        before = audit.snapshot(pin)
        session.delete(pin)
        audit.record(
            session,
            actor,
            "saved_chart.unpin",
            object_type="chart_pin",
            object_id=pin_id,
            before=before,
            note=chart.name if chart else None,
        )


def list_charts(session: Session, *, actor: Actor) -> tuple[list[SavedChart], list[SavedChart]]:
    """(the actor's own charts, charts others shared with the actor's role), by name."""
    rows = session.exec(
        select(SavedChart)
        .where(
            or_(SavedChart.owner_id == actor.user_id, SavedChart.shared_role == actor.role.value)
        )
        .order_by(col(SavedChart.name), col(SavedChart.id))
    ).all()
    mine = [c for c in rows if c.owner_id == actor.user_id]
    shared = [c for c in rows if c.owner_id != actor.user_id]
    return mine, shared


def pinned_for(session: Session, *, actor: Actor) -> list[Pinned]:
    """The charts on the actor's dashboard: their own pins, then their role's, each in pin
    order; a chart pinned both ways shows once; one they can no longer open is left out."""
    pins = session.exec(
        select(ChartPin)
        .where(or_(ChartPin.user_id == actor.user_id, ChartPin.role == actor.role.value))
        .order_by(col(ChartPin.role).is_not(None), col(ChartPin.sort_order), col(ChartPin.id))
    ).all()
    out, seen = [], set()
    for pin in pins:
        if pin.chart_id in seen:
            continue
        chart = session.get(SavedChart, pin.chart_id)
        if chart is None or not can_view(actor, chart):
            continue
        seen.add(pin.chart_id)
        out.append(Pinned(pin, chart))
    return out
