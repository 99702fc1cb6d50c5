"""What drafting and the builders of every kind share: the task data, the plan's title, the
chosen unit, dates and periods in words, the reply date."""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from duban.core.errors import ValidationFailed
from duban.core.periods import period_bounds
from duban.documents import official
from duban.monitoring import holidays, status
from duban.tasks import reading
from models import Department


def cn_date(day: dt.date | None) -> str:
    """2026年11月23日, or 未定 when there is no date."""
    return official.chinese_date(day) if day else "未定"


def status_frames(session: Session, today: dt.date) -> status.StatusFrames:
    """Every task and assignment with its colour on `today`."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return status.status_frames(engine, today=today)


def reply_due(
    session: Session, rules: dict[str, Any], level: str | None, today: dt.date
) -> dt.date:
    """The date a notice of `level` must be answered by (working days from the rules)."""
    days = rules["reply_working_days"].get(level or "other", rules["reply_working_days"]["other"])
    return holidays.load_calendar(session).add_working_days(today, int(days))


def plan_title(session: Session) -> str:
    """The work the plan is about: 关于进一步推行X工作的实施方案 → 进一步推行X工作."""
    plans = reading.list_plans(session)  # (not one still being imported)
    if not plans:
        return "改革任务"
    plan = plans[-1]
    return plan.title.removeprefix("关于").removesuffix("的实施方案").removesuffix("实施方案")


def active_unit(session: Session, department_id: int | None) -> tuple[int, str]:
    """The id and name of an active unit; ValidationFailed when none is chosen or it is gone."""
    if department_id is None:
        raise ValidationFailed("请选择单位。")
    d = session.get(Department, department_id)
    if d is None or not d.active:
        raise ValidationFailed("单位不存在或已停用。")
    return department_id, d.name


# An ASCII space between a CJK character and a digit or Latin letter (either order): the
# monitoring reasons say "逾期 12 个工作日" for the screen; a 公文 writes 逾期12个工作日.
_CJK = r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]"
_SPACED = re.compile(rf"(?<={_CJK}) +(?=[0-9A-Za-z%])|(?<=[0-9A-Za-z%]) +(?={_CJK})")


def official_text(text: str) -> str:
    """Text as a 公文 prints it: no ASCII space between Chinese and a number or a letter."""
    return _SPACED.sub("", text)


@dataclass(frozen=True)
class Period:
    """A bulletin's period: its days, its words, and whether it is over."""

    kind: str  # week, month, quarter
    start: dt.date
    end: dt.date
    label: str
    complete: bool


def periods(kind: str, today: dt.date, count: int = 6) -> list[Period]:
    """The periods a bulletin may cover, the default first: the last complete one, then the
    ones before it, and last the current one up to today."""
    out = []
    start, _, label = period_bounds(kind, today)
    current = Period(kind, start, today, f"{label}（截至{today.month}月{today.day}日）", False)
    day = start - dt.timedelta(days=1)
    for _ in range(count):
        s, e, label = period_bounds(kind, day)
        out.append(Period(kind, s, e, label, True))
        day = s - dt.timedelta(days=1)
    return [*out, current]


def period_for(kind: str, today: dt.date, start: dt.date | None = None) -> Period:
    """The period starting on `start` (one of `periods`), by default the last complete one."""
    options = periods(kind, today)
    if start is None:
        return options[0]
    for p in options:
        if p.start == start:
            return p
    raise ValidationFailed("所选通报期间不可用，请重新选择。")
