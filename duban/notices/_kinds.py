"""The builder of each notice kind (the bulletin's is in _bulletin): the facts it takes from
the database, what the draft says about them, to whom, about which tasks, with which
attachments.

A builder states only what its facts support: "多次督办" needs two urgings on record, "经领导
小组同意" the rule met or the office's word that it was agreed, a commendation only a unit
without shortcomings. The facts go with the draft (`extra["facts"]`) so a reader can check
each sentence against them."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from duban.core.errors import ValidationFailed
from duban.documents.official import AttachmentTable
from duban.monitoring import holidays
from duban.monitoring.status import StatusFrames
from duban.notices import _shared, facts
from duban.notices import rules as notice_rules
from duban.notices._shared import cn_date
from duban.notices._tables import task_table, unit_tasks
from duban.notices.labels import LEVEL_LABELS, LEVELS

# What a draft writes where a fact is missing that only a person can give; issuing refuses a
# notice that still holds one.
PLACEHOLDER = "【待填写：{what}】"
WEEKDAYS = "一二三四五六日"
# Who usually attends an interview: words of the notice, the same in either UI language.
DEFAULT_ATTENDEES = "单位主要负责同志、分管负责同志"


@dataclass(frozen=True)
class Request:
    """What the office asked for on the draft form (each kind reads the fields it needs)."""

    department_id: int | None = None
    period: str = "month"
    period_start: dt.date | None = None  # a bulletin's period; None: the last complete one
    department_ids: list[int] | None = None
    interview_at: dt.datetime | None = None
    place: str = ""
    attendees: str = ""
    contact: str = ""
    phone: str = ""
    agreed: bool = False  # the office confirms the leading group agreed to the interview
    sanction: str = ""
    level: str | None = None  # an urging level the office chose over the rules' one


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
    reply_due: dt.date | None = None  # instead of the rules' reply period for the level
    copy_to: str | None = None  # instead of the rules' 抄送


Builder = Callable[[Source], Content]


def _urging_facts(records: list[facts.UrgingRecord], today: dt.date) -> list[dict[str, Any]]:
    return [
        {
            **u.as_dict(),
            "issued_text": cn_date(u.issued_on),
            "level_label": LEVEL_LABELS.get(u.level, ""),
            "reply_passed": u.reply_due is not None and u.reply_due < today,
        }
        for u in records
    ]


def _pending_tasks(src: Source, unit_id: int, **kw: Any) -> list[dict[str, Any]]:
    """The unit's tasks of `unit_tasks`, with the applications the office has not decided;
    not those whose only light is 未按期报送 (they are neither late nor behind: the urging
    names them in its 催报 part)."""
    tasks = unit_tasks(src.frames, unit_id, **kw)
    pending = facts.pending_applications(src.session, [t["task_id"] for t in tasks])
    if pending:
        tasks = unit_tasks(src.frames, unit_id, pending=pending, **kw)
    return [t for t in tasks if not t["reports_only"]]


def _missed_facts(rec: facts.UnitRecord, closing: set[int]) -> list[dict[str, Any]]:
    """The unit's 未按期报送 tasks as the 催报 paragraph quotes them (a task whose 销号
    application waits is not urged)."""
    return [
        {
            **m.as_dict(),
            "n": len(m.dues),
            "dues_text": _dues_text(m.dues),
        }
        for m in rec.missed_reports
        if m.task_id not in closing
    ]


def _dues_text(dues: tuple[dt.date, ...]) -> str:
    """2026年10月16日、10月23日、2027年1月8日: the year only when it changes."""
    out, year = [], None
    for d in dues:
        out.append(cn_date(d) if d.year != year else f"{d.month}月{d.day}日")
        year = d.year
    return "、".join(out)


def urging(src: Source) -> Content:
    """督办通知 to one unit about its overdue and lagging tasks, at the level the rules give
    (or the one the office chose), and — 催报 — the tasks on which it has not reported for
    its report cycle (未按期报送), with the due dates it missed. Tasks whose 销号 application
    awaits the office's decision are not urged; the notice says how many there are. A task
    whose only light is 未按期报送 is named in the 催报 part, not as late or behind."""
    unit_id, name = _shared.active_unit(src.session, src.request.department_id)
    listed = _pending_tasks(src, unit_id)
    closing = [t for t in listed if t["pending_closure"]]
    tasks = [t for t in listed if not t["pending_closure"]]
    rec = facts.unit_record(src.session, src.today, src.frames, unit_id, name)
    missed = _missed_facts(rec, {t["task_id"] for t in closing})
    if not tasks and not missed:
        more = f"（另有{len(closing)}项已申请销号，待审核）" if closing else ""
        raise ValidationFailed(f"{name}目前没有逾期、进度滞后或未按期报送的任务{more}，无需督办。")
    rule_level, why, base = facts.urging_level(src.session, unit_id, src.rules, src.today, rec)
    chosen = src.request.level
    if chosen is not None and chosen not in LEVELS:
        raise ValidationFailed("督办等级只能是蓝色、黄色或红色。")
    level = chosen or rule_level
    ignored = [u for u in rec.urgings if u.ignored]
    escalated = level == rule_level and rule_level != base
    if chosen and chosen != rule_level:
        why += f"（按规则为{LEVEL_LABELS[rule_level]}，办公室改定为{LEVEL_LABELS[chosen]}）"
    n_overdue = sum(1 for t in tasks if t["overdue_wd"])
    fact_set = {
        "unit": name,
        "tasks": [t["task_id"] for t in tasks],
        "overdue_tasks": [t["task_id"] for t in tasks if t["overdue_wd"]],
        "pending_closure": [t["task_id"] for t in closing],
        "pending_extension": [t["task_id"] for t in tasks if t["pending_extension"]],
        "rule_level": rule_level,
        "level": level,
        "escalated": escalated,
        "urgings": _urging_facts(rec.urgings, src.today),
        "missed": [{"task_id": m["task_id"], "dues": m["dues"]} for m in missed],
    }
    about = "加快推进滞后任务" if tasks else "按期报送工作进展"
    task_ids = list(dict.fromkeys([t["task_id"] for t in tasks] + [m["task_id"] for m in missed]))
    return Content(
        title=f"关于{name}{about}的督办通知（{LEVEL_LABELS[level]}）",
        context={
            "unit": name,
            "tasks": tasks,
            "n_overdue": n_overdue,
            "n_lagging": len(tasks) - n_overdue,
            "n_closing": len(closing),
            "level": level,
            "level_label": LEVEL_LABELS[level],
            "ignored": _urging_facts(ignored, src.today),
            "escalated": escalated,
            "earlier": [u.doc_number for u in ignored],
            "missed": missed,
        },
        level=level,
        addressees=name,
        recipients=[unit_id],
        task_ids=task_ids,
        attachments=[task_table(f"{name}逾期和进度滞后任务清单", tasks)] if tasks else [],
        extra={
            "level_reason": why,
            "facts": fact_set,
        },
    )


def reminder(src: Source) -> Content:
    """提醒 to one unit about its tasks due within the rules' number of working days."""
    unit_id, name = _shared.active_unit(src.session, src.request.department_id)
    n = int(src.rules["remind_due_in_wd"])
    tasks = _pending_tasks(src, unit_id, due_soon=n)
    if not tasks:
        raise ValidationFailed(f"{name}没有{n}个工作日内到期的任务。")
    return Content(
        title=f"关于{name}任务即将到期的提醒",
        context={"unit": name, "tasks": tasks, "due_in_wd": n},
        addressees=name,
        recipients=[unit_id],
        task_ids=[t["task_id"] for t in tasks],
        extra={
            "facts": {"unit": name, "tasks": [t["task_id"] for t in tasks], "due_in_wd": n},
        },
    )


