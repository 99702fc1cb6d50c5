"""The dashboard's figures the plain way: ORM objects, Python loops, scalar ``assess``, pandas.

Two uses: the benchmark's reference path (what the polars version is measured against), and
the independent computation the analytics tests compare with. It follows the definitions at
the top of duban/monitoring/dashboard.py and status.py, written as directly as possible.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import pandas as pd
from sqlmodel import Session, select

from duban.monitoring.dashboard import Filters
from duban.monitoring.lights import OPEN_STATUSES as OPEN
from duban.monitoring.lights import WarningInput, WarningRules, assess
from duban.monitoring.workdays import WorkCalendar
from models import (
    Assignment,
    Department,
    ExtensionRequest,
    Finding,
    Notice,
    NoticeRecipient,
    NoticeTask,
    ProgressReport,
    Task,
)


def _d(x) -> dt.date | None:
    if x is None:
        return None
    return x.date() if isinstance(x, dt.datetime) else x


@dataclass
class Facts:
    tasks: list[dict]
    assignments: list[dict]
    reports: list[dict]
    extensions: list[dict]
    urgings: list[dict]
    findings: list[dict]
    departments: dict[int, tuple[str, str]]


def load(session: Session) -> Facts:
    """Everything through ORM objects (the slow, obvious way)."""
    tasks = [
        {
            "task_id": t.id,
            "plan_id": t.plan_id,
            "phase": t.phase,
            "status": str(t.status.value if hasattr(t.status, "value") else t.status),
            "start": t.start_date,
            "deadline": t.deadline,
            "original_deadline": t.original_deadline,
            "assigned_on": _d(t.assigned_at),
            "submitted_on": _d(t.submitted_at),
            "completed_on": _d(t.completed_at),
            "category_id": t.category_id,
        }
        for t in session.exec(select(Task)).all()
    ]
    assignments = [
        {
            "assignment_id": a.id,
            "task_id": a.task_id,
            "department_id": a.department_id,
            "role": str(a.role.value if hasattr(a.role, "value") else a.role),
        }
        for a in session.exec(select(Assignment)).all()
    ]
    reports = [
        {
            "report_id": r.id,
            "assignment_id": r.assignment_id,
            "percent": r.percent,
            "on": _d(r.reported_at),
        }
        for r in session.exec(select(ProgressReport)).all()
    ]
    extensions = [
        {
            "task_id": e.task_id,
            "department_id": e.department_id,
            "previous_deadline": e.previous_deadline,
            "decided_on": _d(e.decided_at),
        }
        for e in session.exec(select(ExtensionRequest)).all()
        if str(getattr(e.status, "value", e.status)) == "approved"
    ]
    urgings = []
    for n in session.exec(select(Notice)).all():
        if str(getattr(n.kind, "value", n.kind)) != "urging":
            continue
        if str(getattr(n.status, "value", n.status)) != "issued":
            continue
        tids = [
            x.task_id for x in session.exec(select(NoticeTask).where(NoticeTask.notice_id == n.id))
        ]
        for r in session.exec(select(NoticeRecipient).where(NoticeRecipient.notice_id == n.id)):
            for tid in tids:
                urgings.append(
                    {
                        "notice_id": n.id,
                        "task_id": tid,
                        "department_id": r.department_id,
                        "reply_due": n.reply_due,
                        "replied_on": _d(r.replied_at),
                        "issued_on": _d(n.issued_at),
                    }
                )
    findings = [
        {
            "task_id": f.task_id,
            "department_id": f.department_id,
            "due_date": f.due_date,
            "status": str(getattr(f.status, "value", f.status)),
            "answered_on": _d(f.answered_at),
            "created_on": _d(f.created_at),
        }
        for f in session.exec(select(Finding)).all()
        if f.task_id is not None
    ]
    departments = {
        d.id: (d.name, d.short_name or d.name) for d in session.exec(select(Department)).all()
    }
    return Facts(tasks, assignments, reports, extensions, urgings, findings, departments)


def as_of(f: Facts, day: dt.date) -> Facts:
    """The same reconstruction as status._as_of, row by row."""
    tasks = []
    for t in f.tasks:
        t = dict(t)
        st = t["status"]
        if t["assigned_on"] is not None and t["assigned_on"] > day:
            st = "draft"
        elif st == "completed" and t["completed_on"] is not None and t["completed_on"] > day:
            st = (
                "submitted"
                if t["submitted_on"] is not None and t["submitted_on"] <= day
                else "in_progress"
            )
        elif st == "submitted" and t["submitted_on"] is not None and t["submitted_on"] > day:
            st = "in_progress"
        t["status"] = st
        if t["completed_on"] is not None and t["completed_on"] > day:
            t["completed_on"] = None
        later = sorted(
            (
                e
                for e in f.extensions
                if e["task_id"] == t["task_id"] and e["decided_on"] and e["decided_on"] > day
            ),
            key=lambda e: e["decided_on"],
        )
        if later and later[0]["previous_deadline"] is not None:
            t["deadline"] = later[0]["previous_deadline"]
        tasks.append(t)
    return Facts(
        tasks=tasks,
        assignments=f.assignments,
        reports=[r for r in f.reports if r["on"] <= day],
        extensions=[
            e for e in f.extensions if e["decided_on"] is not None and e["decided_on"] <= day
        ],
        urgings=[
            {
                **u,
                "replied_on": u["replied_on"]
                if u["replied_on"] and u["replied_on"] <= day
                else None,
            }
            for u in f.urgings
            if u["issued_on"] is not None and u["issued_on"] <= day
        ],
        findings=[
            {
                **x,
                "answered_on": x["answered_on"]
                if x["answered_on"] and x["answered_on"] <= day
                else None,
            }
            for x in f.findings
            if x["created_on"] is not None and x["created_on"] <= day
        ],
        departments=f.departments,
    )


def status(f: Facts, today: dt.date, rules: WarningRules, cal: WorkCalendar):
    """(tasks, assignments) as lists of dicts with colour, reasons and figures."""
    latest: dict[int, tuple] = {}
    for r in f.reports:
        key = (r["on"], r["report_id"])
        cur = latest.get(r["assignment_id"])
        if cur is None or key > cur[0]:
            latest[r["assignment_id"]] = (key, r["percent"], r["on"])
    ignored: dict[tuple, set] = defaultdict(set)
    for u in f.urgings:
        if u["replied_on"] is None and u["reply_due"] is not None and u["reply_due"] < today:
            ignored[(u["task_id"], u["department_id"])].add(u["notice_id"])
    rect: dict[tuple, int] = defaultdict(int)
    for x in f.findings:
        still_open = x["status"] == "open" or x["answered_on"] is None
        if still_open and x["due_date"] < today:
            rect[(x["task_id"], x["department_id"])] += 1
    tasks_by_id = {t["task_id"]: t for t in f.tasks}
    out_a = []
    for a in f.assignments:
        t = tasks_by_id.get(a["task_id"])
        if t is None:
            continue
        lt = latest.get(a["assignment_id"])
        w = assess(
            WarningInput(
                status=t["status"],
                start=t["start"],
                deadline=t["deadline"],
                original_deadline=t["original_deadline"],
                progress=lt[1] if lt else None,
                last_update=lt[2] if lt else None,
                ignored_urgings=len(ignored.get((a["task_id"], a["department_id"]), ())),
                overdue_rectifications=rect.get((a["task_id"], a["department_id"]), 0),
                completed_on=t["completed_on"],
            ),
            today=today,
            rules=rules,
            cal=cal,
        )
        name, short = f.departments.get(a["department_id"], ("", ""))
        out_a.append(
            {
                **a,
                **{k: t[k] for k in ("status", "start", "deadline", "completed_on")},
                "department_name": name,
                "department_short": short,
                "progress": lt[1] if lt else None,
                "last_update": lt[2] if lt else None,
                "colour": w.colour.value,
                "reasons": w.reasons,
                "overdue_wd": w.overdue_working_days,
                "due_in_wd": w.due_in_working_days,
                "stale_wd": w.stale_working_days,
                "expected_progress": w.expected_progress,
                "extensions": sum(
                    1
                    for e in f.extensions
                    if e["task_id"] == a["task_id"] and e["department_id"] == a["department_id"]
                ),
            }
        )
    by_task: dict[int, list[dict]] = defaultdict(list)
    for a in out_a:
        by_task[a["task_id"]].append(a)
    out_t = []
    for t in f.tasks:
        units = by_task.get(t["task_id"], [])
        leads = sorted((a for a in units if a["role"] == "lead"), key=lambda a: a["assignment_id"])
        lead = leads[0] if leads else None
        w = assess(
            WarningInput(
                status=t["status"],
                start=t["start"],
                deadline=t["deadline"],
                original_deadline=t["original_deadline"],
                progress=lead["progress"] if lead else None,
                last_update=lead["last_update"] if lead else None,
                ignored_urgings=max(
                    (len(ignored.get((t["task_id"], a["department_id"]), ())) for a in units),
                    default=0,
                ),
                overdue_rectifications=sum(
                    rect.get((t["task_id"], a["department_id"]), 0) for a in units
                ),
                completed_on=t["completed_on"],
            ),
            today=today,
            rules=rules,
            cal=cal,
        )
        out_t.append(
            {
                **t,
                "lead_department_id": lead["department_id"] if lead else None,
                "lead_name": lead["department_name"] if lead else None,
                "progress": lead["progress"] if lead else None,
                "colour": w.colour.value,
                "reasons": w.reasons,
                "overdue_wd": w.overdue_working_days,
                "behind_points": w.behind_points,
                "due_in_wd": w.due_in_working_days,
                "stale_wd": w.stale_working_days,
                "expected_progress": w.expected_progress,
            }
        )
    return out_t, out_a


def in_scope(tasks, assignments, flt: Filters):
    ts = []
    for t in tasks:
        if t["status"] in ("draft", "cancelled"):
            continue
        if flt.plan_id is not None and t["plan_id"] != flt.plan_id:
            continue
        if flt.phase and (t["phase"] or "未分阶段") != flt.phase:
            continue
        if flt.date_from and (t["deadline"] is None or t["deadline"] < flt.date_from):
            continue
        if flt.date_to and (t["deadline"] is None or t["deadline"] > flt.date_to):
            continue
        if flt.category_id is not None and (t["category_id"] or 0) != flt.category_id:
            continue  # 0: 未分类 (dashboard.NO_CATEGORY)
        ts.append(t)
    as_ = [
        a
        for a in assignments
        if (flt.department_id is None or a["department_id"] == flt.department_id)
        and (flt.role is None or a["role"] == flt.role)
    ]
    if flt.department_id is not None:
        ids = {a["task_id"] for a in as_}
        ts = [t for t in ts if t["task_id"] in ids]
    ids = {t["task_id"] for t in ts}
    return ts, [a for a in as_ if a["task_id"] in ids]


def _is_open(r) -> bool:
    return r["status"] in OPEN and r["colour"] != "grey"


def _overdue(r, today) -> bool:
    return _is_open(r) and r["deadline"] is not None and r["deadline"] < today


def _on_time(r) -> bool:
    return r["status"] == "completed" and (
        r["completed_on"] is None or r["deadline"] is None or r["completed_on"] <= r["deadline"]
    )


def kpi_values(tasks, today, rules: WarningRules) -> dict:
    completed = [t for t in tasks if t["status"] == "completed"]
    on_time = sum(1 for t in tasks if _on_time(t))
    prog = [t for t in tasks if _is_open(t) and t["expected_progress"] is not None]
    avg_p = sum((t["progress"] or 0.0) for t in prog) / len(prog) if prog else None
    avg_e = sum(t["expected_progress"] for t in prog) / len(prog) if prog else None
    return {
        "total": len(tasks),
        "completed": len(completed),
        "on_time_rate": on_time / len(completed) * 100 if completed else None,
        "overdue": sum(1 for t in tasks if _overdue(t, today)),
        "red": sum(1 for t in tasks if t["colour"] == "red"),
        "due_soon": sum(
            1
            for t in tasks
            if _is_open(t)
            and not _overdue(t, today)
            and t["due_in_wd"] is not None
            and t["due_in_wd"] <= rules.due_soon_working_days
        ),
        "stagnant": sum(
            1
            for t in tasks
            if _is_open(t)
            and t["status"] != "submitted"
            and t["stale_wd"] is not None
            and t["stale_wd"] >= rules.stagnant_working_days
        ),
        "avg_progress": avg_p,
        "progress_gap": avg_p - avg_e if avg_p is not None else None,
        "avg_expected": avg_e,
    }


def by_category(tasks, today) -> dict[int | None, dict]:
    """Per 督办事项来源 (None: 未分类), row by row."""
    out: dict[int | None, dict] = {}
    for t in tasks:
        c = out.setdefault(
            t["category_id"], {"tasks": 0, "red": 0, "yellow": 0, "overdue": 0, "progress": []}
        )
        c["tasks"] += 1
        c["red"] += t["colour"] == "red"
        c["yellow"] += t["colour"] == "yellow"
        c["overdue"] += _overdue(t, today)
        if _is_open(t) and t["expected_progress"] is not None:
            c["progress"].append(t["progress"] or 0.0)
    for c in out.values():
        p = c.pop("progress")
        c["avg_progress"] = sum(p) / len(p) if p else None
    return out


def red_ids(tasks) -> list[int]:
    reds = [t for t in tasks if t["colour"] == "red"]
    reds.sort(
        key=lambda t: (
            -t["overdue_wd"],
            -(t["behind_points"] if t["behind_points"] is not None else float("-inf")),
            t["deadline"] or dt.date.max,
            t["task_id"],
        )
    )
    return [t["task_id"] for t in reds]


def by_department(assignments, today) -> pd.DataFrame:
    rows = []
    for a in assignments:
        rows.append(
            {
                "department_id": a["department_id"],
                "role": a["role"],
                "colour": a["colour"],
                "overdue": _overdue(a, today),
                "completed": a["status"] == "completed",
                "on_time": _on_time(a),
            }
        )
    df = pd.DataFrame(
        rows, columns=["department_id", "role", "colour", "overdue", "completed", "on_time"]
    )
    out = df.groupby("department_id").agg(
        assignments=("colour", "size"),
        overdue=("overdue", "sum"),
        red=("colour", lambda s: int((s == "red").sum())),
        completed=("completed", "sum"),
        on_time=("on_time", "sum"),
    )
    for role, prefix in (("lead", "lead"), ("responsible", "resp")):
        for c in ("red", "yellow", "green", "grey", "blue"):
            m = df[(df["role"] == role) & (df["colour"] == c)].groupby("department_id").size()
            out[f"{prefix}_{c}"] = m.reindex(out.index, fill_value=0)
    return out


def heatmap(tasks, assignments) -> dict[tuple[int, str], tuple[int, int]]:
    phase = {t["task_id"]: t["phase"] or "未分阶段" for t in tasks}
    cells: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for a in assignments:
        c = cells[(a["department_short"], phase[a["task_id"]])]
        c[0] += 1
        c[1] += a["colour"] == "red"
    return {k: (v[0], v[1]) for k, v in cells.items()}


def trend(tasks, facts: Facts, today, cal: WorkCalendar) -> list[dict]:
    from duban.monitoring.dashboard import _week_ends

    firsts = [d for t in tasks for d in (t["start"], t["assigned_on"]) if d]
    if not tasks or not firsts:
        return []
    lead_reports: dict[int, list] = defaultdict(list)
    lead_assignment: dict[int, set] = {}
    by_task = {t["task_id"]: t for t in tasks}
    for a in sorted(facts.assignments, key=lambda a: a["assignment_id"]):
        t = by_task.get(a["task_id"])
        if t is not None and a["role"] == "lead" and a["department_id"] == t["lead_department_id"]:
            lead_assignment.setdefault(a["task_id"], set()).add(a["assignment_id"])
    aid_task = {aid: tid for tid, aids in lead_assignment.items() for aid in aids}
    for r in facts.reports:
        tid = aid_task.get(r["assignment_id"])
        if tid is not None:
            lead_reports[tid].append((r["on"], r["report_id"], r["percent"]))
    for v in lead_reports.values():
        v.sort()
    out = []
    for w in _week_ends(min(firsts), today):
        at = min(w, today)
        completed = sum(
            1
            for t in tasks
            if t["completed_on"] and w - dt.timedelta(days=7) < t["completed_on"] <= at
        )
        overdue = 0
        exps, acts = [], []
        for t in tasks:
            if t["status"] == "suspended":
                continue
            if t["assigned_on"] and t["assigned_on"] > at:
                continue
            if t["completed_on"] and t["completed_on"] <= at:
                continue
            if t["start"] and t["start"] > at:
                continue
            deadline = t["deadline"]
            later = sorted(
                (
                    e
                    for e in facts.extensions
                    if e["task_id"] == t["task_id"] and e["decided_on"] > at
                ),
                key=lambda e: e["decided_on"],
            )
            if later and later[0]["previous_deadline"] is not None:
                deadline = later[0]["previous_deadline"]
            if deadline is not None and deadline < at:
                overdue += 1
            if t["start"] is None or deadline is None:
                continue
            total = cal.working_days_between(t["start"], deadline)
            if total <= 0:
                exp = 100.0 if at >= deadline else 0.0
            else:
                exp = min(max(cal.working_days_between(t["start"], at) / total * 100, 0.0), 100.0)
            pct = 0.0
            for on, _rid, p in lead_reports.get(t["task_id"], ()):
                if on <= at:
                    pct = p
            exps.append(exp)
            acts.append(pct)
        out.append(
            {
                "week_end": w,
                "completed": completed,
                "overdue": overdue,
                "expected": sum(exps) / len(exps) if exps else None,
                "actual": sum(acts) / len(acts) if acts else None,
            }
        )
    return out


def compute(session: Session, *, today, rules, cal, filters: Filters = Filters()) -> dict:
    """All the figures the reference way (used by the benchmark and the tests)."""
    facts = load(session)
    tasks, assignments = status(facts, today, rules, cal)
    before_day = today - dt.timedelta(days=7)
    tb, ab = status(as_of(facts, before_day), before_day, rules, cal)
    ts, as_ = in_scope(tasks, assignments, filters)
    tsb, _ = in_scope(tb, ab, filters)
    return {
        "tasks": tasks,
        "assignments": assignments,
        "kpis": kpi_values(ts, today, rules),
        "kpis_before": kpi_values(tsb, before_day, rules),
        "red_ids": red_ids(ts),
        "departments": by_department(as_, today),
        "heatmap": heatmap(ts, as_),
        "by_category": by_category(ts, today),
        "trend": trend(ts, facts, today, cal),
    }
