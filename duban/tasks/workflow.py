"""The unit side of a task: acknowledge, report, ask for more time, submit, answer; 批示.

Every service checks that a department head acts only for its own unit's assignment, writes
in one transaction and leaves an audit row. Reports are never edited: a correction is a new
report that supersedes the unit's last one (both stay in the history).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import update
from sqlmodel import Session, col, select

from duban.core import audit, clock, text
from duban.core.errors import StaleEdit, ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import check_version, get_for_update, get_or_404, write
from duban.core.settings import get_settings
from duban.core.uploads import Upload, check_upload, save_upload
from duban.monitoring.holidays import load_calendar
from duban.monitoring.rules import load_warning_rules
from duban.tasks import reading
from duban.tasks.labels import STATUS_LABELS
from duban.tasks.manage import TRANSITIONS
from models import (
    AppSetting,
    AppUser,
    Assignment,
    AssignmentRole,
    Attachment,
    AuditLog,
    Department,
    ExtensionRequest,
    Instruction,
    InstructionAnswer,
    Notice,
    NoticeRecipient,
    NoticeStatus,
    ProgressReport,
    ReportKind,
    RequestStatus,
    Role,
    Target,
    TargetReading,
    Task,
    TaskStatus,
)

S = TaskStatus
WORKING = (S.assigned, S.acknowledged, S.in_progress)  # the unit may report and submit
OPEN = (S.assigned, S.acknowledged, S.in_progress, S.submitted)
WORKFLOW_KEY = "workflow"
TEXT_MAX = 4000


def _text(value: str | None, label: str, *, required: bool = False, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(f"请填写{label}。")
    return text.check_text(value, label, limit=limit)  # no control characters, bounded


def _assignment(session: Session, assignment_id: int) -> tuple[Assignment, Task]:
    """The assignment and its task as they are now, both locked to the end of the write.

    Units act on one task at the same moment (reports, 签收, 申请销号) and each may change the
    task's status or the assignment's 签收: the second waits for the first and sees its
    result, instead of being refused for a version it loaded before the first committed.
    The task is locked before the assignment, as everywhere, so two writers never deadlock.
    """
    task_id = get_or_404(session, Assignment, assignment_id, "任务分工").task_id
    task = get_for_update(session, Task, task_id, "任务")
    return get_for_update(session, Assignment, assignment_id, "任务分工"), task


def _unit_assignment(
    session: Session, actor: Actor, task_id: int, department_id: int | None
) -> Assignment:
    """The assignment of `department_id` (default: the actor's unit) on the task."""
    dept = department_id if department_id is not None else actor.department_id
    if dept is None:
        raise ValidationFailed("请指定以哪个单位的名义办理。")
    a = session.exec(
        select(Assignment).where(Assignment.task_id == task_id, Assignment.department_id == dept)
    ).first()
    if a is None:
        raise ValidationFailed("该单位不是此任务的牵头或责任单位。")
    return a


def _files(
    session: Session, actor: Actor, files: list[Upload], owner_type: str, owner_id: int
) -> list[Attachment]:
    return [
        save_upload(
            session, actor=actor, data=data, filename=name, owner_type=owner_type, owner_id=owner_id
        )
        for name, data in files
    ]


def _check_files_first(files: list[Upload]) -> None:
    """Refuse a bad file before anything is written to disk or database."""
    for name, data in files:
        check_upload(data, name, max_mb=get_settings().max_upload_mb)


# ---------------------------------------------------------------- 签收


def acknowledge(
    session: Session, *, actor: Actor, assignment_id: int, expected_version: int | None = None
) -> Assignment:
    """签收: the unit confirms it has received the task; the time taken is kept."""
    with write(session):
        a, task = _assignment(session, assignment_id)
        require(actor, "assignment.acknowledge", department_id=a.department_id)
        if a.acknowledged_at is not None:
            raise ValidationFailed("该任务本单位已签收。")
        check_version(a, expected_version)
        if task.status not in OPEN:
            raise ValidationFailed(f"任务当前为“{STATUS_LABELS[task.status]}”，无需签收。")
        before = audit.snapshot(a)
        now = clock.now()
        a.acknowledged_at = now
        a.acknowledged_by = actor.user_id
        session.add(a)
        hours = ""
        if a.assigned_at:
            hours = f"交办后 {(now - a.assigned_at).total_seconds() / 3600:.1f} 小时签收"
        audit.record(session, actor, "assignment.acknowledge", a, before=before, note=hours)
        if task.status == S.assigned and a.role == AssignmentRole.lead:
            tb = audit.snapshot(task)
            task.status = S.acknowledged
            task.updated_at = now
            session.add(task)
            audit.record(session, actor, "task.acknowledge", task, before=tb)
    return a


# ---------------------------------------------------------------- 进展填报


def _percent(value: float) -> float:
    try:
        percent = float(value)
    except (TypeError, ValueError):
        raise ValidationFailed("进度必须是 0 到 100 之间的数字。") from None
    if not 0 <= percent <= 100 or percent != percent:
        raise ValidationFailed("进度必须是 0 到 100 之间的数字。")
    return percent


def _check_readings(session: Session, task_id: int, values: dict[int, float]) -> None:
    """Every reading is a number for one of the task's own targets."""
    targets = {
        tg.id: tg for tg in session.exec(select(Target).where(Target.task_id == task_id)).all()
    }
    for tid, v in values.items():
        if tid not in targets:
            raise ValidationFailed("指标不属于该任务。")
        if isinstance(v, bool) or not isinstance(v, int | float) or v != v:
            raise ValidationFailed(f"指标“{targets[tid].text}”的当前值必须是数字。")


def _mark_reported(session: Session, actor: Actor, task: Task, now: dt.datetime) -> None:
    """A first report starts the work (推进中); any report touches the task.

    The touch leaves the task's version alone: a report does not make the office's open edit
    of the task (or the lead's 申请销号 form) stale.
    """
    if task.status in (S.assigned, S.acknowledged):
        before = audit.snapshot(task)
        task.status = S.in_progress
        task.updated_at = now
        session.add(task)
        audit.record(session, actor, "task.start", task, before=before)
    else:
        session.execute(update(Task).where(col(Task.id) == task.id).values(updated_at=now))


def _report_input(
    percent: float,
    done_text: str,
    problems: str,
    next_steps: str,
    target_values: dict[int, float | None] | None,
    files: Sequence[Upload],
) -> tuple[float, str, str, str, dict[int, float], list[Upload]]:
    """A report's fields checked before anything is written (a report and its correction)."""
    done_text = _text(done_text, "进展情况", required=True)
    problems = _text(problems, "存在困难")
    next_steps = _text(next_steps, "下一步计划")
    percent = _percent(percent)
    checked = list(files or [])
    _check_files_first(checked)
    values = {int(k): v for k, v in (target_values or {}).items() if v is not None}
    return percent, done_text, problems, next_steps, values, checked


def report_progress(
    session: Session,
    *,
    actor: Actor,
    assignment_id: int,
    percent: float,
    done_text: str,
    problems: str = "",
    next_steps: str = "",
    target_values: dict[int, float | None] | None = None,
    files: Sequence[Upload] = (),
) -> ProgressReport:
    """One unit's progress report with target readings and evidence; never edited later."""
    percent, done_text, problems, next_steps, values, files = _report_input(
        percent, done_text, problems, next_steps, target_values, files
    )
    with write(session):
        a, task = _assignment(session, assignment_id)
        require(actor, "report.create", department_id=a.department_id)
        if task.status not in WORKING:
            raise ValidationFailed(f"任务当前为“{STATUS_LABELS[task.status]}”，不能填报进展。")
        _check_readings(session, a.task_id, values)
        now = clock.now()
        if a.acknowledged_at is None:  # reporting is also receiving
            before = audit.snapshot(a)
            a.acknowledged_at, a.acknowledged_by = now, actor.user_id
            session.add(a)
            audit.record(
                session,
                actor,
                "assignment.acknowledge",
                a,
                before=before,
                note="填报进展时自动签收",
            )
        report = ProgressReport(
            task_id=a.task_id,
            assignment_id=assignment_id,
            department_id=a.department_id,
            reporter_id=actor.user_id,
            kind=ReportKind.progress,
            percent=percent,
            done_text=done_text,
            problems=problems,
            next_steps=next_steps,
            reported_at=now,
        )
        atts = _save_report(session, actor, report, values, files)
        note = audit.files_note(atts) if atts else None
        after = {**(audit.snapshot(report) or {}), "attachments": audit.files(atts)}
        audit.record(session, actor, "report.create", report, after=after, note=note)
        _mark_reported(session, actor, task, now)
    return report


def _save_report(
    session: Session,
    actor: Actor,
    report: ProgressReport,
    values: dict[int, float],
    files: list[Upload],
) -> list[Attachment]:
    """Write the report, its target readings and its evidence; returns the files saved."""
    session.add(report)
    session.flush()
    assert report.id is not None, "flushed"
    for tid, v in values.items():
        session.add(
            TargetReading(
                target_id=tid, report_id=report.id, value=float(v), recorded_at=report.reported_at
            )
        )
    return _files(session, actor, files, "progress_report", report.id)


def last_report(session: Session, assignment_id: int) -> ProgressReport | None:
    """The unit's latest report on its assignment (a corrected one is never the latest)."""
    return session.exec(
        select(ProgressReport)
        .where(ProgressReport.assignment_id == assignment_id, reading.not_superseded())
        .order_by(col(ProgressReport.reported_at).desc(), col(ProgressReport.id).desc())
    ).first()


def correct_report(
    session: Session,
    *,
    actor: Actor,
    report_id: int,
    reason: str,
    percent: float,
    done_text: str,
    problems: str = "",
    next_steps: str = "",
    target_values: dict[int, float | None] | None = None,
    files: Sequence[Upload] = (),
) -> ProgressReport:
    """更正: the unit replaces its last progress report on a task still being worked on.

    The correction is a new report naming the old one (supersedes_id) with the reason; the
    old one stays in the history (已更正) with its own files and readings, and everything that
    reads "the latest report" (percent, readings, lights, register, desk, assessment, notice
    facts) reads the correction. Only the last report can be corrected, only a progress
    report (申请销号 is answered by the office: 销号 or 退回重办), by the unit that made it.
    """
    reason = _text(reason, "更正理由", required=True, limit=1000)
    percent, done_text, problems, next_steps, values, files = _report_input(
        percent, done_text, problems, next_steps, target_values, files
    )
    with write(session):
        old = get_or_404(session, ProgressReport, report_id, "进展填报")
        a, task = _assignment(session, old.assignment_id)
        require(actor, "report.create", department_id=a.department_id)
        if task.status not in WORKING:
            raise ValidationFailed(f"任务当前为“{STATUS_LABELS[task.status]}”，不能更正填报。")
        if old.kind != ReportKind.progress:
            raise ValidationFailed(
                "申请销号的说明不能更正；如需补充，请联系领导小组办公室退回重办。"
            )
        latest = last_report(session, old.assignment_id)
        if latest is None or latest.id != old.id:
            raise ValidationFailed("只能更正本单位最近一次填报；该填报之后已有新的填报或更正。")
        _check_readings(session, a.task_id, values)
        now = clock.now()
        report = ProgressReport(
            task_id=a.task_id,
            assignment_id=old.assignment_id,
            department_id=a.department_id,
            reporter_id=actor.user_id,
            kind=ReportKind.progress,
            percent=percent,
            done_text=done_text,
            problems=problems,
            next_steps=next_steps,
            reported_at=now,
            supersedes_id=old.id,
            correction_reason=reason,
        )
        atts = _save_report(session, actor, report, values, files)
        note = f"更正 {old.reported_at:%Y-%m-%d %H:%M} 的填报（{old.percent:g}% → {percent:g}%）：{reason}"
        if atts:
            note += "；" + audit.files_note(atts)
        after = {**(audit.snapshot(report) or {}), "attachments": audit.files(atts)}
        audit.record(session, actor, "report.correct", report, after=after, note=note)
        audit.record(session, actor, "task.report_correct", task, note=note)
        _mark_reported(session, actor, task, now)
    return report


# ---------------------------------------------------------------- 延期申请


def workflow_settings(session: Session) -> tuple[dict, int]:
    row = session.get(AppSetting, WORKFLOW_KEY)
    value = {"allow_late_extension_requests": False}
    if row is None:
        return value, 0
    return {**value, **(row.value or {})}, row.version


def save_workflow_settings(
    session: Session, *, actor: Actor, allow_late_extension_requests: bool, expected_version: int
) -> dict:
    require(actor, "settings.manage")
    with write(session):
        row = session.get(AppSetting, WORKFLOW_KEY)
        if row is None:
            if expected_version:
                raise StaleEdit()
            row = AppSetting(key=WORKFLOW_KEY, value={})
            before = None
        else:
            check_version(row, expected_version)
            before = audit.snapshot(row)
        allow = bool(allow_late_extension_requests)
        row.value = {**(row.value or {}), "allow_late_extension_requests": allow}
        row.updated_at = clock.now()
        row.updated_by = actor.user_id
        session.add(row)
        audit.record(session, actor, "setting.update", row, before=before)
    return dict(row.value)


def request_extension(
    session: Session,
    *,
    actor: Actor,
    task_id: int,
    requested_date: dt.date,
    reason: str,
    department_id: int | None = None,
) -> ExtensionRequest:
    """延期申请: a later date and a reason, before the deadline (unless the office allows)."""
    reason = _text(reason, "延期理由", required=True, limit=1000)
    if not isinstance(requested_date, dt.date):
        raise ValidationFailed("请填写申请延期到的日期。")
    with write(session):
        # Locked: two heads of one unit asking at once make one pending request, not two.
        task = get_for_update(session, Task, task_id, "任务")
        a = _unit_assignment(session, actor, task_id, department_id)
        require(actor, "extension.request", department_id=a.department_id)
        if task.status not in OPEN:
            raise ValidationFailed(f"任务当前为“{STATUS_LABELS[task.status]}”，不能申请延期。")
        if task.deadline and requested_date <= task.deadline:
            raise ValidationFailed(
                f"申请的新时限必须晚于当前完成时限（{task.deadline:%Y-%m-%d}）。"
            )
        today = clock.today()
        allow_late = workflow_settings(session)[0]["allow_late_extension_requests"]
        if task.deadline and today > task.deadline and not allow_late:
            raise ValidationFailed(
                f"任务已于 {task.deadline:%Y-%m-%d} 到期，逾期后不能再申请延期；"
                "如确有必要，请联系领导小组办公室。"
            )
        pending = session.exec(
            select(ExtensionRequest.id).where(
                ExtensionRequest.task_id == task.id,
                ExtensionRequest.department_id == a.department_id,
                ExtensionRequest.status == RequestStatus.pending,
            )
        ).first()
        if pending is not None:
            raise ValidationFailed("本单位已有一条待审批的延期申请，请等待办公室处理。")
        req = ExtensionRequest(
            task_id=task_id,
            department_id=a.department_id,
            requested_by=actor.user_id,
            requested_at=clock.now(),
            previous_deadline=task.deadline,
            requested_date=requested_date,
            reason=reason,
        )
        session.add(req)
        audit.record(session, actor, "extension.request", req)
    return req


# ---------------------------------------------------------------- 申请销号


def submit_for_sign_off(
    session: Session,
    *,
    actor: Actor,
    task_id: int,
    summary: str,
    expected_version: int,
    files: Sequence[Upload] = (),
    department_id: int | None = None,
) -> Task:
    """申请销号: the lead unit reports completion (100%) with a summary and evidence.

    Refused, with the same reasons the office's 销号 would give (open subtasks, pending
    extension requests): a request the office is bound to refuse would only park the task in
    申请销号, where the units can no longer report, until someone notices.
    """
    summary = _text(summary, "完成情况说明", required=True)
    files = list(files or [])
    _check_files_first(files)
    with write(session):
        task = get_for_update(session, Task, task_id, "任务")  # before the assignment
        a = _unit_assignment(session, actor, task_id, department_id)
        a = get_for_update(session, Assignment, a.id, "任务分工")
        require(actor, "task.submit", department_id=a.department_id)
        check_version(task, expected_version)
        if a.role != AssignmentRole.lead:
            raise ValidationFailed("只有牵头单位可以申请销号。")
        if task.status not in WORKING:
            raise ValidationFailed(f"任务当前为“{STATUS_LABELS[task.status]}”，不能申请销号。")
        blockers = reading.sign_off_blockers(session, task)
        if blockers:
            raise ValidationFailed(f"暂不能申请销号：{'；'.join(blockers)}。")
        now = clock.now()
        if a.acknowledged_at is None:
            a.acknowledged_at, a.acknowledged_by = now, actor.user_id
            session.add(a)
        assert a.id is not None, "read from the database"
        report = ProgressReport(
            task_id=task_id,
            assignment_id=a.id,
            department_id=a.department_id,
            reporter_id=actor.user_id,
            kind=ReportKind.completion,
            percent=100,
            done_text=summary,
            reported_at=now,
        )
        session.add(report)
        session.flush()
        assert report.id is not None, "flushed"
        atts = _files(session, actor, files, "progress_report", report.id)
        note = "申请销号，" + audit.files_note(atts)
        after = {**(audit.snapshot(report) or {}), "attachments": audit.files(atts)}
        audit.record(session, actor, "report.create", report, after=after, note=note)
        before = audit.snapshot(task)
        task.status = S.submitted
        task.submitted_at = now
        task.updated_at = now
        task.status_reason = None
        session.add(task)
        audit.record(session, actor, "task.submit", task, before=before)
    return task


# ---------------------------------------------------------------- 批示 and answers


def create_instruction(
    session: Session,
    *,
    actor: Actor,
    task_id: int,
    text: str,
    on_behalf_of: int | None = None,
) -> Instruction:
    """领导批示 on a task; every assigned unit sees it at once and must answer.

    批示 is the leader's act. A leader writes their own (naming no one else); the office may
    only record one a leader gave (代录: on a paper, at a meeting), naming that leader, who
    must be an active leader account. Every display names the leader, and the recorder.
    """
    require(actor, "instruction.create")
    text = _text(text, "批示内容", required=True, limit=2000)
    with write(session):
        behalf = _instruction_leader(session, actor, on_behalf_of)
        task = get_or_404(session, Task, task_id, "任务")
        if task.status in (S.draft, S.cancelled):
            raise ValidationFailed(f"任务当前为“{STATUS_LABELS[task.status]}”，不能批示。")
        ins = Instruction(
            task_id=task_id,
            author_id=actor.user_id,
            on_behalf_of=behalf,
            text=text,
            created_at=clock.now(),
        )
        session.add(ins)
        audit.record(session, actor, "instruction.create", ins)
    return ins


def _instruction_leader(session: Session, actor: Actor, on_behalf_of: int | None) -> int | None:
    """The leader a 批示 is recorded for: none when a leader writes their own."""
    if actor.role == Role.leader:
        if on_behalf_of is not None and on_behalf_of != actor.user_id:
            raise ValidationFailed("领导只能以本人名义批示。")
        return None
    if on_behalf_of is None:
        raise ValidationFailed("批示是领导的意见：办公室只能代录，请选择作出批示的领导。")
    leader = session.get(AppUser, on_behalf_of)
    if leader is None or leader.role != Role.leader or not leader.active:
        raise ValidationFailed("代录批示须选择一位在用的领导账号。")
    return on_behalf_of


def answer_instruction(
    session: Session,
    *,
    actor: Actor,
    instruction_id: int,
    text: str,
    department_id: int | None = None,
) -> InstructionAnswer:
    """The unit's answer to a 批示 (shown beside it); a later answer adds to the earlier one."""
    text = _text(text, "回复内容", required=True, limit=2000)
    with write(session):
        ins = get_or_404(session, Instruction, instruction_id, "批示")
        a = _unit_assignment(session, actor, ins.task_id, department_id)
        require(actor, "instruction.answer", department_id=a.department_id)
        ans = InstructionAnswer(
            instruction_id=instruction_id,
            department_id=a.department_id,
            author_id=actor.user_id,
            text=text,
            created_at=clock.now(),
        )
        session.add(ans)
        audit.record(session, actor, "instruction.answer", ans)
    return ans


# ---------------------------------------------------------------- 我的任务


@dataclass
class MyTask:
    task: Task
    assignment: Assignment
    latest_percent: float | None
    last_report_at: dt.datetime | None
    due_in_wd: int | None  # working days until the deadline (negative: overdue)
    pending_instructions: list[Instruction] = field(default_factory=list)
    pending_extension: ExtensionRequest | None = None
    sent_back: "SentBack | None" = None  # 已退回重办, until the unit submits again

    @property
    def overdue(self) -> bool:
        return (
            self.task.status in OPEN
            and self.task.deadline is not None
            and self.task.deadline < clock.today()
        )


@dataclass
class NoticeToDo:
    notice: Notice
    recipient: NoticeRecipient

    @property
    def needs_ack(self) -> bool:
        return self.recipient.acknowledged_at is None

    @property
    def needs_reply(self) -> bool:
        # only a notice with a reply date asks for an answer; the others just for 签收
        return self.notice.reply_due is not None and self.recipient.replied_at is None


@dataclass
class MyDesk:
    department: Department | None
    tasks: list[MyTask]
    due_soon_days: int
    notices: list[NoticeToDo] = field(default_factory=list)

    @property
    def to_acknowledge(self) -> list[MyTask]:
        return [
            m for m in self.tasks if m.assignment.acknowledged_at is None and m.task.status in OPEN
        ]

    @property
    def overdue(self) -> list[MyTask]:
        return [m for m in self.tasks if m.overdue and m.task.status != S.submitted]

    @property
    def due_soon(self) -> list[MyTask]:
        return [
            m
            for m in self.tasks
            if m.task.status in WORKING
            and not m.overdue
            and m.due_in_wd is not None
            and m.due_in_wd <= self.due_soon_days
        ]

    @property
    def to_answer(self) -> list[MyTask]:
        return [m for m in self.tasks if m.pending_instructions]

    @property
    def sent_back(self) -> list[MyTask]:
        """Tasks the office sent back (退回重办) that the unit has not submitted again."""
        return [m for m in self.tasks if m.sent_back is not None]


def notices_to_do(session: Session, department_id: int) -> list[NoticeToDo]:
    """Issued notices to the unit still waiting for its 签收 or its reply, oldest first (a
    withdrawn notice asks for neither)."""
    rows = session.exec(
        select(Notice, NoticeRecipient)
        .join(NoticeRecipient, col(NoticeRecipient.notice_id) == Notice.id)
        .where(NoticeRecipient.department_id == department_id, Notice.status == NoticeStatus.issued)
        .order_by(col(Notice.issued_at), col(Notice.id))
    ).all()
    todo = [NoticeToDo(n, r) for n, r in rows]
    return [x for x in todo if x.needs_ack or x.needs_reply]


def my_desk(session: Session, *, actor: Actor, department_id: int | None = None) -> MyDesk:
    """The unit's tasks (lead or responsible) with what needs action first."""
    dept_id = department_id if department_id is not None else actor.department_id
    require(actor, "task.read_own", department_id=dept_id)
    if dept_id is None:
        return MyDesk(None, [], 5)
    rows = session.exec(
        select(Assignment, Task)
        .join(Task, col(Task.id) == Assignment.task_id)
        .where(Assignment.department_id == dept_id, Task.status != S.draft)
        .order_by(col(Task.sort_key), col(Task.id))
    ).all()
    notices = notices_to_do(session, dept_id)
    tasks = _my_tasks(session, dept_id, list(rows)) if rows else []
    return MyDesk(
        session.get(Department, dept_id),
        tasks,
        load_warning_rules(session).due_soon_working_days,
        notices,
    )


def _my_tasks(session: Session, dept_id: int, rows: list[tuple[Assignment, Task]]) -> list[MyTask]:
    """Each of the unit's tasks with its latest report, days left and what is pending."""
    latest = _latest_reports(session, [a.id for a, _ in rows])
    returned = sent_back(session, [t for _, t in rows])
    instructions = _unanswered_instructions(session, dept_id, [t.id for _, t in rows])
    pending_ext: dict[int | None, ExtensionRequest] = {
        e.task_id: e
        for e in session.exec(
            select(ExtensionRequest).where(
                ExtensionRequest.department_id == dept_id,
                ExtensionRequest.status == RequestStatus.pending,
            )
        ).all()
    }
    cal = load_calendar(session)
    today = clock.today()
    out = []
    for a, t in rows:
        report = latest.get(a.id)
        due = None if t.deadline is None else cal.working_days_between(today, t.deadline)
        out.append(
            MyTask(
                task=t,
                assignment=a,
                latest_percent=report.percent if report else None,
                last_report_at=report.reported_at if report else None,
                due_in_wd=due,
                pending_instructions=instructions.get(t.id, []) if t.status in OPEN else [],
                pending_extension=pending_ext.get(t.id),
                sent_back=returned.get(_task_id(t)),
            )
        )
    return out


def _latest_reports(
    session: Session, assignment_ids: list[int | None]
) -> dict[int | None, ProgressReport]:
    """{assignment id: its latest progress report} (a corrected one never is)."""
    latest: dict[int | None, ProgressReport] = {}
    for r in session.exec(
        select(ProgressReport)
        .where(col(ProgressReport.assignment_id).in_(assignment_ids), reading.not_superseded())
        .order_by(col(ProgressReport.reported_at), col(ProgressReport.id))
    ).all():
        latest[r.assignment_id] = r
    return latest


def _unanswered_instructions(
    session: Session, dept_id: int, task_ids: list[int | None]
) -> dict[int | None, list[Instruction]]:
    """{task id: the 批示 on it the unit has not answered yet}."""
    answered = set(
        session.exec(
            select(InstructionAnswer.instruction_id).where(
                InstructionAnswer.department_id == dept_id
            )
        ).all()
    )
    out: dict[int | None, list[Instruction]] = {}
    for i in session.exec(select(Instruction).where(col(Instruction.task_id).in_(task_ids))):
        if i.id not in answered:
            out.setdefault(i.task_id, []).append(i)
    return out


# ---------------------------------------------------------------- 退回重办, read from the log


@dataclass(frozen=True)
class SentBack:
    """The office's 退回重办 still standing on a task: when, by whom, and why."""

    at: dt.datetime
    by: str
    reason: str


# The audit actions that move a task's status (the log's order is the order they happened):
# the units' own steps, then every office transition (manage.TRANSITIONS, 撤销销号 included).
STATUS_ACTIONS = ("task.assign", "task.acknowledge", "task.start", "task.submit", *TRANSITIONS)


def sent_back(session: Session, tasks: Sequence[Task]) -> dict[int, SentBack]:
    """{task id: its 退回重办} for the tasks whose last status change was a send-back.

    Derived from the audit log, never stored: the flag holds from the office's send-back
    until the unit's next 申请销号 (or the office suspends or cancels the task), so a progress
    report in between does not clear it, and a task resubmitted carries no stale flag.
    """
    ids = [_task_id(t) for t in tasks if t.status in WORKING]
    if not ids:
        return {}
    last: dict[str, AuditLog] = {}
    for row in session.exec(
        select(AuditLog)
        .where(
            AuditLog.object_type == "task",
            col(AuditLog.object_id).in_([str(i) for i in ids]),
            col(AuditLog.action).in_(STATUS_ACTIONS),
        )
        .order_by(col(AuditLog.id))
    ).all():
        if row.object_id is not None:
            last[row.object_id] = row
    backs = {int(i): row for i, row in last.items() if row.action == "task.send_back"}
    user_ids = {row.user_id for row in backs.values() if row.user_id is not None}
    names = (
        dict(
            session.exec(
                select(AppUser.id, AppUser.display_name).where(col(AppUser.id).in_(user_ids))
            ).all()
        )
        if user_ids
        else {}
    )
    return {
        task_id: SentBack(
            at=row.at, by=names.get(row.user_id) or row.username, reason=row.note or ""
        )
        for task_id, row in backs.items()
    }


def _task_id(task: Task) -> int:
    assert task.id is not None, "read from the database"
    return task.id