def commendation(src: Source) -> Content:
    """通报表扬 of the units the praise rule picks (or those the office chose)."""
    return _rated(src, "commendation", facts.praised_units)


def criticism(src: Source) -> Content:
    """通报批评 of the units the criticism rule picks (or those the office chose)."""
    return _rated(src, "criticism", facts.criticised_units)


def _names_for_title(records: list[facts.UnitRecord]) -> str:
    if len(records) <= 2:
        return "、".join(r.name for r in records)
    return f"{records[0].name}等{len(records)}个单位"


def _rated(
    src: Source,
    kind: str,
    pick: Callable[[list[facts.UnitRecord], dict[str, Any]], list[facts.UnitRecord]],
) -> Content:
    records = facts.unit_records(src.session, src.today, src.frames)
    by_rule = not src.request.department_ids
    praise = kind == "commendation"
    if by_rule:
        chosen = pick(records, src.rules)
        if not chosen:
            raise ValidationFailed("按现行规则没有符合条件的单位。")
    else:
        wanted = list(dict.fromkeys(src.request.department_ids or []))
        by_id = {r.department_id: r for r in records}
        missing = [d for d in wanted if d not in by_id]
        if missing:
            names = "、".join(_shared.active_unit(src.session, d)[1] for d in missing)
            raise ValidationFailed(f"{names}没有承担任务，无从通报。")
        chosen = [by_id[d] for d in wanted]
        if praise:
            unfit = [r for r in chosen if r.has_shortcomings or not r.completed_on_time]
            if unfit:
                r = unfit[0]
                why = r.shortcomings() or "尚无按期办结的任务"
                raise ValidationFailed(f"{r.name}{why}，不宜通报表扬。")
        else:
            unfit = [r for r in chosen if not r.has_shortcomings]
            if unfit:
                raise ValidationFailed(
                    f"{unfit[0].name}没有逾期任务、未按期反馈的督办通知或逾期整改，"
                    "没有可通报批评的事实。"
                )
    word = "表扬" if praise else "批评"
    attachments = []
    task_ids: list[int] = []
    if not praise:
        rows, units = [], []
        for r in chosen:
            for t in _pending_tasks(src, r.department_id):
                rows.append(t)
                units.append(r.name)
        if rows:
            attachments = [task_table("被通报单位逾期和进度滞后任务清单", rows, units=units)]
            task_ids = list(dict.fromkeys(t["task_id"] for t in rows))
    return Content(
        title=f"关于对{_names_for_title(chosen)}予以通报{word}的通报",
        context={
            "units": [
                {"name": r.name, "facts": r.merits() if praise else r.shortcomings()}
                for r in chosen
            ],
            "by_rule": by_rule,
            "praise_rule": notice_rules.praise_rule_text(src.rules),
            "criticism_rule": notice_rules.criticism_rule_text(src.rules),
        },
        addressees="各成员单位",
        recipients=[r.department_id for r in records],
        task_ids=task_ids,
        attachments=attachments,
        extra={
            "units": [r.department_id for r in chosen],
            "facts": {"units": [r.department_id for r in chosen], "by_rule": by_rule},
        },
    )


