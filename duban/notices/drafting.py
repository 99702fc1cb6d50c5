"""Drafts: generated from the data by the rules and the kind's template, edited by a person,
deleted while still drafts."""

import datetime as dt
from dataclasses import asdict, dataclass, replace
from typing import Any

from sqlmodel import Session, select

from duban.core import audit, clock
from duban.core.errors import ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import check_version, get_or_404, write
from duban.documents.official import AttachmentTable
from duban.notices import _bulletin, _kinds, _shared, templates
from duban.notices import rules as notice_rules
from duban.notices._shared import cn_date, official_text
from duban.notices.labels import KIND_LABELS, LEVEL_LABELS, LEVELS
from models import Notice, NoticeKind, NoticeRecipient, NoticeStatus, NoticeTask

EDITABLE_FIELDS = (
    "title",
    "addressees",
    "body",
    "requirements",
    "signature",
    "copy_to",
    "reply_due",
    "level",
    "period_label",
)

_BUILDERS: dict[str, _kinds.Builder] = {
    NoticeKind.urging.value: _kinds.urging,
    NoticeKind.reminder.value: _kinds.reminder,
    NoticeKind.bulletin.value: _bulletin.bulletin,
    NoticeKind.commendation.value: _kinds.commendation,
    NoticeKind.criticism.value: _kinds.criticism,
    NoticeKind.interview.value: _kinds.interview,
    NoticeKind.accountability.value: _kinds.accountability,
}


# Kinds that ask no answer of their recipients: praise, and a proposal to the leading group.
NO_REPLY = {NoticeKind.commendation.value, NoticeKind.accountability.value}


@dataclass
class Draft:
    """A notice generated from the data, not yet saved: the fields a person then edits, the
    units it goes to and the tasks it is about."""

    kind: str
    level: str | None
    title: str
    addressees: str
    body: str
    requirements: str
    signature: str
    copy_to: str
    period_label: str | None
    reply_due: dt.date | None
    attachments: list[AttachmentTable]
    extra: dict[str, Any]
    recipients: list[int]
    task_ids: list[int]

    def notice_fields(self) -> dict[str, Any]:
        """The Notice's columns besides kind and title, attachments as stored (plain dicts)."""
        return {
            "level": self.level,
            "addressees": self.addressees,
            "body": self.body,
            "requirements": self.requirements,
            "signature": self.signature,
            "copy_to": self.copy_to,
            "period_label": self.period_label,
            "reply_due": self.reply_due,
            "attachments": [asdict(t) for t in self.attachments],
            "extra": self.extra,
        }


def generate(
    session: Session,
    *,
    kind: str,
    today: dt.date | None = None,
    **params: Any,
) -> Draft:
    """A draft of `kind`, generated from the data (nothing is written); `params` are the
    fields of `_kinds.Request` the kind reads."""
    kind = NoticeKind(kind).value
    today = today or clock.today()
    rules = notice_rules.load_notice_rules(session)
    unknown = set(params) - set(_kinds.Request.__dataclass_fields__)
    if unknown:
        raise ValidationFailed(f"不能设置这些字段：{', '.join(sorted(unknown))}")
    request = _kinds.Request(**params)
    src = _kinds.Source(
        session=session,
        request=request,
        rules=rules,
        today=today,
        frames=_shared.status_frames(session, today),
        plan_title=_shared.plan_title(session),
    )
    content = _BUILDERS[kind](src)
    reply_due = content.reply_due or _shared.reply_due(session, rules, content.level, today)
    context = {
        "today": cn_date(today),
        "issuer": rules["issuer"],
        "plan_title": src.plan_title,
        **content.context,
        "reply_due": cn_date(reply_due),
    }
    source, _, _ = templates.template_source(session, kind)
    body = templates.render_template(source, context)
    requirements = rules["requirements"].get(kind, "").replace("{reply_due}", cn_date(reply_due))
    return Draft(
        kind=kind,
        level=content.level,
        title=official_text(content.title),
        addressees=content.addressees,
        body=official_text(body),
        requirements=official_text(requirements),
        signature=rules["signature"],
        copy_to=rules["copy_to"] if content.copy_to is None else content.copy_to,
        period_label=content.period_label,
        reply_due=None if kind in NO_REPLY else reply_due,
        attachments=[_tidy_table(t) for t in content.attachments],
        extra={**content.extra, "request": _request_record(request)},
        recipients=content.recipients,
        task_ids=content.task_ids,
    )


