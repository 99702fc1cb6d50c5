"""The one to-do inbox (待办): what a user must act on now, derived from the data, by role.

Nothing is stored: an item is a reading of the state of a task, notice, rectification item,
extension request or appeal, so it leaves the inbox the moment the underlying state changes
(the unit acknowledges, reports, answers; the office decides; the inspector re-checks).

- a unit (department head, its own unit): 签收 of an assignment; a progress report owed
  (未按期报送 now, a cycle's report due within SOON_WORKDAYS working days, or a task past its
  deadline with no report since); a 批示 to answer; a 退回重办 task to redo (the lead unit,
  who submits again); a notice to 签收 or answer; a 整改 item to answer;
- the office: extension requests and 销号 requests to decide, answered 整改 items to
  re-check, appeals to decide, notice drafts left from before today;
- an inspector: answered 整改 items of the inspections they recorded, their own drafts left
  from before today;
- a leader: nothing of their own to act on here (the dashboard is their place).

Each item carries its kind and the facts of its sentence (the sentence itself is built by
`describe` in any locale), the object (type, id, code, title), its due date, its urgency
(overdue, due within SOON_WORKDAYS working days, the rest) and where it is done: a page key
and query parameters, e.g. ("my_tasks", {"task": "12"}).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlmodel import Session, col, func, select

from duban.assessment import labels
from duban.core.permissions import Actor
from duban.i18n import t
from duban.inspections import reading as inspection_reading
from duban.monitoring import cycles
from duban.monitoring.holidays import load_calendar
from duban.monitoring.workdays import WorkCalendar
from duban.tasks import workflow
from models import (
    AssessmentPeriod,
    Assignment,
    AssignmentRole,
    Department,
    ExtensionRequest,
    Finding,
    Inspection,
    Instruction,
    InstructionAnswer,
    Notice,
    NoticeStatus,
    Plan,
    ProgressReport,
    RectificationStatus,
    RequestStatus,
    Role,
    ScoreAppeal,
    Task,
    TaskStatus,
)

SOON_WORKDAYS = 3  # "即将到期": due within this many working days (the reminders' yellow)

OVERDUE, SOON, LATER = "overdue", "soon", "later"
URGENCIES = (OVERDUE, SOON, LATER)

# kind -> the catalog key of its sentence (a constant per kind: the i18n scan sees each one)
KIND_KEYS = {
    "ack": "inbox.kind.ack",
    "report_missed": "inbox.kind.report_missed",
    "report_overdue": "inbox.kind.report_overdue",
    "task_overdue": "inbox.kind.task_overdue",
    "report_due": "inbox.kind.report_due",
    "instruction": "inbox.kind.instruction",
    "sent_back": "inbox.kind.sent_back",
    "notice_ack": "inbox.kind.notice_ack",
    "notice_reply": "inbox.kind.notice_reply",
    "rectify": "inbox.kind.rectify",
    "rectify_again": "inbox.kind.rectify_again",
    "extension": "inbox.kind.extension",
    "sign_off": "inbox.kind.sign_off",
    "recheck": "inbox.kind.recheck",
    "appeal": "inbox.kind.appeal",
    "draft": "inbox.kind.draft",
}
INBOX_KINDS = tuple(KIND_KEYS)
UNIT_KINDS = INBOX_KINDS[:11]
OFFICE_KINDS = ("extension", "sign_off", "recheck", "appeal", "draft")
INSPECTOR_KINDS = ("recheck", "draft")

_MAX_DATE = dt.date.max


@dataclass(frozen=True)
class Item:
    """One thing to do. `facts` are the sentence's parameters (dates as YYYY-MM-DD, the
    cycle as its code, unit and period names); `code` and `name` are the object's own text
    (a task's code and title, a notice's number and title …), shown as written."""

    kind: str
    object_type: str  # task | notice | finding | extension | appeal
    object_id: int
    code: str
    name: str
    due: dt.date | None
    urgency: str  # overdue | soon | later
    page: str
    params: dict[str, str] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)
    task_id: int | None = None
    # working days past the due date (the measure of every warning and reminder), if past
    late_workdays: int | None = None

    @property
    def link(self) -> tuple[str, dict[str, str]]:
        """Where the item is done: (page key, query parameters)."""
        return self.page, dict(self.params)

    @property
    def title(self) -> str:
        """What to do, in Chinese (`describe(item, lang)` in another locale)."""
        return describe(self, "zh")


def describe(item: Item, lang: str = "zh") -> str:
    """What the item asks, in `lang`: its kind's sentence with its facts filled in."""
    facts = dict(item.facts)
    if "cycle" in facts:
        facts["cycle"] = cycles.label(cycles.of(facts["cycle"], None), lang)
    if "period_kind" in facts:  # a period's name as the assessment page shows it
        start = dt.date.fromisoformat(facts.pop("period_start"))
        facts["period"] = labels.period_name(facts["period"], facts.pop("period_kind"), start, lang)
    return t(KIND_KEYS[item.kind], lang, **facts)


