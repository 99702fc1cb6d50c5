"""批量赋值 in the register's 批量编辑 tab (ui/tasks/bulk_set.py)."""

STRINGS = {
    "bulkset.title": (
        "批量赋值：给当前筛选的 {n} 项任务设置同一个值",
        "Set one value for all {n} tasks of the current filter",
    ),
    "bulkset.what": ("设置哪一项", "What to set"),
    "bulkset.scope": ("将设置 {n} 项任务（空值即清空）。", "{n} tasks will be set (empty clears)."),
    "bulkset.other_plans": (
        "另有 {n} 项属于其他方案，该字段不适用，跳过。",
        "{n} more belong to other plans, where the field does not apply: skipped.",
    ),
    "bulkset.capped": (
        "一次最多设置 {n} 项，请先缩小筛选范围。",
        "At most {n} tasks at a time: narrow the filter first.",
    ),
    "bulkset.apply": ("应用到这些任务", "Apply to these tasks"),
    "bulkset.done": ("已为 {n} 项任务设置。", "Set on {n} tasks."),
    "bulkset.more_errors": (
        "另有 {n} 项未能设置（原因同上类）。",
        "{n} more could not be set (for reasons like those above).",
    ),
}
