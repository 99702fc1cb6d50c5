"""The office's holiday and make-up working day table (节假日与调休) and the working-day
calendar it makes with the official one."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from duban.core import audit
from duban.core.errors import StaleEdit, ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import write
from duban.i18n import t
from duban.monitoring.workdays import DayOverride, WorkCalendar
from models import CalendarDay


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


def year_rows(session: Session, year: int) -> tuple[CalendarChange, ...]:
    """One year's override rows as the editor shows them (and as `seen` gives them back)."""
    return tuple(
        CalendarChange(r.day, bool(r.is_workday), r.name or "")
        for r in list_calendar_days(session, year=year)
    )


def apply_calendar_changes(
    session: Session,
    *,
    actor: Actor,
    upserts: Sequence[CalendarChange] = (),
    deletes: Sequence[dt.date] = (),
    seen: tuple[int, Sequence[CalendarChange]] | None = None,
) -> int:
    """Add/change and remove override rows in one transaction; returns how many rows changed.

    `seen` is (year, that year's rows as the editor showed them): when the table has changed
    since (someone else saved), the edit is refused as stale instead of being applied to rows
    the user never saw.
    """
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
        if seen is not None and year_rows(session, seen[0]) != tuple(seen[1]):
            raise StaleEdit()
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


def unknown_years_warning(
    cal: WorkCalendar, start: dt.date, end: dt.date, lang: str = "zh"
) -> str | None:
    """The visible warning for years neither chinese_calendar nor the admin table knows."""
    return years_warning(cal.unknown_years(start, end), lang)


def years_warning(years, lang: str = "zh") -> str | None:
    """The warning for these unknown years, in the UI language (None when there are none)."""
    if not years:
        return None
    ys = t("cal.years_sep", lang).join(t("cal.year", lang, year=y) for y in years)
    return t("cal.unknown_years", lang, years=ys)
