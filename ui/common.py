"""Small widgets every page uses: headers, empty states, domain errors as st.error."""

import contextlib
from collections.abc import Iterator

import streamlit as st

from duban.core.errors import DubanError
from ui.context import t


def header(title_key: str, caption: str | None = None) -> None:
    st.title(t(title_key))
    if caption:
        st.caption(caption)


def empty_state(message: str | None = None, icon: str = "📭") -> None:
    st.info(message or t("empty.nothing"), icon=icon)


@contextlib.contextmanager
def show_errors() -> Iterator[None]:
    """Turn a DubanError from a service into a red message; everything else still raises."""
    try:
        yield
    except DubanError as exc:
        st.error(str(exc), icon="⚠️")
