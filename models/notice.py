"""Notices (通知/通报), their recipients and the tasks they concern, and doc numbering."""

import datetime as dt

from pydantic import NaiveDatetime
from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.common import NoticeKind, NoticeStatus, local_now, versioned


class Notice(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("kind", "doc_year", "doc_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: NoticeKind = Field(max_length=20, index=True)
    level: str | None = Field(default=None, max_length=10)  # blue / yellow / red for urging
    status: NoticeStatus = Field(default=NoticeStatus.draft, max_length=10, index=True)
    title: str = Field(max_length=300)
    addressees: str = ""
    body: str = ""
    requirements: str = ""
    signature: str = ""
    copy_to: str = ""
    period_label: str | None = Field(default=None, max_length=60)
    reply_due: dt.date | None = None
    extra: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    attachments: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    doc_number: str | None = Field(default=None, max_length=60, unique=True)
    doc_year: int | None = None
    doc_seq: int | None = None
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: NaiveDatetime = Field(default_factory=local_now)
    issued_by: int | None = Field(default=None, foreign_key="app_user.id")
    issued_at: NaiveDatetime | None = Field(default=None, index=True)
    withdrawn_at: NaiveDatetime | None = None
    withdrawn_by: int | None = Field(default=None, foreign_key="app_user.id")
    withdraw_reason: str | None = None
    version: int = 1

    __mapper_args__ = versioned()


class NoticeRecipient(SQLModel, table=True):
    __tablename__ = "notice_recipient"
    __table_args__ = (UniqueConstraint("notice_id", "department_id"),)

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    delivered_at: NaiveDatetime | None = None
    acknowledged_at: NaiveDatetime | None = None
    acknowledged_by: int | None = Field(default=None, foreign_key="app_user.id")
    reply_text: str | None = None
    replied_at: NaiveDatetime | None = None
    replied_by: int | None = Field(default=None, foreign_key="app_user.id")


class NoticeTask(SQLModel, table=True):
    __tablename__ = "notice_task"

    notice_id: int = Field(foreign_key="notice.id", primary_key=True)
    task_id: int = Field(foreign_key="task.id", primary_key=True, index=True)


class DocCounter(SQLModel, table=True):
    """The last doc number used per kind and year; rows are locked while issuing."""

    __tablename__ = "doc_counter"

    kind: str = Field(primary_key=True, max_length=20)
    year: int = Field(primary_key=True)
    last_seq: int = 0


class NoticeTemplate(SQLModel, table=True):
    __tablename__ = "notice_template"

    kind: str = Field(primary_key=True, max_length=20)
    body: str
    updated_at: NaiveDatetime = Field(default_factory=local_now)
    updated_by: int | None = Field(default=None, foreign_key="app_user.id")
    version: int = 1

    __mapper_args__ = versioned()
