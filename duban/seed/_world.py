"""The demo's world: its fixed cast (units, users, the plan) and what every story part shares."""

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Protocol

from sqlmodel import Session

from duban.org.auth import DEMO_PASSWORD, hash_password
from models import (
    AppUser,
    Assignment,
    Department,
    DepartmentKind,
    Plan,
    ProgressReport,
    Role,
    Task,
)

CITY, DISTRICT = DepartmentKind.city_department, DepartmentKind.district
DEMO_DEPARTMENTS = [
    ("市政务服务和大数据管理局", "政务服务局", CITY),
    ("市发展和改革委员会", "发改委", CITY),
    ("市公安局", "公安局", CITY),
    ("市人力资源和社会保障局", "人社局", CITY),
    ("市市场监督管理局", "市场监管局", CITY),
    ("市自然资源和规划局", "自然资源局", CITY),
    ("市住房和城乡建设局", "住建局", CITY),
    ("市税务局", "税务局", CITY),
    ("市卫生健康委员会", "卫健委", CITY),
    ("市医疗保障局", "医保局", CITY),
    ("新华区人民政府", "新华区", DISTRICT),
    ("卫东区人民政府", "卫东区", DISTRICT),
]
# Sections under the first department (the office's own bureau), for the tree.
DEMO_SECTIONS = [("电子政务科", "电子政务科"), ("审批改革协调科", "审改科")]
# The liaison of unit i (from 1) is surnamed SURNAMES[i % 20].
SURNAMES = "张刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢"

PHASES = ["梳理公布", "试点先行", "全面推进"]
PLAN_CYCLE = "monthly:10"  # the plan's 报送频次: 每月10日前


class _Row(Protocol):
    id: int | None


def id_of(row: _Row) -> int:
    """The id of a row the seed has already flushed."""
    assert row.id is not None, f"{type(row).__name__} used before it was flushed"
    return row.id


def dates_of(task: Task) -> tuple[dt.date, dt.date]:
    """A seeded task's start date and deadline (the seed always sets both)."""
    assert task.start_date is not None and task.deadline is not None
    return task.start_date, task.deadline


def workdays_back(day: dt.date, n: int) -> dt.date:
    """n Monday–Friday days before `day` (close enough for demo data)."""
    while n > 0:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """`day` at `hour` o'clock sharp."""
    return dt.datetime.combine(day, dt.time(hour, 0))


@dataclass
class World:
    """What the parts of the demo story share; each part adds its rows and records them here."""

    session: Session
    now: dt.datetime  # the seeding moment: no row is stamped after it
    rng: random.Random
    issued: dt.date  # the plan's issue date, six months before today
    departments: list[Department]  # the twelve member units
    sections: list[Department]  # sections of the first unit
    users: dict[str, int]  # username → user id
    head_of: dict[int, int]  # department id → its liaison's user id
    plan: Plan
    tasks: list[Task] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    by_task: dict[int, list[Assignment]] = field(default_factory=dict)  # lead first
    reports: list[ProgressReport] = field(default_factory=list)

    @property
    def today(self) -> dt.date:
        return self.now.date()

    def at(self, day: dt.date, hour: int = 10) -> dt.datetime:
        """`day` at `hour` o'clock, or now if that is still to come (a demo seeded at 04:39
        has no report "today at 16:00")."""
        return min(at(day, hour), self.now)

    def lead_of(self, task: Task) -> int:
        """The department id of the task's lead unit."""
        return self.by_task[id_of(task)][0].department_id


def found_world(session: Session, *, now: dt.datetime, rng: random.Random) -> World:
    """Units, sections, users and the plan, issued six months before today."""
    today = now.date()
    issued = today - dt.timedelta(days=182)
    depts = [
        Department(name=n, short_name=s, kind=k, sort_order=i)
        for i, (n, s, k) in enumerate(DEMO_DEPARTMENTS)
    ]
    session.add_all(depts)
    session.flush()
    sections = [
        Department(
            name=n,
            short_name=s,
            kind=DepartmentKind.section,
            parent_id=id_of(depts[0]),
            sort_order=i,
        )
        for i, (n, s) in enumerate(DEMO_SECTIONS)
    ]
    session.add_all(sections)
    session.flush()
    users = _add_users(session, depts)
    plan = Plan(
        title="关于进一步推行政务服务“零跑腿”工作的实施方案",
        issuer="市行政审批制度改革领导小组",
        doc_number=f"审改组〔{issued.year}〕3号",
        issued_on=issued,
        phases=PHASES,
        report_cycle=PLAN_CYCLE,
    )
    session.add(plan)
    session.flush()
    return World(
        session=session,
        now=now,
        rng=rng,
        issued=issued,
        departments=depts,
        sections=sections,
        users=users,
        head_of={id_of(d): users[f"dept{i:02d}"] for i, d in enumerate(depts, start=1)},
        plan=plan,
    )


def _add_users(session: Session, depts: list[Department]) -> dict[str, int]:
    """The office (in the first unit), the leader, the inspector and one liaison per unit."""
    pw = hash_password(DEMO_PASSWORD)
    users = [
        AppUser(
            username="office",
            display_name="王主任",
            role=Role.office,
            department_id=depts[0].id,
            password_hash=pw,
        ),
        AppUser(username="leader", display_name="李组长", role=Role.leader, password_hash=pw),
        AppUser(username="inspector", display_name="赵督查", role=Role.inspector, password_hash=pw),
    ]
    for i, d in enumerate(depts, start=1):
        users.append(
            AppUser(
                username=f"dept{i:02d}",
                display_name=f"{SURNAMES[i % 20]}联络员",
                role=Role.dept_head,
                department_id=d.id,
                password_hash=pw,
            )
        )
    session.add_all(users)
    session.flush()
    return {u.username: id_of(u) for u in users}
