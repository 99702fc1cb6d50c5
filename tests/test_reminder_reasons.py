"""Every reason a delivery records reads in English in the English UI: real failures
against the local servers (refused, timed out, HTTP error, errcode, bad login, nothing
listening) and the outbox's skips, each through channels.reason_text."""

# ruff: noqa: F811 - the server fixtures are imported from tests.reminder_servers

import re

import pytest

from duban.reminders import channels
from models import Channel
from tests.reminder_servers import (  # noqa: F401 - fixtures
    DING_SECRET,
    SMTP_USER,
    free_port,
    robots,
    smtp_server,
)

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
MSG = channels.Message(subject="【逾期提醒】测试", body="正文", link="inbox")


def _reason(send) -> str:
    with pytest.raises(channels.ChannelError) as caught:
        send()
    return str(caught.value)


def _english(reason: str) -> str:
    text = channels.reason_text(reason, "en")
    assert text and not CJK.search(text), (reason, text)
    assert channels.reason_text(reason, "zh") == reason  # Chinese: as stored
    return text


def test_robot_failures_read_in_english(robots):
    ding = Channel(kind="dingtalk", name="群", config={"url": robots.ding_url}, secret=DING_SECRET)
    wecom = Channel(kind="wecom", name="群", config={"url": robots.wecom_url})
    robots.mode["dingtalk"] = "errcode"
    assert "refused the message" in _english(_reason(lambda: channels.send(ding, MSG)))
    robots.mode["wecom"] = "http500"
    assert "answered HTTP 500" in _english(_reason(lambda: channels.send(wecom, MSG)))
    robots.mode["dingtalk"] = "hang"
    said = _english(_reason(lambda: channels.send(ding, MSG, timeout=0.5)))
    assert said.startswith("The DingTalk robot did not answer in time")
    nobody = Channel(kind="wecom", name="群", config={"url": f"http://127.0.0.1:{free_port()}/x"})
    assert _english(_reason(lambda: channels.send(nobody, MSG))).startswith(
        "Cannot reach the WeCom robot ("
    )
    unset = Channel(kind="dingtalk", name="群", config={})
    assert _english(_reason(lambda: channels.send(unset, MSG))) == (
        "The robot's webhook address is not set"
    )


def test_mail_failures_read_in_english(smtp_server):
    config = {
        "host": smtp_server.host,
        "port": smtp_server.port,
        "security": "none",
        "username": SMTP_USER,
        "sender": "duban@example.org",
    }
    wrong = Channel(kind="smtp", name="邮件", config=config, secret="wrong-password")
    assert "refused the login" in _english(
        _reason(lambda: channels.send(wrong, MSG, to="a@example.org"))
    )
    closed = Channel(kind="smtp", name="邮件", config={**config, "port": free_port()})
    assert "Cannot reach the mail server 127.0.0.1" in _english(
        _reason(lambda: channels.send(closed, MSG, to="a@example.org"))
    )
    no_sender = Channel(kind="smtp", name="邮件", config={**config, "sender": ""})
    _english(_reason(lambda: channels.send(no_sender, MSG, to="a@example.org")))


@pytest.mark.parametrize(
    "reason", ["未配置邮件服务器", "用户未填写电子邮箱", "本单位或本角色未配置群机器人"]
)
def test_outbox_skips_read_in_english(reason):
    _english(reason)


def test_an_unknown_reason_is_shown_as_stored():
    assert channels.reason_text("某个新的原因", "en") == "某个新的原因"
