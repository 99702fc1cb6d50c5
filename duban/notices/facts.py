"""Facts from the data the notice rules look at: each unit's record, its urging history, who is
praised, criticised or late, and the level of its next urging notice."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlmodel import Session, col, select

from duban import i18n
from duban.core import clock
from duban.inspections import reading as inspection_reading
from duban.monitoring import cycles, holidays
from duban.monitoring.status import StatusFrames
from duban.notices import _shared
from duban.notices import rules as notice_rules
from duban.notices.labels import LEVEL_LABELS, LEVELS
from models import (
    Department,
    ExtensionRequest,
    Notice,
    NoticeKind,
    NoticeRecipient,
    NoticeStatus,
    ProgressReport,
    Task,
    TaskStatus,
)
from models.common import OPEN_STATUSES, ReportKind, RequestStatus


@dataclass(frozen=True)
class UrgingRecord:
    """One issued urging notice a unit received, and whether it answered in time."""

    doc_number: str
    issued_on: dt.date
    level: str
    reply_due: dt.date | None
    replied_on: dt.date | None
    ignored: bool  # not answered by its reply date (a late answer still counts as ignored)

    def as_dict(self) -> dict[str, Any]:
        return {
            "doc_number": self.doc_number,
            "issued_on": self.issued_on.isoformat(),
            "level": self.level,
            "reply_due": self.reply_due.isoformat() if self.reply_due else None,
            "replied_on": self.replied_on.isoformat() if self.replied_on else None,
            "ignored": self.ignored,
        }


@dataclass(frozen=True)
class MissedReports:
    """A task on which the unit is 未按期报送 now: the due dates of its report cycle that
    passed with no report from the unit since (oldest first)."""

    task_id: int
    code: str
    title: str
    cycle: str  # the cycle in words: 每周五, 每月10日前 …
    dues: tuple[dt.date, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "code": self.code,
            "title": self.title,
            "cycle": self.cycle,
            "dues": [d.isoformat() for d in self.dues],
        }


def _is_missed_reason(reason: str) -> bool:
    return "未按期报送" in reason


def reports_only(reasons: list[str] | None) -> bool:
    """Whether a light's reasons are only 未按期报送 (an extension note aside): the task is
    not itself late or behind, the unit has only not reported on it."""
    rs = reasons or []
    other = [r for r in rs if not _is_missed_reason(r) and not r.startswith("已延期")]
    return not other and any(_is_missed_reason(r) for r in rs)


@dataclass
class UnitRecord:
    """One unit's figures, as the praise/criticism/escalation rules see them."""

    department_id: int
    name: str
    tasks: int = 0
    completed: int = 0
    completed_on_time: int = 0
    overdue: int = 0
    max_overdue_wd: int = 0
    red: int = 0
    yellow: int = 0
    ignored_notices: int = 0
    ignored_red: int = 0
    red_notices: int = 0
    overdue_rectifications: int = 0
    urgings: list[UrgingRecord] = field(default_factory=list)
    missed_reports: list[MissedReports] = field(default_factory=list)
    reports_only: int = 0  # red/yellow assignments whose only reason is 未按期报送

    @property
    def missed_count(self) -> int:
        """Report cycles missed in a row, over all its tasks."""
        return sum(len(m.dues) for m in self.missed_reports)

    def missed_text(self) -> str:
        """Its missed reports in one clause (empty when it has none)."""
        if not self.missed_reports:
            return ""
        return f"{len(self.missed_reports)}项任务未按期报送进展（共{self.missed_count}期）"

    @property
    def on_time_rate(self) -> float | None:
        return self.completed_on_time / self.completed if self.completed else None

    @property
    def has_shortcomings(self) -> bool:
        return bool(self.overdue or self.ignored_notices or self.overdue_rectifications)

    def merits(self) -> str:
        """What speaks for the unit, in one clause list (a commendation quotes only this)."""
        parts = [f"承担任务{self.tasks}项，已办结{self.completed}项"]
        if self.completed:
            parts.append(
                f"其中按期办结{self.completed_on_time}项，按期办结率{percent(self.on_time_rate)}"
            )
        if not self.overdue:
            parts.append("无逾期未办结任务")
        if self.urgings and not self.ignored_notices:
            parts.append("督办通知均按期反馈")
        return "，".join(parts)

    def shortcomings(self) -> str:
        """What the unit failed to do, in one clause list (criticism, interview and
        accountability quote only this); empty when there is nothing to hold against it."""
        parts = []
        if self.overdue:
            parts.append(f"逾期未办结任务{self.overdue}项，最长逾期{self.max_overdue_wd}个工作日")
        ignored = [u for u in self.urgings if u.ignored]
        if ignored:
            numbers = "、".join(u.doc_number for u in ignored)
            parts.append(f"{len(ignored)}份督办通知未按期反馈（{numbers}）")
        if self.overdue_rectifications:
            parts.append(f"督查发现问题整改逾期{self.overdue_rectifications}项")
        return "，".join(parts)

    def summary(self) -> str:
        """The record in one sentence: its shortcomings if it has any, else its merits."""
        return self.shortcomings() or self.merits()


