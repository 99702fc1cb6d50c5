"""Notes shown where a long list is cut to keep a page fast at large scale."""

STRINGS = {
    "limits.picker_capped": (
        "下拉列表只列出当前筛选结果的前 {shown} 项（共 {total} 项）：请用上方筛选条件缩小范围，"
        "或直接点击表格中的行打开任务。",
        "The picker lists the first {shown} of {total} tasks in this view: narrow the filters "
        "above or click a row in the table to open a task.",
    ),
    "limits.bulk_capped": (
        "批量调整只列出当前筛选结果的前 {shown} 项（共 {total} 项）：请先用台账的筛选条件缩小范围。",
        "Bulk editing shows the first {shown} of {total} tasks in this view: narrow the "
        "register's filters first.",
    ),
    "limits.records_capped": (
        "下拉列表只列出前 {shown} 项（共 {total} 项，最近的在前）：请用上方筛选条件缩小范围。",
        "The picker lists the first {shown} of {total} (newest first): narrow the filters above.",
    ),
    "limits.list_capped": (
        "只显示前 {shown} 项（共 {total} 项）：请用筛选条件缩小范围。",
        "Showing the first {shown} of {total}: narrow the filters.",
    ),
}
