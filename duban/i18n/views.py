"""Strings of the register's saved views, column chooser, sort and low-code filters (views.*)."""

STRINGS = {
    # the view bar
    "views.label": ("视图", "View"),
    "views.none": ("（默认台账）", "(default register)"),
    "views.mine": ("我的视图 · {name}", "My view · {name}"),
    "views.mine_shared": (
        "我的视图 · {name}（共享给{role}）",
        "My view · {name} (shared with {role})",
    ),
    "views.shared": ("共享给{role} · {name}", "Shared with {role} · {name}"),
    "views.save_as": ("保存为视图", "Save as view"),
    "views.name": ("视图名称", "View name"),
    "views.share_with": ("共享给", "Share with"),
    "views.private": ("仅本人", "Only me"),
    "views.save": ("保存视图", "Save view"),
    "views.saved": ("已保存视图“{name}”。", "View “{name}” saved."),
    "views.update": ("用当前筛选更新", "Update with current filters"),
    "views.updated": ("已更新视图“{name}”。", "View “{name}” updated."),
    "views.rename": ("重命名", "Rename"),
    "views.delete": ("删除视图", "Delete view"),
    "views.delete_confirm": ("确认删除此视图", "Yes, delete this view"),
    "views.deleted": ("已删除视图“{name}”。", "View “{name}” deleted."),
    "views.link": ("视图链接（可复制）", "Link to this view (copy it)"),
    "views.bad_link": (
        "链接中的视图（编号 {link}）不存在或未共享给您，已显示默认台账。",
        "The view in the link ({link}) does not exist or is not shared with you; showing the "
        "default register.",
    ),
    "views.manage": ("管理视图", "Manage view"),
    # columns and sort
    "views.columns_sort": ("列与排序", "Columns and sort"),
    "views.columns": ("显示的列（按选择的先后排列）", "Columns (in the order chosen)"),
    "views.sort": ("排序", "Sort by"),
    "views.sort_default": ("台账顺序", "Register order"),
    "views.asc": ("升序", "Ascending"),
    "views.desc": ("降序", "Descending"),
    # built-in columns not otherwise labelled
    "views.col_category": ("事项来源", "Source"),
    "views.col_phase": ("阶段", "Phase"),
    "views.col_overdue": ("逾期工作日", "Working days overdue"),
    "views.col_last": ("最近填报", "Last report"),
    "views.col_weight": ("来源权重", "Source weight"),
    # filters
    "views.f_category": ("事项来源", "Source"),
    "views.uncategorised": ("未分类", "Uncategorised"),
    "views.more": ("更多筛选", "More filters"),
    "views.more_n": ("更多筛选（已设 {n} 项）", "More filters ({n} set)"),
    "views.min": ("{label} 最小", "{label} from"),
    "views.max": ("{label} 最大", "{label} to"),
    "views.contains": ("{label} 包含", "{label} contains"),
    "views.yes": ("是", "Yes"),
    "views.no": ("否", "No"),
}
