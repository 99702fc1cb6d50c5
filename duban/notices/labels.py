"""The words of notices: the kinds, the supervision levels and the bulletin periods."""

from models import NoticeKind

KIND_LABELS = {
    NoticeKind.reminder: "提醒",
    NoticeKind.urging: "催办通知",
    NoticeKind.bulletin: "工作进展通报",
    NoticeKind.commendation: "通报表扬",
    NoticeKind.criticism: "通报批评",
    NoticeKind.interview: "约谈通知",
    NoticeKind.accountability: "问责建议",
}
LEVELS = ("blue", "yellow", "red")
LEVEL_LABELS = {"blue": "蓝色督办", "yellow": "黄色督办", "red": "红色督办"}
PERIODS = {"week": "周报", "month": "月报", "quarter": "季报"}
