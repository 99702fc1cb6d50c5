"""未按期报送 (missed report cycles) in the warnings, the red list, notices and assessment."""

STRINGS = {
    # duban.monitoring.lights.REASON_PATTERNS: "X未按期报送（应于YYYY-MM-DD前报送，已逾N期）"
    "cyw.reason.missed": ("未按期报送（应于{d}前报送", " missed its report (due by {d}"),
    "cyw.reason.periods": ("，已逾{n}期）", ", {n} cycles missed in a row)"),
    # the warning rules (duban.monitoring.rules.RULE_LABELS)
    "rules.f.missed_report_yellow": (
        "黄灯：连续未按期报送达到（期）",
        "Yellow: report cycles missed in a row",
    ),
    "rules.h.missed_report_yellow": (
        "单位连续未按期报送的期数达到此数即亮黄灯；填 0 关闭。默认 1。",
        "A unit that misses this many report cycles in a row lights yellow; 0 turns it off. "
        "Default 1.",
    ),
    "rules.f.missed_report_red": (
        "红灯：连续未按期报送达到（期）",
        "Red: report cycles missed in a row",
    ),
    "rules.h.missed_report_red": (
        "达到此数即亮红灯，须不小于黄灯期数；填 0 关闭。默认 3。",
        "A unit that misses this many in a row lights red (not below the yellow figure); "
        "0 turns it off. Default 3.",
    ),
    # the dashboard
    "cyw.f_missed": ("仅看未按期报送", "Only missed reports"),
    "cyw.f_missed_help": (
        "只显示有单位未按报送频次按期报送进展的任务（红灯和黄灯都列出）。",
        "Only tasks where a unit has missed its reporting cycle (red and yellow alike).",
    ),
    "cyw.count": (
        "未按期报送：{units} 个单位、{tasks} 项任务",
        "Missed reports: {units} units on {tasks} tasks",
    ),
    "cyw.list_title": ("未按期报送的任务", "Tasks with missed reports"),
    "cyw.list_caption": (
        "共 {n} 项，红灯在前，连续未报期数多的在前。",
        "{n} tasks, red first, then by cycles missed in a row.",
    ),
    "cyw.none": ("没有未按期报送的任务。", "No task has a missed report."),
    "cyw.col.missed_units": ("未按期报送单位", "Units with missed reports"),
    # assessment (duban.assessment: formula field, score lines, method)
    "asm.field.missed_report": ("未按期报送扣分", "Deduction: report cycle missed"),
    "asm.field_help.missed_report": (
        "按报送频次应报而未按期报送进展的，每期扣几分；填 0 不扣分。",
        "Points off for each reporting cycle a unit missed; 0 turns it off.",
    ),
    "cyw.asm.method": (
        "按报送频次未按期报送进展的，每期扣{n:g}分。",
        " Each reporting cycle a unit missed takes off {n:g} points.",
    ),
    "cyw.asm.cat": ("未按期报送", "Report cycle missed"),
    "cyw.asm.line.due": ("应于 {due} 前报送，", "report due by {due}, "),
    "cyw.asm.line.reported_late": ("{day} 才报送", "reported only on {day}"),
    "cyw.asm.line.not_reported": ("至今未报送", "not reported yet"),
    # notices (duban.notices.facts.WHY_PATTERNS)
    "cyw.why.missed": ("有{n}项任务未按期报送进展", "{n} tasks with missed progress reports"),
    "cyw.col.missed_reports": ("未按期报送（期）", "Report cycles missed"),
}
