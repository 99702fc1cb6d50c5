"""Word (.docx) plans: paragraphs with their automatic list labels, and task tables."""

from __future__ import annotations

import io
import logging
import zipfile
from typing import Any

from duban.core.numerals import format_int
from duban.intake.parse._table import card_rows, distinct_cells, find_header
from duban.intake.parse._text import TextPlanParser
from duban.intake.parse.model import ParsedPlan, PlanParseError
from duban.intake.parse.ooxml import check_package

log = logging.getLogger(__name__)

Sheet = list[list[str]]

# What python-docx raises on a damaged document: a broken zip or a missing part, bad XML
# (lxml's XMLSyntaxError is a SyntaxError), a malformed attribute or table grid.
_DOCX_ERRORS = (zipfile.BadZipFile, KeyError, ValueError, IndexError, SyntaxError, EOFError)

_UNREADABLE = "无法读取 Word 文件:文件已损坏或不是 .docx 格式"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def read_docx(data: bytes, year: int | None) -> ParsedPlan:
    """A Word plan: the text parsed as a plan, the task tables added to its tasks."""
    check_package(data)  # before python-docx inflates anything
    lines, tables = _read_body(data)
    text = "\n".join(lines)
    if not text.strip() and not tables:
        raise PlanParseError("Word 文件中没有文字内容")
    parser = TextPlanParser(text, year=year)
    tasks = parser.parse_tasks() if text.strip() else []
    codes = {t.code for t in tasks}
    parser.infer_year("\n".join(c for rows in tables for row in rows for c in row if c))
    for rows in tables:
        header = find_header(rows)
        assert header is not None
        for t in parser.table_rows_to_tasks(rows, header):
            if t.code in codes:
                t.code = f"表{len(codes) + 1}-{t.code}"
            codes.add(t.code)
            tasks.append(t)
    return parser.finish(tasks)


def _read_body(data: bytes) -> tuple[list[str], list[Sheet]]:
    """The body's lines (numbered paragraphs, tables without a task header) and task tables."""
    import docx  # heavy: loaded only when a Word file is read
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
        children = list(document.element.body.iterchildren())
    except (PackageNotFoundError, AttributeError, *_DOCX_ERRORS) as exc:
        # python-docx tells XML that is not what it expects (another root element, no body)
        # by an AttributeError
        log.info("Unreadable Word file: %r", exc)
        raise PlanParseError(_UNREADABLE) from exc
    lines: list[str] = []
    tables: list[Sheet] = []
    try:
        numbering = _Numbering(document)
        for child in children:
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                para = Paragraph(child, document)
                text = para.text
                if text.strip():
                    text = numbering.label(para) + text
                lines.append(text)
            elif tag == "tbl":
                table = Table(child, document)
                rows = [[cell.text.strip() for cell in row.cells] for row in table.rows]
                if find_header(rows) is not None:
                    tables.append(rows)
                elif (card := card_rows(rows)) is not None:
                    tables.append(card)  # a task card: label | value
                else:
                    lines.extend(_row_line(row) for row in rows)
    except _DOCX_ERRORS as exc:
        log.info("Unreadable Word file: %r", exc)
        raise PlanParseError(_UNREADABLE) from exc
    return lines, tables


def _row_line(row: list[str]) -> str:
    """A table row that is not a task as one line; merged cells repeat their text once."""
    return "  ".join(distinct_cells(row))


# (format, level text such as "%1.", start) per list level
_Level = tuple[str, str, int]


