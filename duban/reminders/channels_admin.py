"""The office's side of the channels (系统管理 › 通知渠道, 发送记录) and each user's own choices.

- channels: the mail server and the group robots, created, edited, enabled or disabled
  (settings.manage, versioned, audited). A password or signing secret goes in and never comes
  back: views say only whether one is stored, the audit log leaves the column out, and an
  empty secret (or webhook address) on an edit keeps the stored one. A robot's webhook token
  is shown and audited cut to four characters.
- 发送测试: one message through one channel, now, recorded as a delivery of a "test"
  notification so the result is in the delivery log too.
- the delivery log, with a 重试 for a failed delivery.
- preferences: the user's own e-mail, e-mail and robot switches and mobile (for the @).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets as token
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator
from sqlmodel import Session, col, select

from duban.core import audit, clock
from duban.core.errors import NotFound, StaleEdit, ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import check_version, get_or_404, validated, write
from duban.core.settings import get_settings
from duban.reminders import channels, outbox
from duban.reminders.outbox import DINGTALK, EMAIL, FAILED, PENDING, ROBOTS, SENDING, SENT, SMTP
from models import AppUser, Channel, Delivery, Department, Notification, NotifyPreference, Role

KINDS = (SMTP, *ROBOTS)
TEST_RULE = "test"
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+$")
MOBILE_RE = re.compile(r"^1\d{10}$")
ROBOT_ROLES = (Role.leader.value, Role.office.value, Role.inspector.value, Role.dept_head.value)


# ---------------------------------------------------------------- forms


class SmtpForm(BaseModel):
    name: str = Field(default="邮件服务器", min_length=1, max_length=60)
    host: str = Field(min_length=1, max_length=200)
    port: int = Field(ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "starttls"
    username: str = Field(default="", max_length=200)
    sender: str = Field(min_length=3, max_length=200)
    sender_name: str = Field(default="", max_length=60)

    @field_validator("host", "username", "sender", "sender_name", "name")
    @classmethod
    def _strip(cls, v: str) -> str:
        return v.strip()

    @field_validator("sender")
    @classmethod
    def _email(cls, v: str) -> str:
        if not EMAIL_RE.match(v):
            raise ValueError("发件人地址不是有效的电子邮箱")
        return v


class RobotForm(BaseModel):
    kind: Literal["dingtalk", "wecom"]
    name: str = Field(min_length=1, max_length=60)
    url: str = Field(max_length=500)
    department_id: int | None = None
    role: str | None = None

    @field_validator("name", "url")
    @classmethod
    def _strip(cls, v: str) -> str:
        return v.strip()

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^https?://[^\s/]+", v):
            raise ValueError("Webhook 地址须以 https:// 开头")
        return v


@dataclass(frozen=True)
class ChannelView:
    """A channel as the office sees it: no secret, the webhook token cut."""

    id: int
    kind: str
    name: str
    config: dict
    has_secret: bool
    department_id: int | None
    role: str | None
    enabled: bool
    version: int


def _view(ch: Channel) -> ChannelView:
    assert ch.id is not None
    return ChannelView(
        id=ch.id,
        kind=ch.kind,
        name=ch.name,
        config=_masked_config(ch.config),
        has_secret=bool(ch.secret),
        department_id=ch.department_id,
        role=ch.role,
        enabled=ch.enabled,
        version=ch.version,
    )


def _masked_config(config: dict | None) -> dict:
    config = dict(config or {})
    if config.get("url"):
        config["url"] = channels.mask_url(str(config["url"]))
    return config


def _snapshot(ch: Channel) -> dict | None:
    """The audit's view of a channel: no secret (core.audit skips it), the token cut."""
    snap = audit.snapshot(ch)
    if snap is not None:
        snap["config"] = _masked_config(snap.get("config"))
        snap["has_secret"] = bool(ch.secret)
    return snap


def _store(session: Session, actor: Actor, ch: Channel, action: str, before: dict | None) -> None:
    """Write the changed channel and its audit row (the secret left out, the token cut)."""
    ch.updated_at = clock.now()
    session.add(ch)
    session.flush()
    audit.record(session, actor, action, ch, before=before, after=_snapshot(ch))


# Field names as the office reads them in a refusal.
LABELS = {
    "host": "服务器地址",
    "port": "端口",
    "security": "加密方式",
    "username": "登录用户名",
    "sender": "发件人地址",
    "sender_name": "发件人名称",
    "url": "Webhook 地址",
    "kind": "机器人类型",
}


