"""What drafting and the builders of every kind share: the task data, the plan's title, the
chosen unit, dates and periods in words, the reply date."""

import datetime as dt
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from duban.core.errors import ValidationFailed
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


def period_span(kind: str, end: dt.date) -> tuple[dt.date, str]:
    """The first day and the label of the week, month or quarter that ends on `end`."""
    if kind == "week":
        start = end - dt.timedelta(days=6)
        return start, f"{start.month}月{start.day}日至{end.month}月{end.day}日（周报）"
    if kind == "quarter":
        q = (end.month - 1) // 3 + 1
        return dt.date(end.year, 3 * q - 2, 1), f"{end.year}年第{q}季度"
    return end.replace(day=1), f"{end.year}年{end.month}月"
