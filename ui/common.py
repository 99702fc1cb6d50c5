"""What every page uses: headers, empty states, service errors shown where the user is, and
form state across reruns (a success message after a write, fresh widgets, values pinned while a
form is open, the version of a record the user saw)."""

import contextlib
import html
import re
from collections.abc import Callable, Iterator
from typing import TypeVar

import streamlit as st

from duban.core.errors import DubanError
from ui.context import t

V = TypeVar("V")

# A table's empty cell: Streamlit would write "None" there.
EMPTY_CELL = "—"
# The one date format of the UI (tables, text and date inputs), in both locales.
DATE_FORMAT = "YYYY-MM-DD"

_FLASH = "_flash"
_PINS = "_form_pins"
_SEEN = "_seen_versions"


# Characters that make Markdown (or Streamlit's extensions: :colour[…], $math$) out of text.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:$])")
# Where GFM's autolinker would make a link of plain text (http://…, www.…, a@b.c): it works
# on the text after the escapes are resolved, so a backslash cannot stop it; an invisible
# word joiner (U+2060) inside the trigger does.
_AUTOLINK = re.compile(r"(?i)(?<=https)(?=:)|(?<=http)(?=:)|(?<=ftp)(?=:)|(?<=www)(?=\.)|(?=@)")
_WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    """Text a user typed, for anything Streamlit reads as Markdown: shown as typed, never as
    markup.

    HTML is escaped and every Markdown character is backslash-escaped, so a unit's answer
    cannot draw a form, a link or an image (which would load any URL in the reader's browser)
    on a leader's screen. Bare URLs and e-mail addresses (``http://…``, ``www.…``, ``a@b.c``)
    show as text, not as links: a word joiner (U+2060, invisible) after ``http``/``www`` and
    before ``@`` keeps Markdown's autolinker off them. Line breaks stay line breaks.

    Markdown is read by st.markdown, st.caption, st.write, st.title/header/subheader,
    st.info/success/warning/error/toast, and by every label: widgets, buttons, download
    buttons, expanders, tabs, popovers, metrics (label, value and delta), st.radio and
    st.pills options, and `help=` tooltips. It is not read by st.text, st.code, st.dataframe
    and st.data_editor cells, or the options of st.selectbox and st.multiselect.
    """
    unlinked = _AUTOLINK.sub(_WORD_JOINER, str(text))
    escaped = _MARKDOWN.sub(r"\\\1", html.escape(unlinked, quote=False))
    return escaped.replace("\n", "  \n")


def plain_line(text: object) -> str:
    """`plain` on one line, for a label (a widget's, an expander's, a button's)."""
    return plain(" ".join(str(text).split()))


def chrome_css() -> None:
    """Streamlit's file uploader speaks English ("Upload", "20MB per file • PDF, …") and has
    no option to change it: hide its words and write ours in the UI language (constant
    markup from the catalog; each form states its limit with `upload_note`)."""
    button = t("upload.button").replace('"', "")
    st.html(
        "<style>"
        '[data-testid="stFileUploaderDropzoneInstructions"]{display:none}'
        '[data-testid="stFileUploaderDropzone"] button > *{display:none}'
        f'[data-testid="stFileUploaderDropzone"] button::after{{content:"{button}"}}'
        "</style>"
    )


def upload_note(mb: int, files: int | None = None) -> None:
    """The upload limit, under the uploader (in place of Streamlit's English line)."""
    note = t("upload.limit_many", mb=mb, n=files) if files else t("upload.limit_one", mb=mb)
    st.caption(note)


def weekday(day) -> str:
    """The day of the week in the UI language ("周二" / "Tue"), for text that needs one."""
    return t("date.weekdays").split(",")[day.weekday()]


def header(title_key: str, caption: str | None = None) -> None:
    st.title(t(title_key))
    if caption:
        st.caption(caption)


def empty_state(message: str | None = None, icon: str = "📭") -> None:
    st.info(message or t("empty.nothing"), icon=icon)


def show_error(exc: DubanError) -> None:
    """A service's refusal as a red message where the user is (its text is for the user; it
    may quote what the user typed, so it is shown as text)."""
    st.error(plain(exc), icon="⚠️")


@contextlib.contextmanager
def show_errors() -> Iterator[None]:
    """Turn a DubanError from a service into a red message; everything else still raises."""
    try:
        yield
    except DubanError as exc:
        show_error(exc)


def flash(message: str) -> None:
    """A success message that survives the st.rerun() that follows a write.

    After our own write every open form reads afresh (its pinned values are dropped).
    """
    st.session_state[_FLASH] = message
    st.session_state.pop(_PINS, None)


def show_flash() -> None:
    """Show (once) the message a write left before its rerun."""
    msg = st.session_state.pop(_FLASH, None)
    if msg:
        st.success(msg, icon="✅")


def bump(key: str) -> None:
    """Give a form fresh widgets next run (after a successful submit)."""
    st.session_state[key] = st.session_state.get(key, 0) + 1


def pinned(name: str, load: Callable[[], V]) -> V:
    """A value read once when a form opens and kept until it is saved or reloaded."""
    pins = st.session_state.setdefault(_PINS, {})
    if name not in pins:
        pins[name] = load()
    return pins[name]


def unpin(name: str) -> None:
    st.session_state.get(_PINS, {}).pop(name, None)


def opened_version(name: str, current_version: int, load: Callable[[], V]) -> tuple[int, V]:
    """(version, values) of a record as its form was opened, kept until the form is saved
    (`flash`) or reloaded. Save against this version: if someone else saved the record
    meanwhile the service refuses the stale edit and the typed values stay in the form.
    Key the form's widgets on the version, so that a reload gives fresh ones."""
    version, values = pinned(name, lambda: (current_version, load()))
    if version != current_version:
        stale_note(name)
    return version, values


def stale_note(name: str) -> None:
    """The record behind the pinned form `name` changed: say so, offer to reload it."""
    c1, c2 = st.columns([5, 1], vertical_alignment="center")
    c1.warning(t("form.stale_note"), icon="⚠️")
    if c2.button(t("form.reload"), key=f"{name}_reload"):
        unpin(name)
        st.rerun()


def seen_version(name: str, current: int) -> int:
    """The version the user saw on the previous run (what a click now acts on)."""
    seen = st.session_state.get(_SEEN, {})
    prev = seen.get(name, current)
    seen[name] = current
    st.session_state[_SEEN] = seen
    return prev
