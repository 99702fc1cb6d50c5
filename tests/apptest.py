"""Helpers to run the real app.py under Streamlit's AppTest as a given user."""

import html
import re
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from duban.core.settings import get_settings
from ui.auth import SID

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")

# How many AppTests the current test built: conftest fails a test that builds one without
# the `apptest` marker (the marker keeps page tests out of `make test-fast`).
APPS_BUILT = 0


def fresh_app(timeout: float = 60) -> AppTest:
    """A new AppTest; caches cleared so it reads the current DATABASE_URL."""
    global APPS_BUILT
    APPS_BUILT += 1
    st.cache_resource.clear()
    st.cache_data.clear()
    get_settings.cache_clear()
    return AppTest.from_file(APP, default_timeout=timeout)


def open_session(username: str) -> str:
    """A live server-side login session for `username` in the DATABASE_URL database (what
    the login form would open); returns its secret id."""
    from sqlmodel import select

    from duban.core.db import make_engine, session_scope
    from duban.org import sessions
    from models import AppUser

    engine = make_engine(get_settings().database_url)
    try:
        with session_scope(engine) as s:
            user = s.exec(select(AppUser).where(AppUser.username == username)).one()
            assert user.id is not None
            return sessions.open_session(s, user_id=user.id, client="apptest")
    finally:
        engine.dispose()


def app_as(username: str, role: str, name: str = "测试") -> AppTest:
    """Logged in (skipping the form, as a valid cookie would) as `username`: a real session
    row, since every run checks it on the server."""
    at = fresh_app()
    at.session_state[SID] = open_session(username)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = name
    at.session_state["roles"] = [role]
    return at


def page_as(page: str, username: str, role: str) -> AppTest:
    """Open pages/<page>.py as the user (raises if the role may not see it)."""
    at = app_as(username, role)
    at.run()
    assert not at.exception, at.exception
    at.switch_page(f"pages/{page}.py")
    at.run()
    return at


def shown(markdown: str) -> str:
    """What the reader sees of Markdown made by ui.common.plain: escapes and the invisible
    word joiners gone (AppTest gives an element's Markdown source, not its rendering)."""
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")
    return html.unescape(text).replace("  \n", "\n")


def errors(at: AppTest) -> list[str]:
    """The red messages as the user reads them."""
    return [shown(e.value) for e in at.error]


DEMO_USERS = {
    "office": "office",
    "leader": "leader",
    "inspector": "inspector",
    "dept01": "dept_head",
}
