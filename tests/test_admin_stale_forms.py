"""系统管理 forms save against the record as it was when the form opened (issue 11 #14).

A 单位 edit form opened before someone else's save used to be re-read on submit: the typed
name was dropped and the short name written over the other edit. Now the save is refused as
stale, nothing changes, and what the user typed stays in the form. The same for the user,
warning-rule, calendar, notice-template and notice-rule editors.
"""

import datetime as dt

import pytest
from sqlmodel import Session, select

from duban.core.db import make_engine
from duban.core.errors import StaleEdit
from duban.core.permissions import Actor
from duban.monitoring import holidays
from duban.monitoring import rules as rules_mod
from duban.notices import rules as notice_rules
from duban.notices import templates
from duban.org import departments, users
from models import AppUser, AuditLog, Department
from tests.apptest import errors, page_as
from tests.factories import make_user

STALE = "已被他人修改"


def _db(url: str) -> Session:
    return Session(make_engine(url), expire_on_commit=False)


def _office(s: Session) -> Actor:
    return Actor.of(s.exec(select(AppUser).where(AppUser.username == "office")).one())


def _department(s: Session, name: str) -> Department:
    return s.exec(select(Department).where(Department.name == name)).one()


def _audit_count(s: Session) -> int:
    return len(s.exec(select(AuditLog.id)).all())


def _button(at, label: str, n: int = 0):
    return [b for b in at.button if b.label == label][n]


def test_a_stale_department_form_is_refused_and_keeps_what_was_typed(demo_db):
    at = page_as("admin", "office", "office")
    with _db(demo_db) as s:
        dept = _department(s, "市公安局")
    at.radio(key="dept_mode").set_value("编辑单位").run()
    at.selectbox(key="dept_pick").set_value(dept.id).run()
    name = at.text_input(key=f"dept_{dept.id}_{dept.version}_name")
    assert name.value == "市公安局"
    # Meanwhile another administrator renames the unit.
    with _db(demo_db) as s:
        departments.update_department(
            s,
            actor=_office(s),
            department_id=dept.id,
            expected_version=dept.version,
            name="市公安局（新）",
            short_name="公安",
        )
        audits = _audit_count(s)
    name.input("平湖市公安局")
    at.text_input(key=f"dept_{dept.id}_{dept.version}_short").input("市局")
    _button(at, "保存").click().run()
    assert any(STALE in e for e in errors(at)), errors(at)
    with _db(demo_db) as s:
        stored = s.get(Department, dept.id)
        assert (stored.name, stored.short_name) == ("市公安局（新）", "公安")
        assert _audit_count(s) == audits
    # What the user typed is still there, under a note with a reload button.
    assert at.text_input(key=f"dept_{dept.id}_{dept.version}_name").value == "平湖市公安局"
    assert any("已被他人修改" in w.value for w in at.warning)
    _button(at, "载入最新").click().run()
    assert at.text_input(key=f"dept_{dept.id}_{dept.version + 1}_name").value == "市公安局（新）"


def test_a_department_form_saves_when_nobody_else_did(demo_db):
    at = page_as("admin", "office", "office")
    with _db(demo_db) as s:
        dept = _department(s, "市公安局")
    at.radio(key="dept_mode").set_value("编辑单位").run()
    at.selectbox(key="dept_pick").set_value(dept.id).run()
    at.text_input(key=f"dept_{dept.id}_{dept.version}_short").input("市公安")
    _button(at, "保存").click().run()
    assert not at.exception and not errors(at), errors(at)
    assert any("已保存" in m.value for m in at.success)
    with _db(demo_db) as s:
        assert s.get(Department, dept.id).short_name == "市公安"


