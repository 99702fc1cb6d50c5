"""Reminders and their delivery: channels, each user's choices, in-app messages, the
delivery queue, and the scheduler's claimed job runs (see duban.reminders)."""

from pydantic import NaiveDatetime
from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.common import local_now, versioned


class Channel(SQLModel, table=True):
    """A way out of the console, configured by the office in 系统管理.

    kind: "smtp" (the one mail server), "dingtalk" or "wecom" (a group robot). A robot
    speaks to the group of one unit (department_id) or, with department_id NULL, to the
    group of one role (role: leader, office, inspector). config holds the non-secret part
    (SMTP host, port, security, username, sender; a robot's webhook URL without its key
    shown); secret holds the SMTP password or the robot's signing secret and is never shown
    back to anyone."""

    __tablename__ = "notify_channel"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)
    name: str = Field(max_length=60)
    config: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    secret: str | None = Field(default=None, max_length=500)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    role: str | None = Field(default=None, max_length=20)
    enabled: bool = True
    created_at: NaiveDatetime = Field(default_factory=local_now)
    updated_at: NaiveDatetime = Field(default_factory=local_now)
    version: int = 1

    __mapper_args__ = versioned()


class NotifyPreference(SQLModel, table=True):
    """One user's channels besides in-app (always on): e-mail to AppUser.email, and the
    group robot(s) of the user's unit or role. Quiet hours are the office's (a setting)."""

    __tablename__ = "notify_preference"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    email_on: bool = False
    robot_on: bool = False
    mobile: str | None = Field(default=None, max_length=20)  # for the robot's @mention
    updated_at: NaiveDatetime = Field(default_factory=local_now)
    version: int = 1

    __mapper_args__ = versioned()


class Notification(SQLModel, table=True):
    """One message to one user (the in-app copy). At most one per user, rule and key: the
    key names the occasion (e.g. "task:12:2026-12-01" for a daily overdue reminder, or
    "task:12" for a once-only one), so a second worker or a second run adds nothing."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("user_id", "rule", "dedupe_key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    rule: str = Field(max_length=40, index=True)
    dedupe_key: str = Field(max_length=120)
    subject: str = Field(max_length=200)
    body: str = ""
    link: str | None = Field(default=None, max_length=200)  # e.g. "my_tasks?task=12"
    created_at: NaiveDatetime = Field(default_factory=local_now, index=True)
    read_at: NaiveDatetime | None = None
    # The occasions a grouped reminder covered (e.g. "task:12:dept:3:2026-12-04"), so a
    # once-only occasion is not reminded again on a later day (duban.reminders.rules).
    items: list | None = Field(default=None, sa_column=Column(JSON))


class Delivery(SQLModel, table=True):
    """One attempt-tracked sending of a notification through one channel.

    status: pending → sending (claimed by one worker) → sent | failed (after the last
    retry) | skipped (the channel is not configured or the user has no address). A pending
    row whose next_attempt_at has come is claimed by exactly one worker."""

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", index=True)
    channel: str = Field(max_length=20)  # email | dingtalk | wecom
    channel_id: int | None = Field(default=None, foreign_key="notify_channel.id")
    target: str = Field(default="", max_length=200)  # the address or the robot's name
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    next_attempt_at: NaiveDatetime = Field(default_factory=local_now)
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_at: NaiveDatetime | None = None
    sent_at: NaiveDatetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: NaiveDatetime = Field(default_factory=local_now, index=True)


class JobRun(SQLModel, table=True):
    """One scheduled run of one job for one slot (e.g. reminders at 2026-12-01 09:00). The
    unique (job, slot) pair is the claim: the worker whose INSERT succeeds runs it, a
    second worker's INSERT fails and it moves on."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "slot"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=40, index=True)
    slot: str = Field(max_length=40)
    claimed_by: str = Field(max_length=80)
    started_at: NaiveDatetime = Field(default_factory=local_now, index=True)
    finished_at: NaiveDatetime | None = None
    outcome: str | None = Field(default=None, max_length=20)  # ok | failed
    detail: dict | None = Field(default=None, sa_column=Column(JSON))
