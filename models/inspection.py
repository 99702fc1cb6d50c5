"""Inspections, the units and tasks they saw, and findings with their rectification."""

import datetime as dt

from pydantic import NaiveDatetime
from sqlmodel import Field, SQLModel

from models.common import (
    InspectionMethod,
    InspectionResult,
    RectificationStatus,
    local_now,
    versioned,
)


class Inspection(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int | None = Field(default=None, foreign_key="plan.id", index=True)
    inspected_on: dt.date = Field(index=True)
    method: InspectionMethod = Field(max_length=20)
    result: InspectionResult = Field(max_length=20)
    inspectors: str = Field(default="", max_length=200)  # names, as written on the record
    narrative: str = ""
    recorded_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: NaiveDatetime = Field(default_factory=local_now)
    version: int = 1

    __mapper_args__ = versioned()


class InspectionDepartment(SQLModel, table=True):
    __tablename__ = "inspection_department"

    inspection_id: int = Field(foreign_key="inspection.id", primary_key=True)
    department_id: int = Field(foreign_key="department.id", primary_key=True, index=True)


class InspectionTask(SQLModel, table=True):
    __tablename__ = "inspection_task"

    inspection_id: int = Field(foreign_key="inspection.id", primary_key=True)
    task_id: int = Field(foreign_key="task.id", primary_key=True, index=True)


class Finding(SQLModel, table=True):
    """A problem found; it is also the rectification item (整改) the unit must answer."""

    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    task_id: int | None = Field(default=None, foreign_key="task.id", index=True)
    description: str
    due_date: dt.date
    status: RectificationStatus = Field(default=RectificationStatus.open, max_length=20)
    answer_text: str | None = None
    answered_at: NaiveDatetime | None = None
    answered_by: int | None = Field(default=None, foreign_key="app_user.id")
    recheck_note: str | None = None
    rechecked_at: NaiveDatetime | None = None
    rechecked_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: NaiveDatetime = Field(default_factory=local_now)
    version: int = 1

    __mapper_args__ = versioned()
