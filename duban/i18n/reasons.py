"""Why a light has its colour, in the UI language (duban.monitoring.lights.REASON_PATTERNS
maps each Chinese reason it writes to one of these keys; the Chinese text stays in notices)."""

STRINGS = {
    "reason.late_completed": ("逾期 {n} 个工作日办结", "completed {n} working days late"),
    "reason.completed_after_deadline": ("超过完成时限办结", "completed after the deadline"),
    "reason.overdue": ("逾期 {n} 个工作日", "overdue by {n} working days"),
    "reason.past_deadline": ("已过完成时限", "past the deadline"),
    "reason.due_today": ("今日到期", "due today"),
    "reason.due_in": ("距完成时限还有 {n} 个工作日", "due in {n} working days"),
    "reason.behind": ("进度落后序时进度 {n} 个百分点", "{n} points behind expected progress"),
    "reason.no_report": ("（未填报进度）", " (no progress reported)"),
    "reason.urgings": ("{n} 次催办未回应", "{n} urgings unanswered"),
    "reason.stagnant": ("{n} 个工作日未更新", "no update for {n} working days"),
    "reason.rectifications": ("{n} 项整改逾期", "{n} rectifications overdue"),
    "reason.extended": ("已延期（原完成时限 {d}）", "extended (original deadline {d})"),
    "reason.draft": ("未交办", "not assigned"),
    "reason.suspended": ("已中止", "suspended"),
    "reason.cancelled": ("已撤销", "cancelled"),
    "reason.not_started": ("尚未开始", "not started yet"),
    "reason.completed": ("已办结", "completed"),
    "reason.on_track": ("正常推进", "on track"),
    "reason.sep": ("；", "; "),
    # Why the next urging notice has its level (duban.notices.facts.WHY_PATTERNS).
    "why.overdue": ("任务逾期已达{n}个工作日", "tasks overdue by up to {n} working days"),
    "why.overdue_tasks": ("有{n}项任务逾期", "{n} tasks overdue"),
    "why.behind": ("任务进度滞后", "progress behind schedule"),
    "why.escalated_blue": (
        "；此前{n}份蓝色督办未按期反馈，升级",
        "; {n} earlier blue urgings unanswered: escalated",
    ),
    "why.escalated_yellow": (
        "；此前{n}份黄色督办未按期反馈，升级",
        "; {n} earlier yellow urgings unanswered: escalated",
    ),
    "why.escalated_red": (
        "；此前{n}份红色督办未按期反馈，升级",
        "; {n} earlier red urgings unanswered: escalated",
    ),
}
