"""Freezing a period: the snapshot of scores, ranks, lines and formula that is published."""

from sqlmodel import Session, select

from duban.assessment import _standings
from duban.core import audit, clock
from duban.core.errors import ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import check_version, get_or_404, write
from models import AssessmentPeriod, AssessmentSnapshot, ScoreAppeal


def freeze_period(
    session: Session, *, actor: Actor, period_id: int, expected_version: int | None
) -> AssessmentPeriod:
    """Store the snapshot (scores, ranks, lines, formula) and close the appeal window."""
    require(actor, "assessment.manage")
    with write(session):
        period = get_or_404(session, AssessmentPeriod, period_id, "考核期")
        check_version(period, expected_version)
        if period.status != "open":
            raise ValidationFailed(f"考核期“{period.label}”已冻结。")
        if period.end >= clock.today():
            raise ValidationFailed(
                f"考核期“{period.label}”到 {period.end} 才结束，结束后才能冻结发布。"
            )
        pending = session.exec(
            select(ScoreAppeal).where(
                ScoreAppeal.period_id == period_id, ScoreAppeal.status == "pending"
            )
        ).all()
        if pending:
            raise ValidationFailed(f"还有 {len(pending)} 条申诉未处理，处理完毕后才能冻结。")
        standing = _standings.standings(session, period)
        units = standing.units
        for u in units:
            session.add(
                AssessmentSnapshot(
                    period_id=period_id,
                    department_id=u.department_id,
                    department_name=u.department_name,
                    raw_points=u.raw_points,
                    load=u.load,
                    score=u.score,
                    rank=u.rank,
                    lines=u.lines,
                )
            )
        before = audit.snapshot(period)
        period.status = "frozen"
        period.formula = standing.formula
        period.frozen_at = clock.now()
        period.frozen_by = actor.user_id
        audit.record(
            session,
            actor,
            "assessment_period.freeze",
            period,
            before=before,
            note=f"冻结发布 {len(units)} 个单位的成绩",
        )
    return period
