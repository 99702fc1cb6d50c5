"""The benchmark data set (`seed-demo --scale large`): bulk inserts, no ORM object per row.

Every task carries a 督办事项来源 and values of the ten custom fields of FIELDS (one or two of
each kind), so the register and the chart builder are measured with the columns offices add.
"""

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, text
from sqlmodel import Session, SQLModel, func, select

from duban.core import audit, clock
from duban.core.permissions import Actor
from duban.fields import categories
from duban.org.auth import DEMO_PASSWORD, hash_password
from duban.seed._world import PHASES, at
from models import (
    AppUser,
    Assignment,
    CustomField,
    Department,
    FieldKind,
    Inspection,
    InspectionDepartment,
    InspectionMethod,
    InspectionResult,
    Plan,
    ProgressReport,
    Task,
)

PLANS = 5
# What `seed_large` counts when it is done, by table name.
COUNTED: dict[str, type[SQLModel]] = {
    "department": Department,
    "task": Task,
    "assignment": Assignment,
    "progress_report": ProgressReport,
    "inspection": Inspection,
    "custom_field": CustomField,
}
# Drawn uniformly: half in progress, a quarter completed.
STATUSES = ["in_progress"] * 6 + ["completed"] * 3 + ["assigned", "submitted", "acknowledged"]

# The ten custom fields (label, kind, unit, options) every plan's tasks get: two numbers with
# units, a date, two single choices, a multiple choice, a department, yes/no, text, long text.
FIELDS: list[tuple[str, FieldKind, str | None, list[str]]] = [
    ("投资额", FieldKind.number, "万元", []),
    ("办件量", FieldKind.number, "件", []),
    ("计划开工日期", FieldKind.date, None, []),
    ("项目进度", FieldKind.choice, None, ["前期准备", "在建", "竣工", "运营"]),
    ("涉及领域", FieldKind.multi_choice, None, ["政务服务", "数字政府", "营商环境", "民生保障"]),
    ("配合单位", FieldKind.department, None, []),
    ("列入年度考核", FieldKind.boolean, None, []),
    ("联系人", FieldKind.text, None, []),
    ("工作说明", FieldKind.long_text, None, []),
    ("资金来源", FieldKind.choice, None, ["财政资金", "社会资本", "专项债券", "其他"]),
]
FILLED = 0.85  # the share of tasks with a value in each field
# The sources the tasks come from, most from the year's key work (names of categories.DEFAULTS).
CATEGORY_MIX = ["年度重点工作"] * 6 + ["会议议定事项"] * 2 + ["领导批示交办", "重大项目"]


@dataclass
class _Bulk:
    """What the bulk inserts share: one connection, the clock and the dice."""

    conn: Connection
    today: dt.date
    rng: random.Random
    issued: dt.date  # the plans' issue date, a year before today
    now: dt.datetime

    def insert(self, model: type[SQLModel], rows: list[dict[str, Any]], chunk: int) -> None:
        """Insert `rows` into `model`'s table, `chunk` rows per statement."""
        for i in range(0, len(rows), chunk):
            self.conn.execute(insert(model), rows[i : i + chunk])

    def ids(self, table: str) -> list[int]:
        """Every id in `table`, in order."""
        return [r[0] for r in self.conn.execute(text(f"SELECT id FROM {table} ORDER BY id"))]


def seed_large(
    session: Session,
    *,
    today: dt.date | None = None,
    rng_seed: int = 7,
    departments: int = 100,
    tasks: int = 20_000,
    per_task: int = 3,
    reports_per_assignment: int = 5,
    inspections: int = 10_000,
) -> dict[str, int]:
    """Benchmark scale: bulk inserts through SQLAlchemy Core, no ORM objects per row."""
    today = today or clock.today()
    categories.ensure_defaults(session)  # commits: the bulk inserts start a new transaction
    bulk = _Bulk(
        conn=session.connection(),
        today=today,
        rng=random.Random(rng_seed),
        issued=today - dt.timedelta(days=365),
        now=clock.now(),
    )
    dept_ids = _insert_departments(bulk, departments)
    _insert_users(bulk, dept_ids)
    plan_ids = _insert_plans(bulk)
    fields = _insert_fields(bulk)
    spans = _insert_tasks(bulk, plan_ids, tasks, fields=fields, dept_ids=dept_ids)
    arows = _insert_assignments(bulk, spans, dept_ids, per_task)
    _insert_reports(bulk, spans, arows, reports_per_assignment)
    _insert_inspections(bulk, plan_ids, dept_ids, inspections)
    audit.record(
        session,
        Actor.system(),
        "seed.large",
        object_type="database",
        object_id="all",
        after={"tasks": tasks},
        note="生成压测数据",
    )
    session.commit()
    return {
        name: session.exec(select(func.count()).select_from(model)).one()
        for name, model in COUNTED.items()
    }


