"""A unit's late tasks as drafts quote them, and the task list a draft attaches."""

from typing import Any

from duban.documents.official import AttachmentTable
from duban.monitoring.status import StatusFrames
from duban.notices._shared import cn_date, official_text
from duban.notices.facts import Pending, reports_only
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
    "情况",
]


def unit_tasks(
    frames: StatusFrames,
    department_id: int,
    *,
    due_soon: int | None = None,
    pending: dict[int, Pending] | None = None,
) -> list[dict[str, Any]]:
    """The unit's overdue and lagging assignments (or those due within `due_soon` wd), with
    the applications on them the office has not yet decided."""
    info = {r["task_id"]: r for r in frames.tasks.iter_rows(named=True)}
    pending = pending or {}
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
        rows.append(_task_row(t, row, pending.get(row["task_id"])))
    rows.sort(key=lambda r: (-r["overdue_wd"], r["code"]))
    return rows


def _task_row(t: dict[str, Any], row: dict[str, Any], pending: Pending | None) -> dict[str, Any]:
    """One assignment in the words of a notice."""
    progress = row["progress"]
    overdue = int(row["overdue_wd"] or 0)
    progress_text = "未报送进展" if progress is None else f"{progress:.0f}%"
    reasons = official_text("；".join(row["reasons"] or []) or "进度滞后")
    # in a table the days overdue have their own column: the other reasons only
    other = [official_text(r) for r in row["reasons"] or [] if not r.startswith("逾期")]
    if overdue:
        state = f"已逾期{overdue}个工作日，当前进度{progress_text}"
    else:
        state = f"当前进度{progress_text}，{reasons}"
    notes = []
    if pending and pending.closure:
        on = f"于{cn_date(pending.closure_on)}" if pending.closure_on else ""
        notes.append(f"已{on}申请销号，待审核")
    if pending and pending.extension_to:
        notes.append(
            f"已于{cn_date(pending.extension_on)}申请延期至{cn_date(pending.extension_to)}，待审批"
        )
    state = "；".join([state, *notes])
    return {
        "task_id": t["task_id"],
        "code": t["code"] or "",
        "title": t["title"],
        "role": ROLE_WORDS.get(row["role"], row["role"]),
        "deadline": cn_date(t["deadline"]),
        "original_deadline": cn_date(t["original_deadline"]),
        "extended": t["original_deadline"] is not None and t["original_deadline"] != t["deadline"],
        "overdue_wd": overdue,
        "due_in_wd": t.get("due_in_wd"),
        "progress": progress_text,
        "reasons": reasons,
        "state": state,
        "situation": "；".join([*(other if overdue else [reasons]), *notes]),
        "pending_closure": bool(pending and pending.closure),
        "reports_only": reports_only(row["reasons"]),
        "pending_extension": bool(pending and pending.extension_to),
        "lead": t.get("lead_name") or "",
        "colour": row["colour"],
    }


def task_table(
    title: str, tasks: list[dict[str, Any]], *, units: list[str] | None = None
) -> AttachmentTable:
    """The tasks of `unit_tasks` as an attachment; with `units` (one name per task, for a list
    over several units) a 单位 column after the number. A column no row fills (原定时限 when
    no deadline was extended, 逾期工作日 when none is overdue) is left out."""
    columns = list(TASK_COLUMNS)
    rows = []
    for i, t in enumerate(tasks, start=1):
        rows.append(
            [
                i,
                t["code"],
                t["title"],
                t["role"],
                t["deadline"],
                t["original_deadline"] if t["extended"] else "",
                t["overdue_wd"] or "",
                "未报送" if t["progress"] == "未报送进展" else t["progress"],
                t["situation"],
            ]
        )
    keep = [
        j
        for j, name in enumerate(columns)
        if name not in OPTIONAL_COLUMNS or any(r[j] not in ("", None) for r in rows)
    ]
    columns = [columns[j] for j in keep]
    rows = [[r[j] for j in keep] for r in rows]
    if units is not None:
        columns.insert(1, "单位")
        for row, unit in zip(rows, units, strict=True):
            row.insert(1, unit)
    return AttachmentTable(title=title, columns=columns, rows=rows)


OPTIONAL_COLUMNS = {"原定时限", "逾期工作日"}
