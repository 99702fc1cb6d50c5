"""Plan import: a draft (from a parsed plan or a task sheet) written in chunks, hidden until whole.

A large plan (20,000 tasks) is not written in one transaction: that held SQLite's write lock,
or PostgreSQL's data-version row, for the whole import, and every other write (logins
included) waited for it. Instead:

1. a short first transaction, under the data-version lock, refuses a file already imported or
   being imported, creates the units asked for and the plan, marked as importing
   (`Plan.importing_at`): every reader skips such a plan and its tasks;
2. the tasks, with their assignments, milestones, targets and audit rows, go in CHUNK_TASKS at
   a time, one short transaction each, which renews `importing_at` (the import's sign of
   life) and leaves the data version alone (nothing visible changed);
3. a last transaction clears `importing_at`, bumps the data version and audits the import.

An import that fails or is stopped (an error, a Streamlit rerun) deletes its partial plan at
once (`discard_import`). One killed outright (kill -9, a power cut) leaves a hidden plan whose
`importing_at` grows old: after ABANDONED_AFTER the next import, or `python -m duban prepare`,
deletes it (`clean_abandoned_imports`). Each deletion is audited; the units created for the
import stay (they were audited when created).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from sqlalchemy import delete, insert, or_, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from duban.core import audit, clock, db, text
from duban.core.errors import ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import write
from duban.intake import excel
from duban.intake.drafts import DraftTask, ImportDraft, RowError, cycle_code, validate_draft
from duban.intake.matching import CREATE, DROP, resolve_units
from duban.intake.parse import reader
from duban.tasks import manage
from models import (
    Assignment,
    AssignmentRole,
    Department,
    DepartmentKind,
    Direction,
    Milestone,
    Plan,
    Target,
    Task,
    TaskStatus,
)


def load_draft(
    data: bytes, filename: str, *, year: int | None = None
) -> tuple[ImportDraft, list[RowError]]:
    """A file as a draft: our task-sheet template is read row by row, anything else parsed."""
    if filename.lower().endswith((".xlsx", ".xlsm")) and excel.is_task_sheet(data):
        sheet = excel.read_task_sheet(data)
        return sheet.draft, sheet.errors
    return ImportDraft.from_parsed(reader.parse_plan_bytes(data, filename, year=year)), []


@dataclass
class ImportResult:
    plan_id: int
    plan_title: str
    tasks: int = 0
    assignments: int = 0
    milestones: int = 0
    targets: int = 0
    created_departments: list[str] = field(default_factory=list)
    dropped_units: list[str] = field(default_factory=list)


def _sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Tasks per transaction: ~0.05 s of writing on SQLite, ~0.2 s on PostgreSQL (bench/imports.py),
# so another write waits well under a second for the import.
CHUNK_TASKS = 500
# SQLite's lock is no queue: a writer waiting for it polls (every 1–25 ms at first, every
# 100 ms after a third of a second), so an import that began its next chunk at once could
# keep it waiting for many chunks. The import leaves the lock free this long between chunks.
SQLITE_PAUSE = 0.05
# An import with no sign of life for this long was killed (each chunk renews the sign within a
# second or two; SQLite gives up waiting for a lock after 30 s).
ABANDONED_AFTER = dt.timedelta(minutes=3)

log = logging.getLogger(__name__)


def find_previous_import(session: Session, source_bytes: bytes | None) -> Plan | None:
    """The plan already imported, or being imported, from these exact bytes, if any."""
    if not source_bytes:
        return None
    return _previous_import(session, _sha256_of(source_bytes))


def _previous_import(session: Session, sha: str) -> Plan | None:
    """A complete plan from the file, or one still being imported (not an abandoned one)."""
    alive = or_(
        col(Plan.importing_at).is_(None),
        col(Plan.importing_at) >= clock.now() - ABANDONED_AFTER,
    )
    return session.exec(
        select(Plan).where(Plan.source_sha256 == sha, alive).order_by(col(Plan.id))
    ).first()


def reimport_message(plan: Plan) -> str:
    """Why an import of the same file again is refused, naming the plan it became."""
    when = plan.created_at.strftime("%Y-%m-%d %H:%M") if plan.created_at else ""
    if plan.importing_at is not None:
        retry = (plan.importing_at + ABANDONED_AFTER).strftime("%H:%M")
        return (
            f"该文件已于 {when} 开始导入为方案“{plan.title}”（编号 {plan.id}），尚未完成，"
            f"不能重复导入。请稍候刷新；如该次导入已中断，{retry} 后可重新导入。"
        )
    return (
        f"该文件已于 {when} 导入为方案“{plan.title}”（编号 {plan.id}），不能重复导入。"
        "如确需再导入一份，请勾选“仍然导入”。"
    )


MAX_ERRORS_SHOWN = 20


def _errors_text(errors: list[RowError]) -> str:
    shown = "；".join(str(e) for e in errors[:MAX_ERRORS_SHOWN])
    more = f"；另有 {len(errors) - MAX_ERRORS_SHOWN} 处" if len(errors) > MAX_ERRORS_SHOWN else ""
    return f"导入内容有 {len(errors)} 处错误，未写入任何数据：{shown}{more}。"


def _ordered(tasks: list[DraftTask]) -> list[DraftTask]:
    """Parents before their children, otherwise in draft order."""
    by_code = {t.code: t for t in tasks if t.code}
    out: list[DraftTask] = []
    placed: set[int] = set()

    def place(t: DraftTask, depth: int = 0) -> None:
        if id(t) in placed or depth > len(tasks):
            return
        parent = by_code.get(t.parent_code) if t.parent_code else None
        if parent is not None:
            place(parent, depth + 1)
        placed.add(id(t))
        out.append(t)

    for t in tasks:
        place(t)
    return out


def commit_import(
    session: Session,
    *,
    actor: Actor,
    draft: ImportDraft,
    mapping: dict[str, Any] | None = None,
    source_name: str = "",
    source_bytes: bytes | None = None,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    chunk_tasks: int = CHUNK_TASKS,
) -> ImportResult:
    """Create the plan with its tasks, assignments, milestones and targets (see the module).

    `mapping` gives, per unit name, a department id, CREATE or DROP; names left out are taken
    from the automatic match, and a name that matches nothing refuses the import. Tasks are
    created as drafts (草稿): the office assigns them from the register. `progress` is called
    with (tasks written, total) after each committed chunk, when the import holds no lock.
    """
    require(actor, "plan.import")
    mapping = dict(mapping or {})
    if any(v == CREATE for v in mapping.values()):
        require(actor, "department.manage")
    errors = validate_draft(draft)
    # 事项来源 and custom-field cells of a task sheet: any bad one refuses the whole import
    lowcode, lowcode_errors = excel.lowcode_values(session, draft)
    errors += lowcode_errors
    if errors:
        raise ValidationFailed(_errors_text(sorted(errors, key=lambda e: e.row or 0)))
    clean_abandoned_imports(session)
    run = _start(
        session,
        actor=actor,
        draft=draft,
        mapping=mapping,
        source_name=source_name,
        sha=_sha256_of(source_bytes) if source_bytes else None,
        force=force,
    )
    run.lowcode = {id(t): v for t, v in zip(draft.tasks, lowcode, strict=True)}
    try:
        planned = _planned_tasks(draft, run)
        for done in _write_chunks(session, run, planned, max(1, chunk_tasks)):
            if progress is not None:
                progress(done, len(planned))
        _finish(session, run, repeated=bool(force and source_bytes))
    except BaseException:
        session.rollback()
        _discard_after_failure(session, run)
        raise
    return run.result


@dataclass
class _Run:
    """One import under way: what every chunk needs, and its last sign of life."""

    actor: Actor
    source_name: str
    result: ImportResult
    dept_of: dict[str, int | None]
    phases: list[str]
    heartbeat: dt.datetime
    # id(draft task) → (category id, Task.custom), checked before the first write
    lowcode: dict[int, tuple[int | None, dict[str, Any]]] = field(default_factory=dict)


def _start(
    session: Session,
    *,
    actor: Actor,
    draft: ImportDraft,
    mapping: dict[str, Any],
    source_name: str,
    sha: str | None,
    force: bool,
) -> _Run:
    """The first transaction: the same-file check, the units to create, the hidden plan."""
    title = (draft.title or "").strip()  # validate_draft refuses an empty title
    with write(session):
        # Take the data-version row lock first: two imports of the same file at the same
        # moment then run one after the other, and the second sees the first's plan.
        db.bump_data_version(session)
        if sha and not force:
            prev = _previous_import(session, sha)
            if prev is not None:
                raise ValidationFailed(reimport_message(prev))
        result = ImportResult(plan_id=0, plan_title=title)
        dept_of = _departments_for(
            session,
            actor=actor,
            names=draft.unit_names(),
            mapping=mapping,
            source_name=source_name,
            result=result,
        )
        plan = _create_plan(session, draft=draft, title=title, sha=sha)
        result.plan_id = _flushed_id(plan)
        assert plan.importing_at is not None, "created importing"
        return _Run(actor, source_name, result, dept_of, list(plan.phases), plan.importing_at)


def _touch(session: Session, run: _Run, *, done: bool = False) -> None:
    """Renew the plan's sign of life (or clear it: the import is complete), if still ours.

    The first write of each chunk (on SQLite it takes the lock). A plan whose mark is no
    longer the one this import wrote was taken over by a cleaner (no sign of life for
    ABANDONED_AFTER): the import stops rather than finish a plan being deleted.
    """
    now = clock.now()
    # Core, not ORM: the row count tells whether the mark was still ours.
    claimed = session.connection().execute(
        update(Plan)
        .where(col(Plan.id) == run.result.plan_id, col(Plan.importing_at) == run.heartbeat)
        .values(importing_at=None if done else now)
    )
    if claimed.rowcount != 1:
        raise ValidationFailed("导入已中止：该次导入长时间无进展，已按中断的导入清理，请重新导入。")
    run.heartbeat = now


def _finish(session: Session, run: _Run, *, repeated: bool) -> None:
    """The last transaction: the plan becomes visible, the import is audited."""
    with write(session):
        _touch(session, run, done=True)
        plan = session.get(Plan, run.result.plan_id, populate_existing=True)
        note = _import_note(run.result, source_name=run.source_name, repeated=repeated)
        audit.record(session, run.actor, "plan.import", plan, note=note[:1000])


def _departments_for(
    session: Session,
    *,
    actor: Actor,
    names: list[str],
    mapping: dict[str, Any],
    source_name: str,
    result: ImportResult,
) -> dict[str, int | None]:
    """Unit name → department id (None: not imported), creating the departments asked for."""
    resolved, undecided = resolve_units(session, names, mapping)
    if undecided:
        raise ValidationFailed(
            f"以下 {len(undecided)} 个单位未对应到现有单位，请选择对应单位、新建或不导入："
            + "、".join(undecided[:30])
        )
    dept_of: dict[str, int | None] = {}
    for name in names:
        choice = resolved[name]
        if choice == DROP:
            dept_of[name] = None
            result.dropped_units.append(name)
        elif choice == CREATE:
            existing = session.exec(select(Department).where(Department.name == name)).first()
            if existing is not None:
                dept_of[name] = existing.id
                continue
            dept = Department(name=name, kind=_guess_kind(name), sort_order=900)
            session.add(dept)
            audit.record(
                session, actor, "department.create", dept, note=f"导入方案时新建（{source_name}）"
            )
            dept_of[name] = dept.id
            result.created_departments.append(name)
        else:
            d = session.get(Department, choice)
            if d is None or not d.active:
                raise ValidationFailed(f"单位“{name}”对应的单位（编号 {choice}）不存在或已停用。")
            dept_of[name] = d.id
    return dept_of


def _guess_kind(name: str) -> DepartmentKind:
    if name.endswith("窗口"):
        return DepartmentKind.service_window
    if re.search(r"(?:科|室|股)$", name):
        return DepartmentKind.section
    if re.search(r"(?:县|区|市)(?:人民政府)?$|街道$|镇$|乡$", name):
        return DepartmentKind.district
    return DepartmentKind.city_department


def _create_plan(session: Session, *, draft: ImportDraft, title: str, sha: str | None) -> Plan:
    """The plan row, hidden while importing; its phases are the draft's, then its tasks'."""
    phases = list(draft.phases)
    for t in draft.tasks:
        if t.phase and t.phase not in phases:
            phases.append(t.phase)
    plan = Plan(
        title=title,
        issuer=(draft.issuer or "").strip() or None,
        doc_number=(draft.doc_number or "").strip() or None,
        issued_on=draft.issued_on,
        phases=phases,
        report_cycle=_plan_cycle(draft.report_cycle),
        source_sha256=sha,
        importing_at=clock.now(),
    )
    session.add(plan)
    session.flush()
    return plan


def _plan_cycle(words: str) -> str | None:
    """A plan's default 报送频次 as stored: NULL for none (不定期 and empty alike)."""
    code = cycle_code(words)
    return None if code in (None, "none") else code


