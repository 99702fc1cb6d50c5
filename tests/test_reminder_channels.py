"""Channels against real local servers: SMTP with login, a DingTalk robot that checks its
signature, a WeCom robot that checks its key; failures and timeouts are told in Chinese without
the secrets."""

# ruff: noqa: F811 - the server fixtures are imported from tests.reminder_servers

import time
import urllib.parse

import pytest

from duban.reminders import channels
from duban.reminders.channels import ChannelError, Message
from models import Channel
from tests.reminder_servers import (  # noqa: F401 - fixtures
    DING_SECRET,
    DING_TOKEN,
    SMTP_PASSWORD,
    SMTP_USER,
    WECOM_KEY,
    free_port,
    robots,
    smtp_server,
)

MSG = Message(
    subject="【督办台】任务“数据共享”3个工作日后到期",
    body="请于 2026年12月4日前报送进展。\n\n牵头单位：市数据局",
    link="https://duban.example.gov.cn/my_tasks?task=12",
    mobile="13800138000",
)


def mail_channel(server, **config) -> Channel:
    return Channel(
        kind="smtp",
        name="邮件服务器",
        config={
            "host": server.host,
            "port": server.port,
            "security": "none",
            "username": SMTP_USER,
            "sender": "duban@example.org",
            "sender_name": "督办台",
            **config,
        },
        secret=SMTP_PASSWORD,
    )


def test_email_arrives_with_utf8_subject_text_and_html(smtp_server):
    channels.send(mail_channel(smtp_server), MSG, to="unit01@example.org", timeout=5)
    [(rcpts, msg)] = smtp_server.messages
    assert rcpts == ["unit01@example.org"]
    assert smtp_server.box.logins == [SMTP_USER]
    assert msg["Subject"] == MSG.subject
    assert "duban@example.org" in msg["From"] and "督办台" in msg["From"]
    text = msg.get_body(("plain",)).get_content()
    assert "请于 2026年12月4日前报送进展" in text and MSG.link in text
    html = msg.get_body(("html",)).get_content()
    assert f'href="{MSG.link}"' in html and "市数据局" in html


def test_email_wrong_password_is_refused_without_the_password(smtp_server):
    ch = mail_channel(smtp_server)
    ch.secret = "wrong-password-zz"
    with pytest.raises(ChannelError) as err:
        channels.send(ch, MSG, to="a@example.org", timeout=5)
    assert "拒绝登录" in err.value.message and "wrong-password-zz" not in err.value.message
    assert not smtp_server.messages


def test_email_to_a_closed_port_says_it_cannot_connect():
    port = free_port()  # nothing listens there
    ch = Channel(
        kind="smtp",
        name="x",
        config={"host": "127.0.0.1", "port": port, "security": "none", "sender": "a@b.cn"},
    )
    with pytest.raises(ChannelError, match="无法连接邮件服务器"):
        channels.send(ch, MSG, to="a@example.org", timeout=2)


def test_dingtalk_signed_markdown_with_mention(robots):
    ch = Channel(
        kind="dingtalk", name="市数据局群", config={"url": robots.ding_url}, secret=DING_SECRET
    )
    channels.send(ch, MSG, timeout=5)
    [payload] = robots.of("dingtalk")
    assert payload["msgtype"] == "markdown"
    assert payload["markdown"]["title"] == MSG.subject
    assert MSG.link in payload["markdown"]["text"] and "@13800138000" in payload["markdown"]["text"]
    assert payload["at"] == {"atMobiles": ["13800138000"], "isAtAll": False}


def test_dingtalk_wrong_secret_is_refused_by_the_robot(robots):
    ch = Channel(kind="dingtalk", name="群", config={"url": robots.ding_url}, secret="SECwrong")
    with pytest.raises(ChannelError) as err:
        channels.send(ch, MSG, timeout=5)
    assert "310000" in err.value.message and "sign not match" in err.value.message
    assert robots.refused == [("dingtalk", "sign not match")] and not robots.received
    for secret in ("SECwrong", DING_TOKEN):
        assert secret not in err.value.message


