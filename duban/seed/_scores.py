"""The demo's assessment: the last two months scored through the product's own services.

The month before last is published (an appeal accepted, then frozen); last month is still in
its appeal window with one unit's appeal waiting for the office. So 考核排名 opens on a ranking
that moves (each unit's change against the frozen month) and shows both ends of an appeal.
"""

import datetime as dt

from duban.assessment import appeals, freezing, periods, results
from duban.core import clock
from duban.core.permissions import Actor
from duban.seed._world import World, id_of
from models import AppUser, AssessmentPeriod

APPEAL_ACCEPTED = "该事项已在时限内办结，系统补录延迟所致，附办结材料。"
APPEAL_PENDING = "督查当日窗口系统升级暂停服务，已提前公告，请予核减。"


def _actor(world: World, username: str) -> Actor:
    user = world.session.get(AppUser, world.users[username])
    assert user is not None, f"the demo's {username} exists"
    return Actor.of(user)


def _month_start(day: dt.date, back: int) -> dt.date:
    """The first day of the month `back` months before `day`'s."""
    first = day.replace(day=1)
    for _ in range(back):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first


def assess_last_months(world: World) -> None:
    """Open the last two complete months; appeal, decide and freeze the older one; leave one
    appeal pending in the newer one."""
    session = world.session
    office = _actor(world, "office")
    with clock.frozen(world.now):  # the services' "today" is the demo's
        older = periods.create_period(
            session, actor=office, kind="month", day=_month_start(world.today, 2)
        )
        newer = periods.create_period(
            session, actor=office, kind="month", day=_month_start(world.today, 1)
        )
        accepted = _appeal(world, older, skip=set(), reason=APPEAL_ACCEPTED)
        if accepted is not None:
            appeal_id, _unit = accepted
            appeals.decide_appeal(
                session,
                actor=office,
                appeal_id=appeal_id,
                accept=True,
                note="经核实，予以采纳。",
            )
        freezing.freeze_period(
            session, actor=office, period_id=id_of(older), expected_version=older.version
        )
        skip = {accepted[1]} if accepted else set()
        _appeal(world, newer, skip=skip, reason=APPEAL_PENDING)


def _appeal(
    world: World, period: AssessmentPeriod, *, skip: set[int], reason: str
) -> tuple[int, int] | None:
    """One unit (the first with a deduction, not in `skip`) appeals its first deduction:
    (appeal id, unit id), or None when no unit lost points that month."""
    session = world.session
    result = results.period_result(session, actor=_actor(world, "office"), period_id=id_of(period))
    for unit in sorted(result.units, key=lambda u: u.rank, reverse=True):
        if unit.department_id in skip:
            continue
        line = next(
            (ln for ln in unit.lines if ln["status"] == "counted" and ln["points"] < 0), None
        )
        if line is None:
            continue
        head = next(u for u, d in _heads(world).items() if d == unit.department_id)
        appeal = appeals.create_appeal(
            session,
            actor=_actor(world, head),
            period_id=id_of(period),
            department_id=unit.department_id,
            line_key=line["key"],
            reason=reason,
        )
        return id_of(appeal), unit.department_id
    return None


def _heads(world: World) -> dict[str, int]:
    """{liaison username: its unit id}."""
    by_user = {uid: name for name, uid in world.users.items()}
    return {by_user[uid]: dept for dept, uid in world.head_of.items()}
