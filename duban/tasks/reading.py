"""Reading tasks: who may read one, everything about one task for one screen, plan and
task pickers."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, exists
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from duban.core import audit
from duban.core.errors import NotFound, PermissionDenied
from duban.core.permissions import Actor, can
from duban.core.services import get_or_404
from duban.core.uploads import attachments_by_owner
from duban.tasks.labels import STATUS_LABELS
from models import (
    AppUser,
    Assignment,
    AssignmentRole,
    Attachment,
    AuditLog,
    Department,
    ExtensionRequest,
    Finding,
    Inspection,
    InspectionTask,
    Instruction,
    InstructionAnswer,
    Milestone,
    Notice,
    NoticeStatus,
    NoticeTask,
    Plan,
    ProgressReport,
    RequestStatus,
    Role,
    Target,
    TargetReading,
    Task,
    TaskStatus,
)


def _importing(session: Session, plan_id: int) -> bool:
    """Is the plan still being imported (intake.importer)? Its tasks are nobody's yet."""
    plan = session.get(Plan, plan_id)
    return plan is not None and plan.importing_at is not None


def can_read_task(session: Session, actor: Actor, task_id: int) -> bool:
    if can(actor, "task.read_all"):
        return True
    if actor.department_id is None:
        return False
    return (
        session.exec(
            select(Assignment.id).where(
                Assignment.task_id == task_id, Assignment.department_id == actor.department_id
            )
        ).first()
        is not None
    )


