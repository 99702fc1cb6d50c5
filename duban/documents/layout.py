"""The GB/T 9704 measures (page, margins, fonts, sizes, the red) and the widths computed from
them: text in characters, the signature's indents, the columns of an attachment table."""

import datetime as dt
import math
import re
from typing import Any

from docx.shared import Length, Pt, RGBColor

from duban.documents.official import AttachmentTable

RED = RGBColor(0xE6, 0x00, 0x12)  # the red of 红头 and the red rule
RED_HEX = "E60012"

# Fonts named in GB/T 9704; a reader without them falls back to another CJK face (and our
# PDF conversion maps them to Noto CJK through fontconfig, see pdf._fontconfig_file).
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
KAITI_FONT = "楷体_GB2312"
FALLBACK_FONT = "SimSun"

PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TEXT_WIDTH_PT = (PAGE_WIDTH_MM - MARGINS_MM["left"] - MARGINS_MM["right"]) / 25.4 * 72
LINE_PT = 28  # exact line spacing: 22 lines of 28 chars on a page
TITLE_PT = 22  # 二号
BODY_PT = 16  # 三号
IMPRINT_PT = 14  # 四号 (抄送, 印发 line, page numbers)
TABLE_PT = 10.5  # 五号, so a task table fits across the page

PAGE_NUMBER_GAP_MM = 7  # from the bottom of the 版心 to the top of the page-number line


def issuer_size(issuer: str) -> float:
    """The red header is as large as fits on one line (at most 36 pt)."""
    n = max(1, len(issuer))
    return max(16.0, min(36.0, int(TEXT_WIDTH_PT * 0.95 / n)))


_CN_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")


def format_cell(v: Any) -> str:
    """A table cell's text; dates in the compact 2026-07-13 form so a date column stays narrow."""
    if v is None:
        return ""
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    text = str(v)
    m = _CN_DATE.match(text.strip())
    if m:
        return f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"
    return text


def _display_width(text: str) -> float:
    """Width in CJK characters: a Latin letter or digit is about half of one."""
    return sum(0.6 if ord(c) < 0x2E80 else 1.0 for c in text)


CELL_PAD_PT = 14  # the cell's left and right margins (0.19 cm each) and a little air
SHORT_COLUMN_CHARS = 6.5  # a column whose content is at most this wide is never squeezed


def column_widths(tbl: AttachmentTable) -> list[Length]:
    """Widths that span the text block: short columns (序号, dates, 进度) keep their natural
    width so they do not wrap; the long text columns (任务, 原因) share what is left by length.
    A header may wrap onto two lines, so it counts half its length."""
    n = max(1, len(tbl.columns))
    natural = []
    for i in range(n):
        header = math.ceil(_display_width(tbl.columns[i]) / 2) if i < len(tbl.columns) else 1
        cells = [_display_width(format_cell(r[i])) for r in tbl.rows if i < len(r)]
        chars = max([header, 1, *cells])
        natural.append(min(chars, 30) * TABLE_PT + CELL_PAD_PT)
    width = TEXT_WIDTH_PT
    total = sum(natural)
    if total <= width:
        return [Pt(w * width / total) for w in natural]
    short_limit = SHORT_COLUMN_CHARS * TABLE_PT + CELL_PAD_PT
    fixed = [w if w <= short_limit else None for w in natural]
    long_ = [w for w in natural if w > short_limit]
    budget = width - sum(w for w in fixed if w is not None)
    floor = 4 * TABLE_PT + CELL_PAD_PT
    if not long_ or budget < floor * len(long_):
        return [Pt(w * width / total) for w in natural]  # nothing sensible: scale them all
    # share the budget by length, but never below four characters
    shares: dict[int, float | None] = {i: w for i, w in enumerate(natural) if fixed[i] is None}
    while True:
        scale = (budget - floor * sum(1 for w in shares.values() if w is None)) / sum(
            w for w in shares.values() if w is not None
        )
        narrow = [i for i, w in shares.items() if w is not None and w * scale < floor]
        if not narrow:
            break
        for i in narrow:
            shares[i] = None
    out: list[Length] = []
    for i, w in enumerate(natural):
        share = shares.get(i)
        if fixed[i] is not None:
            out.append(Pt(w))
        else:
            out.append(Pt(floor if share is None else share * scale))
    return out


def _em_width(text: str) -> float:
    """Printed width in characters of the body size: digits and Latin letters a little over
    half a character, plus the small gap Word and LibreOffice put between CJK and Latin text
    (autoSpaceDN/DE), as measured on the PDF."""
    narrow = [ord(c) < 0x2E80 for c in text]
    gaps = sum(1 for a, b in zip(narrow, narrow[1:], strict=False) if a != b)
    return sum(0.55 if n else 1.0 for n in narrow) + 0.2 * gaps


def signature_indents(signature: str, date_text: str) -> tuple[float, float]:
    """Right indents (in characters) of 发文机关署名 and 成文日期 (GB/T 9704 7.3.5).

    The date keeps four characters free on the right and the signature is centred over it;
    where that would bring the signature closer than two characters to the right edge (a
    signature longer than the date by four characters or more), the signature keeps two
    characters free and the date moves left under its centre."""
    sig, day = _em_width(signature), _em_width(date_text)
    if not signature or not date_text:
        return (2.0 if signature else 0.0), (4.0 if date_text else 0.0)
    date_right = 4.0
    sig_right = date_right + (day - sig) / 2
    if sig_right < 2:
        date_right += 2 - sig_right
        sig_right = 2.0
    line = TEXT_WIDTH_PT / BODY_PT
    date_right = min(date_right, max(0.0, line - day))  # a date never runs off the left
    return sig_right, date_right
