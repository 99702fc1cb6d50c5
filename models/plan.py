"""Plans and their tasks, assignments to units, milestones and numeric targets."""

import datetime as dt

from pydantic import NaiveDatetime
from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.common import AssignmentRole, Direction, TaskStatus, local_now, versioned


class PlanBase(SQLModel):
    title: str = Field(min_length=1, max_length=300)
    issuer: str | None = Field(default=None, max_length=200)
    doc_number: str | None = Field(default=None, max_length=100)
    issued_on: dt.date | None = None
    phases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # 报送频次, the plan's default for its tasks: "none", "weekly:5" (ISO weekday),
    # "monthly:10" (day of the month), "quarterly:1:10" (month of the quarter, day);
    # NULL is "none". Read and written through duban.monitoring.cycles.
    report_cycle: str | None = Field(default=None, max_length=20)


class Plan(PlanBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    source_sha256: str | None = Field(default=None, max_length=64, index=True)
    created_at: NaiveDatetime = Field(default_factory=local_now)
    # Set while the plan is being imported (its tasks go in chunk by chunk): the time of the
    # import's last sign of life. Every reader skips such a plan and its tasks; NULL once the
    # import is complete (see duban.intake.importer).
    importing_at: NaiveDatetime | None = None
    version: int = 1

    __mapper_args__ = versioned()


class TaskBase(SQLModel):
    plan_id: int = Field(foreign_key="plan.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="task.id", index=True)
    code: str = Field(default="", max_length=40)
    title: str = Field(min_length=1, max_length=500)
    description: str = ""
    phase: str | None = Field(default=None, max_length=60)
    start_date: dt.date | None = None
    deadline: dt.date | None = Field(default=None, index=True)
    weight: float = Field(default=1.0, ge=0, le=100)
    # The task's own 报送频次 (same form as Plan.report_cycle); NULL: the plan's.
    report_cycle: str | None = Field(default=None, max_length=20)
    # 督办事项来源 (models.custom.TaskCategory); NULL: not classified.
    category_id: int | None = Field(default=None, foreign_key="task_category.id", index=True)


class Task(TaskBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    original_deadline: dt.date | None = None
    status: TaskStatus = Field(default=TaskStatus.draft, max_length=20, index=True)
    sort_key: str = Field(default="", max_length=120, index=True)
    created_at: NaiveDatetime = Field(default_factory=local_now)
    updated_at: NaiveDatetime = Field(default_factory=local_now)
    assigned_at: NaiveDatetime | None = None
    submitted_at: NaiveDatetime | None = None
    completed_at: NaiveDatetime | None = None
    # The last time the office undid a 销号 (撤销销号): reports before it no longer count as
    # the units' finish.
    reopened_at: NaiveDatetime | None = None
    status_reason: str | None = None
    # The office's own fields (models.custom.CustomField): {str(field id): value}; values are
    # checked and typed by duban.fields.values (numbers, ISO dates, lists, department ids).
    custom: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 1

    __mapper_args__ = versioned()


class Assignment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("task_id", "department_id"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    role: AssignmentRole = Field(max_length=20)
    assigned_at: NaiveDatetime | None = None
    acknowledged_at: NaiveDatetime | None = None
    acknowledged_by: int | None = Field(default=None, foreign_key="app_user.id")
    version: int = 1

    __mapper_args__ = versioned()


class Milestone(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    title: str = Field(max_length=300)
    due_date: dt.date
    done_on: dt.date | None = None


class Target(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    text: str = Field(max_length=300)
    baseline: float | None = None
    target_value: float | None = None
    direction: Direction = Field(default=Direction.ge, max_length=2)
    unit: str | None = Field(default=None, max_length=20)
