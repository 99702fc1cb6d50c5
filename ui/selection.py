"""Choices that land on what the user chose: a table's row selection, a picker, a task link.

A selectable `st.dataframe` reports row *positions*. Read against a list that has changed
since the click (a filter typed meanwhile, another unit picked, another user's write), a
position names another record: row 4 of "一(" is not row 4 of "二(". So a table's widget
key carries a digest of the ids it shows (`view_key`): when the rows change, the key
changes, the old selection is dropped with the old widget, and a position is always read
against the very rows the user saw (`picked_id`). Pickers over a filtered list start empty
and keep only an id that is still in the list (`keep_choice`).

A task opened from a table is a place of its own, `?task=ID`: a stable link, shareable,
and the browser's back button returns to the list (`task_link_id`, `open_task`,
`close_task`).
"""

import hashlib
from collections.abc import Hashable, Iterable, Sequence

import streamlit as st

TASK_PARAM = "task"


def view_key(prefix: str, ids: Iterable[object]) -> str:
    """A widget key for a table showing `ids`, in this order: it changes when they change."""
    digest = hashlib.blake2b(digest_size=8)
    for i in ids:
        digest.update(repr(i).encode())
        digest.update(b"\x1f")
    return f"{prefix}_{digest.hexdigest()}"


def picked_id(event: object, ids: Sequence[Hashable], key: str) -> Hashable | None:
    """The id of the clicked row of the table `key` = `view_key(…, ids)` (None: no click).

    The click is taken: the selection is forgotten, so that the same rows drawn again (the
    way back from the opened record) do not open it a second time."""
    rows = list(getattr(getattr(event, "selection", None), "rows", None) or [])
    if rows and 0 <= rows[0] < len(ids):
        st.session_state.pop(key, None)
        return ids[rows[0]]
    return None


def keep_choice(key: str, options: Iterable[Hashable]) -> None:
    """Before drawing the picker `key`: an id no longer among its options is forgotten, so
    the picker shows "nothing chosen" rather than falling on some other record."""
    if key in st.session_state and st.session_state[key] not in set(options):
        st.session_state[key] = None


def keep_widgets(keys: Iterable[str]) -> None:
    """Keep the values of widgets that this run does not draw (a list's filters while one of
    its records is open on its own): Streamlit forgets a widget's value after a run without
    it, unless the value is written back as plain session state."""
    for k in keys:
        if k in st.session_state:
            st.session_state[k] = st.session_state[k]


def task_link_id() -> int | None | str:
    """The task named by `?task=`: its id, None without one, the raw text if it is no id."""
    raw = st.query_params.get(TASK_PARAM)
    if not raw:
        return None
    return int(raw) if raw.isdigit() else raw


def open_task(task_id: int, *, picker: str | None = None) -> None:
    """Go to the task's own place (`?task=ID`) on this page.

    The pick that led there is taken (`picker`, the picker's key): the list is not drawn
    while the task is open, yet a run ended by st.stop() keeps its widgets' values, so the
    way back would find the picker still set and open the task again."""
    if picker is not None:
        st.session_state.pop(picker, None)
    st.query_params[TASK_PARAM] = str(task_id)
    st.rerun()


def close_task() -> None:
    """Back to the list (an `on_click` callback: it runs before the page draws)."""
    st.query_params.pop(TASK_PARAM, None)
