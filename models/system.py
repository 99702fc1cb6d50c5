"""The audit log, the data version that keys caches, editable settings and the calendar."""

import datetime as dt

from pydantic import NaiveDatetime
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from models.common import local_now, versioned


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: NaiveDatetime = Field(default_factory=local_now, index=True)
    user_id: int | None = Field(default=None, index=True)
    username: str = Field(default="system", max_length=40, index=True)
    action: str = Field(max_length=60, index=True)
    object_type: str = Field(max_length=40, index=True)
    object_id: str | None = Field(default=None, max_length=40, index=True)
    before: dict | None = Field(default=None, sa_column=Column(JSON))
    after: dict | None = Field(default=None, sa_column=Column(JSON))
    note: str | None = None
    client: str | None = Field(default=None, max_length=64)  # the actor's address, if known


class DataVersion(SQLModel, table=True):
    """One row; every write bumps it so caches in every process see the change."""

    __tablename__ = "data_version"

    id: int = Field(default=1, primary_key=True)
    version: int = 0
    updated_at: NaiveDatetime = Field(default_factory=local_now)


class AppSetting(SQLModel, table=True):
    """Office-editable rules (warning thresholds, scoring, workflow switches) as JSON."""

    __tablename__ = "app_setting"

    key: str = Field(primary_key=True, max_length=60)
    value: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: NaiveDatetime = Field(default_factory=local_now)
    updated_by: int | None = Field(default=None, foreign_key="app_user.id")
    version: int = 1

    __mapper_args__ = versioned()


class CalendarDay(SQLModel, table=True):
    """Admin override of the official calendar: a holiday or a make-up working day (调休)."""

    __tablename__ = "calendar_day"

    day: dt.date = Field(primary_key=True)
    is_workday: bool
    name: str = Field(default="", max_length=60)
