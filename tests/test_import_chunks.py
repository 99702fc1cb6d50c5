"""A large import in chunks: other writes go through between chunks, a partial plan is never
visible, and an interrupted import is cleaned up (issue 11 #12).

The tests import a small plan in chunks of two tasks and act between chunks through the
importer's `progress` hook (called after each committed chunk): deterministic, no sleeps.
SQLite uses a file (the importer and the other writer need their own connections);
PostgreSQL runs when TEST_DATABASE_URL is set.
"""

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from duban.core import clock
from duban.core.errors import NotFound, ValidationFailed
from duban.core.settings import get_settings
from duban.intake import excel, importer
from duban.intake.drafts import DraftMilestone, DraftTarget, DraftTask, ImportDraft
from duban.monitoring import frames
from duban.notices import _shared as notice_shared
from duban.tasks import reading, register, workflow
from models import (
    Assignment,
    AuditLog,
    Milestone,
    Plan,
    ProgressReport,
    Role,
    Target,
    Task,
)
from tests.conftest import PG_URL
from tests.factories import make_department, make_report, make_task, make_user
from tests.test_notices import _concurrent_engine

ROOT = Path(__file__).resolve().parent.parent
DATA = b"chunked plan file"
TASKS = 6
CHUNK = 2


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "uploads"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def eng(engine, tmp_path):
    eng = _concurrent_engine(engine, tmp_path)
    yield eng
    if eng is not engine:
        eng.dispose()


@pytest.fixture
def world(eng):
    """The plan's two units, the office, and a task in progress another unit reports on."""
    with Session(eng, expire_on_commit=False) as s:
        a = make_department(s, name="市甲局")
        b = make_department(s, name="市乙局")
        other = make_department(s, name="市丙局")
        _, office = make_user(s, role=Role.office)
        _, head = make_user(s, role=Role.dept_head, department_id=other.id)
        busy = make_task(s, lead=other)
        asg = s.exec(select(Assignment).where(Assignment.task_id == busy.id)).one()
    return {"office": office, "head": head, "assignment": asg.id, "units": (a, b)}


def draft() -> ImportDraft:
    """Six tasks on three levels, a child listed before its parent's sibling."""
    codes = [("1", None), ("1.1", "1"), ("1.1.1", "1.1"), ("1.2", "1"), ("2", None), ("2.1", "2")]
    return ImportDraft(title="分块导入的方案", tasks=[_task(c, p) for c, p in codes])


def _task(code: str, parent: str | None) -> DraftTask:
    return DraftTask(
        code=code,
        parent_code=parent,
        title=f"任务{code}",
        lead_units=["市甲局"],
        responsible_units=["市乙局"],
        deadline=dt.date(2027, 6, 30),
        milestones=[DraftMilestone(dt.date(2027, 3, 31), "过半")],
        targets=[DraftTarget("网办率", 90, "%", ">=")],
    )


def _import(s: Session, world, progress: Callable[[int, int], None] | None = None, **kw):
    return importer.commit_import(
        s,
        actor=world["office"],
        draft=draft(),
        source_name="分块.txt",
        source_bytes=DATA,
        progress=progress,
        chunk_tasks=CHUNK,
        **kw,
    )


def _count(s: Session, model) -> int:
    return s.exec(select(func.count()).select_from(model)).one()


def _actions(s: Session) -> list[str]:
    return list(s.exec(select(AuditLog.action).order_by(AuditLog.id)).all())


def _left_of_plans(s: Session) -> tuple[int, int, int, int, int]:
    """Plans and the rows an import writes (the other unit's task is the only one before)."""
    return (
        _count(s, Plan),
        _count(s, Task),
        _count(s, Assignment),
        _count(s, Milestone),
        _count(s, Target),
    )


NOTHING_IMPORTED = (1, 1, 1, 0, 0)  # make_task's own plan, task and assignment


def _impatient(s: Session) -> None:
    """This session's transaction gives up at once on a lock another one holds."""
    if s.get_bind().dialect.name == "sqlite":
        s.execute(text("PRAGMA busy_timeout = 0"))
    else:
        s.execute(text("SET LOCAL lock_timeout = '100ms'"))


# ---------------------------------------------------------------- other writes go through


def test_other_writes_go_through_between_chunks(eng, world):
    """issue 11 #12: while a plan is imported, a unit's report (a write through its service,
    from another connection that will not wait for any lock) succeeds between every two
    chunks. Today's one-transaction import holds the write lock (SQLite) or the data-version
    row (PostgreSQL) throughout, and the report fails at once."""
    seen: list[tuple[int, int]] = []

    def between_chunks(done: int, total: int) -> None:
        seen.append((done, total))
        with Session(eng) as other:
            _impatient(other)
            workflow.report_progress(
                other,
                actor=world["head"],
                assignment_id=world["assignment"],
                percent=10 * done,
                done_text=f"导入进行中的填报 {done}",
            )

    with Session(eng) as s:
        res = _import(s, world, between_chunks)
    assert seen == [(2, TASKS), (4, TASKS), (6, TASKS)]
    with Session(eng) as s:
        assert _count(s, ProgressReport) == 3
        assert (res.tasks, res.assignments, res.milestones, res.targets) == (6, 12, 6, 6)
        assert _left_of_plans(s) == (2, 7, 13, 6, 6)
        actions = _actions(s)
        assert actions.count("task.create") == TASKS and actions[-1] == "plan.import"
        assert s.get(Plan, res.plan_id).importing_at is None


