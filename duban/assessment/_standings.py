"""A period's unit results: computed while it is open, read from its snapshot once frozen."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from duban.assessment import _queries, formula, scoring
from duban.core import clock
from duban.monitoring import holidays
from models import AssessmentPeriod, AssessmentSnapshot, ScoreAppeal


@dataclass
class Standings:
    """The units ranked (best first), the average load, the formula used, counted up to as_of."""

    units: list[scoring.UnitResult]
    reference_load: float
    formula: dict[str, Any]
    as_of: dt.date


def standings(
    session: Session, period: AssessmentPeriod, today: dt.date | None = None
) -> Standings:
    """The frozen snapshot, or the live result counted up to `today` (default: today)."""
    if period.status == "frozen":
        return _frozen(session, period)
    return _live(session, period, today or clock.today())


def _frozen(session: Session, period: AssessmentPeriod) -> Standings:
    snaps = session.exec(
        select(AssessmentSnapshot).where(AssessmentSnapshot.period_id == period.id)
    ).all()
    used = period.formula or {}
    loads = [s.load for s in snaps if s.load > 0]
    reference = round(sum(loads) / len(loads), 4) if loads else 1.0
    floor = float(used.get("min_load", 1.0))
    units = [
        scoring.UnitResult(
            department_id=s.department_id,
            department_name=s.department_name,
            raw_points=s.raw_points,
            load=s.load,
            factor=round(reference / max(s.load, floor), 4),
            score=s.score,
            rank=s.rank,
            lines=list(s.lines),
        )
        for s in sorted(snaps, key=lambda s: (s.rank, s.department_name))
    ]
    return Standings(units, reference, used, period.end)


def _live(session: Session, period: AssessmentPeriod, today: dt.date) -> Standings:
    current, _ = formula.load_formula(session)
    lines, load, names = scoring.compute_lines(
        session,
        start=period.start,
        end=period.end,
        today=today,
        formula=current,
        cal=holidays.load_calendar(session),
    )
    accepted = _accepted(session, _queries.known(period.id, "assessment period id"))
    units, reference = scoring.score_units(lines, load, names, current, accepted)
    return Standings(units, reference, current.to_dict(), min(period.end, today))


def _accepted(session: Session, period_id: int) -> dict[str, int]:
    """'unit id|line key' -> the accepted appeal that withdrew that line."""
    rows = session.exec(
        select(ScoreAppeal).where(
            ScoreAppeal.period_id == period_id, ScoreAppeal.status == "accepted"
        )
    ).all()
    return {f"{a.department_id}|{a.line_key}": _queries.known(a.id, "appeal id") for a in rows}
