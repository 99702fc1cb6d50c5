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


def coming_soon(page_key: str) -> None:
    """The placeholder a page shows until its own issue builds it."""
    header(f"page.{page_key}")
    st.info(t("coming.body", purpose=t(f"purpose.{page_key}")), icon="🚧")