def test_a_stale_user_form_is_refused(demo_db):
    with _db(demo_db) as s:
        user = s.exec(select(AppUser).where(AppUser.username == "dept02")).one()
    at = page_as("admin", "office", "office")
    at.selectbox(key="user_pick").set_value(user.id).run()
    with _db(demo_db) as s:
        users.update_user(
            s,
            actor=_office(s),
            user_id=user.id,
            expected_version=user.version,
            display_name="王五",
        )
    at.text_input(key=f"user_edit_{user.id}_{user.version}_name").input("李四")
    _button(at, "保存").click().run()  # the unit form shows 创建 (new unit) by default
    assert any(STALE in e for e in errors(at)), errors(at)
    with _db(demo_db) as s:
        assert s.get(AppUser, user.id).display_name == "王五"


def test_a_stale_warning_rules_form_is_refused(demo_db):
    at = page_as("admin", "office", "office")
    with _db(demo_db) as s:
        rules_mod.save_warning_rules(
            s,
            actor=_office(s),
            values={**rules_mod.load_warning_rules(s).to_dict(), "stagnant_working_days": 12},
            expected_version=0,
        )
    at.number_input(key="rule_stagnant_working_days_0").set_value(8)
    _button(at, "保存规则").click().run()
    assert any(STALE in e for e in errors(at)), errors(at)
    with _db(demo_db) as s:
        assert rules_mod.load_warning_rules(s).stagnant_working_days == 12


def test_a_stale_notice_template_editor_keeps_the_typed_text(demo_db):
    at = page_as("admin", "office", "office")
    at.selectbox(key="tpl_kind").set_value("urging").run()
    with _db(demo_db) as s:
        source = templates.template_source(s, "urging")[0]
        templates.save_template(
            s, actor=_office(s), kind="urging", source=source + "\n（他人修改）", expected_version=0
        )
    typed = "{{ unit }}：请加快推进{{ tasks|length }}项任务。"
    at.text_area(key="tpl_src_urging_0").input(typed)
    at.button(key="tpl_save").click().run()
    assert any(STALE in e for e in errors(at)), errors(at)
    assert at.text_area(key="tpl_src_urging_0").value == typed
    with _db(demo_db) as s:
        assert templates.template_source(s, "urging")[0].endswith("（他人修改）")


def test_a_stale_notice_rules_editor_is_refused(demo_db):
    at = page_as("admin", "office", "office")
    with _db(demo_db) as s:
        rules = notice_rules.load_notice_rules(s)
        notice_rules.save_rules(
            s, actor=_office(s), rules={**rules, "copy_to": "市委办公室"}, expected_version=0
        )
    at.text_input(key="nr_0_copy").input("市政府办公室")
    at.button(key="nr_save").click().run()
    assert any(STALE in e for e in errors(at)), errors(at)
    with _db(demo_db) as s:
        assert notice_rules.load_notice_rules(s)["copy_to"] == "市委办公室"


def test_a_calendar_edit_made_on_rows_someone_else_changed_is_refused(session):
    """The calendar editor's edits are positions in the rows it showed: if the table changed
    since, applying them would change rows the user never saw."""
    _, office = make_user(session)
    day = dt.date(2027, 10, 9)
    holidays.apply_calendar_changes(
        session, actor=office, upserts=[holidays.CalendarChange(day, True, "国庆调休")]
    )
    shown = holidays.year_rows(session, 2027)
    holidays.apply_calendar_changes(  # someone else, meanwhile
        session, actor=office, upserts=[holidays.CalendarChange(day, False, "国庆节")]
    )
    before = holidays.year_rows(session, 2027)
    with pytest.raises(StaleEdit):
        holidays.apply_calendar_changes(
            session,
            actor=office,
            upserts=[holidays.CalendarChange(dt.date(2027, 10, 10), True, "调休")],
            deletes=[day],
            seen=(2027, shown),
        )
    assert holidays.year_rows(session, 2027) == before
    holidays.apply_calendar_changes(
        session, actor=office, deletes=[day], seen=(2027, before)
    )  # with what is there now, the same edit goes through
    assert holidays.year_rows(session, 2027) == ()
