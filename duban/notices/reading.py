"""Reading notices: the lists each role sees, one notice, its recipients, its DOCX."""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from duban.core import clock
from duban.core.errors import PermissionDenied
from duban.core.filenames import download_name
from duban.core.permissions import Actor, can
from duban.core.services import get_or_404
from duban.documents import word
from duban.documents.official import OfficialDocument
from duban.notices import rules as notice_rules
from duban.notices.labels import LEVEL_LABELS
from models import Department, Notice, NoticeRecipient, NoticeStatus

# Notices that were issued and so carry a number: the recipients keep seeing them.
NUMBERED = (NoticeStatus.issued, NoticeStatus.withdrawn)


@dataclass
class NoticeRow:
    notice: Notice
    recipients: int
    acknowledged: int
    replied: int
    pending_ack: list[str]
    pending_reply: list[str]
    mine: NoticeRecipient | None = None


def list_notices(
    session: Session,
    *,
    actor: Actor,
    kind: str | None = None,
    status: str | None = None,
    only_pending: bool = False,
) -> list[NoticeRow]:
    """Notices the actor may see, newest first, with who has not acknowledged or answered.

    A department head sees only issued notices delivered to its own unit, withdrawn ones too
    (marked: it received them). `status="issued"` means every numbered notice, withdrawn ones
    included: a doc number never vanishes from the list of issued notices.
    """
    q = select(Notice)
    own = not can(actor, "notice.read_all")
    if own:
        if actor.department_id is None:
            return []
        q = q.join(NoticeRecipient, col(NoticeRecipient.notice_id) == Notice.id).where(
            NoticeRecipient.department_id == actor.department_id,
            col(Notice.status).in_(NUMBERED),
        )
    if kind:
        q = q.where(Notice.kind == kind)
    if status == NoticeStatus.issued:
        q = q.where(col(Notice.status).in_(NUMBERED))
    elif status:
        q = q.where(Notice.status == status)
    notices = session.exec(q.order_by(col(Notice.created_at).desc(), col(Notice.id).desc())).all()
    ids = [n.id for n in notices]
    recs: dict[int | None, list[NoticeRecipient]] = {}
    if ids:
        for r in session.exec(
            select(NoticeRecipient).where(col(NoticeRecipient.notice_id).in_(ids))
        ).all():
            recs.setdefault(r.notice_id, []).append(r)
    names = {d.id: d.name for d in session.exec(select(Department)).all()}
    out = []
    for n in notices:
        rs = recs.get(n.id, [])
        mine = next((r for r in rs if r.department_id == actor.department_id), None)
        owed = n.status == NoticeStatus.issued  # a withdrawn notice is owed nothing
        row = NoticeRow(
            notice=n,
            recipients=len(rs),
            acknowledged=sum(1 for r in rs if r.acknowledged_at),
            replied=sum(1 for r in rs if r.replied_at),
            pending_ack=[
                names.get(r.department_id, "") for r in rs if owed and not r.acknowledged_at
            ],
            # Only a notice with a reply date asks for an answer; the others just for 签收.
            pending_reply=[
                names.get(r.department_id, "")
                for r in rs
                if owed and n.reply_due is not None and not r.replied_at
            ],
            mine=mine,
        )
        if only_pending and own and mine and mine.replied_at:
            continue
        out.append(row)
    return out


def is_withdrawn(notice: Notice) -> bool:
    return notice.status == NoticeStatus.withdrawn


def get_notice(session: Session, *, actor: Actor, notice_id: int) -> Notice:
    notice = get_or_404(session, Notice, notice_id, "通知")
    if can(actor, "notice.read_all"):
        return notice
    if notice.status in NUMBERED and actor.department_id is not None:
        rec = session.exec(
            select(NoticeRecipient).where(
                NoticeRecipient.notice_id == notice_id,
                NoticeRecipient.department_id == actor.department_id,
            )
        ).first()
        if rec is not None:
            return notice
    raise PermissionDenied("无权查看该通知：只能查看发给本单位的通知。")


def recipients_of(session: Session, notice_id: int) -> list[dict]:
    names = {d.id: d.name for d in session.exec(select(Department)).all()}
    rows = session.exec(
        select(NoticeRecipient)
        .where(NoticeRecipient.notice_id == notice_id)
        .order_by(col(NoticeRecipient.department_id))
    ).all()
    return [
        {
            "department_id": r.department_id,
            "name": names.get(r.department_id, ""),
            "delivered_at": r.delivered_at,
            "acknowledged_at": r.acknowledged_at,
            "replied_at": r.replied_at,
            "reply_text": r.reply_text or "",
        }
        for r in rows
    ]


def official_document(notice: Notice, rules: dict | None = None) -> OfficialDocument:
    """The notice as an OfficialDocument (body = 正文 then 要求); a withdrawn one opens with
    the withdrawal, so no printed copy passes for a notice in force."""
    rules = rules or notice_rules.DEFAULT_RULES
    issued_on = notice.issued_at.date() if notice.issued_at else None
    body = [withdrawal_line(notice)] if is_withdrawn(notice) else []
    body += [p for p in (notice.body or "").splitlines() if p.strip()]
    body += [p for p in (notice.requirements or "").splitlines() if p.strip()]
    return OfficialDocument(
        issuer=(notice.extra or {}).get("issuer") or rules["issuer"],
        doc_number=notice.doc_number or "（草稿，签发时编号）",
        title=notice.title,
        addressees=notice.addressees,
        body=body,
        attachments=list(notice.attachments or []),
        signature=notice.signature,
        date=issued_on or clock.today(),
        copy_to=notice.copy_to,
        printed_by=rules["issuer"],
        printed_on=issued_on or clock.today(),
        level_label=LEVEL_LABELS.get(notice.level or "") if notice.kind == "urging" else None,
    )


def withdrawal_line(notice: Notice) -> str:
    """「（本通知已于2026年6月3日撤回。撤回理由：……）」"""
    when = notice.withdrawn_at
    day = f"{when.year}年{when.month}月{when.day}日" if when else ""
    return f"（本通知已于{day}撤回。撤回理由：{notice.withdraw_reason or ''}）"


def notice_docx(session: Session, *, actor: Actor, notice_id: int) -> tuple[str, bytes]:
    """(file name, DOCX bytes) of a notice the actor may read."""
    notice = get_notice(session, actor=actor, notice_id=notice_id)
    data = word.render_docx(official_document(notice, notice_rules.load_notice_rules(session)))
    return notice_file_name(notice, "docx"), data


def notice_file_name(notice: Notice, ext: str) -> str:
    """ "督办〔2026〕7号-关于…的通知.docx"; a draft is "草稿-…", a withdrawn one "已撤回-督办…";
    shortened between words."""
    mark = "已撤回-" if is_withdrawn(notice) else ""
    return download_name(notice.title, ext, prefix=f"{mark}{notice.doc_number or '草稿'}-")
