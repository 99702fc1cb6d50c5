"""Strings of 督办事项来源 on the dashboard and in the assessment (dcat.*)."""

STRINGS = {
    # the dashboard's filter and its breakdown by source
    "dcat.f_category": ("事项来源", "Source"),
    "dcat.none": ("未分类", "Uncategorised"),
    "dcat.title": ("按事项来源", "By source"),
    "dcat.caption": (
        "每类事项来源的任务数、红灯、黄灯、逾期与平均进度（平均进度按在办且有起止日期的任务计）；"
        "点“查看”按该来源筛选驾驶舱。",
        "Per source of task: tasks, red, yellow, overdue and average progress (over open tasks"
        " with both dates); “View” narrows the dashboard to that source.",
    ),
    "dcat.col.category": ("事项来源", "Source"),
    "dcat.col.weight": ("考核权重", "Weight"),
    "dcat.col.tasks": ("任务数", "Tasks"),
    "dcat.col.red": ("红灯", "Red"),
    "dcat.col.yellow": ("黄灯", "Yellow"),
    "dcat.col.overdue": ("逾期", "Overdue"),
    "dcat.col.avg_progress": ("平均进度", "Average progress"),
    "dcat.col.open": ("筛选", "Filter"),
    "dcat.open": ("查看", "View"),
    "dcat.filter_words": ("事项来源：{name}", "Source: {name}"),
    # the assessment: a score line's note and the method in words
    "dcat.asm.line": ("，事项来源“{name}”×{w}", ", source “{name}” ×{w}"),
    "dcat.asm.method_points": (
        "任务按其督办事项来源的考核权重计分（如“重大项目”权重为2的，加分、扣分均按2倍计），"
        "权重为0的事项来源的任务不计入考核。",
        " Each task counts by the weight of its source: with a weight of 2 (say,"
        " major projects) its bonuses and deductions count twice; tasks of a source weighted 0"
        " do not count.",
    ),
    "dcat.asm.method_load": (
        "任务权重同样乘以其事项来源的考核权重。",
        " The task weight is multiplied by the weight of its source as well.",
    ),
}
