"""Warning rules and the holiday table: validation, permissions, versions, audit, the admin tab."""

import datetime as dt

import pytest
from sqlmodel import Session, select

from duban.core import db
from duban.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from duban.monitoring import holidays, rules
from duban.monitoring.lights import WarningRules
from models import AppSetting, AuditLog, CalendarDay, Role
from tests.apptest import errors, page_as
from tests.factories import make_user


def _audit(session, action):
    return session.exec(select(AuditLog).where(AuditLog.action == action)).all()


def test_defaults_until_saved_then_saved_rules(session):
    _, office = make_user(session, Role.office)
    assert rules.rules_with_version(session) == (WarningRules(), 0)
    v0 = db.data_version(session.get_bind())
    saved = rules.save_warning_rules(
        session, actor=office, values={"stagnant_working_days": 7}, expected_version=0
    )
    assert saved.stagnant_working_days == 7
    loaded, version = rules.rules_with_version(session)
    assert loaded.stagnant_working_days == 7 and loaded.behind_red_points == 30 and version == 1
    assert len(_audit(session, "warning_rules.update")) == 1
    assert db.data_version(session.get_bind()) == v0 + 1  # dashboards recompute at once


def test_bad_rules_are_refused_in_chinese_and_nothing_changes(session):
    _, office = make_user(session, Role.office)
    with pytest.raises(ValidationFailed, match="黄灯进度落后阈值.*须小于红灯"):
        rules.save_warning_rules(
            session, actor=office, values={"behind_yellow_points": 40, "behind_red_points": 30}
        )
    with pytest.raises(ValidationFailed, match="整数"):
        rules.save_warning_rules(session, actor=office, values={"stagnant_working_days": "十"})
    with pytest.raises(ValidationFailed, match="未知的预警规则项"):
        rules.save_warning_rules(session, actor=office, values={"colour": "red"})
    assert session.get(AppSetting, rules.RULES_KEY) is None
    assert not _audit(session, "warning_rules.update")


def test_only_the_office_edits_rules(session):
    for role in (Role.leader, Role.inspector, Role.dept_head):
        _, actor = make_user(session, role)
        with pytest.raises(PermissionDenied):
            rules.save_warning_rules(session, actor=actor, values={})
        with pytest.raises(PermissionDenied):
            holidays.save_calendar_day(
                session, actor=actor, day=dt.date(2027, 1, 1), is_workday=False
            )


def test_lost_race_on_rules_is_refused(session):
    _, office = make_user(session, Role.office)
    rules.save_warning_rules(session, actor=office, values={}, expected_version=0)
    rules.save_warning_rules(
        session, actor=office, values={"due_soon_working_days": 3}, expected_version=1
    )
    with pytest.raises(StaleEdit):  # an editor opened at version 1 saves after someone else
        rules.save_warning_rules(
            session, actor=office, values={"due_soon_working_days": 9}, expected_version=1
        )
    with pytest.raises(StaleEdit):  # an editor that saw the defaults
        rules.save_warning_rules(session, actor=office, values={}, expected_version=0)
    assert rules.load_warning_rules(session).due_soon_working_days == 3


def test_a_broken_stored_row_falls_back_to_defaults(session):
    session.add(AppSetting(key=rules.RULES_KEY, value={"behind_red_points": "x"}))
    session.commit()
    assert rules.load_warning_rules(session) == WarningRules()


def test_calendar_overrides_win_and_are_audited(session):
    _, office = make_user(session, Role.office)
    assert holidays.load_calendar(session).is_workday(dt.date(2027, 1, 1))  # Mon–Fri fallback
    n = holidays.apply_calendar_changes(
        session,
        actor=office,
        upserts=[
            holidays.CalendarChange(dt.date(2027, 1, 1), False, "元旦"),
            holidays.CalendarChange(dt.date(2027, 2, 6), True, "春节调休"),
            holidays.CalendarChange(dt.date(2026, 10, 1), True, "测试：国庆改上班"),
        ],
    )
    assert n == 3
    cal = holidays.load_calendar(session)
    assert not cal.is_workday(dt.date(2027, 1, 1))
    assert cal.is_workday(dt.date(2027, 2, 6))  # a Saturday
    assert cal.is_workday(dt.date(2026, 10, 1))  # the table wins over the package
    assert cal.unknown_years(dt.date(2026, 1, 1), dt.date(2027, 12, 31)) == []
    # unchanged rows are not rewritten; deleting restores the package's answer
    assert (
        holidays.apply_calendar_changes(
            session,
            actor=office,
            upserts=[holidays.CalendarChange(dt.date(2027, 1, 1), False, "元旦")],
        )
        == 0
    )
    holidays.delete_calendar_day(session, actor=office, day=dt.date(2026, 10, 1))
    assert not holidays.load_calendar(session).is_workday(dt.date(2026, 10, 1))
    actions = [a.action for a in session.exec(select(AuditLog)).all()]
    assert actions.count("calendar_day.create") == 3 and actions.count("calendar_day.delete") == 1


def test_calendar_bad_input_changes_nothing(session):
    _, office = make_user(session, Role.office)
    day = dt.date(2027, 5, 1)
    with pytest.raises(ValidationFailed, match="重复"):
        holidays.apply_calendar_changes(
            session,
            actor=office,
            upserts=[holidays.CalendarChange(day, False), holidays.CalendarChange(day, True)],
        )
    with pytest.raises(ValidationFailed, match="60 个字符"):
        holidays.save_calendar_day(session, actor=office, day=day, is_workday=False, name="节" * 61)
    with pytest.raises(ValidationFailed, match="超出"):
        holidays.save_calendar_day(session, actor=office, day=dt.date(1999, 1, 1), is_workday=False)
    assert session.exec(select(CalendarDay)).all() == []


def test_unknown_years_warning_names_the_years():
    cal = holidays.WorkCalendar()
    msg = holidays.unknown_years_warning(cal, dt.date(2026, 6, 1), dt.date(2028, 1, 1))
    assert "2027 年、2028 年" in msg and "节假日与调休" in msg
    assert holidays.unknown_years_warning(cal, dt.date(2025, 1, 1), dt.date(2026, 12, 31)) is None


def test_admin_tab_saves_rules_and_shows_the_fallback_warning(demo_db):
    at = page_as("admin", "office", "office")
    assert "预警规则与节假日" in [tab.label for tab in at.tabs]
    at.selectbox(key="cal_year").select(2027).run()
    assert any("2027 年" in w.value and "周一至周五" in w.value for w in at.warning)
    at.number_input(key="rule_stagnant_working_days_0").set_value(8)
    [b for b in at.button if b.label == "保存规则"][0].click().run()
    assert not at.exception and not errors(at), errors(at)
    with Session(db.make_engine(demo_db)) as s:
        assert rules.load_warning_rules(s).stagnant_working_days == 8
    at.number_input(key="rule_behind_yellow_points_1").set_value(50)
    [b for b in at.button if b.label == "保存规则"][0].click().run()
    assert any("须小于红灯" in e for e in errors(at))