def _validated(model: type[SmtpForm] | type[RobotForm], values: dict):
    try:
        return validated(model, values)
    except ValidationFailed as exc:
        message = exc.message
        for field, label in LABELS.items():
            message = re.sub(rf"(^|；){field}：", rf"\g<1>{label}：", message)
        raise ValidationFailed(message) from exc


# ---------------------------------------------------------------- channels


def list_channels(session: Session, *, actor: Actor) -> list[ChannelView]:
    require(actor, "settings.manage")
    rows = session.exec(select(Channel).order_by(col(Channel.kind), col(Channel.id))).all()
    return [_view(ch) for ch in rows]


def mail_server_view(session: Session, *, actor: Actor) -> ChannelView | None:
    """The one mail server (enabled or not), if the office set one."""
    require(actor, "settings.manage")
    ch = session.exec(select(Channel).where(Channel.kind == SMTP).order_by(col(Channel.id))).first()
    return _view(ch) if ch else None


def save_mail_server(
    session: Session,
    *,
    actor: Actor,
    values: dict,
    password: str = "",
    clear_password: bool = False,
    expected_version: int | None = None,
) -> ChannelView:
    """Create or edit the mail server. An empty `password` keeps the stored one."""
    require(actor, "settings.manage")
    form = _validated(SmtpForm, values)
    with write(session):
        ch = session.exec(
            select(Channel).where(Channel.kind == SMTP).order_by(col(Channel.id))
        ).first()
        before = None
        if ch is None:
            ch = Channel(kind=SMTP, name=form.name, config={}, created_at=clock.now())
        else:
            check_version(ch, expected_version)
            before = _snapshot(ch)
        ch.name = form.name
        ch.config = form.model_dump(exclude={"name"})
        if password:
            ch.secret = password
        elif clear_password or not form.username:
            ch.secret = None
        if form.username and not ch.secret:
            raise ValidationFailed("填写了登录用户名时须填写密码（或授权码）。")
        _store(session, actor, ch, "channel.create" if before is None else "channel.update", before)
    return _view(ch)


def save_robot(
    session: Session,
    *,
    actor: Actor,
    values: dict,
    secret: str = "",
    clear_secret: bool = False,
    channel_id: int | None = None,
    expected_version: int | None = None,
) -> ChannelView:
    """Create (channel_id None) or edit a group robot that speaks to one unit or one role.

    On an edit an empty webhook address or secret keeps the stored one."""
    require(actor, "settings.manage")
    with write(session):
        current = None
        before = None
        if channel_id is not None:
            current = get_or_404(session, Channel, channel_id, "通知渠道")
            if current.kind not in ROBOTS:
                raise NotFound(f"群机器人不存在（编号 {channel_id}）。")
            check_version(current, expected_version)
            before = _snapshot(current)
            if not str(values.get("url") or "").strip():
                values = {**values, "url": (current.config or {}).get("url", "")}
        form = _validated(RobotForm, values)
        if (form.department_id is None) == (not form.role):
            raise ValidationFailed("群机器人须指定一个单位或一个角色（二者选一）。")
        if form.role and form.role not in ROBOT_ROLES:
            raise ValidationFailed(f"角色无效：{form.role}")
        if form.department_id is not None:
            dept = session.get(Department, form.department_id)
            if dept is None or not dept.active:
                raise ValidationFailed("所选单位不存在或已停用。")
        ch = current or Channel(kind=form.kind, name=form.name, config={}, created_at=clock.now())
        ch.kind = form.kind
        ch.name = form.name
        ch.config = {"url": form.url}
        ch.department_id = form.department_id
        ch.role = None if form.department_id is not None else form.role
        if form.kind != DINGTALK or clear_secret:
            ch.secret = None  # WeCom group robots do not sign
        elif secret.strip():
            ch.secret = secret.strip()
        _store(session, actor, ch, "channel.create" if before is None else "channel.update", before)
    return _view(ch)


def set_enabled(
    session: Session, *, actor: Actor, channel_id: int, enabled: bool, expected_version: int
) -> ChannelView:
    require(actor, "settings.manage")
    with write(session):
        ch = get_or_404(session, Channel, channel_id, "通知渠道")
        check_version(ch, expected_version)
        before = _snapshot(ch)
        ch.enabled = enabled
        _store(session, actor, ch, "channel.enable" if enabled else "channel.disable", before)
    return _view(ch)


