"""A unit's late tasks as drafts quote them, and the task list a draft attaches."""

from typing import Any

from duban.documents.official import AttachmentTable
from duban.monitoring.status import StatusFrames
from duban.notices._shared import cn_date
from models.common import OPEN_STATUSES

ROLE_WORDS = {"lead": "牵头", "responsible": "责任"}

TASK_COLUMNS = [
    "序号",
    "编号",
    "任务",
    "分工",
    "完成时限",
    "原定时限",
    "逾期工作日",
    "进度",
    "原因",
]


def unit_tasks(
    frames: StatusFrames, department_id: int, *, due_soon: int | None = None
) -> list[dict[str, Any]]:
    """The unit's overdue and lagging assignments (or those due within `due_soon` wd)."""
    info = {r["task_id"]: r for r in frames.tasks.iter_rows(named=True)}
    rows = []
    for row in frames.assignments.iter_rows(named=True):
        if row["department_id"] != department_id:
            continue
        t = info.get(row["task_id"])
        if t is None or t["status"] not in OPEN_STATUSES:
            continue
        if due_soon is not None:
            due = t.get("due_in_wd")
            if due is None or due < 0 or due > due_soon or (row["overdue_wd"] or 0) > 0:
                continue
        elif row["colour"] not in ("red", "yellow"):
            continue
        rows.append(_task_row(t, row))
    rows.sort(key=lambda r: (-r["overdue_wd"], r["code"]))
    return rows


def _task_row(t: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """One assignment in the words of a notice."""
    progress = row["progress"]
    return {
        "task_id": t["task_id"],
        "code": t["code"] or "",
        "title": t["title"],
        "role": ROLE_WORDS.get(row["role"], row["role"]),
        "deadline": cn_date(t["deadline"]),
        "original_deadline": cn_date(t["original_deadline"]),
        "extended": t["original_deadline"] is not None and t["original_deadline"] != t["deadline"],
        "overdue_wd": int(row["overdue_wd"] or 0),
        "due_in_wd": t.get("due_in_wd"),
        "progress": "未报送" if progress is None else f"{progress:.0f}%",
        "reasons": "；".join(row["reasons"] or []) or "进度滞后",
        "lead": t.get("lead_name") or "",
        "colour": row["colour"],
    }


def task_table(title: str, tasks: list[dict[str, Any]]) -> AttachmentTable:
    """The tasks of `unit_tasks` as an attachment."""
    return AttachmentTable(
        title=title,
        columns=TASK_COLUMNS,
        rows=[
            [
                i,
                t["code"],
                t["title"],
                t["role"],
                t["deadline"],
                t["original_deadline"] if t["extended"] else "",
                t["overdue_wd"] or "",
                t["progress"],
                t["reasons"],
            ]
            for i, t in enumerate(tasks, start=1)
        ],
    )
