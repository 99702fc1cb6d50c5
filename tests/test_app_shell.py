"""AppTest of the shell: login form, lockout message, role-filtered pages, refusals."""

import pytest

from duban.core.permissions import PAGE_ACCESS
from models import Role
from tests.apptest import DEMO_USERS, app_as, errors, fresh_app, page_as
from ui.nav import PAGES


def _login(at, username, password):
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()


def test_login_form_demo_accounts_and_success(demo_db):
    at = fresh_app()
    at.run()
    assert not at.exception
    assert at.text_input(key="login_username").label == "用户名"
    table = at.dataframe[0].value
    assert {"office", "leader", "inspector", "dept01", "dept12"} <= set(table["用户名"])
    _login(at, "office", "duban-demo")
    assert not at.exception
    assert at.session_state["authentication_status"] is True
    assert at.session_state["roles"] == ["office"]
    assert any("王主任" in m.value for m in at.sidebar.markdown)


def test_wrong_password_then_throttled(demo_db):
    """issue 11 #3, #10: a wrong password gets the unknown user's answer (no count left to
    probe with); after five failures this address must wait, even with the right password."""
    at = fresh_app()
    at.run()
    _login(at, "leader", "wrong-password")
    assert errors(at) == ["用户名或密码错误。"]
    _login(at, "no-such-user", "wrong-password")
    assert errors(at) == ["用户名或密码错误。"]
    for _ in range(4):
        _login(at, "leader", "wrong-password")
    _login(at, "leader", "duban-demo")
    assert errors(at) == ["登录失败次数过多，请 1 分钟后再试。"]
    assert not at.session_state["authentication_status"]


def test_production_mode_refuses_placeholder_key(demo_db, monkeypatch):
    monkeypatch.setenv("DUBAN_MODE", "production")
    at = fresh_app()
    at.run()
    assert any("COOKIE_KEY" in e for e in errors(at))
    assert not at.text_input  # no login form


def test_malformed_database_url_is_explained(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "not-a-url")
    at = fresh_app()
    at.run()
    assert any("DATABASE_URL" in e for e in errors(at))


def test_unmigrated_database_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    at = fresh_app()
    at.run()
    assert any("尚未初始化" in e for e in errors(at))


ROLE_CASES = [(u, r, p.key) for u, r in DEMO_USERS.items() for p in PAGES]


@pytest.mark.parametrize(
    ("username", "role", "page"), ROLE_CASES, ids=[f"{u}-{p}" for u, _, p in ROLE_CASES]
)
def test_each_role_sees_exactly_its_pages(demo_db, username, role, page):
    if Role(role) in PAGE_ACCESS[page]:
        at = page_as(page, username, role)
        assert not at.exception, at.exception
        assert not errors(at), errors(at)
        assert at.title, f"{page} renders no title"
    else:
        with pytest.raises(Exception):  # noqa: B017 - AppTest raises for unregistered pages
            page_as(page, username, role)


def test_deactivated_user_is_signed_out(demo_db):
    from sqlmodel import Session, select

    from duban.core.db import make_engine
    from models import AppUser

    eng = make_engine(demo_db)
    with Session(eng) as s:
        u = s.exec(select(AppUser).where(AppUser.username == "dept02")).one()
        u.active = False
        s.commit()
    at = app_as("dept02", "dept_head")
    at.run()
    assert at.text_input(key="login_username")
    assert any("停用" in w.value for w in at.warning)