def test_chunked_import_links_parents_across_chunks(eng, world):
    """Parents written in one chunk, children in later ones: links and register order hold."""
    with Session(eng) as s:
        res = _import(s, world)
        by_code = {t.code: t for t in s.exec(select(Task).where(Task.plan_id == res.plan_id)).all()}
        assert by_code["1.1.1"].parent_id == by_code["1.1"].id
        assert by_code["1.1"].parent_id == by_code["1"].id
        keys = [t.code for t in sorted(by_code.values(), key=lambda t: t.sort_key)]
        assert keys == ["1", "1.1", "1.1.1", "1.2", "2", "2.1"]
        log = s.exec(
            select(AuditLog).where(
                AuditLog.action == "task.create", AuditLog.object_id == str(by_code["1.1.1"].id)
            )
        ).one()
        assert log.after["parent_id"] == by_code["1.1"].id and log.after["status"] == "draft"


# ---------------------------------------------------------------- hidden until complete


def test_plan_is_hidden_until_its_import_completes(eng, world):
    """issue 11 #12: between chunks, the half-written plan is in no list, register, dashboard
    read, export or task page; the same file cannot be imported a second time meanwhile."""
    checked: list[int] = []

    def between_chunks(done: int, total: int) -> None:
        if done != 4:
            return
        with Session(eng) as s:
            plan = s.exec(select(Plan).where(Plan.source_sha256.is_not(None))).one()
            written = s.exec(select(Task.id).where(Task.plan_id == plan.id)).all()
            assert len(written) == 4
            assert plan.id not in {p.id for p in reading.list_plans(s)}
            with pytest.raises(NotFound):
                reading.task_detail(s, actor=world["office"], task_id=written[0])
            with pytest.raises(NotFound):
                excel.plan_draft(s, plan.id)
            assert notice_shared.plan_title(s) != plan.title
            again = importer.find_previous_import(s, DATA)
            assert again is not None and "尚未完成" in importer.reimport_message(again)
        raw = frames.read_frames(eng)
        assert plan.id not in raw.plans["plan_id"].to_list()
        assert not set(written) & set(raw.tasks["task_id"].to_list())
        assert not set(written) & set(raw.assignments["task_id"].to_list())
        assert not set(written) & set(raw.milestones["task_id"].to_list())
        assert not set(written) & set(raw.targets["task_id"].to_list())
        assert not set(written) & set(register.base_frame(eng)["task_id"].to_list())
        with Session(eng) as s, pytest.raises(ValidationFailed, match="尚未完成"):
            _import(s, world)
        checked.append(done)

    with Session(eng) as s:
        res = _import(s, world, between_chunks)
    assert checked == [4]
    with Session(eng) as s:
        assert res.plan_id in {p.id for p in reading.list_plans(s)}
        assert len(register.base_frame(eng)) == 1 + TASKS


# ---------------------------------------------------------------- interrupted imports


class Stop(BaseException):
    """Like Streamlit's StopException: a rerun or a closed tab ends the script mid-import."""


@pytest.mark.parametrize("error", [RuntimeError("磁盘已满"), Stop()])
def test_import_stopped_between_chunks_leaves_nothing(eng, world, error):
    """issue 11 #12: an import that fails after chunk 2 (an error, or the page stopped)
    deletes what it wrote at once, audits that, and the same file can be imported again."""

    def fail_after_two(done: int, total: int) -> None:
        if done == 4:
            raise error

    with Session(eng) as s, pytest.raises(type(error)):
        _import(s, world, fail_after_two)
    with Session(eng) as s:
        assert _left_of_plans(s) == NOTHING_IMPORTED
        actions = _actions(s)
        assert "plan.import" not in actions and actions.count("plan.import_discard") == 1
        log = s.exec(select(AuditLog).where(AuditLog.action == "plan.import_discard")).one()
        assert "4 项任务" in log.note and log.username == world["office"].username
        res = _import(s, world)
        assert res.tasks == TASKS and _count(s, Plan) == 2


def test_cleaner_takes_over_a_stalled_import(eng, world):
    """An import with no sign of life for ABANDONED_AFTER is deleted by the next one to look
    (here between chunks, as if the import hung): the import, when it wakes, stops with a
    clear message instead of finishing a plan being deleted."""

    def stall_then_cleaned(done: int, total: int) -> None:
        if done == 2:
            later = clock.now() + importer.ABANDONED_AFTER + dt.timedelta(minutes=1)
            with Session(eng) as other, clock.frozen(later):
                assert len(importer.clean_abandoned_imports(other)) == 1

    with Session(eng) as s, pytest.raises(ValidationFailed, match="长时间无进展"):
        _import(s, world, stall_then_cleaned)
    with Session(eng) as s:
        assert _left_of_plans(s) == NOTHING_IMPORTED
        assert _actions(s).count("plan.import_discard") == 1