def _insert_departments(bulk: _Bulk, n: int) -> list[int]:
    """`n` city departments; returns every department id."""
    rows = [
        {
            "name": f"压测单位{i:03d}",
            "short_name": f"单位{i:03d}",
            "kind": "city_department",
            "sort_order": i,
            "active": True,
            "created_at": bulk.now,
            "version": 1,
        }
        for i in range(1, n + 1)
    ]
    bulk.conn.execute(insert(Department), rows)
    return bulk.ids("department")


def _insert_users(bulk: _Bulk, dept_ids: list[int]) -> None:
    """The three office roles and a liaison for each of the first 99 departments."""
    pw = hash_password(DEMO_PASSWORD)
    people = [
        ("office", "王主任", "office", None),
        ("leader", "李组长", "leader", None),
        ("inspector", "赵督查", "inspector", None),
    ] + [
        (f"dept{i:02d}", f"联络员{i:02d}", "dept_head", d)
        for i, d in enumerate(dept_ids[:99], start=1)
    ]
    rows = [
        {
            "username": username,
            "display_name": name,
            "role": role,
            "department_id": dept_id,
            "password_hash": pw,
            "active": True,
            "created_at": bulk.now,
            "version": 1,
        }
        for username, name, role, dept_id in people
    ]
    bulk.conn.execute(insert(AppUser), rows)


CYCLES = ("weekly:5", "monthly:10", "quarterly:1:10", None)


def _insert_plans(bulk: _Bulk) -> list[int]:
    """PLANS plans issued the same day; returns their ids."""
    rows = [
        {
            "title": f"压测实施方案{p + 1}",
            "issuer": "领导小组",
            "doc_number": f"压测〔{bulk.today.year}〕{p + 1}号",
            "issued_on": bulk.issued,
            "phases": PHASES,
            # 报送频次: the rhythms real plans set, so the benchmarks pay for the cycle facts
            "report_cycle": CYCLES[p % len(CYCLES)],
            "created_at": bulk.now,
            "version": 1,
        }
        for p in range(PLANS)
    ]
    bulk.conn.execute(insert(Plan), rows)
    return bulk.ids("plan")


def _insert_fields(bulk: _Bulk) -> list[tuple[int, FieldKind, list[str]]]:
    """The FIELDS for every plan; returns (id, kind, options) in their order."""
    rows = [
        {
            "label": label,
            "kind": kind.value,
            "unit": unit,
            "options": options,
            "required": False,
            "help": "",
            "sort_order": (i + 1) * 10,
            "plan_id": None,
            "created_at": bulk.now,
            "version": 1,
        }
        for i, (label, kind, unit, options) in enumerate(FIELDS)
    ]
    bulk.conn.execute(insert(CustomField), rows)
    ids = bulk.ids("custom_field")[-len(FIELDS) :]
    return [(fid, kind, options) for fid, (_l, kind, _u, options) in zip(ids, FIELDS, strict=True)]


def _custom_values(
    bulk: _Bulk,
    fields: list[tuple[int, FieldKind, list[str]]],
    dept_ids: list[int],
    start: dt.date,
    i: int,
) -> dict[str, Any]:
    """One task's values, in the stored forms of duban.fields.values (most fields filled)."""
    rng = bulk.rng
    out: dict[str, Any] = {}
    for fid, kind, options in fields:
        if rng.random() > FILLED:
            continue
        value: Any
        if kind == FieldKind.number:
            value = (
                float(rng.randint(1, 5000)) if fid == fields[0][0] else float(rng.randint(0, 900))
            )
        elif kind == FieldKind.date:
            value = (start + dt.timedelta(days=rng.randint(0, 120))).isoformat()
        elif kind == FieldKind.choice:
            value = rng.choice(options)
        elif kind == FieldKind.multi_choice:
            chosen = set(rng.sample(options, rng.randint(1, 3)))
            value = [o for o in options if o in chosen]
        elif kind == FieldKind.department:
            value = rng.choice(dept_ids)
        elif kind == FieldKind.boolean:
            value = rng.random() < 0.7
        elif kind == FieldKind.text:
            value = f"联络员{i % 97 + 1:02d}"
        else:
            value = f"压测任务{i + 1}的工作说明：按方案要求推进，按期报送进展。"
        out[str(fid)] = value
    return out


