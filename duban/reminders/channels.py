"""Sending one message out of the console: e-mail over SMTP, a DingTalk custom robot, a WeCom
group robot.

Each sender takes the channel row (config + secret) and a `Message`, and either returns or
raises ChannelError with a short Chinese reason that never quotes a password, a signing secret
or the webhook's token (the delivery log shows it to the office). Only the standard library:
smtplib for mail, urllib.request for the robots, each with a timeout.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from duban.core.errors import DubanError
from duban.i18n import t
from duban.reminders.outbox import DINGTALK, SMTP, WECOM
from models import Channel

TIMEOUT = 10.0  # seconds per connection; a slow channel costs at most this much
SECURITY = ("none", "starttls", "ssl")
# Query parameters of a robot's webhook URL that are credentials (DingTalk, WeCom).
TOKEN_PARAMS = ("access_token", "key")


class ChannelError(DubanError):
    """A channel refused or could not take the message. `permanent`: retrying cannot help
    (the channel is misconfigured or gone), so the worker does not retry."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Message:
    """What one user is told: the subject, the body, where to act (a page path such as
    "my_tasks?task=12", or an absolute URL), and the user's mobile for a robot's @."""

    subject: str
    body: str = ""
    link: str | None = None
    mobile: str | None = None


def absolute_link(link: str | None, base_url: str) -> str | None:
    """The link as the reader can open it: PUBLIC_URL + path when the setting exists."""
    if not link:
        return None
    if link.startswith(("http://", "https://")) or not base_url:
        return link
    return f"{base_url.rstrip('/')}/{link.lstrip('/')}"


def as_text(message: Message) -> str:
    parts = (
        [message.subject, "", message.body.strip()] if message.body.strip() else [message.subject]
    )
    if message.link:
        parts += ["", f"办理入口：{message.link}"]
    return "\n".join(parts).strip() + "\n"


# The subject and body quote what users typed (task titles, unit names). In a robot's
# markdown, brackets would make a link or an image (fetched by every group member's client)
# and angle brackets HTML (DingTalk draws <font>): their full-width forms read the same in
# Chinese text and make nothing. Not every robot client honours backslash escapes.
_INERT = str.maketrans({"[": "［", "]": "］", "<": "＜", ">": "＞"})


def as_markdown(message: Message) -> str:
    """A robot's markdown: a heading, the body (inert: see _INERT), the link; DingTalk needs
    the @mobile in the text for the mention to show."""
    lines = [f"### {message.subject.translate(_INERT)}", ""]
    if message.body.strip():
        lines += [message.body.strip().translate(_INERT), ""]
    if message.link:
        lines.append(
            f"[点击办理]({message.link})"
            if message.link.startswith(("http://", "https://"))
            else f"办理入口：{message.link}"
        )
    return "\n".join(lines).strip()


def send(channel: Channel, message: Message, *, to: str = "", timeout: float = TIMEOUT) -> None:
    """Send `message` through `channel` (to the address `to` for e-mail)."""
    if channel.kind == SMTP:
        send_email(channel, message, to=to, timeout=timeout)
    elif channel.kind == DINGTALK:
        send_dingtalk(channel, message, timeout=timeout)
    elif channel.kind == WECOM:
        send_wecom(channel, message, timeout=timeout)
    else:
        raise ChannelError(f"未知的渠道类型：{channel.kind}", permanent=True)


# ---------------------------------------------------------------- e-mail


def email_message(channel: Channel, message: Message, to: str) -> EmailMessage:
    cfg = channel.config or {}
    sender = str(cfg.get("sender") or "").strip()
    if not sender:
        raise ChannelError("邮件服务器未设置发件人地址", permanent=True)
    msg = EmailMessage()
    msg["Subject"] = message.subject
    display = str(cfg.get("sender_name") or "").strip()
    msg["From"] = str(Address(display, addr_spec=sender)) if display else sender
    msg["To"] = to
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(as_text(message), charset="utf-8")
    body_html = "".join(
        f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>"
        for p in message.body.strip().split("\n\n")
        if p.strip()
    )
    link_html = (
        f'<p><a href="{html.escape(message.link, quote=True)}">点击办理</a></p>'
        if message.link and message.link.startswith(("http://", "https://"))
        else (f"<p>办理入口：{html.escape(message.link)}</p>" if message.link else "")
    )
    msg.add_alternative(
        f"<html><body><h3>{html.escape(message.subject)}</h3>{body_html}{link_html}</body></html>",
        subtype="html",
        charset="utf-8",
    )
    return msg