class _Numbering:
    """Reconstruct Word automatic list labels ("（一）", "1.") that are not in paragraph text."""

    def __init__(self, document: Any) -> None:  # python-docx Document
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.oxml.ns import qn

        self.qn = qn
        self.levels: dict[str, dict[int, _Level]] = {}
        self.counters: dict[str, list[int]] = {}
        self.styles: dict[str, tuple[str, int]] = {}
        try:
            part = document.part.part_related_by(RT.NUMBERING)
        except KeyError:
            return  # no automatic numbering in this document
        except ValueError:
            log.warning("DOCX: several numbering parts; list labels are not rebuilt")
            return
        root = getattr(part, "element", None)
        if root is None:
            log.warning("DOCX: the numbering part is not XML; list labels are not rebuilt")
            return
        abstract = {
            an.get(qn("w:abstractNumId"), ""): self._abstract_levels(an)
            for an in root.findall(qn("w:abstractNum"))
        }
        for num in root.findall(qn("w:num")):
            aid = self._val(num, "w:abstractNumId")
            if aid in abstract:
                self.levels[num.get(qn("w:numId"), "")] = abstract[aid]
        try:
            self._read_styles(document)
        except ValueError:
            # styles only add numbering to headings; the paragraphs' own numbering still counts
            log.warning("DOCX: list numbering of the styles is unreadable; ignored", exc_info=True)

    def _abstract_levels(self, an: Any) -> dict[int, _Level]:
        qn = self.qn
        lv: dict[int, _Level] = {}
        for lvl in an.findall(qn("w:lvl")):
            ilvl = int(lvl.get(qn("w:ilvl"), "0"))
            fmt = self._val(lvl, "w:numFmt") or "decimal"
            text = self._val(lvl, "w:lvlText") or ""
            start = int(self._val(lvl, "w:start") or "1")
            lv[ilvl] = (fmt, text, start)
        return lv

    def _read_styles(self, document: Any) -> None:
        qn = self.qn
        for style in document.styles.element.findall(qn("w:style")):
            ppr = style.find(qn("w:pPr"))
            numpr = ppr.find(qn("w:numPr")) if ppr is not None else None
            if numpr is not None:
                nid = self._val(numpr, "w:numId")
                lvl = int(self._val(numpr, "w:ilvl") or "0")
                if nid:
                    self.styles[style.get(qn("w:styleId"), "")] = (nid, lvl)

    def _val(self, el: Any, tag: str) -> str | None:
        child = el.find(self.qn(tag))
        return child.get(self.qn("w:val")) if child is not None else None

    def _num_of(self, para: Any) -> tuple[str | None, int]:
        """(numbering id, level) of a paragraph, directly or through its style."""
        ppr = para._p.pPr
        numpr = ppr.find(self.qn("w:numPr")) if ppr is not None else None
        if numpr is not None:
            return self._val(numpr, "w:numId"), int(self._val(numpr, "w:ilvl") or "0")
        if ppr is not None:
            sid = self._val(ppr, "w:pStyle")
            if sid in self.styles:
                return self.styles[sid]
        return None, 0

    def label(self, para: Any) -> str:  # python-docx Paragraph
        """The label Word shows before the paragraph ("" when none), counting as Word does."""
        if not self.levels:
            return ""
        nid, ilvl = self._num_of(para)
        if not nid or nid == "0" or nid not in self.levels:
            return ""
        levels = self.levels[nid]
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(nid, [0] * 9)
        if ilvl >= len(counters):
            return ""
        fmt, text, start = levels[ilvl]
        counters[ilvl] = counters[ilvl] + 1 if counters[ilvl] else start
        for deeper in range(ilvl + 1, len(counters)):
            counters[deeper] = 0
        if fmt in ("bullet", "none") or not text:
            return ""
        out = ""
        i = 0
        while i < len(text):
            if text[i] == "%" and i + 1 < len(text) and text[i + 1].isdigit():
                out += _render(levels, counters, int(text[i + 1]) - 1)
                i += 2
            else:
                out += text[i]
                i += 1
        return out


def _render(levels: dict[int, _Level], counters: list[int], level: int) -> str:
    """One level's current number in its format (一, ①, a, 1…)."""
    f = levels.get(level, ("decimal", "", 1))[0]
    n = counters[level] or levels.get(level, ("", "", 1))[2]
    if f.startswith("chinese") or f in ("ideographTraditional", "japaneseCounting"):
        return format_int(n) if n < 10_000 else str(n)
    if f.startswith("decimalEnclosedCircle") and 1 <= n <= 20:
        return _CIRCLED[n - 1]
    if f == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26)
    if f == "upperLetter":
        return chr(ord("A") + (n - 1) % 26)
    return str(n)
