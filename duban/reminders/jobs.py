"""The jobs the worker runs (duban.reminders.worker): reminders, the weekly digest, periodic
bulletin drafts, housekeeping. Each is a duban.reminders.schedule.Job whose body returns a
small JSON-able summary (kept in job_run.detail).

The reminder jobs have a slot every hour of a working day: the office's rules say at which
hour each rule goes (duban.reminders.rules), and a rule whose hour has come is planned at the
first run after it; the later runs of the day add nothing (one message per person per rule
per day), so an edited hour applies without restarting the worker.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, or_, select

from duban.core import audit
from duban.core.errors import DubanError
from duban.core.permissions import Actor
from duban.core.services import write
from duban.monitoring.workdays import WorkCalendar
from duban.notices import drafting
from duban.reminders import outbox
from duban.reminders import rules as reminder_rules
from duban.reminders.schedule import (
    Job,
    every_day,
    first_working_day_of_month,
    first_working_day_of_week,
)
from models import (
    AppUser,
    Delivery,
    JobRun,
    LoginAttempt,
    Notice,
    NoticeKind,
    NoticeStatus,
    Notification,
    Role,
    UserSession,
)

log = logging.getLogger(__name__)

SESSIONS_KEPT_DAYS = 30  # ended login sessions (revoked, or unused this long)
ATTEMPTS_KEPT_DAYS = 90  # login attempts (the lockout windows are minutes to hours)
READ_NOTIFICATIONS_KEPT_DAYS = 180  # notifications read this long ago, with their deliveries
JOB_RUNS_KEPT_DAYS = 90


def hourly_on_working_days(now: dt.datetime, cal: WorkCalendar) -> str | None:
    """One slot per hour of a working day ("2026-12-01T09:00"); none on a holiday."""
    if not cal.is_workday(now.date()):
        return None
    return f"{now.date().isoformat()}T{now.hour:02d}:00"


# ------------------------------------------------------------------ reminders
def run_reminders(session: Session, now: dt.datetime, cal: WorkCalendar) -> dict[str, Any]:
    """The daily rules whose hour has come (due soon, overdue, cycles, 整改, 签收)."""
    return reminder_rules.send_reminders(session, now, cal, names=reminder_rules.DAILY_RULES)


def run_weekly_digest(session: Session, now: dt.datetime, cal: WorkCalendar) -> dict[str, Any]:
    """The leaders' weekly digest (once per ISO week, from the week's first working day)."""
    return reminder_rules.send_reminders(session, now, cal, names=(reminder_rules.WEEKLY_DIGEST,))


# ------------------------------------------------------------------ bulletin drafts
def system_actor(session: Session) -> Actor | None:
    """The office acting through the worker: the first active office user (the draft is
    theirs to edit), audited as "system" from "worker"; None when there is no office user."""
    office = session.exec(
        select(AppUser)
        .where(AppUser.role == Role.office, col(AppUser.active))
        .order_by(col(AppUser.id))
    ).first()
    if office is None:
        return None
    return Actor(office.id, "system", "系统（定时任务）", Role.office, None, "worker")


def draft_bulletin(session: Session, now: dt.datetime, period: str) -> dict[str, Any]:
    """A 工作进展通报 draft for the last complete week or month, for the office to edit and
    issue; nothing when one for that period exists already (drafted by hand or before)."""
    actor = system_actor(session)
    if actor is None:
        log.warning("bulletin_%s skipped: no active office user to own the draft", period)
        return {"skipped": "没有启用的办公室账号，未生成通报草稿"}
    try:
        draft = drafting.generate(
            session, kind=NoticeKind.bulletin.value, today=now.date(), period=period
        )
    except DubanError as exc:
        log.warning("bulletin_%s skipped: %s", period, exc)
        return {"skipped": str(exc)}
    existing = session.exec(
        select(Notice).where(
            Notice.kind == NoticeKind.bulletin,
            Notice.period_label == draft.period_label,
            Notice.status != NoticeStatus.withdrawn,
        )
    ).first()
    if existing is not None:
        return {"skipped": "本期通报已存在", "notice_id": existing.id, "period": draft.period_label}
    notice = drafting.create_draft(
        session,
        actor=actor,
        kind=draft.kind,
        title=draft.title,
        recipients=draft.recipients,
        task_ids=draft.task_ids,
        **{
            **draft.notice_fields(),
            "extra": {**draft.extra, "generated_body": draft.body, "generated_by": "worker"},
        },
    )
    _tell_the_office(session, notice, now)
    return {"notice_id": notice.id, "period": draft.period_label}


def _tell_the_office(session: Session, notice: Notice, now: dt.datetime) -> None:
    """An in-app message to every office user: a draft is waiting for them."""
    rr = reminder_rules.rules_with_version(session)[0]
    with write(session):
        for user in session.exec(
            select(AppUser).where(AppUser.role == Role.office, col(AppUser.active))
        ).all():
            outbox.enqueue(
                session,
                user=user,
                rule="bulletin_draft",
                key=f"notice:{notice.id}",
                subject=f"【待办】通报草稿已生成：{notice.title}"[:200],
                body=f"系统已根据数据生成{notice.period_label or ''}工作进展通报草稿，"
                "请核对修改后签发。",
                link="notices",
                not_before=rr.not_before(now),
            )


def run_bulletin_week(session: Session, now: dt.datetime, cal: WorkCalendar) -> dict[str, Any]:
    return draft_bulletin(session, now, "week")


def run_bulletin_month(session: Session, now: dt.datetime, cal: WorkCalendar) -> dict[str, Any]:
    return draft_bulletin(session, now, "month")


# ------------------------------------------------------------------ housekeeping
def run_housekeeping(session: Session, now: dt.datetime, cal: WorkCalendar) -> dict[str, Any]:
    """Delete what nobody needs any more, and say so in the audit log: login sessions that
    ended (revoked or unused) over 30 days ago, login attempts over 90 days old, messages read
    over 180 days ago (with their deliveries, none still to send), job runs over 90 days old."""
    sessions_cut = now - dt.timedelta(days=SESSIONS_KEPT_DAYS)
    attempts_cut = now - dt.timedelta(days=ATTEMPTS_KEPT_DAYS)
    read_cut = now - dt.timedelta(days=READ_NOTIFICATIONS_KEPT_DAYS)
    runs_cut = now - dt.timedelta(days=JOB_RUNS_KEPT_DAYS)
    with write(session):
        ended = _deleted(
            session,
            delete(UserSession).where(
                or_(
                    col(UserSession.revoked_at) < sessions_cut,
                    col(UserSession.last_seen_at) < sessions_cut,
                )
            ),
        )
        attempts = _deleted(
            session, delete(LoginAttempt).where(col(LoginAttempt.at) < attempts_cut)
        )
        busy = select(Delivery.notification_id).where(
            col(Delivery.status).in_((outbox.PENDING, outbox.SENDING))
        )
        old = select(Notification.id).where(
            col(Notification.read_at) < read_cut, col(Notification.id).not_in(busy)
        )
        old_ids = list(session.exec(old).all())
        deliveries = notes = 0
        for i in range(0, len(old_ids), 500):
            chunk = old_ids[i : i + 500]
            deliveries += _deleted(
                session, delete(Delivery).where(col(Delivery.notification_id).in_(chunk))
            )
            notes += _deleted(session, delete(Notification).where(col(Notification.id).in_(chunk)))
        runs = _deleted(
            session,
            delete(JobRun).where(
                col(JobRun.started_at) < runs_cut, col(JobRun.finished_at).is_not(None)
            ),
        )
        summary = {
            "sessions": ended,
            "login_attempts": attempts,
            "notifications": notes,
            "deliveries": deliveries,
            "job_runs": runs,
        }
        if any(summary.values()):
            audit.record(
                session,
                Actor(None, "system", "系统（定时任务）", Role.office, None, "worker"),
                "housekeeping",
                object_type="system",
                after=summary,
                note="定期清理过期数据",
                bump_version=False,
            )
    return summary


def _deleted(session: Session, statement: Any) -> int:
    return int(getattr(session.execute(statement), "rowcount", 0) or 0)


JOBS: list[Job] = [
    Job("reminders", hourly_on_working_days, run_reminders),
    Job("weekly_digest", hourly_on_working_days, run_weekly_digest),
    Job("bulletin_week", first_working_day_of_week(dt.time(9, 0)), run_bulletin_week),
    Job("bulletin_month", first_working_day_of_month(dt.time(9, 0)), run_bulletin_month),
    Job("housekeeping", every_day(dt.time(3, 0)), run_housekeeping),
]
