"""Assessment periods (考核期): month, quarter or year bounds, listing and creating them."""

import datetime as dt

from sqlmodel import Session, col, select

from duban.core import audit, clock, periods
from duban.core.errors import ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import write
from duban.i18n import t
from models import AssessmentPeriod

PERIOD_KINDS = {"month": "月度", "quarter": "季度", "year": "年度"}
# Chinese, as documents show them; the UI reads asm.period_status.<status> in its language.
PERIOD_STATUS = {s: t(f"asm.period_status.{s}") for s in ("open", "frozen")}


def period_bounds(kind: str, day: dt.date) -> tuple[dt.date, dt.date, str]:
    """The month/quarter/year containing `day`, and its Chinese label."""
    if kind not in PERIOD_KINDS:
        raise ValidationFailed("考核期类型须为月度、季度或年度。")
    return periods.period_bounds(kind, day)


def list_periods(session: Session, kind: str | None = None) -> list[AssessmentPeriod]:
    """All periods (or those of one kind), newest first."""
    q = select(AssessmentPeriod)
    if kind:
        q = q.where(AssessmentPeriod.kind == kind)
    return list(session.exec(q.order_by(col(AssessmentPeriod.start).desc())).all())


def create_period(session: Session, *, actor: Actor, kind: str, day: dt.date) -> AssessmentPeriod:
    """Open the month, quarter or year containing `day` for assessment (once it has begun)."""
    require(actor, "assessment.manage")
    start, end, label = period_bounds(kind, day)
    if start > clock.today():
        raise ValidationFailed(f"{label}尚未开始，不能建立考核期。")
    with write(session):
        dup = session.exec(
            select(AssessmentPeriod).where(
                AssessmentPeriod.kind == kind, AssessmentPeriod.start == start
            )
        ).first()
        if dup:
            raise ValidationFailed(f"考核期“{label}”已存在。")
        p = AssessmentPeriod(kind=kind, label=label, start=start, end=end, created_by=actor.user_id)
        session.add(p)
        audit.record(session, actor, "assessment_period.create", p)
    return p
