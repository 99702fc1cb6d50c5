"""AppTest of sessions in the app: revocation elsewhere, throttles that leave open
sessions alone, 登录安全 in 系统管理, sign out everywhere, production's demo-password refusal
(issue 11 #2, #3, #4, #16)."""

import secrets

from sqlmodel import Session, select

from duban.core.db import make_engine
from duban.core.permissions import Actor
from duban.org import auth as dauth
from duban.org import sessions
from models import AppUser, AuditLog, Department
from tests.apptest import app_as, errors, fresh_app, open_session, page_as
from ui.auth import SID


def _db(url: str) -> Session:
    return Session(make_engine(url), expire_on_commit=False)


def _user(s: Session, username: str) -> AppUser:
    return s.exec(select(AppUser).where(AppUser.username == username)).one()


def _on_login_page(at) -> bool:
    return any(w.key == "login_username" for w in at.text_input)


def _next_run(at):
    """The tab's next run through app.py. (A second `at.run()` would not do: AppTest reruns
    a page of an app with a pages/ folder directly, without app.py's guard.)"""
    again = fresh_app()
    again.session_state[SID] = at.session_state[SID]
    again.run()
    return again


def test_a_session_ended_elsewhere_signs_this_tab_out(demo_db):
    """issue 11 #2: every run re-checks the session on the server."""
    at = app_as("dept01", "dept_head")
    at.run()
    assert not _on_login_page(at) and _next_run(at).session_state["authentication_status"]
    with _db(demo_db) as s:
        user = _user(s, "dept01")
        sessions.sign_out_everywhere(s, actor=Actor.of(user), user_id=user.id)
    after = _next_run(at)
    assert _on_login_page(after) and not after.session_state["authentication_status"]
    assert any("登录已结束" in w.value for w in after.warning)


def test_failed_logins_elsewhere_leave_an_open_session_alone(demo_db):
    """issue 11 #3: five wrong passwords for office used to lock it and end its session."""
    at = app_as("office", "office")
    at.run()
    with _db(demo_db) as s:
        for _ in range(8):
            dauth.attempt_login(s, "office", "wrong-password", source="203.0.113.50")
    after = _next_run(at)
    assert not _on_login_page(after) and not after.exception
    assert after.session_state["actor"].username == "office"


def test_office_sees_and_lifts_a_throttle_and_sees_live_sessions(demo_db):
    """issue 11 #3: 系统管理 › 登录安全."""
    with _db(demo_db) as s:
        for _ in range(5):
            dauth.attempt_login(s, "leader", "wrong-password", source="192.0.2.77")
    open_session("inspector")
    at = page_as("admin", "office", "office")
    assert "登录安全" in [tab.label for tab in at.tabs]
    frames = [f.value for f in at.dataframe]
    throttles = next(f for f in frames if "限制至" in f.columns)
    assert list(throttles["来源地址"]) == ["192.0.2.77"]
    live = next(f for f in frames if "最近活动" in f.columns)
    assert {"office", "inspector"} <= set(live["用户名"])
    [b for b in at.button if b.label == "解除该限制"][0].click().run()
    assert not errors(at), errors(at)
    with _db(demo_db) as s:
        assert dauth.attempt_login(s, "leader", "duban-demo", source="192.0.2.77").ok
        assert s.exec(select(AuditLog).where(AuditLog.action == "auth.lift")).one()


def test_sign_out_everywhere_from_the_account_page(demo_db):
    """issue 11 #2: 个人设置 › 退出所有设备 ends this session and every other one."""
    other = open_session("dept02")
    at = page_as("account", "dept02", "dept_head")
    assert any("登录设备" in h.value for h in at.subheader)
    [b for b in at.button if b.label.startswith("退出所有设备")][0].click().run()
    assert _on_login_page(at)
    with _db(demo_db) as s:
        assert sessions.check(s, other) is None
        user = _user(s, "dept02")
        assert sessions.live_sessions(s, actor=Actor.of(user), user_id=user.id) == []


def test_audit_rows_from_the_ui_carry_the_client_address(demo_db):
    """issue 11 #16: the actor a page passes to services knows where the request came from."""
    at = page_as("admin", "office", "office")
    [w for w in at.text_input if w.label == "单位全称"][0].input("市审计局")
    [b for b in at.button if b.label == "创建"][0].click().run()
    assert not errors(at), errors(at)
    with _db(demo_db) as s:
        dept = s.exec(select(Department).where(Department.name == "市审计局")).one()
        row = s.exec(
            select(AuditLog).where(
                AuditLog.action == "department.create", AuditLog.object_id == str(dept.id)
            )
        ).one()
    assert row.client == "local"  # AppTest has no peer address: as a browser on the server


def test_production_refuses_to_start_with_demo_passwords(demo_db, monkeypatch):
    """issue 11 #4: a demo-seeded database cannot be run in production as it is."""
    monkeypatch.setenv("DUBAN_MODE", "production")
    monkeypatch.setenv("COOKIE_KEY", secrets.token_urlsafe(48))
    at = fresh_app()
    at.run()
    assert any("演示密码" in e and "set-password" in e for e in errors(at)), errors(at)
    assert not _on_login_page(at)


def test_odd_login_input_gets_the_usual_answer_not_a_traceback(demo_db):
    """issue 11 #5: `office\\x00`, control characters and overlong input on the login form."""
    at = fresh_app()
    at.run()
    for username in ("office\x00", "off\x1bice", "o" * 500):
        at.text_input(key="login_username").input(username)
        at.text_input(key="login_password").input("duban-demo\x00")
        at.button[0].click().run()
        assert not at.exception, at.exception
        assert errors(at) == ["用户名或密码错误。"]
    with _db(demo_db) as s:
        rows = s.exec(select(AuditLog).where(AuditLog.action == "auth.unknown_user")).all()
    assert len(rows) == 3 and all(r.username.isprintable() for r in rows)
