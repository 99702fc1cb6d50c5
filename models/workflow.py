"""What units send and leaders write: reports, evidence, extensions, instructions."""

import datetime as dt

from pydantic import NaiveDatetime
from sqlmodel import Field, SQLModel

from models.common import ReportKind, RequestStatus, local_now, versioned


class ProgressReport(SQLModel, table=True):
    __tablename__ = "progress_report"

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    reporter_id: int | None = Field(default=None, foreign_key="app_user.id")
    kind: ReportKind = Field(default=ReportKind.progress, max_length=20)
    percent: float = Field(ge=0, le=100)
    done_text: str = ""
    problems: str = ""
    next_steps: str = ""
    reported_at: NaiveDatetime = Field(default_factory=local_now, index=True)
    # A correction (更正) is a new report naming the one it replaces; both stay in the history,
    # and everything that reads "the latest report" skips a superseded one.
    supersedes_id: int | None = Field(default=None, foreign_key="progress_report.id", index=True)
    correction_reason: str | None = None


class TargetReading(SQLModel, table=True):
    __tablename__ = "target_reading"

    id: int | None = Field(default=None, primary_key=True)
    target_id: int = Field(foreign_key="target.id", index=True)
    report_id: int | None = Field(default=None, foreign_key="progress_report.id", index=True)
    value: float
    recorded_at: NaiveDatetime = Field(default_factory=local_now)


class Attachment(SQLModel, table=True):
    """An evidence file, stored once under uploads/ by its content hash."""

    id: int | None = Field(default=None, primary_key=True)
    owner_type: str = Field(max_length=30, index=True)  # progress_report, inspection, finding …
    owner_id: int = Field(index=True)
    filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64, index=True)
    size: int
    mime: str = Field(max_length=100)
    uploaded_by: int | None = Field(default=None, foreign_key="app_user.id")
    uploaded_at: NaiveDatetime = Field(default_factory=local_now)


class ExtensionRequest(SQLModel, table=True):
    __tablename__ = "extension_request"

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    requested_by: int | None = Field(default=None, foreign_key="app_user.id")
    requested_at: NaiveDatetime = Field(default_factory=local_now)
    previous_deadline: dt.date | None = None
    requested_date: dt.date
    reason: str
    status: RequestStatus = Field(default=RequestStatus.pending, max_length=20, index=True)
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: NaiveDatetime | None = None
    approved_date: dt.date | None = None
    decision_note: str | None = None
    version: int = 1

    __mapper_args__ = versioned()


class Instruction(SQLModel, table=True):
    """A leader's 批示 on a task; every assigned unit must answer."""

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    author_id: int | None = Field(default=None, foreign_key="app_user.id")
    # The leader whose 批示 the office recorded (代录); None when the author is the leader.
    on_behalf_of: int | None = Field(default=None, foreign_key="app_user.id")
    text: str
    created_at: NaiveDatetime = Field(default_factory=local_now)


class InstructionAnswer(SQLModel, table=True):
    __tablename__ = "instruction_answer"

    id: int | None = Field(default=None, primary_key=True)
    instruction_id: int = Field(foreign_key="instruction.id", index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    author_id: int | None = Field(default=None, foreign_key="app_user.id")
    text: str
    created_at: NaiveDatetime = Field(default_factory=local_now)
