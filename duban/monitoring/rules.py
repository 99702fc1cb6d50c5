"""Office-edited warning rules and the holiday/调休 table, with validation, audit and versions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from duban.core import audit, clock
from duban.core.errors import StaleEdit, ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import check_version, write
from duban.monitoring.lights import WarningRules
from duban.monitoring.workdays import DayOverride, WorkCalendar
from models import AppSetting, CalendarDay

__all__ = [
    "RULES_KEY",
    "RULE_LABELS",
    "CalendarChange",
    "apply_calendar_changes",
    "delete_calendar_day",
    "list_calendar_days",
    "load_calendar",
    "load_rules",
    "rules_with_version",
    "save_calendar_day",
    "save_rules",
    "unknown_years_warning",
]

RULES_KEY = "warning_rules"

# Field → (Chinese label, help text) for the admin editor and audit notes.
RULE_LABELS: dict[str, tuple[str, str]] = {
    "overdue_red": ("逾期即红灯", "超过完成时限仍未办结的任务直接亮红灯（关闭则为黄灯）。"),
    "behind_red_points": ("红灯：落后序时进度超过（个百分点）", "默认 30。"),
    "behind_yellow_points": ("黄灯：落后序时进度达到（个百分点）", "默认 10，须小于红灯阈值。"),
    "due_soon_working_days": ("黄灯：距完成时限不超过（个工作日）", "默认 5。"),
    "stagnant_working_days": ("黄灯：连续未更新达到（个工作日）", "默认 10，视为停滞。"),
    "ignored_urgings_red": ("红灯：催办未回应达到（次）", "默认 3。"),
    "overdue_rectifications_red": ("黄灯：整改逾期达到（项）", "默认 1。"),
}


# ------------------------------------------------------------------ warning rules
def _setting(session: Session) -> AppSetting | None:
    return session.get(AppSetting, RULES_KEY)


def rules_with_version(session: Session) -> tuple[WarningRules, int | None]:
    """The rules in effect and the setting's version (0 while the defaults apply)."""
    row = _setting(session)
    if row is None:
        return WarningRules(), 0
    try:
        return WarningRules.from_dict(dict(row.value or {})), row.version
    except ValueError:
        # A row written by hand that no longer validates must not take the dashboard down:
        # the defaults apply until the office saves valid rules again.
        return WarningRules(), row.version


def load_rules(session: Session) -> WarningRules:
    """The warning rules in effect: the office's saved rules, else the defaults (DOMAIN.md)."""
    return rules_with_version(session)[0]


def save_rules(
    session: Session,
    *,
    actor: Actor,
    values: dict,
    expected_version: int | None = None,
) -> WarningRules:
    """Validate and store the rules (all or some fields; missing ones keep their defaults).

    ``expected_version`` is what ``rules_with_version`` gave the editor (0: no saved rules
    yet); if someone saved in between, StaleEdit. None skips the check.
    """
    require(actor, "settings.manage")
    try:
        rules = WarningRules.from_dict(dict(values))
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from exc
    with write(session):
        row = _setting(session)
        before = audit.snapshot(row)
        if row is None:
            if expected_version not in (None, 0):
                raise StaleEdit()
            row = AppSetting(key=RULES_KEY, value=rules.to_dict(), updated_by=actor.user_id)
            session.add(row)
        else:
            if expected_version == 0:
                raise StaleEdit()
            check_version(row, expected_version)
            row.value = rules.to_dict()
            row.updated_at = clock.now()
            row.updated_by = actor.user_id
            session.add(row)
        audit.record(session, actor, "warning_rules.update", row, before=before)
    return rules


# ------------------------------------------------------------------ calendar
def list_calendar_days(session: Session, *, year: int | None = None) -> list[CalendarDay]:
    """Override rows, sorted by day (optionally one year)."""
    q = select(CalendarDay)
    if year is not None:
        q = q.where(
            CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31)
        )
    return list(session.exec(q.order_by(col(CalendarDay.day))).all())