def name_text(item: Item, lang: str = "zh") -> str:
    """The object's title as shown: as written, except an appeal's score line, which the
    assessment module words in the UI's language."""
    if item.kind == "appeal":
        return labels.line_text(item.name, lang)
    return item.name


def _urgency(due: dt.date | None, today: dt.date, cal: WorkCalendar) -> str:
    if due is None:
        return LATER
    if due < today:
        return OVERDUE
    return SOON if cal.working_days_between(today, due) <= SOON_WORKDAYS else LATER


def _sort_key(item: Item) -> tuple:
    return (
        URGENCIES.index(item.urgency),
        item.due or _MAX_DATE,
        INBOX_KINDS.index(item.kind),
        item.object_id,
    )


def _iso(d: dt.date | dt.datetime | None) -> str:
    if d is None:
        return ""
    return (d.date() if isinstance(d, dt.datetime) else d).isoformat()


def _tid(task: Task) -> int:
    assert task.id is not None, "read from the database"
    return task.id


def items(
    session: Session,
    actor: Actor,
    today: dt.date,
    cal: WorkCalendar | None = None,
) -> list[Item]:
    """The actor's to-do items, most urgent first: overdue (earliest due first), due within
    SOON_WORKDAYS working days, then the rest (due soonest first, undated last)."""
    cal = cal or load_calendar(session)
    if actor.role == Role.dept_head:
        if actor.department_id is None:
            return []
        found = _unit_items(session, actor, actor.department_id, today, cal)
    elif actor.role == Role.office:
        found = _office_items(session, actor, today, cal)
    elif actor.role == Role.inspector:
        found = _inspector_items(session, actor, today, cal)
    else:
        found = []
    return sorted(
        (
            replace(i, late_workdays=cal.working_days_between(i.due, today))
            if i.due is not None and i.due < today
            else i
            for i in found
        ),
        key=_sort_key,
    )


def count(
    session: Session,
    actor: Actor,
    today: dt.date,
    cal: WorkCalendar | None = None,
) -> int:
    return len(items(session, actor, today, cal))


# ---------------------------------------------------------------- a unit's own work


