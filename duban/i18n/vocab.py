"""The domain's own words (task status, assignment role, rectification status) in both UI
languages. The Chinese side must equal the labels in duban/ (tests check it): those also go
into documents and exports, which stay Chinese."""

STRINGS = {
    "vocab.task_status.draft": ("草稿", "Draft"),
    "vocab.task_status.assigned": ("已交办", "Assigned"),
    "vocab.task_status.acknowledged": ("已签收", "Acknowledged"),
    "vocab.task_status.in_progress": ("推进中", "In progress"),
    "vocab.task_status.submitted": ("申请销号", "Submitted for sign-off"),
    "vocab.task_status.completed": ("已办结", "Completed"),
    "vocab.task_status.suspended": ("已中止", "Suspended"),
    "vocab.task_status.cancelled": ("已撤销", "Cancelled"),
    "vocab.role.lead": ("牵头", "Lead"),
    "vocab.role.responsible": ("责任", "Responsible"),
    "vocab.rectification.open": ("待整改", "Open"),
    "vocab.rectification.answered": ("待复查", "Awaiting re-check"),
    "vocab.rectification.accepted": ("已销号", "Accepted"),
    "vocab.colour.red": ("红", "Red"),
    "vocab.colour.yellow": ("黄", "Yellow"),
    "vocab.colour.green": ("绿", "Green"),
    "vocab.colour.grey": ("灰", "Grey"),
    "vocab.colour.blue": ("蓝", "Blue"),
}
