"""The words of tasks: status and role labels, and the task's audit history in words."""

from typing import Any

from duban.core.errors import ValidationFailed
from duban.monitoring import cycles
from models import AssignmentRole, TaskStatus

S = TaskStatus
STATUS_LABELS = {
    S.draft: "草稿",
    S.assigned: "已交办",
    S.acknowledged: "已签收",
    S.in_progress: "推进中",
    S.submitted: "申请销号",
    S.completed: "已办结",
    S.suspended: "已中止",
    S.cancelled: "已撤销",
}
ROLE_LABELS = {AssignmentRole.lead: "牵头", AssignmentRole.responsible: "责任"}

# the task's audit history in words (操作记录)
HISTORY_ACTIONS = {
    "task.create": "新建",
    "task.update": "修改",
    "task.assign": "交办",
    "task.acknowledge": "牵头单位签收",
    "task.start": "开始推进",
    "task.submit": "申请销号",
    "task.sign_off": "销号",
    "task.send_back": "退回重办",
    "task.suspend": "中止",
    "task.cancel": "撤销",
    "task.restart": "恢复",
    "task.reopen": "撤销销号",
    "task.extend": "延期",
    "task.report_correct": "更正填报",
    "task.notice_withdraw": "撤回通知",
}
HISTORY_FIELDS = {
    "code": "编号",
    "title": "任务",
    "description": "任务内容",
    "phase": "阶段",
    "parent_id": "上级任务",
    "start_date": "开始日期",
    "deadline": "完成时限",
    "original_deadline": "原定时限",
    "status": "状态",
    "status_reason": "状态说明",
    "weight": "权重",
    "report_cycle": "报送频次",
    "sort_key": "排序",
    "assigned_at": "交办时间",
    "submitted_at": "申请销号时间",
    "completed_at": "办结时间",
    "reopened_at": "撤销销号时间",
}
_HIDDEN_FIELDS = {"updated_at", "version", "sort_key"}


def _word(field: str, value: Any) -> str:
    if field == "report_cycle":
        if value in (None, ""):
            return "按方案默认"
        try:
            return cycles.label(cycles.parse(str(value)))
        except ValidationFailed:
            return str(value)[:60]
    if value in (None, ""):
        return "空"
    if field == "status":
        try:
            return STATUS_LABELS[TaskStatus(value)]
        except ValueError:
            return str(value)
    return str(value)[:60]


def history_change(before: dict | None, after: dict | None) -> str:
    """'完成时限：2026-11-30 → 2026-12-30；状态：推进中 → 申请销号' for one audit row."""
    if before is None:  # a creation: the note names the units; the fields are the task itself
        return ""
    parts = [
        f"{HISTORY_FIELDS.get(k, k)}：{_word(k, before.get(k))} → {_word(k, v)}"
        for k, v in (after or {}).items()
        if k not in _HIDDEN_FIELDS and before.get(k) != v
    ]
    return "；".join(parts)
