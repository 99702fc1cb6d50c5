"""Shared column helpers and the fixed vocabularies (stored as short English strings)."""

import datetime as dt
from collections.abc import Callable
from enum import StrEnum


def _system_now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


_now: Callable[[], dt.datetime] = _system_now


def use_clock(now: Callable[[], dt.datetime]) -> None:
    """Set where timestamp defaults come from: `duban.core.clock` registers itself on import,
    so rows get the configured zone's wall-clock time (and a frozen time in tests)."""
    global _now
    _now = now


def local_now() -> dt.datetime:
    """Default for created/updated timestamps: naive local time from the registered clock."""
    return _now()


class Role(StrEnum):
    leader = "leader"
    office = "office"
    inspector = "inspector"
    dept_head = "dept_head"


class DepartmentKind(StrEnum):
    city_department = "city_department"
    district = "district"
    section = "section"
    service_window = "service_window"
    other = "other"


class TaskStatus(StrEnum):
    draft = "draft"
    assigned = "assigned"
    acknowledged = "acknowledged"
    in_progress = "in_progress"
    submitted = "submitted"
    completed = "completed"
    suspended = "suspended"
    cancelled = "cancelled"


OPEN_STATUSES = (
    TaskStatus.assigned,
    TaskStatus.acknowledged,
    TaskStatus.in_progress,
    TaskStatus.submitted,
)


class AssignmentRole(StrEnum):
    lead = "lead"
    responsible = "responsible"


class Direction(StrEnum):
    ge = ">="
    le = "<="


class ReportKind(StrEnum):
    progress = "progress"
    completion = "completion"  # 申请销号 with a summary


class RequestStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    refused = "refused"


class InspectionMethod(StrEnum):
    on_site = "on_site"  # 实地督查
    unannounced = "unannounced"  # 明察暗访
    written = "written"  # 书面督查
    special = "special"  # 专项督查


class InspectionResult(StrEnum):
    good = "good"  # 好
    fairly_good = "fairly_good"  # 较好
    average = "average"  # 一般
    poor = "poor"  # 差


class RectificationStatus(StrEnum):
    open = "open"
    answered = "answered"
    accepted = "accepted"


class NoticeKind(StrEnum):
    reminder = "reminder"  # 提醒
    urging = "urging"  # 催办通知/督办单
    bulletin = "bulletin"  # 工作进展通报
    commendation = "commendation"  # 通报表扬
    criticism = "criticism"  # 通报批评
    interview = "interview"  # 约谈通知
    accountability = "accountability"  # 问责建议


class NoticeLevel(StrEnum):
    blue = "blue"
    yellow = "yellow"
    red = "red"


class NoticeStatus(StrEnum):
    draft = "draft"
    issued = "issued"
    # 撤回: the notice was issued, then called back; its doc number stays used (never reissued)
    withdrawn = "withdrawn"


def versioned():
    """Mapper args that make SQLAlchemy bump `version` on every UPDATE and refuse a stale one.

    The UPDATE carries `WHERE version = <the version we read>`; if another writer got there
    first no row matches and SQLAlchemy raises StaleDataError instead of overwriting.
    """
    from sqlalchemy.orm import declared_attr

    @declared_attr
    def __mapper_args__(cls):  # noqa: N807
        return {"version_id_col": cls.__table__.c.version}

    return __mapper_args__