def _insert_tasks(
    bulk: _Bulk,
    plan_ids: list[int],
    n: int,
    *,
    fields: list[tuple[int, FieldKind, list[str]]],
    dept_ids: list[int],
) -> dict[int, tuple[dt.date, dt.date]]:
    """`n` tasks spread over the plans, each with a 督办事项来源 and its custom values;
    returns task id → (start date, deadline), by id."""
    rng, today = bulk.rng, bulk.today
    category_ids = {
        name: cid for cid, name in bulk.conn.execute(text("SELECT id, name FROM task_category"))
    }
    mix = [category_ids[name] for name in CATEGORY_MIX if name in category_ids] or [None]
    rows = []
    for i in range(n):
        start = bulk.issued + dt.timedelta(days=rng.randint(0, 200))
        deadline = start + dt.timedelta(days=rng.randint(30, 400))
        status = rng.choice(STATUSES)
        rows.append(
            {
                "plan_id": plan_ids[i % PLANS],
                "code": f"{i // 50 + 1}.{i % 50 + 1}",
                "title": f"压测任务{i + 1}",
                "description": "",
                "phase": PHASES[i % 3],
                "start_date": start,
                "deadline": deadline,
                "original_deadline": deadline,
                "weight": 1.0,
                "status": status,
                "sort_key": f"{i:06d}",
                "created_at": bulk.now,
                "updated_at": bulk.now,
                "assigned_at": at(start),
                "completed_at": at(min(deadline, today)) if status == "completed" else None,
                "category_id": rng.choice(mix),
                "custom": _custom_values(bulk, fields, dept_ids, start, i),
                "version": 1,
            }
        )
    bulk.insert(Task, rows, chunk=5000)
    spans = {}
    for tid, s, d in bulk.conn.execute(
        text("SELECT id, start_date, deadline FROM task ORDER BY id")
    ):
        if isinstance(s, str):  # SQLite hands back raw text() dates as strings
            s, d = dt.date.fromisoformat(s), dt.date.fromisoformat(d)
        spans[tid] = (s, d)
    return spans


def _insert_assignments(
    bulk: _Bulk, spans: dict[int, tuple[dt.date, dt.date]], dept_ids: list[int], per_task: int
) -> list[tuple[int, int, int]]:
    """`per_task` distinct units per task, the first one leading, assigned when the task
    started (报送频次 count from then); returns (id, task_id, department_id) rows."""
    rows = []
    for tid, (start, _deadline) in spans.items():
        for j, d in enumerate(bulk.rng.sample(dept_ids, per_task)):
            rows.append(
                {
                    "task_id": tid,
                    "department_id": d,
                    "role": "lead" if j == 0 else "responsible",
                    "assigned_at": at(start),
                    "acknowledged_at": at(start),
                    "version": 1,
                }
            )
    bulk.insert(Assignment, rows, chunk=10000)
    query = text("SELECT id, task_id, department_id FROM assignment")
    return [(aid, tid, did) for aid, tid, did in bulk.conn.execute(query)]


def _insert_reports(
    bulk: _Bulk,
    spans: dict[int, tuple[dt.date, dt.date]],
    arows: list[tuple[int, int, int]],
    per_assignment: int,
) -> None:
    """Up to `per_assignment` reports per assignment, fifteen days apart, none after today."""
    rows: list[dict[str, Any]] = []
    for aid, tid, did in arows:
        s, _deadline = spans[tid]
        pct = 0.0
        for k in range(per_assignment):
            day = s + dt.timedelta(days=15 * (k + 1))
            if day > bulk.today:
                break
            pct = min(100.0, pct + bulk.rng.choice([5, 10, 15, 20]))
            rows.append(
                {
                    "task_id": tid,
                    "assignment_id": aid,
                    "department_id": did,
                    "kind": "progress",
                    "percent": pct,
                    "done_text": "进展",
                    "problems": "",
                    "next_steps": "",
                    "reported_at": at(day),
                }
            )
        if len(rows) >= 20000:
            bulk.conn.execute(insert(ProgressReport), rows)
            rows = []
    if rows:
        bulk.conn.execute(insert(ProgressReport), rows)


def _insert_inspections(bulk: _Bulk, plan_ids: list[int], dept_ids: list[int], n: int) -> None:
    """`n` inspections over the year, each of one random department."""
    rng = bulk.rng
    rows = [
        {
            "plan_id": plan_ids[i % PLANS],
            "inspected_on": bulk.issued + dt.timedelta(days=rng.randint(0, 360)),
            "method": rng.choice(list(InspectionMethod)).value,
            "result": rng.choice(list(InspectionResult)).value,
            "inspectors": "督查组",
            "narrative": "",
            "created_at": bulk.now,
            "version": 1,
        }
        for i in range(n)
    ]
    bulk.insert(Inspection, rows, chunk=5000)
    iids = [r[0] for r in bulk.conn.execute(text("SELECT id FROM inspection"))]
    bulk.conn.execute(
        insert(InspectionDepartment),
        [{"inspection_id": i, "department_id": rng.choice(dept_ids)} for i in iids],
    )