def _flushed_id(row: Plan | Task) -> int:
    assert row.id is not None  # the row was flushed: the database gave it its id
    return row.id


@dataclass
class _Planned:
    """A draft task numbered and ready to insert; its id once its chunk is written."""

    draft: DraftTask
    row: dict[str, Any]  # the task's columns, but its id and parent id
    sort_key: str
    parent: _Planned | None
    depth: int
    id: int | None = None


_TASK_COLUMNS = [c.name for c in sa_inspect(Task).local_table.columns]


def _planned_tasks(draft: ImportDraft, run: _Run) -> list[_Planned]:
    """The tasks as drafts, numbered in the register order; roots first, then each level.

    Inserting level by level lets a chunk insert many tasks in one statement (a task's
    parent is always written before it) and gives children higher ids than their parents,
    which `discard_import` relies on to delete children first. Plain rows, not ORM objects:
    building 20,000 of those took longer than writing them.
    """
    now = clock.now()
    by_code: dict[str, _Planned] = {}
    counters: dict[str, int] = {}
    out: list[_Planned] = []
    for t in _ordered(draft.tasks):
        parent = by_code.get(t.parent_code) if t.parent_code else None
        prefix, width = manage.sort_key_prefix(parent, run.phases, t.phase)
        counters[prefix] = counters.get(prefix, 0) + 1
        key = f"{prefix}{counters[prefix]:0{width}d}"
        row = dict.fromkeys(_TASK_COLUMNS) | {
            "plan_id": run.result.plan_id,
            "code": t.code,
            "title": t.title,
            "description": t.description,
            "phase": t.phase,
            "deadline": t.deadline,
            "original_deadline": t.deadline,
            "weight": t.weight,
            "report_cycle": cycle_code(t.report_cycle),
            "category_id": run.lowcode.get(id(t), (None, {}))[0],
            "custom": run.lowcode.get(id(t), (None, {}))[1],
            "status": TaskStatus.draft.value,
            "sort_key": key,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        text.check_values(Task, [row])  # (bulk INSERTs pass no flush: the same check here)
        planned = _Planned(t, row, key, parent, parent.depth + 1 if parent else 0)
        if t.code:
            by_code[t.code] = planned
        out.append(planned)
    return sorted(out, key=lambda p: p.depth)  # stable: register order within a level


def _write_chunks(session: Session, run: _Run, planned: list[_Planned], size: int) -> Iterator[int]:
    """Write the tasks `size` at a time, one transaction each; yield the count written."""
    pause = SQLITE_PAUSE if session.get_bind().dialect.name == "sqlite" else 0
    for start in range(0, len(planned), size):
        if start and pause:
            time.sleep(pause)
        chunk = planned[start : start + size]
        with write(session):
            _touch(session, run)
            for _, level in groupby(chunk, key=lambda p: p.depth):
                _insert_level(session, run, list(level))
        yield start + len(chunk)


def _insert_level(session: Session, run: _Run, level: list[_Planned]) -> None:
    """Tasks of one depth (multi-row INSERTs), their rows and their audit rows."""
    conn = session.connection()
    rows = []
    for p in level:
        p.row.pop("id", None)
        p.row["parent_id"] = p.parent.id if p.parent else None
        rows.append(p.row)
    ids = conn.execute(
        insert(Task).returning(col(Task.id), sort_by_parameter_order=True), rows
    ).scalars()
    for p, task_id in zip(level, ids, strict=True):
        p.id = p.row["id"] = task_id
    for model, values in _task_rows(run, level).items():
        if values:
            text.check_values(model, values)
            conn.execute(insert(model), values)
    note = f"导入方案（{run.source_name}）"
    audit.record_created(session, run.actor, "task.create", "task", rows, note=note)
    run.result.tasks += len(level)


def _task_rows(run: _Run, level: list[_Planned]) -> dict[Any, list[dict[str, Any]]]:
    """The tasks' assignments (lead before responsible), milestones and targets, as rows."""
    assignments: list[dict[str, Any]] = []
    milestones: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    for p in level:
        t = p.draft
        roles: dict[int, AssignmentRole] = {}
        for names, role in (
            (t.lead_units, AssignmentRole.lead),
            (t.responsible_units, AssignmentRole.responsible),
        ):
            for name in names:
                dept_id = run.dept_of.get(name)
                if dept_id is not None:
                    roles.setdefault(dept_id, role)
        assignments += [
            {"task_id": p.id, "department_id": d, "role": r.value, "version": 1}
            for d, r in roles.items()
        ]
        milestones += [
            {"task_id": p.id, "title": (m.text or t.title)[:300], "due_date": m.date}
            for m in t.milestones
        ]
        targets += [
            {
                "task_id": p.id,
                "text": x.text[:300] or "指标",
                "target_value": x.value,
                "unit": (x.unit or None) and x.unit[:20],
                "direction": Direction(x.direction or ">=").value,
            }
            for x in t.targets
        ]
    run.result.assignments += len(assignments)
    run.result.milestones += len(milestones)
    run.result.targets += len(targets)
    return {Assignment: assignments, Milestone: milestones, Target: targets}


# ---------------------------------------------------------------- interrupted imports


def _discard_after_failure(session: Session, run: _Run) -> None:
    """After a failed or stopped import: delete its partial plan now, if the database lets us.

    When it does not (the connection is gone), the plan stays hidden and is deleted once it
    counts as abandoned; the original error is what the user sees.
    """
    try:
        discard_import(
            session, run.result.plan_id, actor=run.actor, reason="导入未完成（出错或被中止）"
        )
    except SQLAlchemyError:
        session.rollback()
        log.warning(
            "方案导入失败后未能清除未完成的方案 %s，将在其超过 %s 无进展后清理",
            run.result.plan_id,
            ABANDONED_AFTER,
            exc_info=True,
        )


def clean_abandoned_imports(session: Session) -> list[int]:
    """Delete the plans whose import shows no sign of life for ABANDONED_AFTER (killed).

    Run before every import and by `python -m duban prepare`. Returns the plans deleted. A
    plan that cannot be deleted (something refers to its rows) is logged and left hidden: it
    must not stop the import that looked.
    """
    cutoff = clock.now() - ABANDONED_AFTER
    stale = session.exec(select(Plan.id).where(col(Plan.importing_at) < cutoff)).all()
    reason = f"导入中断（超过 {ABANDONED_AFTER.seconds // 60} 分钟无进展）"
    done = []
    for plan_id in stale:
        assert plan_id is not None, "read from the database"
        try:
            if discard_import(session, plan_id, actor=Actor.system(), reason=reason, before=cutoff):
                done.append(plan_id)
        except SQLAlchemyError:
            session.rollback()
            log.warning(
                "未能清除中断导入的方案 %s，已跳过（仍对所有人隐藏）", plan_id, exc_info=True
            )
    return done


def discard_import(
    session: Session,
    plan_id: int,
    *,
    actor: Actor,
    reason: str,
    before: dt.datetime | None = None,
) -> bool:
    """Delete a plan that never finished importing, with everything written for it.

    First claimed (its mark renewed, so an import still running stops at its next chunk and
    no other cleaner starts on it; with `before`, only if its mark is older), then its tasks
    deleted in chunks, newest first (children before parents), then the plan, audited. False
    when there was nothing to do: the plan is complete, gone or not abandoned after all.
    """
    if not _claim(session, plan_id, before):
        return False
    task_ids = list(
        session.exec(
            select(Task.id).where(Task.plan_id == plan_id).order_by(col(Task.id).desc())
        ).all()
    )
    for start in range(0, len(task_ids), CHUNK_TASKS):
        ids = task_ids[start : start + CHUNK_TASKS]
        with write(session):
            for model in (Target, Milestone, Assignment):
                session.execute(delete(model).where(col(model.task_id).in_(ids)))
            session.execute(delete(Task).where(col(Task.id).in_(ids)))
    with write(session):
        plan = session.get(Plan, plan_id, populate_existing=True)
        if plan is None or plan.importing_at is None:  # another cleaner was quicker
            return False
        snap = audit.snapshot(plan)
        session.delete(plan)
        note = f"{reason}：已删除未完成导入的方案及其 {len(task_ids)} 项任务"
        audit.record(
            session,
            actor,
            "plan.import_discard",
            object_type="plan",
            object_id=plan_id,
            before=snap,
            note=note,
        )
    return True


def _claim(session: Session, plan_id: int, before: dt.datetime | None) -> bool:
    """Mark the importing plan as being deleted (renew its mark); False if it is not ours to."""
    cond = [col(Plan.id) == plan_id, col(Plan.importing_at).is_not(None)]
    if before is not None:
        cond.append(col(Plan.importing_at) < before)
    with write(session):
        claimed = session.connection().execute(
            update(Plan).where(*cond).values(importing_at=clock.now())
        )
        return claimed.rowcount == 1


def _import_note(result: ImportResult, *, source_name: str, repeated: bool) -> str:
    """The plan's audit note: what was imported from where, units created or left out."""
    return (
        f"导入 {result.tasks} 项任务、{result.assignments} 条分工，来源文件“{source_name}”"
        + (
            f"；新建单位：{'、'.join(result.created_departments)}"
            if result.created_departments
            else ""
        )
        + (f"；未导入单位：{'、'.join(result.dropped_units)}" if result.dropped_units else "")
        + ("；重复导入（已确认）" if repeated else "")
    )
