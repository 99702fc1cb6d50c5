"""Cached engine and settings, the acting user, the locale, and a session per call."""

import contextlib
from collections.abc import Iterator

import streamlit as st
from sqlmodel import Session

from duban import db
from duban.i18n import t as _t
from duban.permissions import Actor
from duban.settings import Settings, load_settings


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


def lang() -> str:
    return st.session_state.get("lang", "zh")


def t(key: str, **kwargs) -> str:
    return _t(key, lang(), **kwargs)


def actor() -> Actor:
    """The logged-in user as an Actor (set by app.py after login)."""
    a = st.session_state.get("actor")
    if a is None:
        st.error("未登录。")
        st.stop()
    return a


def unit_name(department_id: int | None) -> str | None:
    if department_id is None:
        return None
    from models import Department

    with session() as s:
        d = s.get(Department, department_id)
        return d.name if d else None
