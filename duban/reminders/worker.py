"""The worker: runs due jobs and sends due deliveries, safe to run twice.

`run_once` does one pass:

1. **Jobs** (duban.reminders.jobs.JOBS): for each job whose slot is due now on the working-day
   calendar, claim the run by inserting (job, slot) into job_run. The unique pair is the
   claim: a second worker's insert fails and it moves on. The job runs in its own
   transaction; a job that raises is recorded as failed and the others still run.
2. **Deliveries**: put back in the queue any delivery stuck in "sending" for longer than
   STALE_MINUTES (its worker died); claim a batch of due pending deliveries in one short
   transaction (PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED, so two workers take disjoint
   batches; SQLite: under the database write lock, each row moved to "sending" by an UPDATE
   guarded on status = 'pending'); send them outside any transaction, several at a time, so
   a channel that hangs until its timeout holds up none of the others; then mark each sent,
   or due again after a back-off (1, 5, 30 minutes, 2 hours), or failed after MAX_ATTEMPTS.

`run_forever` repeats it every `interval` seconds until SIGTERM or SIGINT.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import socket
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from duban.core import clock
from duban.core.services import take_write_lock
from duban.core.settings import get_settings
from duban.monitoring.holidays import load_calendar
from duban.reminders import channels
from duban.reminders import jobs as jobs_mod
from duban.reminders.outbox import EMAIL, FAILED, PENDING, SENDING, SENT, SKIPPED
from duban.reminders.schedule import Job
from models import AppUser, Channel, Delivery, JobRun, Notification, NotifyPreference

log = logging.getLogger(__name__)

BACKOFF_MINUTES = (1, 5, 30, 120)  # after the 1st, 2nd, 3rd, 4th failure
MAX_ATTEMPTS = 5  # the 5th failure is final
STALE_MINUTES = 10  # a claim older than this belongs to a worker that died
BATCH = 50
SENDERS = 4  # deliveries sent at once


@dataclass
class Summary:
    """What one pass did (logged by the loop, printed by `worker --once`)."""

    jobs_run: list[str] = field(default_factory=list)
    jobs_failed: list[str] = field(default_factory=list)
    jobs_skipped: list[str] = field(default_factory=list)  # claimed by another worker
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    released: int = 0

    def line(self) -> str:
        return (
            f"任务：执行 {len(self.jobs_run)} 个，失败 {len(self.jobs_failed)} 个，"
            f"已由其他进程执行 {len(self.jobs_skipped)} 个；"
            f"消息：发送 {self.sent} 条，待重试 {self.retrying} 条，失败 {self.failed} 条，"
            f"跳过 {self.skipped} 条，收回超时占用 {self.released} 条"
        )


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


def run_once(
    engine: Engine,
    now: dt.datetime | None = None,
    worker_id: str | None = None,
    *,
    jobs: Sequence[Job] | None = None,
    batch: int = BATCH,
    timeout: float = channels.TIMEOUT,
) -> Summary:
    """One pass: due jobs, then due deliveries. `jobs` defaults to JOBS (tests pass theirs)."""
    now = now or clock.now()
    worker_id = worker_id or default_worker_id()
    summary = Summary()
    run_jobs(engine, now, worker_id, jobs_mod.JOBS if jobs is None else jobs, summary)
    send_due(engine, now, worker_id, summary, batch=batch, timeout=timeout)
    return summary


# ---------------------------------------------------------------- jobs


def run_jobs(
    engine: Engine, now: dt.datetime, worker_id: str, jobs: Sequence[Job], summary: Summary
) -> None:
    with Session(engine) as session:
        cal = load_calendar(session)
    for job in jobs:
        try:
            slot = job.slot(now, cal)
        except Exception:  # noqa: BLE001 - one job's bad schedule must not stop the others
            log.exception("job %s: slot failed", job.name)
            summary.jobs_failed.append(job.name)
            continue
        if slot is None:
            continue
        run_id = _claim_job(engine, job.name, slot, worker_id, now)
        if run_id is None:
            summary.jobs_skipped.append(job.name)
            continue
        outcome, detail = "ok", {}
        with Session(engine, expire_on_commit=False) as session:
            try:
                detail = job.run(session, now, cal) or {}
                session.commit()
            except Exception as exc:  # noqa: BLE001 - logged, recorded, the others still run
                session.rollback()
                log.exception("job %s (%s) failed", job.name, slot)
                outcome, detail = "failed", {"error": f"{type(exc).__name__}: {exc}"[:500]}
        with Session(engine) as session:
            row = session.get(JobRun, run_id)
            assert row is not None
            row.finished_at = clock.now() if now is None else max(now, clock.now())
            row.outcome = outcome
            row.detail = detail
            session.add(row)
            session.commit()
        (summary.jobs_run if outcome == "ok" else summary.jobs_failed).append(job.name)


def _claim_job(
    engine: Engine, name: str, slot: str, worker_id: str, now: dt.datetime
) -> int | None:
    """Insert (job, slot): the id of our run, or None when another worker has it."""
    with Session(engine) as session:
        run = JobRun(job=name, slot=slot, claimed_by=worker_id, started_at=now)
        session.add(run)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return None
        return run.id


# ---------------------------------------------------------------- deliveries


def release_stale(engine: Engine, now: dt.datetime) -> int:
    """Deliveries a dead worker left in "sending" go back to the queue."""
    cutoff = now - dt.timedelta(minutes=STALE_MINUTES)
    with Session(engine) as session:
        result = session.execute(
            update(Delivery)
            .where(col(Delivery.status) == SENDING, col(Delivery.claimed_at) < cutoff)
            .values(status=PENDING, claimed_by=None, claimed_at=None, next_attempt_at=now)
        )
        session.commit()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def claim(engine: Engine, now: dt.datetime, worker_id: str, batch: int = BATCH) -> list[int]:
    """Move up to `batch` due pending deliveries to "sending" for this worker; their ids.

    PostgreSQL locks the candidate rows and skips rows another worker holds, so concurrent
    workers take disjoint batches without waiting. SQLite has no row locks: the transaction
    starts with a write (take_write_lock) so it holds the database lock, and each row is
    taken by an UPDATE that only matches while it is still pending (rowcount 1)."""
    with Session(engine) as session:
        take_write_lock(session)
        ids = list(
            session.exec(
                select(Delivery.id)
                .where(col(Delivery.status) == PENDING, col(Delivery.next_attempt_at) <= now)
                .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
                .limit(batch)
                .with_for_update(skip_locked=True)
            ).all()
        )
        taken: list[int] = []
        for delivery_id in ids:
            result = session.execute(
                update(Delivery)
                .where(col(Delivery.id) == delivery_id, col(Delivery.status) == PENDING)
                .values(status=SENDING, claimed_by=worker_id, claimed_at=now)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                assert delivery_id is not None
                taken.append(delivery_id)
        session.commit()
    return taken


@dataclass(frozen=True)
class _Job:
    """One claimed delivery with everything needed to send it, detached from the session."""

    delivery_id: int
    attempts: int
    channel: Channel | None
    to: str
    message: channels.Message


def _prepare(engine: Engine, ids: list[int]) -> list[_Job]:
    base = get_settings().public_url
    out: list[_Job] = []
    with Session(engine) as session:
        rows = session.exec(
            select(Delivery, Notification, AppUser)
            .join(Notification, col(Delivery.notification_id) == Notification.id)
            .join(AppUser, col(Notification.user_id) == AppUser.id)
            .where(col(Delivery.id).in_(ids))
            .order_by(col(Delivery.id))
        ).all()
        for d, note, user in rows:
            ch = session.get(Channel, d.channel_id) if d.channel_id is not None else None
            pref = session.get(NotifyPreference, user.id)
            copy = (
                Channel(
                    id=ch.id,
                    kind=ch.kind,
                    name=ch.name,
                    config=dict(ch.config or {}),
                    secret=ch.secret,
                    enabled=ch.enabled,
                )
                if ch is not None
                else None
            )
            assert d.id is not None
            out.append(
                _Job(
                    delivery_id=d.id,
                    attempts=d.attempts,
                    channel=copy,
                    # e-mail goes to the address the user has now (it may have changed)
                    to=(user.email or d.target) if d.channel == EMAIL else d.target,
                    message=channels.Message(
                        subject=note.subject,
                        body=note.body,
                        link=channels.absolute_link(note.link, base),
                        mobile=pref.mobile if pref else None,
                    ),
                )
            )
    return out


def _send_one(job: _Job, timeout: float) -> tuple[str, str | None]:
    """("sent" | "retry" | "failed" | "skipped", the reason)."""
    if job.channel is None:
        return SKIPPED, "通知渠道已删除"
    if not job.channel.enabled:
        return SKIPPED, "通知渠道已停用"
    try:
        channels.send(job.channel, job.message, to=job.to, timeout=timeout)
    except channels.ChannelError as exc:
        return (FAILED if exc.permanent else "retry"), exc.message
    except Exception as exc:  # noqa: BLE001 - an unexpected error fails this message only
        log.exception("delivery %s: unexpected error", job.delivery_id)
        return "retry", f"发送出错（{type(exc).__name__}）"
    return SENT, None


def send_due(
    engine: Engine,
    now: dt.datetime,
    worker_id: str,
    summary: Summary,
    *,
    batch: int = BATCH,
    timeout: float = channels.TIMEOUT,
) -> None:
    summary.released += release_stale(engine, now)
    ids = claim(engine, now, worker_id, batch)
    if not ids:
        return
    work = _prepare(engine, ids)
    with ThreadPoolExecutor(max_workers=min(SENDERS, len(work))) as pool:
        futures = {pool.submit(_send_one, job, timeout): job for job in work}
        for future in as_completed(futures):
            job = futures[future]
            outcome, reason = future.result()
            _finish(engine, job, outcome, reason, now, worker_id, summary)


def _finish(
    engine: Engine,
    job: _Job,
    outcome: str,
    reason: str | None,
    now: dt.datetime,
    worker_id: str,
    summary: Summary,
) -> None:
    attempts = job.attempts + (0 if outcome == SKIPPED else 1)
    values: dict = {"attempts": attempts, "last_error": reason[:500] if reason else None}
    if outcome == SENT:
        values |= {"status": SENT, "sent_at": max(now, clock.now())}
        summary.sent += 1
    elif outcome == SKIPPED:
        values |= {"status": SKIPPED}
        summary.skipped += 1
    elif outcome == "retry" and attempts < MAX_ATTEMPTS:
        wait = BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1]
        values |= {
            "status": PENDING,
            "next_attempt_at": now + dt.timedelta(minutes=wait),
            "claimed_by": None,
            "claimed_at": None,
        }
        summary.retrying += 1
    else:
        values |= {"status": FAILED}
        summary.failed += 1
    with Session(engine) as session:
        # Only while the claim is still ours: a row released as stale and taken by another
        # worker is that worker's to record.
        session.execute(
            update(Delivery)
            .where(
                col(Delivery.id) == job.delivery_id,
                col(Delivery.status) == SENDING,
                col(Delivery.claimed_by) == worker_id,
            )
            .values(**values)
        )
        session.commit()


# ---------------------------------------------------------------- the loop


def run_forever(
    engine: Engine,
    interval: float = 30,
    worker_id: str | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Pass after pass until SIGTERM/SIGINT (or `stop` is set); a pass that fails is logged
    and the next one comes as usual (the database may be back by then)."""
    stop = stop or threading.Event()
    worker_id = worker_id or default_worker_id()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            if signal.getsignal(sig) is not signal.SIG_IGN:
                signal.signal(sig, lambda *_: stop.set())
    log.info("worker %s started (every %ss)", worker_id, interval)
    while not stop.is_set():
        try:
            summary = run_once(engine, worker_id=worker_id)
            if summary.jobs_run or summary.jobs_failed or summary.sent or summary.failed:
                log.info("worker %s: %s", worker_id, summary.line())
        except Exception:  # noqa: BLE001 - the loop outlives one bad pass
            log.exception("worker pass failed")
        stop.wait(interval)
    log.info("worker %s stopped", worker_id)
