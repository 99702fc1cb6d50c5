"""Strings of 报送频次 (cyc.*): the cycle control, the plan's default, the register column."""

STRINGS = {
    "cyc.label": ("报送频次", "Reporting cycle"),
    "cyc.day": ("日期（每月 / 每季度首月的第几日）", "Day (of the month / quarter's first month)"),
    "cyc.day_help": (
        "仅用于“每月指定日前”和“每季度首月指定日前”：截止日落在节假日时顺延到下一个工作日。",
        "Used only by “monthly, by a given day” and “quarterly, by a given day”: a due date "
        "on a holiday moves to the next working day.",
    ),
    "cyc.k_none": ("不定期", "No fixed cycle"),
    "cyc.k_plan": ("按方案默认", "Plan's default"),
    "cyc.k_plan_is": ("按方案默认（{label}）", "Plan's default ({label})"),
    "cyc.k_monthly": ("每月指定日前", "Monthly, by a given day"),
    "cyc.k_quarterly": ("每季度首月指定日前", "Quarterly, by a given day of its first month"),
    "cyc.help": (
        "单位按此周期报送进展，逾期未报即“未按期报送”。选“按方案默认”时随方案的设置变化。",
        "Units report progress on this cycle; a missed report counts as late. "
        "“Plan's default” follows the plan's setting.",
    ),
    "cyc.from_plan": ("方案默认", "plan default"),
    "cyc.own": ("本任务设定", "set on this task"),
    "cyc.detail": ("报送频次：{label}（{source}）", "Reporting cycle: {label} ({source})"),
    "cyc.bulk_help": (
        "报送频次填写如 每周五、每月10日前、每月底、每季度末；留空按方案默认；"
        "“不定期”表示无需定期报送。",
        "Reporting cycle in Chinese words, e.g. 每周五 (Fridays), 每月10日前 (by the 10th), "
        "每月底, 每季度末; empty: the plan's default; 不定期: none.",
    ),
    "cyc.plan_default": ("方案默认报送频次", "Plan's default reporting cycle"),
    "cyc.plan_button": ("方案默认报送频次：{label}", "Plan's reporting cycle: {label}"),
    "cyc.plan_save": ("保存报送频次", "Save the cycle"),
    "cyc.plan_saved": (
        "已将方案默认报送频次设为：{label}。",
        "The plan's default reporting cycle is now: {label}.",
    ),
    "cyc.plan_note": (
        "未单独设定报送频次的任务按此报送。",
        "Tasks without a cycle of their own follow it.",
    ),
    "cyc.words_help": (
        "如 每周五、每月10日前、每月底、每季度首月10日前、每季度末；留空或“不定期”表示无需定期报送。",
        "In Chinese words, e.g. 每周五, 每月10日前, 每月底, 每季度首月10日前, 每季度末; "
        "empty or 不定期: none.",
    ),
    "cyc.none_placeholder": ("不定期", "No fixed cycle"),
    "imp.c_report_cycle": ("报送频次", "Reporting cycle"),
}
