"""Strings of what each role must see (issue 14): evidence previews, the desk's 整改 items and
退回重办 flag, the 整改事项 tab count and the holiday-table hint."""

STRINGS = {
    # evidence preview (ui/evidence.py)
    "evidence.preview": ("预览", "Preview"),
    "evidence.preview_help": (
        "打开后才读取该文件；图片和 PDF 在页面内显示，其他文件请下载查看。",
        "The file is read only when opened; images and PDFs show inline, others download.",
    ),
    "evidence.pdf_pages": (
        "PDF 前 {shown} 页（共 {total} 页），完整内容请下载。",
        "First {shown} of {total} PDF pages; download for the whole file.",
    ),
    "evidence.pdf_unavailable": (
        "服务器未安装 PDF 预览组件（poppler-utils），请下载查看。",
        "The server cannot render PDFs (poppler-utils missing); please download.",
    ),
    "evidence.pdf_failed": (
        "该 PDF 无法预览（可能已损坏或加密），请下载查看。",
        "This PDF cannot be previewed (damaged or encrypted?); please download.",
    ),
    "evidence.too_big": (
        "文件超过 {mb} MB，不在页面内预览，请下载查看。",
        "Over {mb} MB: not previewed inline; please download.",
    ),
    "evidence.mismatch": (
        "文件内容与登记的类型不符，不予预览；请联系管理员核查。",
        "The stored content does not match its recorded type; not previewed.",
    ),
    # the unit's desk: rectifications and 退回重办
    "my.sec_rectify": ("待整改", "Rectifications"),
    "my.rect_line": (
        "整改时限 {date}",
        "due {date}",
    ),
    "my.rect_overdue": ("已逾期 {n} 天", "{n} days overdue"),
    "my.rect_rejected": ("复核未通过：{note}", "Re-check failed: {note}"),
    "my.rect_go": ("前往“通知通报 → 整改事项”答复", "Answer in Notices → Rectifications"),
    "my.rect_overdue_n": ("其中逾期 {n} 项", "{n} overdue"),
    "my.sent_back": ("已退回重办", "Sent back"),
    "my.sec_sent_back": ("退回重办", "Sent back"),
    "my.sent_back_line": (
        "已退回重办（{date}）：{reason}",
        "Sent back on {date}: {reason}",
    ),
    "my.col_flag": ("提示", "Flag"),
    "tasks.sent_back_banner": (
        "已退回重办（{date}，{by}）：{reason}。请按要求整改后重新申请销号。",
        "Sent back on {date} by {by}: {reason}. Fix it and submit again.",
    ),
    # 通知通报 tab with its count
    "notices.tab_rectify_n": ("整改事项（{n}）", "Rectifications ({n})"),
    # the holiday-table warning, per role
    "cal.go_admin": ("前往“系统管理 → 节假日与调休”补录", "Open Admin → Holidays to fill it in"),
    "cal.ask_office": (
        "请联系领导小组办公室在“系统管理 → 节假日与调休”中补录。",
        " Ask the group's office to fill in Admin → Holidays.",
    ),
}