def _unit_items(
    session: Session,
    actor: Actor,
    dept_id: int,
    today: dt.date,
    cal: WorkCalendar,
) -> list[Item]:
    rows = session.exec(
        select(Assignment, Task)
        .join(Task, col(Task.id) == Assignment.task_id)
        .join(Plan, col(Plan.id) == Task.plan_id)
        .where(
            Assignment.department_id == dept_id,
            col(Task.status).in_(workflow.OPEN),
            col(Plan.importing_at).is_(None),
        )
        .order_by(col(Task.sort_key), col(Task.id))
    ).all()
    out: list[Item] = []

    def task_item(kind: str, task: Task, due: dt.date | None, **facts: str) -> Item:
        return Item(
            kind=kind,
            object_type="task",
            object_id=_tid(task),
            code=task.code,
            name=task.title,
            due=due,
            urgency=_urgency(due, today, cal),
            page="my_tasks",
            params={"task": str(task.id)},
            facts=facts,
            task_id=task.id,
        )

    for a, task in rows:
        if a.acknowledged_at is None:
            out.append(task_item("ack", task, task.deadline))
    out += _report_items(session, rows, dept_id, today, cal, task_item)
    tasks = {_tid(task): task for _, task in rows}
    answered = set(
        session.exec(
            select(InstructionAnswer.instruction_id).where(
                InstructionAnswer.department_id == dept_id
            )
        ).all()
    )
    if tasks:
        for ins in session.exec(
            select(Instruction)
            .where(col(Instruction.task_id).in_(list(tasks)))
            .order_by(col(Instruction.id))
        ).all():
            if ins.id is None or ins.id in answered:
                continue
            task = tasks[ins.task_id]
            item = task_item("instruction", task, None, date=_iso(ins.created_at))
            out.append(replace(item, object_type="instruction", object_id=ins.id))
    lead_tasks = [task for a, task in rows if a.role == AssignmentRole.lead]
    for task_id, back in workflow.sent_back(session, lead_tasks).items():
        out.append(
            task_item("sent_back", tasks[task_id], tasks[task_id].deadline, date=_iso(back.at))
        )
    for x in workflow.notices_to_do(session, dept_id):
        n = x.notice
        assert n.id is not None
        kind = "notice_reply" if x.needs_reply else "notice_ack"
        due = n.reply_due if x.needs_reply else None
        out.append(
            Item(
                kind=kind,
                object_type="notice",
                object_id=n.id,
                code=n.doc_number or "",
                name=n.title,
                due=due,
                urgency=_urgency(due, today, cal),
                page="notices",
                params={"notice": str(n.id)},
            )
        )
    for r in inspection_reading.unit_open_rectifications(
        session, actor=actor, department_id=dept_id, today=today
    ):
        f = r.finding
        assert f.id is not None
        out.append(
            Item(
                kind="rectify_again" if f.recheck_note else "rectify",
                object_type="finding",
                object_id=f.id,
                code=r.task,
                name=" ".join(f.description.split()),
                due=f.due_date,
                urgency=OVERDUE if r.overdue else _urgency(f.due_date, today, cal),
                page="notices",
                params={"finding": str(f.id)},
                task_id=f.task_id,
            )
        )
    return out


def _report_items(
    session: Session,
    rows: Sequence[tuple[Assignment, Task]],
    dept_id: int,
    today: dt.date,
    cal: WorkCalendar,
    task_item,
) -> list[Item]:
    """One item per (task, unit) at most, for tasks the unit can still report on:
    未按期报送 now, else past the deadline with no report since, else past the deadline
    (finish and ask for 销号, or ask for an extension: the overdue reminder's task), else
    a cycle's report due within SOON_WORKDAYS working days and not yet sent in its window."""
    working = {_tid(task): (a, task) for a, task in rows if task.status in workflow.WORKING}
    if not working:
        return []
    # the unit's own rows, not the whole register: this runs after each of its writes
    facts = cycles.evaluate(cycles.unit_frames(session, dept_id), today, cal).pairs
    pairs = {r["task_id"]: r for r in facts.to_dicts() if r["task_id"] in working}
    last = dict(
        session.exec(
            select(ProgressReport.task_id, func.max(ProgressReport.reported_at))
            .where(
                ProgressReport.department_id == dept_id,
                col(ProgressReport.task_id).in_(list(working)),
            )
            .group_by(col(ProgressReport.task_id))
        ).all()
    )
    out: list[Item] = []
    for task_id, (_a, task) in working.items():
        p = pairs.get(task_id)
        if p is not None and p["missed_since"] is not None:
            out.append(
                task_item(
                    "report_missed",
                    task,
                    p["missed_since"],
                    since=_iso(p["missed_since"]),
                    cycle=p["cycle"],
                )
            )
            continue
        last_at = last.get(task_id)
        if task.deadline is not None and task.deadline < today:
            silent = last_at is None or last_at.date() <= task.deadline
            out.append(
                task_item("report_overdue" if silent else "task_overdue", task, task.deadline)
            )
            continue
        if p is None or p["next_due"] is None:
            continue
        nxt = p["next_due"]
        sent = p["last_report"] is not None and (
            p["last_due"] is None or p["last_report"] > p["last_due"]
        )
        if not sent and cal.working_days_between(today, nxt) <= SOON_WORKDAYS:
            out.append(task_item("report_due", task, nxt, next=_iso(nxt), cycle=p["cycle"]))
    return out


# ---------------------------------------------------------------- the office and inspectors


def _names(session: Session) -> dict[int | None, str]:
    return dict(session.exec(select(Department.id, Department.name)).all())


