"""Login and logout in the browser: our own form over `duban.org.auth`, a server-side session
(`duban.org.sessions`) per login, and the cookie that names it.

The cookie holds only a signed session id. It is read on the server (`st.context.cookies`, and
the cookie manager's report once it has mounted); it is set and deleted by the cookie manager
component streamlit-authenticator brings (SameSite=Strict, Secure with COOKIE_SECURE; set from
JavaScript, so it cannot be HttpOnly). `st.context.cookies` keeps the cookie the page connected
with, even after logout: what refuses it then is the revoked session row, not the browser.
"""

import datetime as dt
import secrets
import time

import pandas as pd
import streamlit as st
import streamlit_authenticator as stauth
from extra_streamlit_components import CookieManager

from duban.core.permissions import Actor
from duban.org import auth as dauth
from duban.org import lockout, sessions, users
from duban.org.auth import DEMO_PASSWORD
from ui.common import EMPTY_CELL, plain
from ui.context import engine, session, settings, t

SID = "duban_sid"  # this browser tab's session id (secret: never shown)
_PW_CHANGED = "_duban_pw_changed_at"  # when this tab changed its password (monotonic seconds)
_PW_NOTICE_SECONDS = 60
ENDED = "_session_ended"  # set when a session this tab had was refused
_AUTHENTICATOR = "_duban_authenticator"
_COOKIE_PENDING = "_duban_cookie_pending"  # a login cookie the browser has not confirmed yet
STATE_KEYS = (
    "authentication_status",
    "username",
    "name",
    "roles",
    "email",
    "actor",
    SID,
    _COOKIE_PENDING,
)


def build_authenticator() -> stauth.Authenticate:
    """Built once per run for its cookie manager (no credentials: we check passwords)."""
    s = settings()
    authenticator = stauth.Authenticate(
        {"usernames": {}},
        cookie_name=s.cookie_name,
        cookie_key=s.cookie_key,
        cookie_expiry_days=s.cookie_expiry_days,
        auto_hash=False,
        login_sleep_time=0,
    )
    st.session_state[_AUTHENTICATOR] = authenticator
    return authenticator


def _cookie_manager() -> CookieManager:
    return st.session_state[_AUTHENTICATOR].cookie_controller.cookie_model.cookie_manager


def _text(value: object) -> str | None:
    """A value from the request (headers, cookies, a component's report), if it is text:
    what the browser sends is not trusted to have the expected type."""
    return value if isinstance(value, str) else None


def client_address() -> str:
    """Where this browser connects from (behind TRUSTED_PROXY_HOPS proxies: X-Forwarded-For)."""
    peer = _text(st.context.ip_address)
    forwarded = [h for h in st.context.headers.get_all("X-Forwarded-For") if _text(h)]
    return lockout.normalise_source(
        lockout.client_address(peer, forwarded, settings().trusted_proxy_hops)
    )


def _user_agent() -> str | None:
    return _text(st.context.headers.get("User-Agent"))


# ---------------------------------------------------------------- every run


def current_actor() -> Actor | None:
    """The signed-in user, checked against the server-side session on every run.

    A tab without a session adopts the browser's cookie if it names a live session. A tab
    whose session was ended (logout elsewhere, password change, deactivation, timeout) is
    signed out here, and ENDED tells app.py to say so. Failed logins never end a session.
    """
    sid = st.session_state.get(SID)
    if sid:
        with session() as db:
            live = sessions.check(db, sid)
        if live is None:
            _clear_state()
            st.session_state[ENDED] = True
            return None
    else:
        sid, live = _from_cookie()
        if live is None:
            return None
    actor = Actor.of(live.user, client=client_address())
    state = {
        SID: sid,
        "authentication_status": True,
        "username": actor.username,
        "name": actor.name,
        "roles": [actor.role.value],
        "actor": actor,
    }
    for k, v in state.items():
        st.session_state[k] = v
    return actor


def _from_cookie() -> tuple[str | None, sessions.Live | None]:
    """The first of the browser's cookies (as the page connected with it, and as the cookie
    manager reports it now) that names a live session."""
    s = settings()
    tokens = [st.context.cookies.get(s.cookie_name), _cookie_manager().cookies.get(s.cookie_name)]
    for token in dict.fromkeys(tok for tok in map(_text, tokens) if tok):
        sid = sessions.decode_cookie(token, s.cookie_key)
        if sid:
            with session() as db:
                live = sessions.check(db, sid)
            if live is not None:
                return sid, live
    return None, None


def _clear_state() -> None:
    for k in STATE_KEYS:
        st.session_state[k] = None


def set_session_cookie(sid: str) -> None:
    """Give the browser the cookie for session `sid` (written by a frontend component)."""
    _remember_cookie(sid)
    deliver_cookie()


def _remember_cookie(sid: str) -> None:
    s = settings()
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=s.cookie_expiry_days)
    st.session_state[_COOKIE_PENDING] = {
        # a key of its own per cookie: a fresh component, which reports once it has written
        "key": f"duban_set_cookie_{secrets.token_hex(6)}",
        "token": sessions.encode_cookie(sid, s.cookie_key, expires),
        "expires": expires,
    }


def deliver_cookie() -> None:
    """Draw the component that writes the pending login cookie, run after run, until it has
    reported back (its report is what says the browser has the cookie).

    Called on every signed-in run (app.py, before the page): the cookie of a new login is
    written while the first page renders, instead of the login page waiting for the
    component to mount before it may rerun.
    """
    pending = st.session_state.get(_COOKIE_PENDING)
    if not pending:
        return
    if st.session_state.get(pending["key"]) is True:
        st.session_state[_COOKIE_PENDING] = None
        return
    s = settings()
    _cookie_manager().set(
        s.cookie_name,
        pending["token"],
        key=pending["key"],
        expires_at=pending["expires"],
        same_site="strict",
        secure=True if s.cookie_secure else None,
    )


