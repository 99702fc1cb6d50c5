"""`make bench`: a large plan import, and how long other writes wait while it runs.

Imports a generated plan of `--tasks` tasks (3 units, 2 milestones and a target each, in
three levels) into a fresh migrated database, while a second thread files a progress report
every 50 ms through the same service the units use. Prints the import's duration and the
longest and median wait of those reports (and how many failed: SQLite gives up on its lock
after 30 s). `--url` imports into that (empty, migrated) database instead of a temporary
SQLite file, e.g. a PostgreSQL one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from duban.core.permissions import Actor

os.environ.setdefault("DUBAN_MODE", "demo")
os.environ.setdefault("BCRYPT_ROUNDS", "4")

ROOT = Path(__file__).resolve().parent.parent
UNITS = 40


def make_draft(n: int):
    """A plan of n tasks: groups of 10 top tasks, each with 3 children with 3 children."""
    from duban.intake.drafts import DraftMilestone, DraftTarget, DraftTask, ImportDraft

    tasks: list[DraftTask] = []
    day = dt.date(2027, 12, 31)

    def task(code: str, parent: str | None) -> None:
        i = len(tasks)
        tasks.append(
            DraftTask(
                code=code,
                parent_code=parent,
                title=f"压测任务{code}：推进政务服务事项标准化",
                description="全面梳理事项清单，统一办理标准，按期公布并动态调整。" * 2,
                lead_units=[f"压测单位{i % UNITS}"],
                responsible_units=[f"压测单位{(i + 7) % UNITS}", f"压测单位{(i + 13) % UNITS}"],
                deadline=day,
                milestones=[
                    DraftMilestone(dt.date(2027, 6, 30), "完成梳理"),
                    DraftMilestone(dt.date(2027, 9, 30), "公布清单"),
                ],
                targets=[DraftTarget("网办率", 95, "%", ">=")],
            )
        )

    top = 0
    while len(tasks) < n:
        top += 1
        task(str(top), None)
        for a in range(1, 4):
            if len(tasks) < n:
                task(f"{top}.{a}", str(top))
            for b in range(1, 4):
                if len(tasks) < n:
                    task(f"{top}.{a}.{b}", f"{top}.{a}")
    return ImportDraft(title="压测实施方案", tasks=tasks)


def prepare(url: str):
    """Units, an office account, a unit head and one assigned task to report on."""
    from sqlmodel import Session

    from duban.core import clock, db
    from duban.core.permissions import Actor
    from models import AppUser, Assignment, AssignmentRole, Department, Plan, Role, Task

    eng = db.make_engine(url)
    db.upgrade(eng)
    with Session(eng, expire_on_commit=False) as s:
        db.bump_data_version(s)
        units = [Department(name=f"压测单位{i}", sort_order=i) for i in range(UNITS)]
        s.add_all(units)
        office = AppUser(username="bench_office", display_name="办公室", role=Role.office)
        head = AppUser(
            username="bench_head", display_name="负责人", role=Role.dept_head, password_hash="x"
        )
        office.password_hash = "x"
        s.add(office)
        s.flush()
        head.department_id = units[0].id
        s.add(head)
        plan = Plan(title="在办方案")
        s.add(plan)
        s.flush()
        task = Task(
            plan_id=plan.id, title="在办任务", status="in_progress", deadline=dt.date(2027, 12, 31)
        )
        s.add(task)
        s.flush()
        asg = Assignment(
            task_id=task.id,
            department_id=units[0].id,
            role=AssignmentRole.lead,
            assigned_at=clock.now(),
        )
        s.add(asg)
        s.commit()
        return eng, Actor.of(office), Actor.of(head), asg.id


@dataclass
class Writer:
    """Files a report every 50 ms until stopped; keeps each one's wall time."""

    eng: Engine
    actor: Actor
    assignment_id: int
    waits: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        from sqlmodel import Session

        from duban.tasks import workflow

        while not self.stop.is_set():
            t0 = time.perf_counter()
            try:
                with Session(self.eng) as s:
                    workflow.report_progress(
                        s,
                        actor=self.actor,
                        assignment_id=self.assignment_id,
                        percent=50,
                        done_text="压测期间的填报",
                    )
            except Exception as exc:  # noqa: BLE001 - counted and printed
                self.failures.append(f"{type(exc).__name__}: {str(exc)[:80]}")
            self.waits.append(time.perf_counter() - t0)
            self.stop.wait(0.05)


def run(url: str, n: int) -> None:
    from sqlmodel import Session

    from duban.intake import importer
    from duban.intake.matching import resolve_units

    draft = make_draft(n)
    eng, office, head, asg = prepare(url)
    with Session(eng) as s:
        mapping, _ = resolve_units(s, draft.unit_names(), {})
    writer = Writer(eng, head, asg)
    # The writer's baseline: reports while nothing else runs.
    thread = threading.Thread(target=writer.run)
    thread.start()
    time.sleep(1.0)
    baseline = list(writer.waits)
    writer.waits.clear()
    t0 = time.perf_counter()
    with Session(eng) as s:
        res = importer.commit_import(s, actor=office, draft=draft, mapping=mapping)
    took = time.perf_counter() - t0
    writer.stop.set()
    thread.join()
    waits = writer.waits
    print(
        f"导入 / import: {res.tasks:,} 项任务、{res.assignments:,} 条分工、"
        f"{res.milestones:,} 个节点、{res.targets:,} 个指标"
    )
    print(f"  用时 / took: {took:.1f} s ({res.tasks / took:,.0f} 项/秒 tasks/s)")
    print(f"其他写入（填报，每 50 ms 一次）/ other writes (a report every 50 ms), {len(waits)} 次:")
    print(f"  单独运行时 / alone: 中位 median {statistics.median(baseline) * 1000:.0f} ms")
    if waits:
        print(
            f"  导入期间 / during the import: 最长 max {max(waits):.2f} s, "
            f"中位 median {statistics.median(waits) * 1000:.0f} ms"
        )
    print(
        f"  失败 / failed: {len(writer.failures)}"
        + (f" ({writer.failures[0]})" if writer.failures else "")
    )
    eng.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=20_000, help="tasks in the plan (20,000)")
    ap.add_argument("--url", help="an empty database to import into (default: temp SQLite)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='duban-bench-')) / 'import.db'}"
    run(url, args.tasks)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
