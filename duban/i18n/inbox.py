"""Strings of the one to-do inbox (待办, issue 15): what each kind of item asks, its groups,
and the desk's notice count."""

STRINGS = {
    "page.inbox": ("待办", "To-do"),
    "inbox.nav_count": ("待办（{n}）", "To-do ({n})"),
    "inbox.summary": (
        "共 {n} 项待办：逾期 {overdue} 项，即将到期 {soon} 项。",
        "{n} items to do: {overdue} overdue, {soon} due soon.",
    ),
    "inbox.empty": (
        "没有待办事项。有新的任务、通知或申请需要您处理时，会出现在这里。",
        "Nothing to do. New tasks, notices or requests waiting for you will appear here.",
    ),
    "inbox.empty_leader": (
        "没有待办事项。任务进展和红色预警请看“领导驾驶舱”，批示可在任务详情中作出。",
        "Nothing to do. See the Dashboard for progress and red warnings; write instructions "
        "on a task's detail.",
    ),
    "inbox.no_unit": (
        "您的账号未关联单位，没有本单位待办。",
        "Your account has no unit, so there is no unit to-do.",
    ),
    "inbox.group_overdue": ("已逾期", "Overdue"),
    "inbox.group_soon": ("即将到期", "Due soon"),
    "inbox.group_later": ("其他", "Other"),
    "inbox.open": ("去办理", "Open"),
    "inbox.due": ("期限 {date}", "due {date}"),
    "inbox.due_late": (
        "期限 {date}（已逾期 {n} 个工作日）",
        "due {date} ({n} working days overdue)",
    ),
    "inbox.no_due": ("无期限", "no due date"),
    "inbox.capped": (
        "仅显示最紧急的 {shown} 项（共 {total} 项）；办结后其余事项依次显示。",
        "Showing the {shown} most urgent of {total} items; the others move up as these are done.",
    ),
    # what each kind of item asks (duban.inbox.items.KIND_KEYS)
    "inbox.kind.ack": ("签收任务", "Acknowledge the task"),
    "inbox.kind.report_missed": (
        "未按期报送：{since} 起未报送进展（{cycle}），请填报",
        "Report missing since {since} ({cycle}): report progress",
    ),
    "inbox.kind.report_overdue": (
        "任务已逾期且逾期后未填报进展，请填报",
        "Overdue with no report since the deadline: report progress",
    ),
    "inbox.kind.task_overdue": (
        "任务已逾期：请加快办结并申请销号，或申请延期",
        "Overdue: finish and ask for sign-off, or ask for an extension",
    ),
    "inbox.kind.report_due": (
        "{next} 须报送进展（{cycle}）",
        "Progress report due {next} ({cycle})",
    ),
    "inbox.kind.instruction": ("回复领导批示", "Answer the leader's instruction"),
    "inbox.kind.sent_back": (
        "已退回重办（{date}），请整改后重新申请销号",
        "Sent back ({date}): redo and apply for sign-off again",
    ),
    "inbox.kind.notice_ack": ("签收通知", "Acknowledge the notice"),
    "inbox.kind.notice_reply": ("反馈通知", "Reply to the notice"),
    "inbox.kind.rectify": ("答复整改事项", "Answer the rectification item"),
    "inbox.kind.rectify_again": (
        "复核未通过，请重新答复整改事项",
        "Re-check failed: answer the rectification item again",
    ),
    "inbox.kind.extension": (
        "审批{unit}的延期申请（申请延至 {date}）",
        "Decide {unit}'s extension request (to {date})",
    ),
    "inbox.kind.sign_off": (
        "审核销号申请（{date} 申请）",
        "Decide the sign-off request (submitted {date})",
    ),
    "inbox.kind.recheck": (
        "复核{unit}的整改答复（{date} 答复）",
        "Re-check {unit}'s rectification answer (answered {date})",
    ),
    "inbox.kind.appeal": (
        "处理{unit}的考核申诉（{period}）",
        "Decide {unit}'s assessment appeal ({period})",
    ),
    "inbox.kind.draft": (
        "通知草稿未签发（{date} 起草）",
        "Notice draft not issued (drafted {date})",
    ),
    # 我的任务: the notice count includes overdue 整改 items (handled in 通知通报 too)
    "inbox.desk_notices_help": (
        "待签收或待反馈的通知 {notices} 项，逾期未答复的整改事项 {rect} 项。",
        "{notices} notices to acknowledge or answer, {rect} overdue rectification items.",
    ),
    "inbox.desk_rect_line": (
        "逾期整改：{text}",
        "Overdue rectification: {text}",
    ),
}
