"""Reading results: a period's ranking, one unit's lines, each unit's trend across periods."""

import datetime as dt

from sqlmodel import Session, col, select

from duban.assessment import _standings, periods, scoring
from duban.core.errors import PermissionDenied
from duban.core.permissions import Actor, can
from duban.core.services import get_or_404
from models import AssessmentPeriod, Role


def _can_read_unit(actor: Actor, department_id: int | None) -> bool:
    if can(actor, "assessment.read_all"):
        return True
    return (
        actor.role == Role.dept_head
        and department_id is not None
        and actor.department_id == department_id
    )


def _previous(session: Session, period: AssessmentPeriod) -> AssessmentPeriod | None:
    return session.exec(
        select(AssessmentPeriod)
        .where(AssessmentPeriod.kind == period.kind, AssessmentPeriod.end < period.start)
        .order_by(col(AssessmentPeriod.start).desc())
    ).first()


def period_result(
    session: Session, *, actor: Actor, period_id: int, today: dt.date | None = None
) -> scoring.PeriodResult:
    """The ranking with every line; a department head gets its own unit only."""
    if not can(actor, "assessment.read_all") and actor.role != Role.dept_head:
        raise PermissionDenied("无权查看考核结果。")
    period = get_or_404(session, AssessmentPeriod, period_id, "考核期")
    now = _standings.standings(session, period, today)
    units = now.units
    prev = _previous(session, period)
    if prev is not None:
        by_id = {u.department_id: u for u in _standings.standings(session, prev, today).units}
        for u in units:
            p = by_id.get(u.department_id)
            if p is not None:
                u.prev_score, u.prev_rank = p.score, p.rank
    count = len(units)
    if not can(actor, "assessment.read_all"):
        units = [u for u in units if u.department_id == actor.department_id]
    return scoring.PeriodResult(
        period_id=period_id,
        label=period.label,
        kind=period.kind,
        start=period.start,
        end=period.end,
        status=period.status,
        as_of=now.as_of,
        formula=now.formula,
        reference_load=now.reference_load,
        units=units,
        unit_count=count,
        frozen_at=period.frozen_at,
        previous_label=prev.label if prev else None,
        previous_start=prev.start if prev else None,
    )


def unit_result(
    session: Session, *, actor: Actor, period_id: int, department_id: int
) -> scoring.UnitResult | None:
    """One unit's score and lines; a department head may only read its own unit."""
    if not _can_read_unit(actor, department_id):
        raise PermissionDenied("无权查看其他单位的考核明细：只能查看本单位。")
    res = period_result(session, actor=actor, period_id=period_id)
    return next((u for u in res.units if u.department_id == department_id), None)


def trend(session: Session, *, actor: Actor, kind: str, until: dt.date | None = None) -> list[dict]:
    """Each unit's score in every period of one kind (starting by `until`), oldest first.

    A department head gets its own unit only.
    """
    if not can(actor, "assessment.read_all") and actor.role != Role.dept_head:
        raise PermissionDenied("无权查看考核结果。")
    own_only = not can(actor, "assessment.read_all")
    out = []
    for p in reversed(periods.list_periods(session, kind)):
        if until is not None and p.start > until:
            continue
        for u in _standings.standings(session, p).units:
            if own_only and u.department_id != actor.department_id:
                continue
            out.append(
                {
                    "period": p.label,
                    "kind": p.kind,
                    "start": p.start,
                    "department": u.department_name,
                    "score": u.score,
                    "rank": u.rank,
                }
            )
    return out