def percent(rate: float | None) -> str:
    """85.3% (one decimal, none when whole); — when there is no rate."""
    if rate is None:
        return "—"
    text = f"{rate * 100:.1f}".removesuffix(".0")
    return f"{text}%"


def _ignored(rec: NoticeRecipient, notice: Notice, today: dt.date) -> bool:
    """Not answered by its reply date (a late answer still counts as ignored)."""
    if notice.reply_due is None or notice.reply_due >= today:
        return False
    return rec.replied_at is None or rec.replied_at.date() > notice.reply_due


def urging_records(session: Session, department_id: int, today: dt.date) -> list[UrgingRecord]:
    """Every issued urging notice the unit received, oldest first."""
    out = []
    for n, r in urging_history(session, department_id):
        if n.issued_at is None:
            continue
        out.append(
            UrgingRecord(
                doc_number=n.doc_number or "",
                issued_on=n.issued_at.date(),
                level=n.level or "blue",
                reply_due=n.reply_due,
                replied_on=r.replied_at.date() if r.replied_at else None,
                ignored=_ignored(r, n, today),
            )
        )
    return out


def urging_history(session: Session, department_id: int) -> list[tuple[Notice, NoticeRecipient]]:
    rows = session.exec(
        select(Notice, NoticeRecipient)
        .join(NoticeRecipient, col(NoticeRecipient.notice_id) == Notice.id)
        .where(
            NoticeRecipient.department_id == department_id,
            Notice.kind == NoticeKind.urging,
            Notice.status == NoticeStatus.issued,
        )
        .order_by(col(Notice.issued_at))
    ).all()
    return [(n, r) for n, r in rows]


def ignored_urgings(session: Session, department_id: int, today: dt.date) -> list[Notice]:
    """The urging notices the unit did not answer by their reply date, oldest first."""
    return [n for n, r in urging_history(session, department_id) if _ignored(r, n, today)]


def unit_records(
    session: Session, today: dt.date, frames: StatusFrames | None = None
) -> list[UnitRecord]:
    """Every active unit with assignments, with the figures the rules look at."""
    frames = frames or _shared.status_frames(session, today)
    recs = _task_records(session, today, frames)
    rect = inspection_reading.overdue_by_unit(session, today)  # the one rule: is_overdue
    missed = missed_reports(session, frames)
    for dep, rec in recs.items():
        rec.overdue_rectifications = rect.get(dep, 0)
        rec.missed_reports = missed.get(dep, [])
        _count_urgings(rec, urging_records(session, dep, today))
    return sorted(recs.values(), key=lambda r: (-r.overdue, -r.red, r.name))


def missed_reports(session: Session, frames: StatusFrames) -> dict[int, list[MissedReports]]:
    """Per unit, the tasks on which it is 未按期报送 now (the status frames' missed_reports),
    with the due dates it has not reported for since (duban.monitoring.cycles)."""
    now = frames.assignments.filter(pl.col("missed_reports") > 0)
    if now.is_empty():
        return {}
    cal = holidays.load_calendar(session)
    unanswered = cycles.evaluate(frames.raw, frames.today, cal).misses.filter(
        pl.col("reported_on").is_null()
    )
    dues: dict[tuple[int, int], list[dt.date]] = {}
    for tid, did, due, _ in unanswered.sort("due").iter_rows():
        dues.setdefault((tid, did), []).append(due)
    info = {r["task_id"]: r for r in frames.tasks.select("task_id", "code", "title").to_dicts()}
    out: dict[int, list[MissedReports]] = {}
    for row in now.sort("task_id").iter_rows(named=True):
        key = (row["task_id"], row["department_id"])
        run = dues.get(key, [])[-int(row["missed_reports"]) :]
        if not run:
            continue
        t = info[row["task_id"]]
        out.setdefault(row["department_id"], []).append(
            MissedReports(
                task_id=row["task_id"],
                code=t["code"] or "",
                title=t["title"],
                cycle=cycles.label(cycles.of(row["report_cycle"], None)),
                dues=tuple(run),
            )
        )
    return out