def _tidy_table(table: AttachmentTable) -> AttachmentTable:
    rows = [[official_text(c) if isinstance(c, str) else c for c in r] for r in table.rows]
    return replace(table, title=official_text(table.title), rows=rows)


def _request_record(request: _kinds.Request) -> dict[str, Any]:
    """The request as stored with the draft (JSON), so it can be generated again."""
    out: dict[str, Any] = {}
    for k, v in asdict(request).items():
        out[k] = v.isoformat() if isinstance(v, dt.date) else v
    return out


def _request_from(record: dict[str, Any]) -> dict[str, Any]:
    params = dict(record)
    if params.get("period_start"):
        params["period_start"] = dt.date.fromisoformat(params["period_start"])
    if params.get("interview_at"):
        params["interview_at"] = dt.datetime.fromisoformat(params["interview_at"])
    return {k: v for k, v in params.items() if k in _kinds.Request.__dataclass_fields__}


DEFAULT_ATTENDEES = _kinds.DEFAULT_ATTENDEES


def bulletin_periods(kind: str, today: dt.date) -> list[_shared.Period]:
    """The periods a bulletin of `kind` may cover, the default (the last complete one) first."""
    return _shared.periods(kind, today)


def draft_notice(session: Session, *, actor: Actor, kind: str, **params: Any) -> Notice:
    """Generate a draft from the data and save it for a person to edit."""
    require(actor, "notice.draft")
    draft = generate(session, kind=kind, **params)
    return create_draft(
        session,
        actor=actor,
        kind=draft.kind,
        title=draft.title,
        recipients=draft.recipients,
        task_ids=draft.task_ids,
        **{**draft.notice_fields(), "extra": {**draft.extra, "generated_body": draft.body}},
    )


def create_draft(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    title: str,
    recipients: list[int],
    task_ids: list[int] | tuple = (),
    **fields: Any,
) -> Notice:
    """Save a draft made elsewhere (e.g. the assessment scorecard) for a person to edit and issue."""
    require(actor, "notice.draft")
    if kind not in KIND_LABELS:
        raise ValidationFailed(f"未知的通知类型：{kind}")
    if not str(title).strip():
        raise ValidationFailed("标题不能为空。")
    unknown = set(fields) - {*EDITABLE_FIELDS, "extra", "attachments"}
    if unknown:
        raise ValidationFailed(f"不能设置这些字段：{', '.join(sorted(unknown))}")
    for d in set(recipients):
        _shared.active_unit(session, d)
    fields["kind"], fields["title"] = kind, title
    with write(session):
        notice = Notice(**fields, status=NoticeStatus.draft, created_by=actor.user_id)
        session.add(notice)
        session.flush()
        notice_id = notice.id
        assert notice_id is not None  # the flush gave it one
        for d in dict.fromkeys(recipients):
            session.add(NoticeRecipient(notice_id=notice_id, department_id=d))
        for t in dict.fromkeys(task_ids):
            session.add(NoticeTask(notice_id=notice_id, task_id=t))
        audit.record(session, actor, "notice.draft", notice)
    return notice