def _office_items(session: Session, actor: Actor, today: dt.date, cal: WorkCalendar) -> list[Item]:
    names = _names(session)
    out: list[Item] = []
    for e, task in session.exec(
        select(ExtensionRequest, Task)
        .join(Task, col(Task.id) == ExtensionRequest.task_id)
        .where(
            ExtensionRequest.status == RequestStatus.pending,
            col(Task.status).in_(workflow.OPEN),
        )
        .order_by(col(ExtensionRequest.requested_at))
    ).all():
        assert e.id is not None
        out.append(
            Item(
                kind="extension",
                object_type="extension",
                object_id=e.id,
                code=task.code,
                name=task.title,
                due=task.deadline,
                urgency=_urgency(task.deadline, today, cal),
                page="tasks",
                params={"task": str(task.id)},
                facts={"unit": names.get(e.department_id, ""), "date": _iso(e.requested_date)},
                task_id=task.id,
            )
        )
    for task in session.exec(
        select(Task).where(Task.status == TaskStatus.submitted).order_by(col(Task.sort_key))
    ).all():
        out.append(
            Item(
                kind="sign_off",
                object_type="task",
                object_id=_tid(task),
                code=task.code,
                name=task.title,
                due=task.deadline,
                urgency=_urgency(task.deadline, today, cal),
                page="tasks",
                params={"task": str(task.id)},
                facts={"date": _iso(task.submitted_at)},
                task_id=task.id,
            )
        )
    out += _recheck_items(session, None, names)
    for appeal, period in session.exec(
        select(ScoreAppeal, AssessmentPeriod)
        .join(AssessmentPeriod, col(AssessmentPeriod.id) == ScoreAppeal.period_id)
        .where(ScoreAppeal.status == "pending", AssessmentPeriod.status == "open")
        .order_by(col(ScoreAppeal.id))
    ).all():
        assert appeal.id is not None
        out.append(
            Item(
                kind="appeal",
                object_type="appeal",
                object_id=appeal.id,
                code="",
                name=appeal.line_text,
                due=None,
                urgency=LATER,
                page="assessment",
                params={"period": str(appeal.period_id)},
                facts={
                    "unit": names.get(appeal.department_id, ""),
                    "period": period.label,
                    "period_kind": period.kind,
                    "period_start": _iso(period.start),
                },
            )
        )
    out += _draft_items(session, None, today)
    return out


def _inspector_items(
    session: Session, actor: Actor, today: dt.date, cal: WorkCalendar
) -> list[Item]:
    return _recheck_items(session, actor.user_id, _names(session)) + _draft_items(
        session, actor.user_id, today
    )


def _recheck_items(
    session: Session, recorded_by: int | None, names: dict[int | None, str]
) -> list[Item]:
    """Answered 整改 items waiting for the re-check (of one inspector's records, or all)."""
    q = (
        select(Finding, Task.code)
        .join(Inspection, col(Inspection.id) == Finding.inspection_id)
        .outerjoin(Task, col(Task.id) == Finding.task_id)
        .where(Finding.status == RectificationStatus.answered)
    )
    if recorded_by is not None:
        q = q.where(Inspection.recorded_by == recorded_by)
    out = []
    for f, code in session.exec(q.order_by(col(Finding.answered_at), col(Finding.id))).all():
        assert f.id is not None
        out.append(
            Item(
                kind="recheck",
                object_type="finding",
                object_id=f.id,
                code=code or "",
                name=" ".join(f.description.split()),
                due=None,
                urgency=LATER,
                page="inspections",
                params={"finding": str(f.id)},
                facts={"unit": names.get(f.department_id, ""), "date": _iso(f.answered_at)},
                task_id=f.task_id,
            )
        )
    return out


def _draft_items(session: Session, created_by: int | None, today: dt.date) -> list[Item]:
    """Notice drafts made before today and not issued (today's are still being written)."""
    q = select(Notice).where(
        Notice.status == NoticeStatus.draft,
        Notice.created_at < dt.datetime.combine(today, dt.time()),
    )
    if created_by is not None:
        q = q.where(Notice.created_by == created_by)
    out = []
    for n in session.exec(q.order_by(col(Notice.created_at), col(Notice.id))).all():
        assert n.id is not None
        out.append(
            Item(
                kind="draft",
                object_type="notice",
                object_id=n.id,
                code="",
                name=n.title,
                due=None,
                urgency=LATER,
                page="notices",
                params={"notice": str(n.id)},
                facts={"date": _iso(n.created_at)},
            )
        )
    return out
