"""AppTest of 系统管理 › 通知渠道 and 发送记录, and 个人设置 › 提醒方式: the office sets the mail
server and a robot, tests them, reads the log and retries a failure; a unit head chooses its
channels; secrets never reach the page or the audit log."""

# ruff: noqa: F811 - the server fixtures are imported from tests.reminder_servers

import json

from sqlmodel import Session, select

from duban.core.db import make_engine
from models import AppUser, AuditLog, Channel, Delivery, NotifyPreference
from tests.apptest import errors, page_as
from tests.reminder_servers import (  # noqa: F401 - fixtures
    DING_SECRET,
    DING_TOKEN,
    SMTP_PASSWORD,
    SMTP_USER,
    robots,
    smtp_server,
)


def page_text(at) -> str:
    """Everything the page shows: text elements, widget labels and values, table cells."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "code", "success", "error", "warning", "info", "subheader"):
        parts += [str(e.value) for e in getattr(at, kind)]
    for kind in ("text_input", "selectbox", "number_input", "checkbox", "toggle", "radio"):
        parts += [f"{w.label}={w.value}" for w in getattr(at, kind)]
    parts += [df.value.to_string() for df in at.dataframe]
    return "\n".join(parts)


def by_label(widgets, label: str, form: str | None = None):
    """The widgets with this label (in the form `form`, when given)."""
    return [w for w in widgets if w.label == label and (form is None or w.proto.form_id == form)]


def submit(at, form: str):
    return [b for b in at.button if b.proto.form_id == form and b.key.startswith("FormSubmitter")][
        0
    ]


def audit_dump(url: str) -> str:
    with Session(make_engine(url)) as s:
        return json.dumps(
            [[a.action, a.before, a.after, a.note] for a in s.exec(select(AuditLog)).all()],
            ensure_ascii=False,
        )


def test_office_sets_and_tests_the_mail_server(demo_db, smtp_server):
    at = page_as("admin", "office", "office")
    assert {"通知渠道", "发送记录"} <= {t.label for t in at.tabs}
    by_label(at.text_input, "服务器地址")[0].input(smtp_server.host)
    by_label(at.number_input, "端口")[0].set_value(smtp_server.port)
    by_label(at.selectbox, "加密方式")[0].set_value("none")
    by_label(at.text_input, "登录用户名（不需要登录则留空）")[0].input(SMTP_USER)
    by_label(at.text_input, "密码或授权码")[0].input(SMTP_PASSWORD)
    by_label(at.text_input, "发件人地址")[0].input("duban@example.org")
    submit(at, "smtp_form").click().run()
    assert not at.exception and not errors(at), errors(at)
    with Session(make_engine(demo_db)) as s:
        server = s.exec(select(Channel).where(Channel.kind == "smtp")).one()
        assert server.secret == SMTP_PASSWORD and server.config["port"] == smtp_server.port
    assert SMTP_PASSWORD not in page_text(at)
    assert any("已保存密码" in c.value for c in at.caption)

    by_label(at.text_input, "测试收件地址")[0].input("me@example.org")
    [b for b in at.button if b.key == "smtp_test"][0].click().run()
    assert not errors(at), errors(at)
    assert any("测试消息已发出" in s.value for s in at.success)
    assert [rcpts for rcpts, _ in smtp_server.messages] == [["me@example.org"]]
    assert SMTP_PASSWORD not in page_text(at) and SMTP_PASSWORD not in audit_dump(demo_db)


def test_office_adds_a_signed_robot_and_secrets_stay_hidden(demo_db, robots):
    at = page_as("admin", "office", "office")
    form = "robot_new_form"
    by_label(at.text_input, "名称", form)[0].input("市政务服务和大数据管理局工作群")
    with Session(make_engine(demo_db)) as s:
        office = s.exec(select(AppUser).where(AppUser.username == "office")).one()
    by_label(at.selectbox, "单位", form)[0].set_value(office.department_id)
    by_label(at.text_input, "Webhook 地址", form)[0].input(robots.ding_url)
    by_label(at.text_input, "加签密钥（钉钉，可选）", form)[0].input(DING_SECRET)
    submit(at, "robot_new_form").click().run()
    assert not at.exception and not errors(at), errors(at)
    with Session(make_engine(demo_db)) as s:
        robot = s.exec(select(Channel).where(Channel.kind == "dingtalk")).one()
        assert robot.secret == DING_SECRET and DING_TOKEN in robot.config["url"]
        robot_id = robot.id
    at.selectbox(key="robot_pick").set_value(robot_id).run()
    text = page_text(at)
    assert "市政务服务和大数据管理局工作群" in text
    assert DING_SECRET not in text and DING_TOKEN not in text and "access_token=ding…" in text
    [b for b in at.button if b.key == f"robot_test_{robot_id}"][0].click().run()
    assert any("测试消息已发出" in s.value for s in at.success), errors(at)
    assert len(robots.of("dingtalk")) == 1  # the receiver checked the signature
    dump = audit_dump(demo_db)
    assert DING_SECRET not in dump and DING_TOKEN not in dump


def test_log_shows_a_failure_and_the_office_retries_it(demo_db, robots):
    robots.mode["wecom"] = "http500"
    at = page_as("admin", "office", "office")
    form = "robot_new_form"
    by_label(at.selectbox, "类型", form)[0].set_value("wecom")
    by_label(at.text_input, "名称", form)[0].input("督查组群")
    by_label(at.radio, "发送到", form)[0].set_value("role")
    by_label(at.selectbox, "角色", form)[0].set_value("inspector")
    by_label(at.text_input, "Webhook 地址", form)[0].input(robots.wecom_url)
    submit(at, "robot_new_form").click().run()
    assert not errors(at), errors(at)
    with Session(make_engine(demo_db)) as s:
        robot_id = s.exec(select(Channel).where(Channel.kind == "wecom")).one().id
    at.selectbox(key="robot_pick").set_value(robot_id).run()
    [b for b in at.button if b.key == f"robot_test_{robot_id}"][0].click().run()
    assert any("HTTP 500" in e for e in errors(at))
    [log] = [df.value for df in at.dataframe if "原因" in df.value.columns]
    assert list(log["状态"]) == ["失败"] and "HTTP 500" in log["原因"].iloc[0]
    with Session(make_engine(demo_db)) as s:
        failed_id = s.exec(select(Delivery).where(Delivery.status == "failed")).one().id
    at.selectbox(key="rem_retry_pick").set_value(failed_id).run()
    at.button(key="rem_retry").click().run()
    assert not errors(at), errors(at)
    with Session(make_engine(demo_db)) as s:
        row = s.exec(select(Delivery).where(Delivery.channel == "wecom")).one()
        assert (row.status, row.attempts) == ("pending", 0)


def test_unit_head_chooses_reminder_channels(demo_db):
    at = page_as("account", "dept01", "dept_head")
    assert any(s.value == "提醒方式" for s in at.subheader)
    by_label(at.text_input, "手机号（用于在群内 @ 提醒）")[0].input("123")
    by_label(at.toggle, "工作群机器人提醒")[0].set_value(True)
    submit(at, "notify_prefs").click().run()
    assert any("手机号" in e for e in errors(at))
    by_label(at.text_input, "电子邮箱")[0].input("dept01@example.org")
    by_label(at.text_input, "手机号（用于在群内 @ 提醒）")[0].input("13800138000")
    by_label(at.toggle, "邮件提醒")[0].set_value(True)
    submit(at, "notify_prefs").click().run()
    assert not errors(at), errors(at)
    assert any("提醒方式已保存" in s.value for s in at.success)
    with Session(make_engine(demo_db)) as s:
        user = s.exec(select(AppUser).where(AppUser.username == "dept01")).one()
        pref = s.get(NotifyPreference, user.id)
        assert user.email == "dept01@example.org"
        assert (pref.email_on, pref.robot_on, pref.mobile) == (True, True, "13800138000")
    assert by_label(at.toggle, "邮件提醒")[0].value is True  # the form reads the saved values
