"""What the office defines without code: custom task fields, task categories (督办事项来源),
saved register views, saved charts and their pins on dashboards (see duban.fields and
duban.charts)."""

from enum import StrEnum

from pydantic import NaiveDatetime
from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.common import local_now, versioned


class FieldKind(StrEnum):
    text = "text"  # 单行文本
    long_text = "long_text"  # 多行文本
    number = "number"  # 数字 (with an optional unit)
    date = "date"  # 日期
    choice = "choice"  # 单选
    multi_choice = "multi_choice"  # 多选
    department = "department"  # 单位
    boolean = "boolean"  # 是/否


class CustomField(SQLModel, table=True):
    """A task field the office added. Values live in Task.custom under str(id), so a field
    can be renamed, reordered or retired without touching a task; a retired field is hidden
    everywhere, and its values stay (restoring it shows them again). The kind never changes
    once created (values would no longer read)."""

    __tablename__ = "custom_field"

    id: int | None = Field(default=None, primary_key=True)
    label: str = Field(max_length=40)
    kind: str = Field(max_length=20)
    unit: str | None = Field(default=None, max_length=20)  # 万元, 个, % (number fields)
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    required: bool = False
    help: str = Field(default="", max_length=200)
    sort_order: int = 0
    # The plan the field belongs to; NULL: every plan's tasks.
    plan_id: int | None = Field(default=None, foreign_key="plan.id", index=True)
    retired_at: NaiveDatetime | None = None
    created_at: NaiveDatetime = Field(default_factory=local_now)
    version: int = 1

    __mapper_args__ = versioned()


class TaskCategory(SQLModel, table=True):
    """督办事项来源: where a task comes from (年度重点工作, 领导批示交办 …). weight multiplies
    the task's weight in the assessment (a category can weigh more). Retired, not deleted."""

    __tablename__ = "task_category"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40, unique=True)
    weight: float = Field(default=1.0, ge=0, le=10)
    sort_order: int = 0
    retired_at: NaiveDatetime | None = None
    created_at: NaiveDatetime = Field(default_factory=local_now)
    version: int = 1

    __mapper_args__ = versioned()


class SavedView(SQLModel, table=True):
    """A register view saved by name: its filters, columns and sort (state). Private to its
    owner, or shared with a role (shared_role; only the office shares). Link: tasks?view=ID."""

    __tablename__ = "saved_view"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60)
    owner_id: int = Field(foreign_key="app_user.id", index=True)
    shared_role: str | None = Field(default=None, max_length=20, index=True)
    page: str = Field(default="tasks", max_length=20)
    state: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: NaiveDatetime = Field(default_factory=local_now)
    updated_at: NaiveDatetime = Field(default_factory=local_now)
    version: int = 1

    __mapper_args__ = versioned()


class SavedChart(SQLModel, table=True):
    """A chart built in 图表: its spec (dataset, grouping, measure, chart type, filters),
    private to its owner or shared with a role like a SavedView. Link: charts?chart=ID."""

    __tablename__ = "saved_chart"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60)
    owner_id: int = Field(foreign_key="app_user.id", index=True)
    shared_role: str | None = Field(default=None, max_length=20, index=True)
    spec: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: NaiveDatetime = Field(default_factory=local_now)
    updated_at: NaiveDatetime = Field(default_factory=local_now)
    version: int = 1

    __mapper_args__ = versioned()


class ChartPin(SQLModel, table=True):
    """A saved chart pinned to one user's dashboard (user_id) or to a role's (role)."""

    __tablename__ = "chart_pin"
    __table_args__ = (UniqueConstraint("chart_id", "user_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    chart_id: int = Field(foreign_key="saved_chart.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    role: str | None = Field(default=None, max_length=20, index=True)
    sort_order: int = 0
    created_at: NaiveDatetime = Field(default_factory=local_now)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