def send_email(channel: Channel, message: Message, *, to: str, timeout: float = TIMEOUT) -> None:
    if not to:
        raise ChannelError("收件人没有电子邮箱地址", permanent=True)
    cfg = channel.config or {}
    host = str(cfg.get("host") or "").strip()
    if not host:
        raise ChannelError("邮件服务器地址未设置", permanent=True)
    port = int(cfg.get("port") or 0) or None
    security = cfg.get("security") or "none"
    msg = email_message(channel, message, to)
    try:
        smtp: smtplib.SMTP
        if security == "ssl":
            smtp = smtplib.SMTP_SSL(
                host, port or 465, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(
                host, port or (587 if security == "starttls" else 25), timeout=timeout
            )
        with smtp:
            if security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            username = str(cfg.get("username") or "")
            if username:
                smtp.login(username, channel.secret or "")
            smtp.send_message(msg)
    except smtplib.SMTPAuthenticationError as exc:
        raise ChannelError(f"邮件服务器拒绝登录（{exc.smtp_code}）：请检查用户名和密码") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise ChannelError("邮件服务器拒绝了收件人地址", permanent=True) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise ChannelError("邮件服务器不支持所选的加密方式或登录") from exc
    except smtplib.SMTPResponseException as exc:
        raise ChannelError(f"邮件服务器返回错误 {exc.smtp_code}") from exc
    except TimeoutError as exc:
        raise ChannelError(f"连接邮件服务器超时（{timeout:g} 秒）") from exc
    except ssl.SSLError as exc:
        raise ChannelError("与邮件服务器的加密连接失败（证书或加密方式不符）") from exc
    except smtplib.SMTPException as exc:
        raise ChannelError(f"邮件发送失败（{type(exc).__name__}）") from exc
    except OSError as exc:
        raise ChannelError(
            f"无法连接邮件服务器 {host}（{exc.strerror or type(exc).__name__}）"
        ) from exc


# ---------------------------------------------------------------- group robots


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: base64(HMAC-SHA256(key=secret, msg="{timestamp}\\n{secret}")),
    URL-encoded."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def signed_url(url: str, secret: str | None, timestamp_ms: int | None = None) -> str:
    """The webhook URL with `timestamp` and `sign` added when the robot signs."""
    if not secret:
        return url
    ts = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    sep = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{sep}timestamp={ts}&sign={dingtalk_sign(secret, ts)}"


def mask_url(url: str) -> str:
    """The webhook URL with its token cut to four characters (for the screen and the log)."""
    if not url:
        return ""
    parts = urllib.parse.urlsplit(url)
    query = [
        (k, (v[:4] + "…") if k in TOKEN_PARAMS and v else v)
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    ]
    encoded = urllib.parse.urlencode(query).replace("%E2%80%A6", "…")
    return urllib.parse.urlunsplit(parts._replace(query=encoded))


def send_dingtalk(channel: Channel, message: Message, *, timeout: float = TIMEOUT) -> None:
    text = as_markdown(message)
    payload: dict = {"msgtype": "markdown", "markdown": {"title": message.subject, "text": text}}
    if message.mobile:
        payload["markdown"]["text"] = f"{text}\n\n@{message.mobile}"
        payload["at"] = {"atMobiles": [message.mobile], "isAtAll": False}
    url = _webhook(channel)
    _post_json(signed_url(url, channel.secret), payload, "钉钉机器人", timeout)


def send_wecom(channel: Channel, message: Message, *, timeout: float = TIMEOUT) -> None:
    payload = {"msgtype": "markdown", "markdown": {"content": as_markdown(message)}}
    _post_json(_webhook(channel), payload, "企业微信机器人", timeout)


def _webhook(channel: Channel) -> str:
    url = str((channel.config or {}).get("url") or "").strip()
    if not url.startswith(("http://", "https://")):
        raise ChannelError("机器人的 Webhook 地址未设置", permanent=True)
    return url


def _post_json(url: str, payload: dict, who: str, timeout: float) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise ChannelError(f"{who}返回 HTTP {exc.code}") from exc
    except TimeoutError as exc:
        raise ChannelError(f"{who}响应超时（{timeout:g} 秒）") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise ChannelError(f"{who}响应超时（{timeout:g} 秒）") from exc
        reason = getattr(exc.reason, "strerror", None) or type(exc.reason).__name__
        raise ChannelError(f"无法连接{who}（{reason}）") from exc
    except OSError as exc:
        raise ChannelError(f"无法连接{who}（{exc.strerror or type(exc).__name__}）") from exc
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ChannelError(f"{who}的回应不是 JSON") from exc
    code = answer.get("errcode") if isinstance(answer, dict) else None
    if code != 0:
        text = str(answer.get("errmsg", "")) if isinstance(answer, dict) else ""
        raise ChannelError(f"{who}拒绝了消息（错误码 {code}：{text[:120]}）")


# ---------------------------------------------------------------- reasons in English
# Every reason this package records (ChannelError messages, outbox skips) is Chinese, as
# stored; the delivery log shows it in the UI's language through this table: (pattern,
# catalog key), the pattern's named groups filling the key's fields.
_WHO = r"(?P<who>钉钉机器人|企业微信机器人)"
REASON_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), key)
    for p, key in (
        (r"^未配置邮件服务器$", "rem.why.no_server"),
        (r"^用户未填写电子邮箱$", "rem.why.no_email"),
        (r"^收件人没有电子邮箱地址$", "rem.why.no_email"),
        (r"^本单位或本角色未配置群机器人$", "rem.why.no_robot"),
        (r"^未知的渠道类型：(?P<x>.*)$", "rem.why.unknown_kind"),
        (r"^邮件服务器未设置发件人地址$", "rem.why.no_sender"),
        (r"^邮件服务器地址未设置$", "rem.why.no_host"),
        (r"^邮件服务器拒绝登录（(?P<x>[^）]*)）：请检查用户名和密码$", "rem.why.login"),
        (r"^邮件服务器拒绝了收件人地址$", "rem.why.recipient"),
        (r"^邮件服务器不支持所选的加密方式或登录$", "rem.why.tls_or_auth"),
        (r"^邮件服务器返回错误 (?P<x>.*)$", "rem.why.smtp_code"),
        (r"^连接邮件服务器超时（(?P<x>[^ ]*) 秒）$", "rem.why.smtp_timeout"),
        (r"^与邮件服务器的加密连接失败（证书或加密方式不符）$", "rem.why.ssl"),
        (r"^邮件发送失败（(?P<x>[^）]*)）$", "rem.why.smtp_failed"),
        (r"^无法连接邮件服务器 (?P<host>\S+)（(?P<x>.*)）$", "rem.why.smtp_connect"),
        (r"^机器人的 Webhook 地址未设置$", "rem.why.no_webhook"),
        (r"^" + _WHO + r"返回 HTTP (?P<x>\d+)$", "rem.why.http"),
        (r"^" + _WHO + r"响应超时（(?P<x>[^ ]*) 秒）$", "rem.why.robot_timeout"),
        (r"^无法连接" + _WHO + r"（(?P<x>.*)）$", "rem.why.robot_connect"),
        (r"^" + _WHO + r"的回应不是 JSON$", "rem.why.not_json"),
        (r"^" + _WHO + r"拒绝了消息（错误码 (?P<code>[^：]*)：(?P<x>.*)）$", "rem.why.refused"),
    )
]
_WHO_KEYS = {"钉钉机器人": "rem.who.dingtalk", "企业微信机器人": "rem.who.wecom"}


def reason_text(text: str | None, lang: str = "zh") -> str:
    """A recorded reason in `lang` (Chinese as stored; English through REASON_PATTERNS; a
    reason no pattern knows is shown as stored)."""
    if not text or lang == "zh":
        return text or ""
    for pattern, key in REASON_PATTERNS:
        m = pattern.match(text)
        if m is None:
            continue
        fields = m.groupdict()
        if "who" in fields:
            fields["who"] = t(_WHO_KEYS[fields["who"]], lang)
        said = t(key, lang, **fields) if fields else t(key, lang)
        return said[:1].upper() + said[1:]
    return text
