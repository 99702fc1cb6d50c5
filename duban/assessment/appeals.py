"""Appeals (申诉): a unit contests one deduction line; the office accepts or rejects it."""

from sqlmodel import Session, col, select

from duban.assessment import _standings, labels
from duban.core import audit, clock
from duban.core.errors import NotFound, PermissionDenied, ValidationFailed
from duban.core.permissions import Actor, can, require
from duban.core.services import check_version, get_or_404, write
from duban.i18n import t
from models import AssessmentPeriod, Role, ScoreAppeal

# Chinese, as the record reads; the UI reads asm.appeal_status.<status> in its language.
APPEAL_STATUS = {s: t(f"asm.appeal_status.{s}") for s in ("pending", "accepted", "rejected")}


def list_appeals(
    session: Session, *, actor: Actor, period_id: int, department_id: int | None = None
) -> list[ScoreAppeal]:
    """A period's appeals; a department head sees its own unit's only."""
    if not can(actor, "assessment.read_all"):
        if actor.role != Role.dept_head or actor.department_id is None:
            raise PermissionDenied("无权查看申诉。")
        if department_id not in (None, actor.department_id):
            raise PermissionDenied("无权查看其他单位的申诉：只能查看本单位。")
        department_id = actor.department_id
    q = select(ScoreAppeal).where(ScoreAppeal.period_id == period_id)
    if department_id is not None:
        q = q.where(ScoreAppeal.department_id == department_id)
    return list(session.exec(q.order_by(col(ScoreAppeal.id))).all())


def create_appeal(
    session: Session,
    *,
    actor: Actor,
    period_id: int,
    department_id: int,
    line_key: str,
    reason: str,
) -> ScoreAppeal:
    """A unit contests one of its own deduction lines while the period is still open."""
    require(actor, "appeal.create", department_id=department_id)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed("请写明申诉理由（至少 5 个字）。")
    if len(reason) > 1000:
        raise ValidationFailed("申诉理由不能超过 1000 个字。")
    with write(session):
        period = get_or_404(session, AssessmentPeriod, period_id, "考核期")
        if period.status != "open":
            raise ValidationFailed(f"考核期“{period.label}”已冻结，申诉期已结束。")
        units = _standings.standings(session, period).units
        unit = next((u for u in units if u.department_id == department_id), None)
        line = next((x for x in (unit.lines if unit else []) if x["key"] == line_key), None)
        if line is None:
            raise NotFound("本单位本期没有这条得分明细（可能数据已变化，请刷新）。")
        if line["status"] != "counted" or line["points"] >= 0:
            raise ValidationFailed("只能对计入得分的扣分项提出申诉。")
        existing = session.exec(
            select(ScoreAppeal).where(
                ScoreAppeal.period_id == period_id,
                ScoreAppeal.department_id == department_id,
                ScoreAppeal.line_key == line_key,
            )
        ).all()
        for a in existing:
            if a.status == "pending":
                raise ValidationFailed("这条扣分已有待处理的申诉，请等待办公室处理。")
            if a.status == "rejected":
                raise ValidationFailed("这条扣分的申诉已被驳回，不能重复申诉。")
        appeal = ScoreAppeal(
            period_id=period_id,
            department_id=department_id,
            line_key=line_key,
            line_text=labels.line_summary(line),
            points=line["points"],
            reason=reason,
            created_by=actor.user_id,
        )
        session.add(appeal)
        audit.record(session, actor, "score_appeal.create", appeal)
    return appeal


def decide_appeal(
    session: Session,
    *,
    actor: Actor,
    appeal_id: int,
    accept: bool,
    note: str = "",
    expected_version: int | None = None,
) -> ScoreAppeal:
    """The office accepts (the deduction is withdrawn) or rejects (with a reason)."""
    require(actor, "assessment.manage")
    note = (note or "").strip()
    if not accept and len(note) < 2:
        raise ValidationFailed("驳回申诉须写明理由。")
    with write(session):
        appeal = get_or_404(session, ScoreAppeal, appeal_id, "申诉")
        check_version(appeal, expected_version)
        if appeal.status != "pending":
            raise ValidationFailed("该申诉已处理，不能重复处理。")
        period = get_or_404(session, AssessmentPeriod, appeal.period_id, "考核期")
        if period.status != "open":
            raise ValidationFailed("考核期已冻结，不能再处理申诉。")
        before = audit.snapshot(appeal)
        appeal.status = "accepted" if accept else "rejected"
        appeal.decided_at = clock.now()
        appeal.decided_by = actor.user_id
        appeal.decision_note = note or None
        audit.record(
            session,
            actor,
            "score_appeal.accept" if accept else "score_appeal.reject",
            appeal,
            before=before,
            note=appeal.line_text[:200],
        )
    return appeal