def _drop_browser_cookie() -> None:
    """Delete the login cookie the browser still has (we are on the login page, so it names
    no live session): after logout, or a cookie of an ended session or another key."""
    name = settings().cookie_name
    manager = _cookie_manager()
    if manager.cookies.get(name):
        manager.delete(name)


# ---------------------------------------------------------------- login and logout


def login_page() -> None:
    """Our own form (failures are counted per username and address in duban.org.lockout)."""
    _drop_browser_cookie()
    left, mid, right = st.columns([1, 2, 1])
    with mid:
        st.markdown(f"## 🏛️ {t('app.title')}")
        st.caption(t("app.subtitle"))
        with st.form("login", clear_on_submit=False):
            st.subheader(t("login.title"))
            username = st.text_input(t("login.username"), key="login_username", max_chars=64)
            password = st.text_input(
                t("login.password"), type="password", key="login_password", max_chars=128
            )
            submitted = st.form_submit_button(t("login.submit"), type="primary", width="stretch")
        if submitted:
            with session() as db:
                outcome = dauth.attempt_login(
                    db, username, password, source=client_address(), user_agent=_user_agent()
                )
            if outcome.ok and outcome.sid:
                _finish_login(outcome.sid)
            st.error(plain(outcome.message), icon="🔒")
        if settings().is_demo:
            _demo_accounts()
    _preload_first_page()


def _preload_first_page() -> None:
    """Draw, hidden, the kinds of element the first page after login shows (KPI cards, date
    filters, buttons): the browser fetches each kind's code the first time one is drawn, and
    without this the dashboard's KPIs stood as grey placeholders for a second after login
    while that code loaded. Nothing here is visible or read (constant markup only)."""
    st.html("<style>.st-key-login_preload{display:none}</style>")
    with st.container(key="login_preload"):
        st.metric("-", "-")
        st.date_input("-", value=None, key="login_preload_date", format="YYYY-MM-DD")
        st.button("-", key="login_preload_button", disabled=True)


def _finish_login(sid: str) -> None:
    """Open the first page at once; its run writes the cookie (`deliver_cookie`).

    The cookie used to be written here, which meant sleeping 0.8 s so that its component
    could mount before the rerun replaced this page (else the login did not survive a
    reload); now the page the user waits for draws it and keeps drawing it until the
    browser has confirmed it.
    """
    st.session_state[SID] = sid
    st.session_state[ENDED] = False
    _remember_cookie(sid)
    st.rerun()


def sign_out(actor: Actor) -> None:
    """End this tab's session on the server; the login page then deletes the cookie."""
    with session() as db:
        sessions.logout(db, actor=actor, sid=st.session_state.get(SID))
    _clear_state()


def sign_out_everywhere(actor: Actor) -> None:
    """End every session of the user, this one included."""
    assert actor.user_id is not None, "a signed-in user has an id"
    with session() as db:
        sessions.sign_out_everywhere(db, actor=actor, user_id=actor.user_id)
    _clear_state()


def change_password(actor: Actor, *, old: str, new: str, repeat: str) -> None:
    """Change one's password; every other browser is signed out, this one gets a new cookie."""
    with session() as db:
        sid = dauth.change_own_password(
            db, actor=actor, old=old, new=new, repeat=repeat, user_agent=_user_agent()
        )
    st.session_state[SID] = sid
    st.session_state[_PW_CHANGED] = time.monotonic()
    set_session_cookie(sid)


def password_notice() -> None:
    """ "密码已修改…" for a minute after the change: the cookie component that hands the browser
    its new cookie reruns the page at once, which would otherwise wipe the message before it
    could be read."""
    changed = st.session_state.get(_PW_CHANGED)
    if changed is not None and time.monotonic() - changed < _PW_NOTICE_SECONDS:
        st.success(t("account.pw_changed_others"), icon="✅")


def sessions_table(live: list[sessions.SessionView], *, whose: bool = False) -> None:
    """Live sessions as a table: when, until when, from where, which browser (and whose)."""
    rows = []
    for v in live:
        who = {t("col.username"): v.username, t("col.display_name"): v.display_name}
        rows.append(
            {
                **(who if whose else {}),
                t("admin.sec_created"): v.created_at,
                t("admin.sec_last_seen"): v.last_seen_at,
                **({t("admin.sec_expires"): v.expires_at} if whose else {}),
                t("admin.sec_source"): v.client or "",
                t("admin.sec_agent"): v.user_agent or "",
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", placeholder=EMPTY_CELL)


def my_sessions(actor: Actor) -> None:
    """The user's live sessions (when, from where, which browser) and "sign out everywhere"."""
    st.subheader(t("account.sessions"))
    st.caption(t("account.sessions_caption"))
    with session() as db:
        live = sessions.live_sessions(db, actor=actor, user_id=actor.user_id)
    sessions_table(live)
    if st.button(t("account.sign_out_everywhere"), icon="🚪", key="sign_out_everywhere"):
        sign_out_everywhere(actor)
        st.rerun()


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
            placeholder=EMPTY_CELL,
        )


__all__ = [
    "build_authenticator",
    "change_password",
    "current_actor",
    "engine",
    "login_page",
    "my_sessions",
    "sign_out",
    "sign_out_everywhere",
]
