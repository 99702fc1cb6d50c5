"""Evidence files on a page: a download button each, and for images and PDFs a 预览 toggle.

Drawing a list reads no file (only directory entries, for a lost or damaged one): a file is
read when its download button is clicked or its preview is switched on, and a preview is kept
per content hash so reruns do not read or render it again.
"""

import functools

import streamlit as st

from duban.core import previews, uploads
from duban.core.errors import DubanError
from duban.core.filenames import safe_file_name
from models import Attachment
from ui.common import plain, plain_line, show_error
from ui.context import t

PDF_WIDTH = 720  # px: a page as wide as a column of text
# why a file shows no preview -> what the reader is told (each says: download it)
PROBLEMS = {
    "too_big": "evidence.too_big",
    "mismatch": "evidence.mismatch",
    "pdf_unavailable": "evidence.pdf_unavailable",
    "pdf_failed": "evidence.pdf_failed",
}


def size_text(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def download_button(att: Attachment, key: str) -> None:
    """A download button whose file is read only when clicked: drawing it reads no file."""
    problem = uploads.file_problem(att)  # the directory entry only
    if problem:
        st.caption(f"📎 {plain(att.filename)}{t('punct.paren', x=plain(problem))}")
        return
    st.download_button(
        f"📎 {plain_line(att.filename)}{t('punct.paren', x=size_text(att.size))}",
        functools.partial(uploads.stored_bytes, att.sha256, att.filename),
        file_name=safe_file_name(att.filename),
        mime=att.mime,
        key=f"{key}_att_{att.id}",
        on_click="ignore",
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _preview(sha256: str, filename: str, mime: str, size: int) -> previews.Preview:
    """One file's preview, kept by its content (and the type it was recorded with)."""
    return previews.preview(sha256=sha256, filename=filename, mime=mime, size=size)


def evidence_item(att: Attachment, key: str) -> None:
    """One file: its download button and, for an image or a PDF, a 预览 toggle."""
    if previews.kind_of(att.filename, att.mime) == "download" or uploads.file_problem(att):
        download_button(att, key)
        return
    left, right = st.columns([4, 1], vertical_alignment="center")
    with left:
        download_button(att, key)
    on = right.toggle(
        t("evidence.preview"), key=f"{key}_pv_{att.id}", help=t("evidence.preview_help")
    )
    if on:
        show_preview(att)


def show_preview(att: Attachment) -> None:
    try:
        p = _preview(att.sha256, att.filename, att.mime, att.size)
    except DubanError as exc:  # lost or damaged since the list was drawn
        show_error(exc)
        return
    if p.problem:
        st.caption(t(PROBLEMS[p.problem], mb=previews.PREVIEW_MAX_MB))
    elif p.kind == "image":
        st.image(p.images[0], caption=plain_line(att.filename), width="content")
    else:
        for page in p.images:
            st.image(page, width=PDF_WIDTH)
        if p.pages and p.pages > len(p.images):
            st.caption(t("evidence.pdf_pages", shown=len(p.images), total=p.pages))


def evidence_list(files: list[Attachment], key: str, *, title: str | None = None) -> None:
    """The files of one report, answer or record; nothing drawn when there are none."""
    if not files:
        return
    if title:
        st.markdown(f"**{title}**")
    for att in files:
        evidence_item(att, key)
