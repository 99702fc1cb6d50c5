"""SQLModel tables: fields and relations only, no logic."""

from models.access import LoginAttempt, UserSession
from models.assessment import AssessmentPeriod, AssessmentSnapshot, ScoreAppeal
from models.common import (
    OPEN_STATUSES,
    AssignmentRole,
    DepartmentKind,
    Direction,
    InspectionMethod,
    InspectionResult,
    NoticeKind,
    NoticeLevel,
    NoticeStatus,
    RectificationStatus,
    ReportKind,
    RequestStatus,
    Role,
    TaskStatus,
)
from models.inspection import Finding, Inspection, InspectionDepartment, InspectionTask
from models.notice import (
    DocCounter,
    Notice,
    NoticeRecipient,
    NoticeTask,
    NoticeTemplate,
)
from models.org import AppUser, AppUserCreate, Department, DepartmentCreate
from models.plan import Assignment, Milestone, Plan, Target, Task
from models.system import AppSetting, AuditLog, CalendarDay, DataVersion
from models.workflow import (
    Attachment,
    ExtensionRequest,
    Instruction,
    InstructionAnswer,
    ProgressReport,
    TargetReading,
)

__all__ = [
    "OPEN_STATUSES",
    "AppSetting",
    "AppUser",
    "AppUserCreate",
    "AssessmentPeriod",
    "AssessmentSnapshot",
    "Assignment",
    "AssignmentRole",
    "Attachment",
    "AuditLog",
    "CalendarDay",
    "DataVersion",
    "Department",
    "DepartmentCreate",
    "DepartmentKind",
    "Direction",
    "DocCounter",
    "ExtensionRequest",
    "Finding",
    "Inspection",
    "InspectionDepartment",
    "InspectionMethod",
    "InspectionResult",
    "InspectionTask",
    "Instruction",
    "InstructionAnswer",
    "LoginAttempt",
    "Milestone",
    "Notice",
    "NoticeKind",
    "NoticeLevel",
    "NoticeRecipient",
    "NoticeStatus",
    "NoticeTask",
    "NoticeTemplate",
    "Plan",
    "ProgressReport",
    "RectificationStatus",
    "ReportKind",
    "RequestStatus",
    "Role",
    "ScoreAppeal",
    "Target",
    "TargetReading",
    "Task",
    "TaskStatus",
    "UserSession",
]
