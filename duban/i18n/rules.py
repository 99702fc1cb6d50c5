"""The office's rule editors: warning lights (duban.monitoring.rules.RULE_LABELS) and notices
(duban.notices.rules.RULE_LABELS), field by field; the Chinese equals duban's labels."""

STRINGS = {
    "rules.f.overdue_red": ("逾期即红灯", "Overdue means red"),
    "rules.h.overdue_red": (
        "超过完成时限仍未办结的任务直接亮红灯（关闭则为黄灯）。",
        "An open task past its deadline is red (yellow when off).",
    ),
    "rules.f.behind_red_points": (
        "红灯：落后序时进度超过（个百分点）",
        "Red: behind expected progress by more than (points)",
    ),
    "rules.h.behind_red_points": ("默认 30。", "Default 30."),
    "rules.f.behind_yellow_points": (
        "黄灯：落后序时进度达到（个百分点）",
        "Yellow: behind expected progress by at least (points)",
    ),
    "rules.h.behind_yellow_points": (
        "默认 10，须小于红灯阈值。",
        "Default 10; must be below the red threshold.",
    ),
    "rules.f.due_soon_working_days": (
        "黄灯：距完成时限不超过（个工作日）",
        "Yellow: due within (working days)",
    ),
    "rules.h.due_soon_working_days": ("默认 5。", "Default 5."),
    "rules.f.stagnant_working_days": (
        "黄灯：连续未更新达到（个工作日）",
        "Yellow: no update for (working days)",
    ),
    "rules.h.stagnant_working_days": ("默认 10，视为停滞。", "Default 10: stagnant."),
    "rules.f.ignored_urgings_red": (
        "红灯：催办未回应达到（次）",
        "Red: urgings unanswered (times)",
    ),
    "rules.h.ignored_urgings_red": ("默认 3。", "Default 3."),
    "rules.f.overdue_rectifications_red": (
        "黄灯：整改逾期达到（项）",
        "Yellow: rectifications overdue (items)",
    ),
    "rules.h.overdue_rectifications_red": ("默认 1。", "Default 1."),
    "rules.default_is": ("（默认 {value}）", " (default {value})"),
    "notices.rule.red_overdue_wd": (
        "催办直接定为红色：逾期达到（个工作日）",
        "Urging starts red: overdue by (working days)",
    ),
    "notices.rule.escalate_after_ignored": (
        "升级：同级及以上催办未按期反馈达到（次）",
        "Escalate: urgings of this level or higher unanswered (times)",
    ),
    "notices.rule.remind_due_in_wd": (
        "提醒：距完成时限不超过（个工作日）",
        "Reminder: due within (working days)",
    ),
    "notices.rule.praise_min_tasks": ("表扬：承担任务不少于（项）", "Commend: at least (tasks)"),
    "notices.rule.praise_on_time_rate": (
        "表扬：按期办结率不低于（0–1）",
        "Commend: on-time rate at least (0–1)",
    ),
    "notices.rule.criticise_overdue_tasks": (
        "批评：逾期任务达到（项）",
        "Criticise: overdue tasks (at least)",
    ),
    "notices.rule.criticise_ignored_notices": (
        "批评：催办未按期反馈达到（次）",
        "Criticise: urgings unanswered (times)",
    ),
    "notices.rule.criticise_overdue_rectifications": (
        "批评：整改逾期达到（项）",
        "Criticise: rectifications overdue (items)",
    ),
    "notices.rule.interview_red_notices": (
        "约谈：收到红色督办达到（次）",
        "Interview: red urgings received (times)",
    ),
    "notices.rule.accountability_ignored_red": (
        "问责：红色督办未按期反馈达到（次）",
        "Accountability: red urgings unanswered (times)",
    ),
}