def _count_urgings(rec: UnitRecord, urgings: list[UrgingRecord]) -> UnitRecord:
    rec.urgings = urgings
    rec.red_notices = sum(1 for u in urgings if u.level == "red")
    rec.ignored_notices = sum(1 for u in urgings if u.ignored)
    rec.ignored_red = sum(1 for u in urgings if u.ignored and u.level == "red")
    return rec


def _task_records(session: Session, today: dt.date, frames: StatusFrames) -> dict[int, UnitRecord]:
    """The task figures of every active unit with assignments (tasks, completed, overdue, lights)."""
    info = {r["task_id"]: r for r in frames.tasks.iter_rows(named=True)}
    completed_on = dict(
        session.exec(
            select(Task.id, Task.completed_at).where(Task.status == TaskStatus.completed)
        ).all()
    )
    depts = {d.id: d for d in session.exec(select(Department)).all()}
    recs: dict[int, UnitRecord] = {}
    for row in frames.assignments.iter_rows(named=True):
        dep = row["department_id"]
        if dep not in depts or not depts[dep].active:
            continue
        t = info.get(row["task_id"])
        if t is None or t["status"] in ("draft", "cancelled"):
            continue
        rec = recs.setdefault(dep, UnitRecord(dep, depts[dep].name))
        rec.tasks += 1
        if t["status"] == TaskStatus.completed:
            rec.completed += 1
            done = completed_on.get(row["task_id"])
            base = t["original_deadline"] or t["deadline"]
            if done is not None and base is not None and done.date() <= base:
                rec.completed_on_time += 1
        elif (row["overdue_wd"] or 0) > 0 or (
            t["deadline"] is not None and t["deadline"] < today and t["status"] in OPEN_STATUSES
        ):
            rec.overdue += 1
            rec.max_overdue_wd = max(rec.max_overdue_wd, int(row["overdue_wd"] or 0))
        if row["colour"] == "red":
            rec.red += 1
        elif row["colour"] == "yellow":
            rec.yellow += 1
        if row["colour"] in ("red", "yellow") and reports_only(row["reasons"]):
            rec.reports_only += 1
    return recs


def unit_record(
    session: Session, today: dt.date, frames: StatusFrames, department_id: int, name: str
) -> UnitRecord:
    """One unit's record (all zero when it has no assignments)."""
    return next(
        (r for r in unit_records(session, today, frames) if r.department_id == department_id),
        _count_urgings(
            UnitRecord(department_id, name), urging_records(session, department_id, today)
        ),
    )


@dataclass(frozen=True)
class Pending:
    """An application on a task the office has not yet decided."""

    closure: bool = False  # 申请销号: the task is submitted …
    closure_on: dt.date | None = None  # … on this day (its latest completion report)
    extension_to: dt.date | None = None  # 申请延期 to this day
    extension_on: dt.date | None = None


def pending_applications(session: Session, task_ids: list[int]) -> dict[int, Pending]:
    """Undecided 销号 and extension applications of the given tasks."""
    if not task_ids:
        return {}
    closure: dict[int, dt.date | None] = {}
    submitted = session.exec(
        select(Task.id).where(col(Task.id).in_(task_ids), Task.status == TaskStatus.submitted)
    ).all()
    if submitted:
        for report_task, at in session.exec(
            select(ProgressReport.task_id, ProgressReport.reported_at)
            .where(
                col(ProgressReport.task_id).in_(submitted),
                ProgressReport.kind == ReportKind.completion,
            )
            .order_by(col(ProgressReport.reported_at))
        ).all():
            closure[report_task] = at.date()  # the latest application wins
        for submitted_id in submitted:
            if submitted_id is not None:
                closure.setdefault(submitted_id, None)
    extension: dict[int, tuple[dt.date, dt.date]] = {}
    for req in session.exec(
        select(ExtensionRequest)
        .where(
            col(ExtensionRequest.task_id).in_(task_ids),
            ExtensionRequest.status == RequestStatus.pending,
        )
        .order_by(col(ExtensionRequest.requested_at))
    ).all():
        extension[req.task_id] = (req.requested_date, req.requested_at.date())
    out = {}
    for t in set(closure) | set(extension):
        ext = extension.get(t)
        out[t] = Pending(
            closure=t in closure,
            closure_on=closure.get(t),
            extension_to=ext[0] if ext else None,
            extension_on=ext[1] if ext else None,
        )
    return out


