"""Login (streamlit-authenticator fed from app_user, lockout in our own table) and logout."""

import time

import pandas as pd
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities.exceptions import LoginError

from duban.core.permissions import Actor
from duban.org import auth as dauth
from duban.org import users
from duban.org.auth import DEMO_PASSWORD
from ui.context import engine, session, settings, t

COOKIE_MOUNT_SECONDS = 0.8
AUTH_KEYS = ("authentication_status", "username", "name", "roles", "email", "actor")


def build_authenticator() -> stauth.Authenticate:
    """Built once per run from the users table (never a YAML file: it would be rewritten)."""
    s = settings()
    with session() as db:
        creds = dauth.credentials(db)
    return stauth.Authenticate(
        creds,
        cookie_name=s.cookie_name,
        cookie_key=s.cookie_key,
        cookie_expiry_days=s.cookie_expiry_days,
        auto_hash=False,
        login_sleep_time=0,
    )


def restore_from_cookie(authenticator: stauth.Authenticate) -> None:
    """Log in from a valid cookie; a locked or removed user's cookie is ignored."""
    try:
        authenticator.login(location="unrendered")
    except LoginError:
        for k in AUTH_KEYS:
            st.session_state[k] = None


def _finish_login(authenticator: stauth.Authenticate, actor: Actor) -> None:
    st.session_state.update(
        authentication_status=True,
        username=actor.username,
        name=actor.name,
        roles=[actor.role.value],
        logout=False,
        actor=actor,
    )
    authenticator.cookie_controller.set_cookie()


def login_page(authenticator: stauth.Authenticate) -> None:
    """Our own form (we need the username to count failures); the authenticator sets cookies."""
    left, mid, right = st.columns([1, 2, 1])
    with mid:
        st.markdown(f"## 🏛️ {t('app.title')}")
        st.caption(t("app.subtitle"))
        with st.form("login", clear_on_submit=False):
            st.subheader(t("login.title"))
            username = st.text_input(t("login.username"), key="login_username")
            password = st.text_input(t("login.password"), type="password", key="login_password")
            submitted = st.form_submit_button(t("login.submit"), type="primary", width="stretch")
        if submitted:
            with session() as db:
                outcome = dauth.attempt_login(db, username, password)
            if outcome.ok:
                _finish_login(authenticator, outcome.actor)
                # The cookie is written by a frontend component: give it a moment to mount
                # before the rerun replaces this page, or the login would not survive a reload.
                st.success(t("login.ok"))
                time.sleep(COOKIE_MOUNT_SECONDS)
                st.rerun()
            st.error(outcome.message, icon="🔒")
        if settings().is_demo:
            _demo_accounts()


DEMO_ROWS = 40  # accounts listed on the demo login page


def _demo_accounts() -> None:
    with session() as db:
        rows = users.list_active_users(db, limit=DEMO_ROWS)
    if not rows:
        return
    with st.expander(t("login.demo_title"), expanded=True):
        st.markdown(t("login.demo_hint", password=DEMO_PASSWORD))
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("login.col_user"): u.username,
                        t("login.col_role"): t(f"role.{u.role.value}"),
                        t("login.col_unit"): d.name if d else "",
                    }
                    for u, d in rows
                ]
            ),
            hide_index=True,
            width="stretch",
        )


def current_actor() -> Actor | None:
    """Re-read the user every run: a user deactivated or locked meanwhile is signed out."""
    username = st.session_state.get("username")
    if not username:
        return None
    with session() as db:
        user = dauth.user_for(db, username)
        if not dauth.can_log_in(user):
            return None
        actor = Actor.of(user)
    st.session_state["actor"] = actor
    st.session_state["roles"] = [actor.role.value]
    return actor


def sign_out(authenticator: stauth.Authenticate) -> None:
    authenticator.logout(location="unrendered")
    st.session_state["actor"] = None


__all__ = ["build_authenticator", "current_actor", "engine", "login_page", "restore_from_cookie"]
