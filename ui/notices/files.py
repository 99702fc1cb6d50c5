"""Download file names of a notice: its number and its whole title, shortened between words."""

from duban.core.permissions import Actor
from duban.notices import reading
from ui.context import session


def notice_file_name(me: Actor, notice_id: int, ext: str) -> str:
    """ "督办〔2026〕7号-关于…的通知.docx"; a draft is "草稿-…" (no internal id)."""
    with session() as s:
        return reading.notice_file_name(reading.get_notice(s, actor=me, notice_id=notice_id), ext)
