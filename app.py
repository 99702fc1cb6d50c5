"""Duban entry point: page config, login, and the role-filtered navigation.

`st.navigation` is called on every run, logged in or not: a run without it would fall back
to listing (and serving) every file in pages/, bypassing this guard.
"""

import runpy
from pathlib import Path

import streamlit as st

from duban.core import db
from duban.core.errors import DatabaseNotReady, SettingsError
from duban.core.logs import configure_logging
from duban.core.permissions import PAGE_ACCESS
from duban.i18n import LOCALE_LABELS, LOCALES
from duban.org import auth as dauth
from ui import auth, layout
from ui.common import chrome_css, plain_line
from ui.context import engine, session, settings, t, unit_name, warm_up_once
from ui.inbox import views as inbox_views
from ui.nav import PAGES

ROOT = Path(__file__).resolve().parent

st.set_page_config(page_title="督办台 Duban", page_icon="🏛️", layout="wide")
# Streamlit's default 6rem above the first element wastes a leader's first screen.
st.html("<style>[data-testid='stMainBlockContainer']{padding-top:2.5rem}</style>")


def _only(render, title: str) -> None:
    """Run one hidden page (error or login) under every page's address, and stop.

    Registering each page's url_path keeps a deep link (a shared dashboard view with its
    filters) on screen while the login form or the cookie restore runs; the rerun after
    login then opens that page, instead of "Page not found" and the main page.
    """
    pages = [st.Page(render, title=title, url_path="login", default=True)] + [
        st.Page(render, title=title, url_path=p.key) for p in PAGES
    ]
    st.navigation(pages, position="hidden").run()
    st.stop()


def _fail(message: str):
    return lambda: st.error(message, icon="⚠️")


try:
    configure_logging(settings().log_level)
    db.check_ready(engine())
    if not settings().is_demo:
        with session() as s:
            dauth.check_no_demo_passwords(s)
except SettingsError as exc:
    _only(_fail(f"**{t('config.error')}**：{exc}"), t("config.error"))
except DatabaseNotReady as exc:
    _only(_fail(f"**{t('db.not_ready')}**：{exc}"), t("db.not_ready"))


def _warm_up() -> None:
    """What the first page after a login needs: the dashboard's default view and the
    register frame, for the data version of now (shared caches, see ui.context)."""
    from ui.context import data_version
    from ui.monitoring import dashboard as views
    from ui.tasks import table

    version, today = data_version(), views.today()
    views.figures(version, today, ())  # computes dashboard() and the status frames too
    views.options(version, today)
    table.register_frame()


warm_up_once(_warm_up)

with st.sidebar:
    st.selectbox(
        t("lang.label"),
        LOCALES,
        format_func=LOCALE_LABELS.get,
        key="lang",
        label_visibility="collapsed",
    )
chrome_css()  # after the language is known

auth.build_authenticator()  # its cookie manager reads, sets and deletes the login cookie
actor = auth.current_actor()  # the server-side session, checked on every run
if actor is None:
    if st.session_state.get(auth.ENDED):
        st.warning(t("login.session_ended"))
    _only(auth.login_page, t("login.title"))

with st.sidebar:
    auth.deliver_cookie()  # a new login's cookie, written while the first page renders
    st.markdown(f"**{plain_line(actor.name)}**  ·  `{actor.username}`")
    st.caption(t("sidebar.role", role=t(f"role.{actor.role.value}")))
    unit = unit_name(actor.department_id)
    if unit:
        st.caption(t("sidebar.unit", unit=plain_line(unit)))
    layout.compact_switch(actor)
    if st.button(t("logout"), icon="🚪", width="stretch"):
        auth.sign_out(actor)
        st.rerun()

titles = {"inbox": inbox_views.nav_title(actor)}  # 待办（N）: what waits for this user
pages = [
    st.Page(p.path, title=titles.get(p.key) or t(f"page.{p.key}"), icon=p.icon, url_path=p.key)
    for p in PAGES
    if actor.role in PAGE_ACCESS[p.key]
]


def _home() -> None:
    """The root address shows the role's first page, which keeps its own address too.

    Streamlit serves the default page at "/" only: were the role's first page the default, a
    link to it ("dashboard?missed=1" shared by a colleague, "inbox" in a reminder e-mail)
    would show "Page not found" and lose its parameters. So the default is this hidden page,
    which runs the first page's script in place (a switch_page would cost a second run on
    every login)."""
    runpy.run_path(str(ROOT / first.path), run_name="__main__")


first = next(p for p in PAGES if actor.role in PAGE_ACCESS[p.key])
st.navigation(
    [st.Page(_home, title=pages[0].title, default=True, visibility="hidden"), *pages]
).run()
