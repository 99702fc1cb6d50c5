"""Issuing: a draft gets its doc number (unique and gapless per kind and year), date and
delivery, and becomes read-only; withdrawing (撤回) calls an issued notice back, its number
staying used."""

import re
import time

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from duban.core import audit, clock
from duban.core.errors import ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import check_version, get_or_404, write
from duban.core.text import check_text
from duban.notices import rules as notice_rules
from models import DocCounter, Notice, NoticeKind, NoticeRecipient, NoticeStatus, NoticeTask, Task

_BLANK = re.compile(r"【待填写：([^】]*)】")


def unfilled(notice: Notice) -> list[str]:
    """What a draft still asks a person to write (its 【待填写：…】 marks), in order."""
    text = "\n".join(
        str(getattr(notice, f) or "")
        for f in ("title", "addressees", "body", "requirements", "signature", "copy_to")
    )
    return list(dict.fromkeys(_BLANK.findall(text)))


def format_doc_number(prefix: str, year: int, seq: int) -> str:
    return f"{prefix}〔{year}〕{seq}号"


def _next_seq(session: Session, kind: str, year: int) -> int:
    """The next number for (kind, year), taken under a lock so it is unique and gapless.

    PostgreSQL: the counter row is locked with SELECT … FOR UPDATE until commit. SQLite: the
    caller already holds the database write lock (see _take_write_lock). A missing row is
    inserted; two first-issuers racing on the insert collide on the primary key and retry.
    """
    counter = session.exec(
        select(DocCounter).where(DocCounter.kind == kind, DocCounter.year == year).with_for_update()
    ).first()
    if counter is None:
        counter = DocCounter(kind=kind, year=year, last_seq=0)
        session.add(counter)
        session.flush()
    counter.last_seq += 1
    session.add(counter)
    session.flush()
    return counter.last_seq


def _take_write_lock(session: Session) -> None:
    """On SQLite, start the transaction with a write so it holds the lock (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE data_version SET version = version WHERE id = 1"))


def _is_retryable(exc: Exception) -> bool:
    msg = str(exc).lower()
    if isinstance(exc, OperationalError):
        return "locked" in msg or "busy" in msg or "deadlock" in msg or "serializ" in msg
    return isinstance(exc, IntegrityError)


def issue_notice(
    session: Session,
    *,
    actor: Actor,
    notice_id: int,
    expected_version: int,
    attempts: int = 8,
) -> Notice:
    """Number, date and deliver a draft; from now on it is read-only."""
    require(actor, "notice.issue")
    for attempt in range(attempts):
        try:
            return _issue_once(session, actor, notice_id, expected_version)
        except (OperationalError, IntegrityError) as exc:
            if not _is_retryable(exc) or attempt == attempts - 1:
                raise ValidationFailed("签发时文号冲突，请稍后重试。") from exc
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


def _issue_once(session: Session, actor: Actor, notice_id: int, expected_version: int) -> Notice:
    with write(session):
        _take_write_lock(session)
        notice = get_or_404(session, Notice, notice_id, "通知")
        session.refresh(notice)
        check_version(notice, expected_version)
        if notice.status != NoticeStatus.draft:
            raise ValidationFailed(f"通知已签发（{notice.doc_number}），不能重复签发。")
        if not notice.title.strip() or not notice.body.strip():
            raise ValidationFailed("标题和正文不能为空。")
        blanks = unfilled(notice)
        if blanks:
            raise ValidationFailed(f"还有待填写的内容：{'、'.join(blanks)}。请补全后再签发。")
        recipients = session.exec(
            select(NoticeRecipient).where(NoticeRecipient.notice_id == notice.id)
        ).all()
        if not recipients:
            raise ValidationFailed("请至少选择一个接收单位。")
        now = clock.now()
        if notice.reply_due is not None and notice.reply_due < now.date():
            raise ValidationFailed("反馈期限已过，请修改反馈期限后再签发。")
        before = audit.snapshot(notice)
        rules = notice_rules.load_notice_rules(session)
        kind = NoticeKind(notice.kind).value
        seq = _next_seq(session, kind, now.year)
        notice.doc_year, notice.doc_seq = now.year, seq
        notice.doc_number = format_doc_number(rules["prefixes"][kind], now.year, seq)
        notice.status = NoticeStatus.issued
        notice.issued_at = now
        notice.issued_by = actor.user_id
        notice.extra = {**(notice.extra or {}), "issuer": rules["issuer"]}
        for r in recipients:
            r.delivered_at = now
            session.add(r)
        session.add(notice)
        audit.record(session, actor, "notice.issue", notice, before=before)
    return notice


def withdraw_notice(
    session: Session, *, actor: Actor, notice_id: int, expected_version: int, reason: str
) -> Notice:
    """撤回: an issued notice is called back, with the reason, by the office.

    Nothing is erased: the doc number stays the notice's and stays used (the counter is not
    touched, the next notice of the kind takes the next number); the recipients still see
    it, marked withdrawn with the reason, but owe it no 签收 or reply; and it stops counting
    as a fact anywhere (urgings cited or ignored, escalation, bulletins, assessment), since
    every reader takes issued notices only.
    """
    require(actor, "notice.withdraw")
    reason = check_text((reason or "").strip(), "撤回理由", limit=1000)
    if not reason:
        raise ValidationFailed("请填写撤回理由。")
    with write(session):
        notice = get_or_404(session, Notice, notice_id, "通知")
        check_version(notice, expected_version)
        if notice.status == NoticeStatus.withdrawn:
            raise ValidationFailed(f"通知（{notice.doc_number}）已经撤回。")
        if notice.status != NoticeStatus.issued:
            raise ValidationFailed("只有已签发的通知可以撤回；草稿可以直接删除。")
        before = audit.snapshot(notice)
        now = clock.now()
        notice.status = NoticeStatus.withdrawn
        notice.withdrawn_at = now
        notice.withdrawn_by = actor.user_id
        notice.withdraw_reason = reason
        session.add(notice)
        audit.record(session, actor, "notice.withdraw", notice, before=before, note=reason)
        note = f"撤回 {notice.doc_number}《{notice.title}》：{reason}"
        for task in session.exec(
            select(Task)
            .join(NoticeTask, col(NoticeTask.task_id) == Task.id)
            .where(NoticeTask.notice_id == notice.id)
        ).all():
            audit.record(session, actor, "task.notice_withdraw", task, note=note)
    return notice