def update_draft(
    session: Session,
    *,
    actor: Actor,
    notice_id: int,
    expected_version: int,
    recipients: list[int] | None = None,
    **changes: Any,
) -> Notice:
    """Edit a draft's text fields (and recipients); an issued notice is read-only."""
    require(actor, "notice.draft")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"不能修改这些字段：{', '.join(sorted(unknown))}")
    with write(session):
        notice = get_or_404(session, Notice, notice_id, "通知")
        check_version(notice, expected_version)
        if notice.status != NoticeStatus.draft:
            raise ValidationFailed("通知已签发，不能再修改。")
        before = audit.snapshot(notice)
        if "title" in changes and not str(changes["title"]).strip():
            raise ValidationFailed("标题不能为空。")
        if "title" in changes and len(str(changes["title"])) > 300:
            raise ValidationFailed("标题不能超过 300 个字符。")
        if changes.get("level") not in (None, *LEVELS):
            raise ValidationFailed("督办等级只能是蓝色、黄色或红色。")
        if "copy_to" in changes:
            notice_rules.check_copy_to(str(changes["copy_to"] or ""))
        if notice.kind == NoticeKind.urging and changes.get("level") not in (None, notice.level):
            changes = _relevel(session, notice, changes)
        for k, v in changes.items():
            setattr(notice, k, v.strip() if isinstance(v, str) else v)
        if recipients is not None:
            _set_recipients(session, notice_id, recipients)
        notice.extra = {**(notice.extra or {}), "edited": True}
        audit.record(session, actor, "notice.update", notice, before=before)
    return notice


def _relevel(session: Session, notice: Notice, changes: dict[str, Any]) -> dict[str, Any]:
    """A new urging level: the title, reply date and requirements follow it, and the body and
    attachment are generated again at that level. A field the person changed in the same edit
    keeps their text; a body edited by hand before keeps it, with the level's name replaced."""
    old, new = notice.level or "blue", str(changes["level"])
    record = (notice.extra or {}).get("request")
    if not record or not record.get("department_id"):
        raise ValidationFailed(
            "这份督办通知不是由系统生成的，改变等级请直接修改标题、正文和反馈期限。"
        )
    draft = generate(
        session, kind=NoticeKind.urging.value, **{**_request_from(record), "level": new}
    )
    out = dict(changes)

    def untouched(name: str) -> bool:
        return name not in changes or changes[name] == getattr(notice, name)

    for name, value in (
        ("title", draft.title),
        ("reply_due", draft.reply_due),
        ("requirements", draft.requirements),
    ):
        if untouched(name):
            out[name] = value
    generated = (notice.extra or {}).get("generated_body")
    if untouched("body") and (generated is None or generated == notice.body):
        out["body"] = draft.body
    elif "body" in out or notice.body:
        body = str(out.get("body", notice.body))
        out["body"] = body.replace(LEVEL_LABELS[old], LEVEL_LABELS[new])
    out["level"] = new
    notice.attachments = [asdict(t) for t in draft.attachments]
    notice.extra = {
        **(notice.extra or {}),
        "level_reason": draft.extra.get("level_reason"),
        "facts": draft.extra.get("facts"),
        "generated_body": draft.body,
        "request": draft.extra.get("request"),
    }
    return out


def _set_recipients(session: Session, notice_id: int, recipients: list[int]) -> None:
    wanted = set(recipients)
    for d in wanted:
        _shared.active_unit(session, d)
    current = session.exec(
        select(NoticeRecipient).where(NoticeRecipient.notice_id == notice_id)
    ).all()
    for r in current:
        if r.department_id not in wanted:
            session.delete(r)
    have = {r.department_id for r in current}
    for d in sorted(wanted - have):
        session.add(NoticeRecipient(notice_id=notice_id, department_id=d))


def delete_draft(session: Session, *, actor: Actor, notice_id: int) -> None:
    require(actor, "notice.draft")
    with write(session):
        notice = get_or_404(session, Notice, notice_id, "通知")
        if notice.status != NoticeStatus.draft:
            raise ValidationFailed("已签发的通知不能删除。")
        before = audit.snapshot(notice)
        for model in (NoticeRecipient, NoticeTask):
            for r in session.exec(select(model).where(model.notice_id == notice.id)).all():
                session.delete(r)
        audit.record(
            session,
            actor,
            "notice.delete",
            object_type="notice",
            object_id=notice.id,
            before=before,
            after={},
        )
        session.delete(notice)
