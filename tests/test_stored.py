"""Every office-edited setting is saved the same way: versioned, stale editors refused, audited."""

import logging

import pytest
from sqlmodel import select

from duban.assessment import formula
from duban.core.errors import StaleEdit
from duban.core.stored import NOTHING_SAVED
from duban.monitoring import rules
from duban.notices import rules as notice_rules
from duban.notices import templates
from models import AppSetting, AuditLog, Role
from tests.factories import make_user


def _warning_rules(session, actor, expected_version, n):
    rules.save_warning_rules(
        session, actor=actor, values={"due_soon_working_days": n}, expected_version=expected_version
    )


def _notice_rules(session, actor, expected_version, n):
    notice_rules.save_rules(
        session, actor=actor, rules={"escalate_after_ignored": n}, expected_version=expected_version
    )


def _template(session, actor, expected_version, n):
    templates.save_template(
        session,
        actor=actor,
        kind="urging",
        source=f"{{{{ unit }}}}第{n}稿",
        expected_version=expected_version,
    )


def _formula(session, actor, expected_version, n):
    formula.save_formula(
        session, actor=actor, values={"commendation": n}, expected_version=expected_version
    )


def _version(session, kind):
    if kind is _warning_rules:
        return rules.rules_with_version(session)[1]
    if kind is _notice_rules:
        return notice_rules.rules_version(session)
    if kind is _template:
        return templates.template_source(session, "urging")[2]
    return formula.load_formula(session)[1]


SETTINGS = [_warning_rules, _notice_rules, _template, _formula]


@pytest.mark.parametrize("save", SETTINGS, ids=lambda f: f.__name__.strip("_"))
def test_a_stale_editor_is_refused_and_nothing_changes(session, save):
    _, office = make_user(session, Role.office)
    assert _version(session, save) == NOTHING_SAVED
    opened_before_first_save = _version(session, save)
    save(session, office, opened_before_first_save, 2)
    with pytest.raises(StaleEdit):  # saved by someone else since this editor opened
        save(session, office, opened_before_first_save, 3)
    current = _version(session, save)
    with pytest.raises(StaleEdit):
        save(session, office, current + 1, 3)
    save(session, office, current, 4)
    assert _version(session, save) == current + 1
    audited = session.exec(select(AuditLog).where(AuditLog.action.like("%.update"))).all()
    assert len(audited) == 2  # the two saves that went through, none of the refused ones


def test_stored_rules_that_no_longer_validate_fall_back_with_a_logged_warning(session, caplog):
    session.add(AppSetting(key=rules.RULES_KEY, value={"behind_red_points": "x"}))
    session.add(AppSetting(key=formula.FORMULA_KEY, value={"commendation": "很多"}))
    session.commit()
    with caplog.at_level(logging.WARNING, logger="duban"):
        assert rules.load_warning_rules(session) == rules.WarningRules()
        assert formula.load_formula(session)[0] == formula.Formula()
    logged = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("warning rules" in r.getMessage() for r in logged)
    assert any("assessment formula" in r.getMessage() for r in logged)
