"""Assessment periods, their frozen snapshots, and appeals against single score lines."""

import datetime as dt

from pydantic import NaiveDatetime
from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.common import local_now, versioned


class AssessmentPeriod(SQLModel, table=True):
    """A month, quarter or year; once frozen its scores live in AssessmentSnapshot."""

    __tablename__ = "assessment_period"
    __table_args__ = (UniqueConstraint("kind", "start"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10, index=True)  # month / quarter / year
    label: str = Field(max_length=40)
    start: dt.date
    end: dt.date
    status: str = Field(default="open", max_length=10, index=True)  # open / frozen
    formula: dict | None = Field(default=None, sa_column=Column(JSON))  # the rules used, frozen
    created_at: NaiveDatetime = Field(default_factory=local_now)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    frozen_at: NaiveDatetime | None = None
    frozen_by: int | None = Field(default=None, foreign_key="app_user.id")
    version: int = 1

    __mapper_args__ = versioned()


class AssessmentSnapshot(SQLModel, table=True):
    """One unit's frozen result in one period: later edits to the data never change it."""

    __tablename__ = "assessment_snapshot"
    __table_args__ = (UniqueConstraint("period_id", "department_id"),)

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="assessment_period.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    department_name: str = Field(max_length=100)
    raw_points: float
    load: float
    score: float
    rank: int
    lines: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class ScoreAppeal(SQLModel, table=True):
    """A unit contests one deduction line (申诉); the office accepts or rejects it."""

    __tablename__ = "score_appeal"

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="assessment_period.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    line_key: str = Field(max_length=120, index=True)
    line_text: str = ""  # the line as the unit saw it when appealing
    points: float = 0.0
    reason: str
    status: str = Field(default="pending", max_length=10, index=True)  # pending/accepted/rejected
    created_at: NaiveDatetime = Field(default_factory=local_now)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: NaiveDatetime | None = None
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    decision_note: str | None = None
    version: int = 1

    __mapper_args__ = versioned()