def interview_time_text(at: dt.datetime) -> str:
    """2026年12月4日（星期五）上午9:00."""
    noon = "上午" if at.hour < 12 else "下午"
    hour = at.hour if at.hour <= 12 else at.hour - 12
    return f"{cn_date(at.date())}（星期{WEEKDAYS[at.weekday()]}）{noon}{hour}:{at.minute:02d}"


def interview(src: Source) -> Content:
    """约谈通知 to one unit: when, where, who; the attendee list is due the working day before
    the interview at the latest; a contact person and telephone."""
    unit_id, name = _shared.active_unit(src.session, src.request.department_id)
    rec = facts.unit_record(src.session, src.today, src.frames, unit_id, name)
    req = src.request
    if req.interview_at is None or not (req.place.strip() and req.attendees.strip()):
        raise ValidationFailed("约谈通知须写明约谈时间、地点和参加人员。")
    if req.interview_at.date() <= src.today:
        raise ValidationFailed("约谈日期须晚于今天，被约谈单位才能提前报送参加人员名单。")
    contact = req.contact.strip() or str(src.rules.get("contact_person", "")).strip()
    phone = req.phone.strip() or str(src.rules.get("contact_phone", "")).strip()
    if not (contact and phone):
        raise ValidationFailed("约谈通知须写明联系人和联系电话（可在通知规则中设置默认值）。")
    cal = holidays.load_calendar(src.session)
    by_rule = _shared.reply_due(src.session, src.rules, None, src.today)
    before = cal.add_working_days(req.interview_at.date(), -1)
    reply_due = max(src.today, min(by_rule, before))
    meets = facts.meets_interview_rule(rec, src.rules)
    said = {
        "time": interview_time_text(req.interview_at),
        "place": req.place.strip(),
        "attendees": req.attendees.strip(),
        "contact": contact,
        "phone": phone,
        "agreed": bool(req.agreed or meets),
    }
    return _measure(
        src,
        rec,
        title=f"关于约谈{name}的通知",
        said=said,
        rule=notice_rules.interview_rule_text(src.rules),
        meets=meets,
        addressees=name,
        reply_due=reply_due,
        extra={"interview_at": req.interview_at.isoformat(), "agreed_by_office": req.agreed},
    )


