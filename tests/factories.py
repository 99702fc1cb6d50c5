"""Small factories with keyword overrides, for service tests."""

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlmodel import Session

from duban.core import clock
from duban.core.permissions import Actor
from duban.core.settings import get_settings
from models import (
    AppUser,
    Assignment,
    AssignmentRole,
    Department,
    DepartmentKind,
    Plan,
    ProgressReport,
    Role,
    Task,
    TaskStatus,
)


@contextmanager
def uploads_and_clock(tmp_path: Path, monkeypatch, now: dt.datetime) -> Iterator[None]:
    """A service test's world: uploads under the test's own folder, the clock at `now`."""
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "uploads"))
    get_settings.cache_clear()
    with clock.frozen(now):
        yield
    get_settings.cache_clear()


_n = itertools.count(1)
# A real bcrypt hash of "duban-demo" at cost 4, so factories stay fast.
PW_HASH = "$2b$04$mxHXZTot/.5q8RFJJ30WPugN6x/7QTeLmK6JwXCmU25/0cBTNDhxS"


def make_department(session: Session, **kw) -> Department:
    n = next(_n)
    d = Department(
        **{
            "name": f"测试单位{n}",
            "short_name": f"单位{n}",
            "kind": DepartmentKind.city_department,
            **kw,
        }
    )
    session.add(d)
    session.commit()
    return d


def make_user(session: Session, role: Role = Role.office, **kw) -> tuple[AppUser, Actor]:
    n = next(_n)
    if role == Role.dept_head and "department_id" not in kw:
        kw["department_id"] = make_department(session).id
    u = AppUser(
        **{
            "username": f"user{n}",
            "display_name": f"用户{n}",
            "role": role,
            "password_hash": PW_HASH,
            **kw,
        }
    )
    session.add(u)
    session.commit()
    return u, Actor.of(u)


def make_plan(session: Session, **kw) -> Plan:
    p = Plan(
        **{
            "title": "测试实施方案",
            "issued_on": clock.today() - dt.timedelta(days=60),
            "phases": ["梳理公布", "试点先行", "全面推进"],
            **kw,
        }
    )
    session.add(p)
    session.commit()
    return p


def make_task(
    session: Session,
    *,
    lead: Department | None = None,
    responsible: list[Department] = (),
    plan: Plan | None = None,
    **kw,
) -> Task:
    plan = plan or make_plan(session)
    today = clock.today()
    deadline = kw.pop("deadline", today + dt.timedelta(days=30))
    n = next(_n)
    t = Task(
        **{
            "plan_id": plan.id,
            "code": f"({n})",
            "title": f"测试任务{n}",
            "start_date": today - dt.timedelta(days=30),
            "deadline": deadline,
            "original_deadline": deadline,
            "status": TaskStatus.assigned,
            "assigned_at": clock.now(),
            "phase": "试点先行",
            **kw,
        }
    )
    session.add(t)
    session.flush()
    for d, role in ([(lead, AssignmentRole.lead)] if lead else []) + [
        (r, AssignmentRole.responsible) for r in responsible
    ]:
        session.add(
            Assignment(task_id=t.id, department_id=d.id, role=role, assigned_at=t.assigned_at)
        )
    session.commit()
    return t


def make_report(session: Session, task: Task, department: Department, **kw) -> ProgressReport:
    from sqlmodel import select

    a = session.exec(
        select(Assignment).where(
            Assignment.task_id == task.id, Assignment.department_id == department.id
        )
    ).one()
    r = ProgressReport(
        **{
            "task_id": task.id,
            "assignment_id": a.id,
            "department_id": department.id,
            "percent": 50,
            **kw,
        }
    )
    session.add(r)
    session.commit()
    return r