def test_dingtalk_sign_matches_the_documented_formula():
    # the example of DingTalk's documentation: timestamp in ms, "{ts}\n{secret}", URL-encoded
    sign = channels.dingtalk_sign("SECabc", 1577262236757)
    assert "%" in sign or sign.isalnum()
    url = channels.signed_url("https://oapi.dingtalk.com/robot/send?access_token=t", "SECabc", 1)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert query["timestamp"] == "1" and query["access_token"] == "t"
    assert urllib.parse.quote_plus(query["sign"]) == channels.dingtalk_sign("SECabc", 1)


def test_wecom_markdown_and_wrong_key(robots):
    ch = Channel(kind="wecom", name="督查群", config={"url": robots.wecom_url})
    channels.send(ch, MSG, timeout=5)
    [payload] = robots.of("wecom")
    assert payload["msgtype"] == "markdown" and MSG.subject in payload["markdown"]["content"]
    bad = Channel(kind="wecom", name="x", config={"url": robots.wecom_url.replace(WECOM_KEY, "k0")})
    with pytest.raises(ChannelError, match="企业微信机器人拒绝了消息"):
        channels.send(bad, MSG, timeout=5)


def test_a_hanging_robot_times_out_quickly(robots):
    robots.mode["wecom"] = "hang"
    ch = Channel(kind="wecom", name="x", config={"url": robots.wecom_url})
    start = time.monotonic()
    with pytest.raises(ChannelError, match="超时") as err:
        channels.send(ch, MSG, timeout=0.5)
    assert time.monotonic() - start < 5
    assert WECOM_KEY not in err.value.message and not err.value.permanent


def test_http_error_and_unconfigured_robot(robots):
    robots.mode["dingtalk"] = "http500"
    ch = Channel(kind="dingtalk", name="x", config={"url": robots.ding_url})
    with pytest.raises(ChannelError, match="HTTP 500"):
        channels.send(ch, MSG, timeout=5)
    with pytest.raises(ChannelError, match="Webhook") as err:
        channels.send(Channel(kind="dingtalk", name="x", config={}), MSG)
    assert err.value.permanent


def test_link_is_absolute_with_public_url_and_token_is_masked():
    assert channels.absolute_link("my_tasks?task=3", "https://d.gov.cn") == (
        "https://d.gov.cn/my_tasks?task=3"
    )
    assert channels.absolute_link("my_tasks?task=3", "") == "my_tasks?task=3"
    masked = channels.mask_url(f"https://oapi.dingtalk.com/robot/send?access_token={DING_TOKEN}")
    assert DING_TOKEN not in masked and "access_token=ding…" in masked


def test_what_users_typed_draws_no_link_image_or_html_in_a_robot_group(robots):
    """A task title is user text: in the group it reads as typed, it fetches nothing."""
    planted = Message(
        subject="【逾期提醒】任务“![x](http://198.51.100.7/p.png)”已逾期",
        body="1. (3) [点此](http://198.51.100.7/login) <font color=red>紧急</font>，已逾期3个工作日",
        link="https://duban.example.gov.cn/my_tasks?task=3",
    )
    ding = Channel(kind="dingtalk", name="群", config={"url": robots.ding_url}, secret=DING_SECRET)
    wecom = Channel(kind="wecom", name="群", config={"url": robots.wecom_url})
    channels.send(ding, planted, timeout=5)
    channels.send(wecom, planted, timeout=5)
    texts = [
        robots.of("dingtalk")[0]["markdown"]["text"],
        robots.of("wecom")[0]["markdown"]["content"],
    ]
    for text in texts:
        user_part = text.split("[点击办理]")[0]
        assert "](" not in user_part and "<font" not in user_part and "![" not in user_part
        assert (
            "点此" in user_part and "紧急" in user_part and "198.51.100.7" in user_part
        )  # as typed
        assert "[点击办理](https://duban.example.gov.cn/my_tasks?task=3)" in text  # our own link