def require_read(session: Session, actor: Actor, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None or _importing(session, task.plan_id):
        raise NotFound(f"任务不存在（编号 {task_id}）。")
    if not can_read_task(session, actor, task_id):
        raise PermissionDenied("无权查看：该任务不属于本单位。")
    return task


def list_targets(session: Session, *, actor: Actor, task_id: int) -> list[Target]:
    """The task's targets (for the unit's report form), to whoever may read the task."""
    require_read(session, actor, task_id)
    return list(
        session.exec(select(Target).where(Target.task_id == task_id).order_by(col(Target.id)))
    )


@dataclass
class UnitView:
    assignment: Assignment
    department: Department
    latest: ProgressReport | None
    report_count: int
    ack_hours: float | None  # time taken to acknowledge


@dataclass
class ReportView:
    report: ProgressReport
    department: str
    reporter: str
    attachments: list[Attachment]
    readings: list[tuple[Target, float]]
    superseded: bool = False  # 已更正: a later report of the unit corrects this one


@dataclass
class InstructionAuthor:
    """Who wrote a 批示: the leader, and the office clerk who recorded it for them (代录)."""

    leader: str
    recorded_by: str | None = None


@dataclass
class InstructionView:
    instruction: Instruction
    author: InstructionAuthor
    answers: list[tuple[InstructionAnswer, str]]  # (answer, unit name)
    unanswered_units: list[str]


@dataclass
class TaskDetail:
    task: Task
    plan: Plan
    parent: Task | None
    children: list[Task]
    units: list[UnitView]
    reports: list[ReportView]
    milestones: list[Milestone]
    targets: list[tuple[Target, list[TargetReading]]]
    extensions: list[tuple[ExtensionRequest, str]]  # (request, unit name)
    instructions: list[InstructionView]
    inspections: list[tuple[Inspection, list[Finding]]]
    notices: list[Notice]
    history: list[AuditLog] = field(default_factory=list)

    @property
    def extension_count(self) -> int:
        return sum(1 for r, _ in self.extensions if r.status == RequestStatus.approved)

    @property
    def lead(self) -> UnitView | None:
        return next((u for u in self.units if u.assignment.role == AssignmentRole.lead), None)


def task_detail(session: Session, *, actor: Actor, task_id: int) -> TaskDetail:
    """Everything about one task for one screen (units, reports, targets, extensions, …)."""
    task = require_read(session, actor, task_id)
    assigns = list(
        session.exec(
            select(Assignment).where(Assignment.task_id == task_id).order_by(col(Assignment.role))
        ).all()
    )
    depts = {
        d.id: d
        for d in session.exec(
            select(Department).where(col(Department.id).in_([a.department_id for a in assigns]))
        ).all()
    }
    dept_names = {i: d.name for i, d in depts.items()}
    reports = _reports(session, task_id)
    superseded = superseded_ids(session, [r.id for r in reports])
    targets = list(session.exec(select(Target).where(Target.task_id == task_id)).all())
    readings = _readings(session, targets)
    replaced = {r.id for r in reports if r.id in superseded}
    return TaskDetail(
        task=task,
        plan=get_or_404(session, Plan, task.plan_id, "实施方案"),
        parent=session.get(Task, task.parent_id) if task.parent_id else None,
        children=list(
            session.exec(
                select(Task).where(Task.parent_id == task_id).order_by(col(Task.sort_key))
            ).all()
        ),
        units=[_unit_view(a, depts[a.department_id], reports, superseded) for a in assigns],
        reports=_report_views(session, reports, dept_names, targets, readings, superseded),
        milestones=list(
            session.exec(
                select(Milestone)
                .where(Milestone.task_id == task_id)
                .order_by(col(Milestone.due_date))
            ).all()
        ),
        targets=[
            (tg, [x for x in readings if x.target_id == tg.id and x.report_id not in replaced])
            for tg in targets
        ],
        extensions=_extensions(session, task_id),
        instructions=_instruction_views(session, task_id, assigns, dept_names),
        inspections=_inspections(session, task_id),
        notices=_notices(session, actor, task_id),
        history=audit.history(session, "task", task_id) if can(actor, "audit.read") else [],
    )


def _dept_names(session: Session, ids: Iterable[int | None]) -> dict[int | None, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(select(Department).where(col(Department.id).in_(wanted))).all()
    return {r.id: r.name for r in rows}


def _user_names(session: Session, ids: Iterable[int | None]) -> dict[int | None, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(select(AppUser).where(col(AppUser.id).in_(wanted))).all()
    return {r.id: r.display_name for r in rows}


# ---------------------------------------------------------------- units and reports


def not_superseded() -> ColumnElement[bool]:
    """A WHERE clause keeping the progress reports no correction replaces: what every reader
    of "the latest report / percent / reading" wants (a corrected report stays in history)."""
    later = aliased(ProgressReport)
    return ~exists().where(col(later.supersedes_id) == col(ProgressReport.id))


def superseded_ids(session: Session, report_ids: Sequence[int | None]) -> set[int]:
    """Which of these reports a later correction replaces."""
    wanted = [i for i in report_ids if i is not None]
    if not wanted:
        return set()
    rows = session.exec(
        select(ProgressReport.supersedes_id).where(col(ProgressReport.supersedes_id).in_(wanted))
    ).all()
    return {i for i in rows if i is not None}


def report_readings(session: Session, report_id: int) -> dict[int, float]:
    """{target id: value} a report gave (a correction starts from them)."""
    return {
        r.target_id: r.value
        for r in session.exec(select(TargetReading).where(TargetReading.report_id == report_id))
    }


def _reports(session: Session, task_id: int) -> list[ProgressReport]:
    """The task's progress reports, newest first."""
    return list(
        session.exec(
            select(ProgressReport)
            .where(ProgressReport.task_id == task_id)
            .order_by(col(ProgressReport.reported_at).desc(), col(ProgressReport.id).desc())
        ).all()
    )


def _unit_view(
    a: Assignment, dept: Department, reports: list[ProgressReport], superseded: set[int]
) -> UnitView:
    mine = [r for r in reports if r.assignment_id == a.id and r.id not in superseded]
    ack = None
    if a.acknowledged_at and a.assigned_at:
        ack = round((a.acknowledged_at - a.assigned_at).total_seconds() / 3600, 1)
    return UnitView(a, dept, mine[0] if mine else None, len(mine), ack)


def _readings(session: Session, targets: list[Target]) -> list[TargetReading]:
    """The targets' readings, oldest first."""
    if not targets:
        return []
    return list(
        session.exec(
            select(TargetReading)
            .where(col(TargetReading.target_id).in_([tg.id for tg in targets]))
            .order_by(col(TargetReading.recorded_at))
        ).all()
    )


def _report_views(
    session: Session,
    reports: list[ProgressReport],
    dept_names: dict[int | None, str],
    targets: list[Target],
    readings: list[TargetReading],
    superseded: set[int],
) -> list[ReportView]:
    """Each report with its unit, reporter, evidence and the target readings it gave; a
    corrected one marked (it stays, with its own files and readings)."""
    by_target = {tg.id: tg for tg in targets}
    report_ids = [r.id for r in reports if r.id is not None]
    files = attachments_by_owner(session, "progress_report", report_ids)
    users = _user_names(session, [r.reporter_id for r in reports])
    views = []
    for r in reports:
        assert r.id is not None, "read from the database"
        given = [(by_target[x.target_id], x.value) for x in readings if x.report_id == r.id]
        views.append(
            ReportView(
                r,
                dept_names.get(r.department_id, ""),
                users.get(r.reporter_id, ""),
                files.get(r.id, []),
                given,
                r.id in superseded,
            )
        )
    return views


# ---------------------------------------------------------------- extensions and 批示


def _extensions(session: Session, task_id: int) -> list[tuple[ExtensionRequest, str]]:
    """The task's extension requests, oldest first, each with its unit's name."""
    exts = list(
        session.exec(
            select(ExtensionRequest)
            .where(ExtensionRequest.task_id == task_id)
            .order_by(col(ExtensionRequest.requested_at))
        ).all()
    )
    names = _dept_names(session, [e.department_id for e in exts])
    return [(e, names.get(e.department_id, "")) for e in exts]


def _instruction_views(
    session: Session, task_id: int, assigns: list[Assignment], dept_names: dict[int | None, str]
) -> list[InstructionView]:
    """The task's 批示, newest first, with the units' answers and the units yet to answer."""
    instrs = list(
        session.exec(
            select(Instruction)
            .where(Instruction.task_id == task_id)
            .order_by(col(Instruction.created_at).desc())
        ).all()
    )
    if not instrs:
        return []
    answers = list(
        session.exec(
            select(InstructionAnswer)
            .where(col(InstructionAnswer.instruction_id).in_([i.id for i in instrs]))
            .order_by(col(InstructionAnswer.created_at))
        ).all()
    )
    authors = instruction_authors(session, instrs)
    all_names = {**dept_names, **_dept_names(session, [a.department_id for a in answers])}
    views = []
    for ins in instrs:
        mine = [a for a in answers if a.instruction_id == ins.id]
        answered = {a.department_id for a in mine}
        views.append(
            InstructionView(
                ins,
                authors[ins.id],
                [(a, all_names.get(a.department_id, "")) for a in mine],
                [dept_names[a.department_id] for a in assigns if a.department_id not in answered],
            )
        )
    return views


def instruction_authors(
    session: Session, instructions: Sequence[Instruction]
) -> dict[int | None, InstructionAuthor]:
    """{instruction id: its author}: the leader who gave it, and who recorded it if the
    office did (a 批示 recorded before the office had to name a leader shows its writer)."""
    names = _user_names(
        session, [i.author_id for i in instructions] + [i.on_behalf_of for i in instructions]
    )
    out = {}
    for i in instructions:
        if i.on_behalf_of is not None:
            out[i.id] = InstructionAuthor(names.get(i.on_behalf_of, ""), names.get(i.author_id, ""))
        else:
            out[i.id] = InstructionAuthor(names.get(i.author_id, ""))
    return out


def leader_choices(session: Session) -> list[tuple[int, str]]:
    """(id, name) of the active leaders, for the office recording a 批示 on their behalf."""
    rows = session.exec(
        select(AppUser.id, AppUser.display_name)
        .where(AppUser.role == Role.leader, col(AppUser.active).is_(True))
        .order_by(col(AppUser.id))
    ).all()
    return [(i, n) for i, n in rows if i is not None]


# ---------------------------------------------------------------- 销号's preconditions


def sign_off_blockers(session: Session, task: Task) -> list[str]:
    """Why the task cannot be 销号 yet, in words: its subtasks not closed (each by code and
    status) and the extension requests still waiting for a decision (unit, date asked)."""
    reasons = []
    children = session.exec(
        select(Task)
        .where(
            Task.parent_id == task.id,
            col(Task.status).not_in([TaskStatus.completed, TaskStatus.cancelled]),
        )
        .order_by(col(Task.sort_key), col(Task.id))
    ).all()
    if children:
        listed = "、".join(
            f"{c.code or c.title}（{STATUS_LABELS[TaskStatus(c.status)]}）" for c in children
        )
        reasons.append(f"还有 {len(children)} 项子任务未办结：{listed}，请先办结或撤销")
    pending = session.exec(
        select(ExtensionRequest)
        .where(
            ExtensionRequest.task_id == task.id,
            ExtensionRequest.status == RequestStatus.pending,
        )
        .order_by(col(ExtensionRequest.requested_at))
    ).all()
    if pending:
        names = _dept_names(session, [e.department_id for e in pending])
        listed = "、".join(
            f"{names.get(e.department_id, '')}申请延期至{e.requested_date:%Y-%m-%d}"
            for e in pending
        )
        reasons.append(f"还有待审批的延期申请：{listed}，请先审批")
    return reasons


# ---------------------------------------------------------------- inspections and notices


def _inspections(session: Session, task_id: int) -> list[tuple[Inspection, list[Finding]]]:
    """Inspections that looked at the task or found a problem in it, newest first."""
    insp_ids = set(
        session.exec(
            select(InspectionTask.inspection_id).where(InspectionTask.task_id == task_id)
        ).all()
    )
    findings = list(session.exec(select(Finding).where(Finding.task_id == task_id)).all())
    insp_ids |= {f.inspection_id for f in findings}
    if not insp_ids:
        return []
    inspections = session.exec(
        select(Inspection)
        .where(col(Inspection.id).in_(insp_ids))
        .order_by(col(Inspection.inspected_on).desc())
    ).all()
    return [(i, [f for f in findings if f.inspection_id == i.id]) for i in inspections]


def _notices(session: Session, actor: Actor, task_id: int) -> list[Notice]:
    """Notices about the task, newest first; drafts only for those who may read them (a
    withdrawn one stays, shown withdrawn: its number was used)."""
    notices = list(
        session.exec(
            select(Notice)
            .join(NoticeTask, col(NoticeTask.notice_id) == Notice.id)
            .where(NoticeTask.task_id == task_id)
            .order_by(col(Notice.created_at).desc())
        ).all()
    )
    if not can(actor, "notice.read_all"):
        notices = [n for n in notices if n.status != NoticeStatus.draft]
    return notices


# ---------------------------------------------------------------- pickers


def list_plans(session: Session) -> list[Plan]:
    """The plans, but those still being imported."""
    return list(
        session.exec(
            select(Plan).where(col(Plan.importing_at).is_(None)).order_by(col(Plan.id))
        ).all()
    )


def task_choices(session: Session, plan_id: int) -> list[tuple[int, str]]:
    """(id, "code title") of a plan's tasks in register order, for parent pickers."""
    rows = session.exec(
        select(Task.id, Task.code, Task.title)
        .where(Task.plan_id == plan_id)
        .order_by(col(Task.sort_key), col(Task.id))
    ).all()
    return [(i, f"{c} {t}".strip()) for i, c, t in rows if i is not None]
