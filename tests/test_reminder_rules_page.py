"""系统管理 → 提醒规则 (AppTest): the office edits a rule and saves; a stale form is refused;
the preview counts what `evaluate` plans; and each user's 消息 on the account page."""

import datetime as dt

from sqlmodel import Session, select

from duban.core import clock
from duban.core.db import make_engine
from duban.core.permissions import Actor
from duban.monitoring import holidays
from duban.reminders import outbox
from duban.reminders import rules as rr
from models import AppUser, Notification
from tests.apptest import errors, page_as

STALE = "已被他人修改"


def _db(url: str) -> Session:
    return Session(make_engine(url), expire_on_commit=False)


def _user(s: Session, username: str) -> AppUser:
    return s.exec(select(AppUser).where(AppUser.username == username)).one()


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


def _rules_tab(at):
    return next(tab for tab in at.tabs if tab.label == "提醒规则")


def test_the_office_edits_and_saves_the_reminder_rules(demo_db):
    at = page_as("admin", "office", "office")
    assert not at.exception, at.exception
    _rules_tab(at)
    at.number_input(key="rr_due_soon_0_days").set_value(5)
    at.selectbox(key="rr_overdue_0_hour").set_value(10)
    at.toggle(key="rr_notice_unsigned_0_on").set_value(False)
    _button(at, "保存提醒规则").click().run()
    assert not errors(at), errors(at)
    with _db(demo_db) as s:
        rules, version = rr.rules_with_version(s)
    assert version == 1
    assert rules.rule(rr.DUE_SOON).days == 5
    assert rules.rule(rr.OVERDUE).hour == 10
    assert rules.rule(rr.NOTICE_UNSIGNED).enabled is False
    assert rules.rule(rr.CYCLE_MISSED) == rr.ReminderRules().rule(rr.CYCLE_MISSED)


def test_a_stale_reminder_rules_form_is_refused(demo_db):
    at = page_as("admin", "office", "office")
    with _db(demo_db) as s:
        values = rr.ReminderRules().to_dict()
        values["quiet_start"] = 21
        rr.save_reminder_rules(
            s, actor=Actor.of(_user(s, "office")), values=values, expected_version=0
        )
    at.number_input(key="rr_due_soon_0_days").set_value(7)
    _button(at, "保存提醒规则").click().run()
    assert any(STALE in e for e in errors(at)), errors(at)
    with _db(demo_db) as s:
        rules, version = rr.rules_with_version(s)
    assert (rules.quiet_start, rules.rule(rr.DUE_SOON).days, version) == (21, 3, 1)


def test_the_preview_counts_what_would_be_sent(demo_db):
    at = page_as("admin", "office", "office")
    with _db(demo_db) as s:
        cal = holidays.load_calendar(s)
        day = cal.add_working_days(clock.today(), 1)
        expected = len(rr.evaluate(s, dt.datetime.combine(day, dt.time(9)), cal))
    assert expected > 0  # the demo has overdue tasks and unit heads
    _button(at, "计算").click().run()
    assert not at.exception, at.exception
    shown = [m.value for m in at.success]
    assert any(f"将发送 {expected} 条消息" in m for m in shown), shown


def test_a_unit_head_reads_and_marks_own_messages(demo_db):
    with _db(demo_db) as s:
        head = _user(s, "dept01")
        other = _user(s, "dept02")
        mine = outbox.enqueue(s, user=head, rule="overdue", key="k1", subject="【逾期提醒】甲")
        outbox.enqueue(s, user=other, rule="overdue", key="k2", subject="【逾期提醒】乙")
        s.commit()
        assert mine is not None
        mine_id = mine.id
    at = page_as("account", "dept01", "dept_head")
    assert not at.exception, at.exception
    texts = " ".join(m.value for m in at.markdown)
    assert "甲" in texts and "乙" not in texts
    assert any("1 条未读" in c.value for c in at.caption)
    at.button(key=f"msg_read_{mine_id}").click().run()
    with _db(demo_db) as s:
        assert s.get(Notification, mine_id).read_at is not None
        assert all(
            n.read_at is None
            for n in s.exec(select(Notification).where(Notification.user_id == other.id))
        )
    assert any("0 条未读" in c.value for c in at.caption)


def test_only_the_office_sees_the_reminder_rules(demo_db):
    at = page_as("account", "leader", "leader")
    assert not any(tab.label == "提醒规则" for tab in at.tabs)
    at.switch_page("pages/admin.py")  # not registered for a leader: the run fails
    at.run()
    assert at.exception
    assert not any(tab.label == "提醒规则" for tab in at.tabs)