KILLED_IMPORT = """
import sys
from sqlmodel import Session
from duban.core import db
from duban.core.permissions import Actor
from duban.intake import importer
from tests.test_import_chunks import draft

url, schema, data = sys.argv[1], sys.argv[2], sys.argv[3].encode()
args = {"connect_args": {"options": f"-csearch_path={schema}"}} if schema else {}
eng = db.make_engine(url, **args)

def hook(done, total):
    print(done, flush=True)
    if done == 4:
        sys.stdin.read()  # hold here, between chunks, until killed

with Session(eng) as s:
    importer.commit_import(
        s, actor=Actor.system(), draft=draft(), source_bytes=data, chunk_tasks=2, progress=hook
    )
"""


def _killed_after_two_chunks(eng) -> None:
    """Run an import in another process and kill -9 it after its second chunk."""
    if eng.dialect.name == "sqlite":
        url, schema = str(eng.url), ""
    else:
        url = PG_URL
        with eng.connect() as conn:
            schema = conn.execute(text("SHOW search_path")).scalar()
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_IMPORT, url, schema, DATA.decode()],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert [proc.stdout.readline().strip() for _ in range(2)] == ["2", "4"]
    finally:
        proc.kill()
        proc.wait(60)


def test_killed_import_stays_hidden_and_is_cleaned_later(eng, world):
    """issue 11 #12: kill -9 between chunks leaves a hidden partial plan; the same file is
    refused while it may still be alive, and once it counts as abandoned the next import
    (or `prepare`) deletes it and audits that, then imports the file."""
    _killed_after_two_chunks(eng)
    with Session(eng) as s:
        plan = s.exec(select(Plan).where(Plan.source_sha256.is_not(None))).one()
        plan_id, alive_at = plan.id, plan.importing_at
        assert alive_at is not None
        assert _count(s, Task) == 1 + 4
        assert plan_id not in {p.id for p in reading.list_plans(s)}
        assert len(register.base_frame(eng)) == 1
        with pytest.raises(ValidationFailed, match="尚未完成"):
            _import(s, world)
        assert importer.clean_abandoned_imports(s) == []  # not abandoned yet
    later = alive_at + importer.ABANDONED_AFTER + dt.timedelta(seconds=1)
    with Session(eng) as s, clock.frozen(later):
        res = _import(s, world)
    with Session(eng) as s:
        assert _left_of_plans(s) == (2, 1 + TASKS, 1 + 2 * TASKS, TASKS, TASKS)
        log = s.exec(select(AuditLog).where(AuditLog.action == "plan.import_discard")).one()
        assert log.username == "system" and "导入中断" in log.note and "4 项任务" in log.note
        assert log.object_id == str(plan_id)
        assert s.get(Plan, res.plan_id).importing_at is None


def test_an_abandoned_plan_that_cannot_be_deleted_does_not_block_imports(eng, world, caplog):
    """A hidden plan whose rows something refers to (here a report, written past the
    services) cannot be deleted: the cleaner logs it, leaves it hidden, and the import that
    looked goes on."""
    with Session(eng, expire_on_commit=False) as s:
        stuck = Plan(title="卡住的导入", importing_at=clock.now() - dt.timedelta(hours=1))
        s.add(stuck)
        s.flush()
        task = make_task(s, plan=stuck, lead=world["units"][0])
        make_report(s, task, world["units"][0])
    with Session(eng) as s:
        res = _import(s, world)
        assert res.tasks == TASKS
        assert s.get(Plan, stuck.id).importing_at is not None
        assert stuck.id not in {p.id for p in reading.list_plans(s)}
    assert f"未能清除中断导入的方案 {stuck.id}" in caplog.text


def test_prepare_cleans_an_abandoned_import(demo_db, capsys):
    """`python -m duban prepare` (make run) deletes an import killed long enough ago."""
    from duban import cli
    from duban.core import db

    eng = db.make_engine(demo_db)
    with Session(eng) as s:
        plans_before = _count(s, Plan)
        plan = Plan(title="被中断的导入", importing_at=clock.now() - dt.timedelta(hours=1))
        s.add(plan)
        s.flush()
        s.add(Task(plan_id=plan.id, title="写到一半"))
        s.commit()
        plan_id = plan.id
    assert cli.main(["prepare"]) == 0
    assert "已清理 1 个中断的方案导入" in capsys.readouterr().out
    with Session(eng) as s:
        assert s.get(Plan, plan_id) is None and _count(s, Plan) == plans_before
        assert s.exec(select(Task).where(Task.title == "写到一半")).first() is None
    eng.dispose()