@dataclass(frozen=True)
class TestResult:
    ok: bool
    error: str | None
    delivery_id: int


def send_test(
    session: Session,
    *,
    actor: Actor,
    channel_id: int,
    to: str | None = None,
    timeout: float = channels.TIMEOUT,
) -> TestResult:
    """Send a test message through the channel now (enabled or not: the office tests before
    it turns a channel on). Recorded as a notification to the office user and one delivery,
    so it shows in the delivery log with its outcome. The network call runs outside any
    transaction."""
    require(actor, "settings.manage")
    if actor.user_id is None:
        raise ValidationFailed("发送测试须以登录用户身份进行。")
    now = clock.now()
    with write(session):
        ch = get_or_404(session, Channel, channel_id, "通知渠道")
        me = get_or_404(session, AppUser, actor.user_id, "用户")
        address = (to or me.email or "").strip() if ch.kind == SMTP else ch.name
        if ch.kind == SMTP and not EMAIL_RE.match(address):
            raise ValidationFailed("请填写接收测试邮件的有效电子邮箱地址。")
        note = Notification(
            user_id=actor.user_id,
            rule=TEST_RULE,
            dedupe_key=f"test:{channel_id}:{now:%Y%m%d%H%M%S}:{token.token_hex(4)}",
            subject="【督办台】通知渠道测试",
            body=f"这是一条来自督办台的测试消息（渠道：{ch.name}，发送人：{actor.name}）。"
            "收到即表示该渠道配置正确。",
            link="account",
            created_at=now,
        )
        session.add(note)
        session.flush()
        assert note.id is not None
        row = Delivery(
            notification_id=note.id,
            channel=EMAIL if ch.kind == SMTP else ch.kind,
            channel_id=ch.id,
            target=address,
            status=SENDING,
            attempts=0,
            next_attempt_at=now,
            claimed_by=f"test:{actor.username}"[:80],
            claimed_at=now,
            created_at=now,
        )
        session.add(row)
        session.flush()
        audit.record(session, actor, "channel.test", ch, after={}, note=f"发送测试到 {address}")
        mobile = outbox.preference(session, actor.user_id).mobile
        message = channels.Message(
            subject=note.subject,
            body=note.body,
            link=channels.absolute_link(note.link, get_settings().public_url),
            mobile=mobile,
        )
        # A detached copy: the send runs after this transaction ends.
        channel_copy = Channel(
            kind=ch.kind, name=ch.name, config=dict(ch.config or {}), secret=ch.secret
        )
        delivery_id = row.id
    assert delivery_id is not None
    error: str | None = None
    try:
        channels.send(channel_copy, message, to=address, timeout=timeout)
    except channels.ChannelError as exc:
        error = exc.message
    with write(session):
        done = get_or_404(session, Delivery, delivery_id, "发送记录")
        done.attempts = 1
        done.status = FAILED if error else SENT
        done.sent_at = None if error else clock.now()
        done.last_error = error[:500] if error else None
        session.add(done)
    return TestResult(ok=error is None, error=error, delivery_id=delivery_id)


# ---------------------------------------------------------------- the delivery log


@dataclass(frozen=True)
class LogRow:
    id: int
    created_at: dt.datetime
    sent_at: dt.datetime | None
    username: str
    display_name: str
    rule: str
    subject: str
    channel: str
    target: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None


def delivery_log(
    session: Session,
    *,
    actor: Actor,
    days: int = 7,
    statuses: list[str] | None = None,
    channel: str | None = None,
    user_id: int | None = None,
    failures_first: bool = True,
    limit: int = 500,
) -> list[LogRow]:
    """Deliveries of the last `days` days, failures first (then newest) unless told not to."""
    require(actor, "settings.manage")
    since = clock.now() - dt.timedelta(days=max(1, days))
    q = (
        select(Delivery, Notification, AppUser)
        .join(Notification, col(Delivery.notification_id) == Notification.id)
        .join(AppUser, col(Notification.user_id) == AppUser.id)
        .where(col(Delivery.created_at) >= since)
    )
    if statuses:
        q = q.where(col(Delivery.status).in_(statuses))
    if channel:
        q = q.where(Delivery.channel == channel)
    if user_id is not None:
        q = q.where(Notification.user_id == user_id)
    order: list[Any] = [col(Delivery.created_at).desc(), col(Delivery.id).desc()]
    if failures_first:
        q = q.order_by((col(Delivery.status) == FAILED).desc(), *order)
    else:
        q = q.order_by(*order)
    return [
        LogRow(
            id=d.id or 0,
            created_at=d.created_at,
            sent_at=d.sent_at,
            username=u.username,
            display_name=u.display_name,
            rule=n.rule,
            subject=n.subject,
            channel=d.channel,
            target=d.target,
            status=d.status,
            attempts=d.attempts,
            next_attempt_at=d.next_attempt_at,
            last_error=d.last_error,
        )
        for d, n, u in session.exec(q.limit(limit)).all()
    ]


