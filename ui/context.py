"""Cached engine and settings, the acting user, the locale, and a session per call."""

import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator

import streamlit as st
from sqlmodel import Session

from duban.core import db
from duban.core.permissions import Actor
from duban.core.settings import Settings, load_settings
from duban.i18n import t as _t
from duban.monitoring import frames, holidays, status
from duban.monitoring import rules as rules_mod


@st.cache_resource
def settings() -> Settings:
    return load_settings()


@st.cache_resource
def engine():
    return db.make_engine(settings().database_url)


@contextlib.contextmanager
def session() -> Iterator[Session]:
    """A short-lived session; services commit their own transactions."""
    with Session(engine(), expire_on_commit=False) as s:
        yield s


def data_version() -> int:
    """One cheap query; caches key on it so a write shows at once, in every app process."""
    return db.data_version(engine())


# The tables as polars frames, one shared copy per data version (cache_resource: immutable
# and large, no pickling per hit). Every write bumps the data version (audit.record), so a
# unit's report shows on the next render, in every process sharing the database. The
# dashboard and the register both start from it: a user going from one to the other does
# not read 300,000 reports twice.
@st.cache_resource(max_entries=2, show_spinner=False)
def raw_frames(version: int) -> frames.RawFrames:
    return frames.read_frames(engine())


# Every task and assignment coloured as of `today`, once per data version for the dashboard,
# the register and 图表 alike (the colouring is the costly step after the read).
@st.cache_resource(max_entries=2, show_spinner=False)
def status_frames(version: int, today: dt.date) -> status.StatusFrames:
    with session() as s:
        rules, cal = rules_mod.load_warning_rules(s), holidays.load_calendar(s)
    return status.build_status(raw_frames(version), today=today, rules=rules, cal=cal)


WARM_THREAD = "duban-warm-up"
log = logging.getLogger("duban.warm")


class _QuietWarmUp(logging.Filter):
    """Streamlit warns once per cached call made outside a script run; the warm-up thread
    makes such calls on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            threading.current_thread().name == WARM_THREAD
            and "missing ScriptRunContext" in record.getMessage()
        )


def warm_up_once(work: Callable[[], None]) -> None:
    """`_start_warm_up(work)` under a real server only: AppTest runs the script under a mock
    runtime, and its tests (and bench.pages) control the caches themselves."""
    from streamlit import runtime

    if runtime.exists() and type(runtime.Runtime.instance()) is runtime.Runtime:
        _start_warm_up(work)


@st.cache_resource(show_spinner=False)
def _start_warm_up(_work: Callable[[], None]) -> threading.Thread:
    """Run `_work` once per server process, in the background: the caches it fills are
    shared by every session, so the first person to log in after a restart does not wait
    for the whole read of the database (seconds at 20,000 tasks). A failure is logged and
    changes nothing: the page then computes on demand, as without it."""

    def run() -> None:
        try:
            _work()
        except Exception:  # noqa: BLE001 - a warm-up must never take the server down
            log.warning("warm-up failed; caches fill on first use", exc_info=True)

    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        _QuietWarmUp()
    )
    thread = threading.Thread(target=run, name=WARM_THREAD, daemon=True)
    thread.start()
    return thread


def lang() -> str:
    return st.session_state.get("lang", "zh")


def t(key: str, **kwargs) -> str:
    return _t(key, lang(), **kwargs)


def actor() -> Actor:
    """The logged-in user as an Actor (set by app.py after login). Every page calls it first.

    No actor means the page is running without app.py's login guard. Streamlit does that on
    the first run of a fresh server process when the address names a page: with a `pages/`
    folder present it starts in its old multipage mode (MPA v1) and executes pages/x.py
    directly, until some run calls `st.navigation`. So switch that mode off and rerun: the
    rerun goes through app.py, which shows the login form (or restores the session from
    the cookie) and then opens the page that was asked for.
    """
    a = st.session_state.get("actor")
    if a is None:
        from streamlit.runtime.pages_manager import PagesManager

        if PagesManager.uses_pages_directory and not st.session_state.get("_rerouted"):
            PagesManager.uses_pages_directory = False
            st.session_state["_rerouted"] = True
            st.rerun()
        st.error("未登录，请先登录。")
        st.stop()
    return a


def vocab(kind: str, value) -> str:
    """A domain word (``task_status``, ``role``, ``rectification``) in the UI language."""
    return t(f"vocab.{kind}.{getattr(value, 'value', value)}")


def unit_name(department_id: int | None) -> str | None:
    if department_id is None:
        return None
    from models import Department

    with session() as s:
        d = s.get(Department, department_id)
        return d.name if d else None