def praised_units(records: list[UnitRecord], rules: dict[str, Any]) -> list[UnitRecord]:
    return [
        r
        for r in records
        if r.tasks >= rules["praise_min_tasks"]
        and r.overdue == 0
        and r.ignored_notices == 0
        and r.overdue_rectifications == 0
        and r.completed > 0
        and (r.on_time_rate or 0) >= rules["praise_on_time_rate"]
    ]


def criticised_units(records: list[UnitRecord], rules: dict[str, Any]) -> list[UnitRecord]:
    return [
        r
        for r in records
        if r.overdue >= rules["criticise_overdue_tasks"]
        or r.ignored_notices >= rules["criticise_ignored_notices"]
        or r.overdue_rectifications >= rules["criticise_overdue_rectifications"]
    ]


def meets_interview_rule(rec: UnitRecord, rules: dict[str, Any]) -> bool:
    return rec.red_notices >= rules["interview_red_notices"]


def meets_accountability_rule(rec: UnitRecord, rules: dict[str, Any]) -> bool:
    return rec.ignored_red >= rules["accountability_ignored_red"]


def suggested_kinds(rec: UnitRecord, rules: dict[str, Any]) -> list[str]:
    """Which stronger measures the rules call for (the office still decides)."""
    out = []
    if criticised_units([rec], rules):
        out.append("criticism")
    if meets_interview_rule(rec, rules):
        out.append("interview")
    if meets_accountability_rule(rec, rules):
        out.append("accountability")
    return out


def late_units(session: Session, today: dt.date | None = None) -> list[dict[str, Any]]:
    """ "Who is late": units with red or yellow work, the level their next notice would get."""
    today = today or clock.today()
    rules = notice_rules.load_notice_rules(session)
    out = []
    for rec in unit_records(session, today):
        if not (rec.overdue or rec.red or rec.yellow or rec.missed_reports):
            continue
        level, why, _ = urging_level(session, rec.department_id, rules, today, rec)
        out.append(
            {
                "department_id": rec.department_id,
                "name": rec.name,
                "overdue": rec.overdue,
                "max_overdue_wd": rec.max_overdue_wd,
                "red": rec.red,
                "yellow": rec.yellow,
                "ignored_notices": rec.ignored_notices,
                "overdue_rectifications": rec.overdue_rectifications,
                "missed_reports": rec.missed_count,
                "next_level": level,
                "why": why,
                "suggest": suggested_kinds(rec, rules),
            }
        )
    return out


# The reasons `urging_level` writes (Chinese: they go into the notice), for the UI language.
WHY_PATTERNS: list[tuple[str, str]] = [
    (r"任务逾期已达(\d+)个工作日", "why.overdue"),
    (r"有(\d+)项任务逾期", "why.overdue_tasks"),
    (r"任务进度滞后", "why.behind"),
    (r"有(\d+)项任务未按期报送进展", "cyw.why.missed"),
    (r"；此前(\d+)份蓝色督办未按期反馈，升级", "why.escalated_blue"),
    (r"；此前(\d+)份黄色督办未按期反馈，升级", "why.escalated_yellow"),
    (r"；此前(\d+)份红色督办未按期反馈，升级", "why.escalated_red"),
]


def why_text(text: str, lang: str = "zh") -> str:
    """`urging_level`'s reason in the UI language."""
    return i18n.translate(text, WHY_PATTERNS, lang)


def urging_level(
    session: Session, department_id: int, rules: dict[str, Any], today: dt.date, rec: UnitRecord
) -> tuple[str, str, str]:
    """The level of the next urging notice, why, and the level before escalation (base on
    lateness, up one step for each `escalate_after_ignored` ignored notices at or above it)."""
    if rec.max_overdue_wd >= rules["red_overdue_wd"]:
        level, why = "red", f"任务逾期已达{rec.max_overdue_wd}个工作日"
    elif rec.overdue:
        level, why = "yellow", f"有{rec.overdue}项任务逾期"
    elif rec.missed_reports and rec.red + rec.yellow <= rec.reports_only:
        level, why = "blue", f"有{len(rec.missed_reports)}项任务未按期报送进展"
    else:
        level, why = "blue", "任务进度滞后"
    base = level
    ignored = ignored_urgings(session, department_id, today)
    k = rules["escalate_after_ignored"]
    while level != "red":
        at_or_above = [n for n in ignored if LEVELS.index(n.level or "blue") >= LEVELS.index(level)]
        if len(at_or_above) < k:
            break
        why += f"；此前{len(at_or_above)}份{LEVEL_LABELS[level]}未按期反馈，升级"
        level = LEVELS[LEVELS.index(level) + 1]
    return level, why, base