def retry_delivery(session: Session, *, actor: Actor, delivery_id: int) -> None:
    """Put a failed delivery back in the queue, due now, with a fresh count of attempts."""
    require(actor, "settings.manage")
    with write(session):
        d = get_or_404(session, Delivery, delivery_id, "发送记录")
        if d.status != FAILED:
            raise ValidationFailed("只能重试发送失败的记录。")
        if d.channel_id is None:
            raise ValidationFailed("该记录没有对应的通知渠道，无法重试。")
        before = audit.snapshot(d)
        d.status = PENDING
        d.attempts = 0
        d.next_attempt_at = clock.now()
        d.claimed_by = None
        d.claimed_at = None
        session.add(d)
        audit.record(session, actor, "delivery.retry", d, before=before, bump_version=False)


# ---------------------------------------------------------------- preferences


@dataclass(frozen=True)
class PreferencesView:
    email: str
    email_on: bool
    robot_on: bool
    mobile: str
    version: int  # 0: never saved
    user_version: int
    robots: list[str]  # names of the robots that would speak to the user
    mail_server: bool  # whether the office set a mail server


def my_preferences(session: Session, *, actor: Actor) -> PreferencesView:
    if actor.user_id is None:
        raise NotFound("用户不存在。")
    user = get_or_404(session, AppUser, actor.user_id, "用户")
    pref = session.get(NotifyPreference, actor.user_id)
    return PreferencesView(
        email=user.email or "",
        email_on=bool(pref and pref.email_on),
        robot_on=bool(pref and pref.robot_on),
        mobile=(pref.mobile or "") if pref else "",
        version=pref.version if pref else 0,
        user_version=user.version,
        robots=[ch.name for ch in outbox.robots_for(session, user)],
        mail_server=outbox.mail_server(session) is not None,
    )


def save_preferences(
    session: Session,
    *,
    actor: Actor,
    email: str,
    email_on: bool,
    robot_on: bool,
    mobile: str,
    expected_version: int,
) -> PreferencesView:
    """The user's own choices; `expected_version` 0 means never saved before."""
    if actor.user_id is None:
        raise NotFound("用户不存在。")
    email, mobile = email.strip(), mobile.strip().replace(" ", "").replace("-", "")
    if email and (len(email) > 120 or not EMAIL_RE.match(email)):
        raise ValidationFailed("电子邮箱格式不正确。")
    if mobile and not MOBILE_RE.match(mobile):
        raise ValidationFailed("手机号须为 11 位数字（用于群机器人 @ 提醒）。")
    if email_on and not email:
        raise ValidationFailed("开启邮件提醒前请先填写电子邮箱。")
    with write(session):
        user = get_or_404(session, AppUser, actor.user_id, "用户")
        pref = session.get(NotifyPreference, actor.user_id)
        if pref is None:
            if expected_version not in (0, None):
                raise StaleEdit()
            pref, before = NotifyPreference(user_id=actor.user_id), None
        else:
            if expected_version == 0:
                raise StaleEdit()  # saved elsewhere since this form opened
            check_version(pref, expected_version)
            before = audit.snapshot(pref)
        if (user.email or "") != email:
            user_before = audit.snapshot(user)
            user.email = email or None
            session.add(user)
            audit.record(session, actor, "user.update_email", user, before=user_before)
        pref.email_on, pref.robot_on, pref.mobile = email_on, robot_on, mobile or None
        pref.updated_at = clock.now()
        session.add(pref)
        session.flush()
        audit.record(session, actor, "preference.update", pref, before=before)
    return my_preferences(session, actor=actor)


__all__ = [
    "KINDS",
    "ChannelView",
    "LogRow",
    "PreferencesView",
    "TestResult",
    "delivery_log",
    "list_channels",
    "mail_server_view",
    "my_preferences",
    "retry_delivery",
    "save_mail_server",
    "save_preferences",
    "save_robot",
    "send_test",
    "set_enabled",
]