def load_calendar(session: Session) -> WorkCalendar:
    """The working-day calendar: admin overrides, then chinese_calendar, then Monday–Friday."""
    rows = session.exec(select(CalendarDay)).all()
    return WorkCalendar(DayOverride(r.day, bool(r.is_workday), r.name or "") for r in rows)


@dataclass(frozen=True)
class CalendarChange:
    """One row to add or change in the holiday table."""

    day: dt.date
    is_workday: bool
    name: str = ""


def _check_change(ch: CalendarChange) -> CalendarChange:
    if not isinstance(ch.day, dt.date) or isinstance(ch.day, dt.datetime):
        raise ValidationFailed("日期格式不正确。")
    if not 2000 <= ch.day.year <= 2100:
        raise ValidationFailed(f"日期 {ch.day.isoformat()} 超出可设置范围（2000–2100 年）。")
    if not isinstance(ch.is_workday, bool):
        raise ValidationFailed(f"{ch.day.isoformat()}：请选择“上班（调休）”或“放假”。")
    name = (ch.name or "").strip()
    if len(name) > 60:
        raise ValidationFailed(f"{ch.day.isoformat()}：名称不能超过 60 个字符。")
    return CalendarChange(ch.day, ch.is_workday, name)


def apply_calendar_changes(
    session: Session,
    *,
    actor: Actor,
    upserts: list[CalendarChange] = (),
    deletes: list[dt.date] = (),
) -> int:
    """Add/change and remove override rows in one transaction; returns how many rows changed."""
    require(actor, "settings.manage")
    checked = [_check_change(c) for c in upserts]
    days = [c.day for c in checked]
    if len(days) != len(set(days)):
        dup = sorted({d for d in days if days.count(d) > 1})
        raise ValidationFailed("同一日期重复录入：" + "、".join(d.isoformat() for d in dup))
    overlap = set(days) & set(deletes)
    if overlap:
        raise ValidationFailed(
            "同一日期不能既修改又删除：" + "、".join(d.isoformat() for d in sorted(overlap))
        )
    changed = 0
    with write(session):
        for ch in checked:
            row = session.get(CalendarDay, ch.day)
            before = audit.snapshot(row)
            if row is None:
                row = CalendarDay(day=ch.day, is_workday=ch.is_workday, name=ch.name)
                verb = "create"
            else:
                if row.is_workday == ch.is_workday and (row.name or "") == ch.name:
                    continue
                row.is_workday, row.name = ch.is_workday, ch.name
                verb = "update"
            session.add(row)
            audit.record(session, actor, f"calendar_day.{verb}", row, before=before)
            changed += 1
        for day in deletes:
            row = session.get(CalendarDay, day)
            if row is None:
                continue
            before = audit.snapshot(row)
            session.delete(row)
            audit.record(
                session,
                actor,
                "calendar_day.delete",
                object_type="calendar_day",
                object_id=day.isoformat(),
                before=before,
            )
            changed += 1
    return changed


def save_calendar_day(
    session: Session, *, actor: Actor, day: dt.date, is_workday: bool, name: str = ""
) -> None:
    """Add or change one holiday / make-up working day."""
    apply_calendar_changes(session, actor=actor, upserts=[CalendarChange(day, is_workday, name)])


def delete_calendar_day(session: Session, *, actor: Actor, day: dt.date) -> None:
    """Remove one override (the official calendar or Monday–Friday applies again)."""
    apply_calendar_changes(session, actor=actor, deletes=[day])


def unknown_years_warning(cal: WorkCalendar, start: dt.date, end: dt.date) -> str | None:
    """The visible warning for years neither chinese_calendar nor the admin table knows."""
    years = cal.unknown_years(start, end)
    if not years:
        return None
    ys = "、".join(f"{y} 年" for y in years)
    return (
        f"{ys}的法定节假日和调休安排尚未录入，工作日暂按周一至周五计算，"
        "逾期和临期天数可能不准。请在“系统管理 → 节假日与调休”中补录。"
    )
