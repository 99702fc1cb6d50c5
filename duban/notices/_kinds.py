"""The builder of each notice kind (the bulletin's is in _bulletin): what the draft says, to
whom, about which tasks, with which attachments."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from duban.core.errors import ValidationFailed
from duban.documents.official import AttachmentTable
from duban.monitoring.status import StatusFrames
from duban.notices import _shared, facts
from duban.notices import rules as notice_rules
from duban.notices._tables import task_table, unit_tasks
from duban.notices.labels import LEVEL_LABELS


@dataclass(frozen=True)
class Request:
    """What the office asked for on the draft form (each kind reads the fields it needs)."""

    department_id: int | None = None
    period: str = "month"
    department_ids: list[int] | None = None
    time_text: str = ""
    place: str = ""
    attendees: str = ""
    sanction: str = ""


@dataclass(frozen=True)
class Source:
    """What every builder reads: the request, the rules in effect, the day and the task data."""

    session: Session
    request: Request
    rules: dict[str, Any]
    today: dt.date
    frames: StatusFrames
    plan_title: str


@dataclass
class Content:
    """What a kind's builder decides; drafting renders `context` with the kind's template."""

    title: str
    context: dict[str, Any]
    level: str | None = None
    addressees: str = ""
    recipients: list[int] = field(default_factory=list)
    task_ids: list[int] = field(default_factory=list)
    attachments: list[AttachmentTable] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    period_label: str | None = None


Builder = Callable[[Source], Content]


def urging(src: Source) -> Content:
    """督办通知 to one unit about its overdue and lagging tasks, at the level the rules give."""
    unit_id, name = _shared.active_unit(src.session, src.request.department_id)
    tasks = unit_tasks(src.frames, unit_id)
    if not tasks:
        raise ValidationFailed(f"{name}目前没有逾期或进度滞后的任务，无需催办。")
    rec = facts.unit_record(src.session, src.today, src.frames, unit_id, name)
    level, why = facts.urging_level(src.session, unit_id, src.rules, src.today, rec)
    earlier = [n.doc_number for n in facts.ignored_urgings(src.session, unit_id, src.today)]
    return Content(
        title=f"关于{name}加快推进滞后任务的督办通知（{LEVEL_LABELS[level]}）",
        context={
            "unit": name,
            "tasks": tasks,
            "n_overdue": sum(1 for t in tasks if t["overdue_wd"]),
            "n_lagging": sum(1 for t in tasks if not t["overdue_wd"]),
            "level": level,
            "level_label": LEVEL_LABELS[level],
            "earlier": earlier,
        },
        level=level,
        addressees=name,
        recipients=[unit_id],
        task_ids=[t["task_id"] for t in tasks],
        attachments=[task_table(f"{name}逾期和进度滞后任务清单", tasks)],
        extra={"level_reason": why, "earlier": earlier},
    )


def reminder(src: Source) -> Content:
    """提醒 to one unit about its tasks due within the rules' number of working days."""
    unit_id, name = _shared.active_unit(src.session, src.request.department_id)
    n = int(src.rules["remind_due_in_wd"])
    tasks = unit_tasks(src.frames, unit_id, due_soon=n)
    if not tasks:
        raise ValidationFailed(f"{name}没有{n}个工作日内到期的任务。")
    return Content(
        title=f"关于{name}任务即将到期的提醒",
        context={"unit": name, "tasks": tasks, "due_in_wd": n},
        addressees=name,
        recipients=[unit_id],
        task_ids=[t["task_id"] for t in tasks],
    )


def commendation(src: Source) -> Content:
    """通报表扬 of the units the praise rule picks (or those the office chose)."""
    return _rated(src, "commendation", facts.praised_units)


def criticism(src: Source) -> Content:
    """通报批评 of the units the criticism rule picks (or those the office chose)."""
    return _rated(src, "criticism", facts.criticised_units)


def _rated(
    src: Source,
    kind: str,
    pick: Callable[[list[facts.UnitRecord], dict[str, Any]], list[facts.UnitRecord]],
) -> Content:
    records = facts.unit_records(src.session, src.today, src.frames)
    chosen = pick(records, src.rules)
    if src.request.department_ids:
        wanted = set(src.request.department_ids)
        chosen = [r for r in records if r.department_id in wanted]
    if not chosen:
        raise ValidationFailed("按现行规则没有符合条件的单位。")
    _, period_label = _shared.period_span(src.request.period, src.today)
    word = "表扬" if kind == "commendation" else "批评"
    names = "、".join(r.name for r in chosen[:3]) + ("等单位" if len(chosen) > 3 else "")
    attachments = []
    if kind == "criticism":
        rows = [t for r in chosen for t in unit_tasks(src.frames, r.department_id)]
        if rows:
            attachments = [task_table("被通报单位逾期和滞后任务清单", rows)]
    return Content(
        title=f"关于对{names}予以通报{word}的通报",
        context={
            "units": [{"name": r.name, "facts": r.summary()} for r in chosen],
            "period_label": period_label,
            "praise_rule": notice_rules.praise_rule_text(src.rules),
            "criticism_rule": notice_rules.criticism_rule_text(src.rules),
        },
        addressees="各成员单位",
        recipients=[r.department_id for r in records],
        attachments=attachments,
        extra={"units": [r.department_id for r in chosen]},
        period_label=period_label,
    )


def interview(src: Source) -> Content:
    """约谈通知 to one unit, at the time and place the office gives."""
    unit_id, name = _shared.active_unit(src.session, src.request.department_id)
    rec = facts.unit_record(src.session, src.today, src.frames, unit_id, name)
    req = src.request
    if not (req.time_text.strip() and req.place.strip() and req.attendees.strip()):
        raise ValidationFailed("约谈通知须写明约谈时间、地点和参加人员。")
    said = {
        "time": req.time_text.strip(),
        "place": req.place.strip(),
        "attendees": req.attendees.strip(),
    }
    return _measure(
        src,
        rec,
        title=f"关于约谈{name}的通知",
        said=said,
        rule=notice_rules.interview_rule_text(src.rules),
        meets=facts.meets_interview_rule(rec, src.rules),
    )


def accountability(src: Source) -> Content:
    """问责建议 about one unit (the sanction the office proposes, or the usual one)."""
    unit_id, name = _shared.active_unit(src.session, src.request.department_id)
    rec = facts.unit_record(src.session, src.today, src.frames, unit_id, name)
    sanction = src.request.sanction.strip() or "对相关责任人进行诫勉谈话，并在全市范围内通报"
    return _measure(
        src,
        rec,
        title=f"关于对{name}有关责任人问责的建议",
        said={"sanction": sanction},
        rule=notice_rules.accountability_rule_text(src.rules),
        meets=facts.meets_accountability_rule(rec, src.rules),
    )


def _measure(
    src: Source, rec: facts.UnitRecord, *, title: str, said: dict[str, str], rule: str, meets: bool
) -> Content:
    """An interview or accountability draft: the unit's record, what the office says, and
    whether the unit meets the rule (transparent: the draft says so; a person decides)."""
    record = rec.summary()
    if rec.red_notices:
        record += f"，已收到红色督办{rec.red_notices}次"
    tasks = unit_tasks(src.frames, rec.department_id)
    return Content(
        title=title,
        context={"unit": rec.name, "facts": record, **said},
        addressees=rec.name,
        recipients=[rec.department_id],
        task_ids=[t["task_id"] for t in tasks],
        attachments=[task_table(f"{rec.name}逾期和进度滞后任务清单", tasks)] if tasks else [],
        extra={**said, "rule": rule, "meets_rule": meets, "facts": record},
    )
