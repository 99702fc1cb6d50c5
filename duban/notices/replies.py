"""The units' side of a notice: 签收 and the answer (整改反馈)."""

from sqlmodel import Session, select

from duban.core import audit, clock
from duban.core.errors import NotFound, ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import get_for_update, get_or_404, write
from models import Notice, NoticeRecipient, NoticeStatus


def _recipient(
    session: Session, actor: Actor, notice_id: int, department_id: int | None
) -> tuple[Notice, NoticeRecipient]:
    notice = get_or_404(session, Notice, notice_id, "通知")
    if notice.status == NoticeStatus.withdrawn:
        raise ValidationFailed(
            f"通知（{notice.doc_number}）已撤回，无需签收或反馈。撤回理由：{notice.withdraw_reason}"
        )
    if notice.status != NoticeStatus.issued:
        raise ValidationFailed("通知尚未签发。")
    dep = department_id if department_id is not None else actor.department_id
    rec = session.exec(
        select(NoticeRecipient).where(
            NoticeRecipient.notice_id == notice_id, NoticeRecipient.department_id == dep
        )
    ).first()
    if rec is None:
        raise NotFound("本单位不在该通知的接收单位中。")
    # Locked and read again: two heads of one unit acting at once see each other's 签收 or
    # reply (one 签收 recorded, a second reply refused) instead of overwriting it.
    return notice, get_for_update(session, NoticeRecipient, rec.id, "接收记录")


def acknowledge_notice(
    session: Session, *, actor: Actor, notice_id: int, department_id: int | None = None
) -> NoticeRecipient:
    """签收 for the actor's unit (the office may sign for a unit by passing department_id)."""
    dep = department_id if department_id is not None else actor.department_id
    require(actor, "notice.acknowledge", department_id=dep)
    with write(session):
        _, rec = _recipient(session, actor, notice_id, dep)
        if rec.acknowledged_at is None:
            before = audit.snapshot(rec)
            rec.acknowledged_at = clock.now()
            rec.acknowledged_by = actor.user_id
            session.add(rec)
            audit.record(session, actor, "notice.acknowledge", rec, before=before)
    return rec


def reply_notice(
    session: Session,
    *,
    actor: Actor,
    notice_id: int,
    text_: str,
    department_id: int | None = None,
) -> NoticeRecipient:
    """The unit's answer (整改反馈); it also counts as 签收 when that was not done yet."""
    dep = department_id if department_id is not None else actor.department_id
    require(actor, "notice.reply", department_id=dep)
    body = (text_ or "").strip()
    if len(body) < 5:
        raise ValidationFailed("反馈内容不能少于 5 个字。")
    with write(session):
        _, rec = _recipient(session, actor, notice_id, dep)
        if rec.replied_at is not None:
            raise ValidationFailed("本单位已反馈过该通知。")
        before = audit.snapshot(rec)
        now = clock.now()
        rec.reply_text = body
        rec.replied_at = now
        rec.replied_by = actor.user_id
        if rec.acknowledged_at is None:
            rec.acknowledged_at, rec.acknowledged_by = now, actor.user_id
        session.add(rec)
        audit.record(session, actor, "notice.reply", rec, before=before)
    return rec
