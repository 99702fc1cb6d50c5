"""简洁视图 (the phone layout): the switch, the dashboard's folded filters and red-list cards,
the unit's first action, the compact task detail and the camera."""

STRINGS = {
    "compact.label": ("简洁视图", "Compact view"),
    "compact.help": (
        "适合手机的单列布局：要点在前，宽表格收起。默认随设备（手机浏览器自动开启），切换后按本账号记住。",
        "A one-column layout for phones: the essentials first, wide tables folded. "
        "It follows the device until you switch it; your choice is remembered for your account.",
    ),
    "compact.saved_failed": (
        "简洁视图的选择未能保存：{error}",
        "The compact-view choice was not saved: {error}",
    ),
    "phone.filters": ("筛选：{words}", "Filters: {words}"),
    "phone.filters_none": ("全部任务", "all tasks"),
    "dash.dept_table": ("各单位明细表", "The units' table"),
    "phone.red_caption": (
        "共 {n} 项红灯任务，逾期最久的在前。",
        "{n} red tasks, the most overdue first.",
    ),
    "phone.card_late": ("逾期 {n} 个工作日", "{n} working days overdue"),
    "phone.card_open": ("查看", "Open"),
    "phone.red_more": (
        "另有 {n} 项未列出，可在“任务台账”中按预警筛选查看。",
        "{n} more not listed: filter the task register by warning to see them.",
    ),
    "phone.counts": ("待办：{items}", "To do: {items}"),
    "phone.nothing_to_do": ("本单位暂无待办事项。", "Nothing waits for your unit."),
    "phone.all_tasks": ("本单位全部任务（{n}）", "All of the unit's tasks ({n})"),
    "phone.status_line": ("{status} · 完成时限 {deadline}", "{status} · due {deadline}"),
    "phone.progress": ("进度 {p}", "progress {p}"),
    "phone.last_report": ("最近一次填报", "Latest report"),
    "phone.no_report": ("尚无进展填报。", "No progress report yet."),
    "phone.instructions": ("领导批示", "Leaders' instructions"),
    "phone.actions": ("办理", "Act"),
    "phone.more": ("更多信息", "More"),
    "phone.units": ("承办单位（{n}）", "Units ({n})"),
    "phone.reports": ("全部填报（{n}）", "All reports ({n})"),
    "phone.side": ("节点、指标与延期", "Milestones, targets and extensions"),
    "phone.inspections": ("督查与通知", "Inspections and notices"),
    "phone.description": ("任务内容", "The task"),
    "phone.camera_on": ("📷 拍照作为佐证", "📷 Take a photo as evidence"),
    "phone.camera": ("拍摄现场照片", "Take a photo"),
    "phone.camera_help": (
        "用手机摄像头拍一张现场照片，随本次填报一并提交（JPEG）。",
        "Take a photo with the phone's camera; it is sent with this report (JPEG).",
    ),
    "phone.photo_name": ("现场照片_{stamp}.jpg", "photo_{stamp}.jpg"),
}