def accountability(src: Source) -> Content:
    """问责建议 about one unit, to the leading group (the unit receives a copy): its
    shortcomings, the urgings on record, the rule's basis and the proposed sanction."""
    unit_id, name = _shared.active_unit(src.session, src.request.department_id)
    rec = facts.unit_record(src.session, src.today, src.frames, unit_id, name)
    if not rec.has_shortcomings:
        raise ValidationFailed(
            f"{name}没有逾期任务、未按期反馈的督办通知或逾期整改，没有可以提出问责的事实。"
        )
    sanction = src.request.sanction.strip() or "对相关责任人进行诫勉谈话"
    basis = str(src.rules.get("basis", {}).get("accountability", "")).strip()
    to = str(src.rules.get("accountability_to", "")).strip() or leading_group(src.rules)
    copy_to = "，".join(x for x in (str(src.rules["copy_to"]).strip(), name) if x)
    return _measure(
        src,
        rec,
        title=f"关于对{name}有关责任人予以问责的建议",
        said={
            "sanction": sanction,
            "basis": basis or PLACEHOLDER.format(what="问责所依据的规定及条款"),
        },
        rule=notice_rules.accountability_rule_text(src.rules),
        meets=facts.meets_accountability_rule(rec, src.rules),
        addressees=to,
        copy_to=copy_to,
    )


def leading_group(rules: dict[str, Any]) -> str:
    """The leading group an office reports to: 市X领导小组办公室 → 市X领导小组."""
    issuer = str(rules["issuer"]).strip()
    return issuer.removesuffix("办公室") or issuer


def _measure(
    src: Source,
    rec: facts.UnitRecord,
    *,
    title: str,
    said: dict[str, Any],
    rule: str,
    meets: bool,
    addressees: str,
    reply_due: dt.date | None = None,
    copy_to: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Content:
    """An interview or accountability draft: the unit's shortcomings and urgings, what the
    office says, and whether the unit meets the rule (the draft shows it; a person decides)."""
    tasks = _pending_tasks(src, rec.department_id)
    urgings = _urging_facts(rec.urgings, src.today)
    ignored = [u for u in urgings if u["ignored"]]
    record = rec.shortcomings()
    return Content(
        title=title,
        context={
            "unit": rec.name,
            "facts": record,
            "urgings": urgings,
            "ignored": ignored,
            "overdue": rec.overdue,
            "red_notices": rec.red_notices,
            **said,
        },
        addressees=addressees,
        recipients=[rec.department_id],
        task_ids=[t["task_id"] for t in tasks],
        attachments=[task_table(f"{rec.name}逾期和进度滞后任务清单", tasks)] if tasks else [],
        extra={
            **said,
            **(extra or {}),
            "rule": rule,
            "meets_rule": meets,
            "facts": {
                "unit": rec.name,
                "department_id": rec.department_id,
                "overdue": rec.overdue,
                "max_overdue_wd": rec.max_overdue_wd,
                "overdue_rectifications": rec.overdue_rectifications,
                "urgings": urgings,
                "red_notices": rec.red_notices,
            },
        },
        reply_due=reply_due,
        copy_to=copy_to,
    )
