"""系统管理 → 提醒规则 (duban.reminders.rules) and the user's in-app messages."""

STRINGS = {
    "rr.tab": ("提醒规则", "Reminder rules"),
    "rr.title": ("提醒规则", "Reminder rules"),
    "rr.caption": (
        "工作日按设定时间发送；同一人同一规则每天最多一条消息，多项事项合并在一条消息中。"
        "节假日不发送，调休上班日照常发送。",
        "Sent on working days at the set hour; at most one message per person, rule and day, "
        "several items listed in one message. Nothing is sent on holidays; make-up working days count.",
    ),
    "rr.defaults_note": ("尚未保存过规则，当前为默认值。", "Never saved: the defaults apply."),
    "rr.rule.due_soon": ("临期提醒", "Due soon"),
    "rr.rule.overdue": ("逾期提醒", "Overdue"),
    "rr.rule.cycle_due": ("报送提醒", "Report due"),
    "rr.rule.cycle_missed": ("未按期报送提醒", "Report missed"),
    "rr.rule.rectification_due": ("整改提醒", "Rectification due"),
    "rr.rule.notice_unsigned": ("通知未签收提醒", "Notice not signed for"),
    "rr.rule.weekly_digest": ("领导每周摘要", "Leaders' weekly digest"),
    "rr.help.due_soon": (
        "任务距完成时限不超过设定工作日数时提醒一次（延期后重新提醒）。",
        "Once when a task is due within the set working days (again after an extension).",
    ),
    "rr.help.overdue": (
        "超过完成时限仍未申请销号的任务，每个工作日提醒，直至办结。",
        "Every working day for a task past its deadline, until it is submitted.",
    ),
    "rr.help.cycle_due": (
        "按报送频次，距应报日期设定工作日数且本期尚未报送时提醒。",
        "When a report is due in the set working days and not yet sent.",
    ),
    "rr.help.cycle_missed": (
        "每个未按期报送的报送期提醒一次。",
        "Once for each report window missed.",
    ),
    "rr.help.rectification_due": (
        "整改期限前设定工作日数内提醒一次，逾期后每个工作日提醒。",
        "Once within the set working days before the due date; daily once overdue.",
    ),
    "rr.help.notice_unsigned": (
        "通知印发后超过设定工作日数仍未签收时提醒。",
        "When a notice is not signed for within the set working days of its issue.",
    ),
    "rr.help.weekly_digest": (
        "每周第一个工作日发送：红灯、逾期、未按期报送数及问题较多的单位。",
        "On the week's first working day: red, overdue and missed-report counts, worst units.",
    ),
    "rr.enabled": ("启用", "On"),
    "rr.days": ("工作日数", "Working days"),
    "rr.hour": ("发送时间（时）", "Hour"),
    "rr.to": ("接收人", "Recipients"),
    "rr.repeat": ("之后每天提醒", "Then daily"),
    "rr.to.unit": ("责任单位负责人", "Unit heads"),
    "rr.to.unit_office": ("责任单位负责人和办公室", "Unit heads and the office"),
    "rr.to.office": ("办公室", "The office"),
    "rr.to.leaders": ("领导", "Leaders"),
    "rr.to.leaders_office": ("领导和办公室", "Leaders and the office"),
    "rr.quiet": ("免打扰时段", "Quiet hours"),
    "rr.quiet_caption": (
        "免打扰时段内只生成站内消息，邮件和群机器人推送延至时段结束后发送；开始与结束相同则不设免打扰。",
        "During quiet hours only the in-app message is made; e-mail and robot messages wait "
        "until the end. Equal hours: no quiet hours.",
    ),
    "rr.quiet_start": ("开始（时）", "From (hour)"),
    "rr.quiet_end": ("结束（时）", "Until (hour)"),
    "rr.save": ("保存提醒规则", "Save reminder rules"),
    "rr.reset": ("恢复默认", "Reset to defaults"),
    "rr.saved": ("提醒规则已保存。", "Reminder rules saved."),
    "rr.preview": ("发送预览", "Preview"),
    "rr.preview_day": ("日期", "Day"),
    "rr.preview_hour": ("时间（时）", "Hour"),
    "rr.preview_go": ("计算", "Compute"),
    "rr.preview_result": (
        "{day} {hour}:00 按已保存的规则将发送 {n} 条消息。",
        "At {hour}:00 on {day}, the saved rules would send {n} messages.",
    ),
    "rr.preview_none": (
        "{day} {hour}:00 没有要发送的消息（非工作日、未到发送时间或今天已发送）。",
        "Nothing to send at {hour}:00 on {day} (not a working day, too early, or sent already).",
    ),
    "rr.col.rule": ("规则", "Rule"),
    "rr.col.count": ("消息数", "Messages"),
    "rr.msg.title": ("消息", "Messages"),
    "rr.msg.unread": ("{n} 条未读", "{n} unread"),
    "rr.msg.none": ("暂无消息。", "No messages."),
    "rr.msg.only_unread": ("只看未读", "Unread only"),
    "rr.msg.read": ("标为已读", "Mark read"),
    "rr.msg.read_all": ("全部标为已读", "Mark all read"),
    "rr.msg.marked": ("已标为已读。", "Marked as read."),
    "rr.msg.marked_all": ("{n} 条消息已标为已读。", "{n} messages marked as read."),
    "rr.msg.open": ("前往办理", "Go"),
    "rr.msg.is_read": ("已读", "Read"),
}
