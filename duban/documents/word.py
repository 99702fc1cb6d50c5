"""The DOCX writer: an OfficialDocument laid out after GB/T 9704 with python-docx."""

import io
import math
import re
from collections.abc import Sequence

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from duban.documents.layout import (
    BODY_FONT,
    BODY_PT,
    BODY_TRACKING_TWIPS,
    CHAR_PT,
    DASH_HEIGHT,
    EM_ASCENT,
    EXACT_BASELINE,
    FALLBACK_FONT,
    GRID_CHAR_SPACE,
    HEADING_FONT,
    IMPRINT_PT,
    ISSUER_TOP_MM,
    KAITI_FONT,
    LANDSCAPE_MARGINS_MM,
    LANDSCAPE_TEXT_WIDTH_PT,
    LINE_PITCH_TWIPS,
    LINE_PT,
    MARGINS_MM,
    MM,
    PAGE_HEIGHT_MM,
    PAGE_NUMBER_GAP_MM,
    PAGE_WIDTH_MM,
    RED,
    RED_HEX,
    RULE_GAP_MM,
    TABLE_PT,
    TEXT_WIDTH_PT,
    TITLE_FONT,
    TITLE_PT,
    _em_width,
    centred_columns,
    column_widths,
    format_cell,
    is_landscape,
    issuer_size,
    signature_indents,
    title_lines,
)
from duban.documents.official import AttachmentTable, OfficialDocument, chinese_date


def render_docx(d: OfficialDocument) -> bytes:
    """The document as DOCX bytes, laid out after GB/T 9704 (A4, 37/35/28/26 mm margins)."""
    doc = Document()
    _setup_page(doc)
    _head(doc, d)
    # 主送机关, then 正文
    if d.addressees:
        _paragraph(doc, f"{d.addressees.rstrip('：:')}：", align=WD_ALIGN_PARAGRAPH.LEFT)
    for text in d.body:
        for line in str(text).splitlines() or [""]:
            if line.strip():
                _body_paragraph(doc, line.strip())
    tables = [AttachmentTable.of(a) for a in d.attachments]
    if tables:
        _attachment_list(doc, tables)
    _signature(doc, d)
    _attachment_pages(doc, tables)
    if _is_landscape_section(doc) and _imprint_rows(d):
        _new_section(doc, landscape=False)  # the 版记 on a portrait last page
    _imprint(doc, d)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


class _Column:
    """The 版头 placed from the top of the 版心 down: each paragraph gets the space before it
    that puts its glyphs' top edge (the em box) where GB/T 9704 wants it.

    `y` is the bottom of what is placed so far, in points below the 版心's top edge."""

    def __init__(self) -> None:
        self.y = 0.0

    def place(self, par, *, size: float, line: float, top: float, lines: int = 1) -> float:
        """Put a paragraph of `lines` exact lines of `line` pt whose first line's glyphs start
        at `top`; returns the bottom edge of its last line's glyphs."""
        first_line_top = top - (EXACT_BASELINE * line - EM_ASCENT * size)
        before = first_line_top - self.y
        if before < 0:
            raise ValueError("the 版头 does not fit")  # a bug in the measures, not in data
        _spacing(par, exact=line, before=before)
        self.y = first_line_top + lines * line
        return top + (lines - 1) * line + size

    def after(self, points: float) -> None:
        self.y += points


def _head(doc, d: OfficialDocument) -> None:
    """版头 and 标题 (GB/T 9704 7.2, 7.3.1): 发文机关标志, 发文字号, red rule, title."""
    column = _Column()
    size = issuer_size(d.issuer)
    issuer = _paragraph(
        doc, d.issuer, font=TITLE_FONT, size=size, color=RED, align=WD_ALIGN_PARAGRAPH.CENTER
    )
    bottom = column.place(issuer, size=size, line=1.25 * size, top=ISSUER_TOP_MM * MM)
    # 发文字号 two blank lines under the 标志: two empty lines and the leading of a 3号 line
    blank_two = 3 * LINE_PT - BODY_PT
    num = _paragraph(doc, d.doc_number or "", align=WD_ALIGN_PARAGRAPH.CENTER)
    bottom = column.place(num, size=BODY_PT, line=LINE_PT, top=bottom + blank_two)
    # the red rule 4 mm under the 发文字号: the number paragraph's bottom border, drawn the
    # border's distance under the paragraph's last line
    gap = bottom + RULE_GAP_MM * MM - column.y
    _border(num, "bottom", color=RED_HEX, size_eighths=RULE_EIGHTHS, space=round(gap))
    column.after(round(gap) + RULE_EIGHTHS / 8)
    rule = column.y
    glyph_top = EXACT_BASELINE * LINE_PT - EM_ASCENT * BODY_PT  # in a body line
    if d.level_label:  # 红色督办 …: 3号黑体 in red, right-aligned on the line under the rule
        label = _paragraph(
            doc, d.level_label, font=HEADING_FONT, color=RED, align=WD_ALIGN_PARAGRAPH.RIGHT
        )
        column.place(label, size=BODY_PT, line=LINE_PT, top=rule + glyph_top)
    # 标题 two blank lines under the rule
    lines = title_lines(d.title)
    title = _paragraph(doc, font=TITLE_FONT, size=TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER)
    _title_runs(title, lines)
    bottom = column.place(
        title, size=TITLE_PT, line=TITLE_LINE_PT, top=rule + blank_two, lines=len(lines)
    )
    # 主送机关 (or the 正文) one blank line under the title, on a line of the page's grid of
    # 22 (so that the first page is filled to the bottom of the 版心 like the others): the
    # first grid line that leaves at least a line's height free under the title
    grid_line = math.ceil((bottom + LINE_PT - glyph_top) / LINE_PT - 1e-6)
    title.paragraph_format.space_after = Pt(grid_line * LINE_PT - column.y)


RULE_EIGHTHS = 12  # the red rule, 1.5 pt
TITLE_LINE_PT = 35  # exact spacing of a title of several lines


def _title_runs(par, lines: Sequence[str]) -> None:
    """The title's lines, broken where title_lines chose (w:br, not left to the renderer)."""
    for i, text in enumerate(lines):
        run = par.add_run(text)
        _set_run_font(run, TITLE_FONT, TITLE_PT)
        if i < len(lines) - 1:
            run.add_break()


def _no_grid(par) -> None:
    """Off the character grid (w:snapToGrid 0), every paragraph: LibreOffice gives a character
    wider than a grid cell two cells (a 22 pt title, the 标志, and the 16 pt body itself,
    whose cell is 15.79 pt), and breaks a full body line after 14 characters even where its
    characters are tightened to fit one. The body gets its 28 characters from the tracking
    instead (layout.BODY_TRACKING_TWIPS), the same in Word and LibreOffice."""
    el = OxmlElement("w:snapToGrid")
    el.set(qn("w:val"), "0")
    _put(par._p.get_or_add_pPr(), el, PPR_ORDER)


# ---------------------------------------------------------------- low-level formatting


def _set_run_font(run, name: str, size_pt: float, *, bold: bool = False, color=None) -> None:
    run.font.name = name
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)
    if size_pt == BODY_PT:  # 28 characters a line, see layout.BODY_TRACKING_TWIPS
        tracking = OxmlElement("w:spacing")
        tracking.set(qn("w:val"), str(BODY_TRACKING_TWIPS))
        rpr.insert_element_before(tracking, *RPR_AFTER_SPACING)
    _lang(rpr)


# Children of w:rPr that follow w:spacing in the schema.
RPR_AFTER_SPACING = (
    "w:w",
    "w:kern",
    "w:position",
    "w:sz",
    "w:szCs",
    "w:highlight",
    "w:u",
    "w:effect",
    "w:bdr",
    "w:shd",
    "w:fitText",
    "w:vertAlign",
    "w:rtl",
    "w:cs",
    "w:em",
    "w:lang",
    "w:eastAsianLayout",
    "w:specVanish",
    "w:oMath",
)
LANGUAGE = "zh-CN"


def _lang(rpr) -> None:
    """The text is Chinese (w:lang), so that line breaking, punctuation and the choice of the
    East Asian face follow zh-CN rules, not those of the template's en-US."""
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")
    lang.set(qn("w:val"), LANGUAGE)
    lang.set(qn("w:eastAsia"), LANGUAGE)


def _spacing(par, *, exact: float | None = LINE_PT, before: float = 0, after: float = 0) -> None:
    pf = par.paragraph_format
    if exact is not None:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(exact)
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)


# Children of w:pPr and w:tblPr in the order the OOXML schema requires (Word refuses a file
# whose elements are out of order; LibreOffice does not mind, so only Word would show it).
PPR_ORDER = (
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
)
TBLPR_ORDER = (
    "tblStyle",
    "tblpPr",
    "tblOverlap",
    "bidiVisual",
    "tblStyleRowBandSize",
    "tblStyleColBandSize",
    "tblW",
    "jc",
    "tblCellSpacing",
    "tblInd",
    "tblBorders",
    "shd",
    "tblLayout",
    "tblCellMar",
    "tblLook",
    "tblCaption",
    "tblDescription",
    "tblPrChange",
)


def _put(parent, child, order: Sequence[str]) -> None:
    """Insert child into parent at its schema position, replacing one of the same name."""
    name = child.tag.split("}")[1]
    old = parent.find(qn(f"w:{name}"))
    if old is not None:
        parent.remove(old)
    later = order[order.index(name) + 1 :]
    parent.insert_element_before(child, *(f"w:{n}" for n in later))


def _border(par, side: str, *, color: str = "000000", size_eighths: int = 6, space: int = 1):
    """A paragraph border line (the red rule under the doc number, the imprint rules)."""
    ppr = par._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        _put(ppr, borders, PPR_ORDER)
    el = OxmlElement(f"w:{side}")
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), str(size_eighths))
    el.set(qn("w:space"), str(space))
    el.set(qn("w:color"), color)
    borders.append(el)


def _first_line_chars(par, chars: float, size: float) -> None:
    """A first-line indent in characters: the length of that many tracked body characters
    (w:firstLine, what LibreOffice reads) and w:firstLineChars, what Word prefers."""
    pitch = CHAR_PT if size == BODY_PT else size
    par.paragraph_format.first_line_indent = Pt(pitch * chars)
    if size == BODY_PT:
        ind = par._p.get_or_add_pPr().find(qn("w:ind"))
        ind.set(qn("w:firstLineChars"), str(round(chars * 100)))


def _paragraph(
    doc,
    text: str = "",
    *,
    font=BODY_FONT,
    size=BODY_PT,
    bold=False,
    color=None,
    align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent_chars: float = 0,
    exact=LINE_PT,
    before: float = 0,
    after: float = 0,
):
    par = doc.add_paragraph()
    par.alignment = align
    _spacing(par, exact=exact, before=before, after=after)
    if indent_chars:
        _first_line_chars(par, indent_chars, size)
    if text:
        _set_run_font(par.add_run(text), font, size, bold=bold, color=color)
    _no_grid(par)
    return par


# Headings inside 正文: "一、" in 黑体, "（一）" in 楷体 (GB/T 9704 7.3.3). Only a short phrase
# without a comma is a heading; "一、各单位要…，…。" is a numbered sentence and stays 仿宋.
_HEADINGS = (
    (re.compile(r"^([一二三四五六七八九十]+、[^，,。；]{1,15})(。?)(.*)$"), HEADING_FONT),
    (re.compile(r"^([（(][一二三四五六七八九十]+[)）][^，,。；]{1,15})(。?)(.*)$"), KAITI_FONT),
)


def _body_paragraph(doc, line: str):
    for pattern, font in _HEADINGS:
        m = pattern.match(line)
        if m and (not m[3] or m[2]):
            par = _paragraph(doc, indent_chars=2)
            _set_run_font(par.add_run(m[1] + m[2]), font, BODY_PT)
            if m[3]:
                _set_run_font(par.add_run(m[3]), BODY_FONT, BODY_PT)
            else:  # a heading line never stands alone at the foot of a page
                par.paragraph_format.keep_with_next = True
            return par
    par = _paragraph(doc, line, indent_chars=2)
    if line.endswith(("：", ":")):  # it introduces what follows: never the last line of a page
        par.paragraph_format.keep_with_next = True
    return par


def _setup_page(doc) -> None:
    section = doc.sections[0]
    _orient(section, landscape=False)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(BODY_PT)
    rpr = normal.element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), BODY_FONT)
    _lang(rpr)
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    _lang(defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")))
    pf = normal.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(LINE_PT)
    pf.space_before = pf.space_after = Pt(0)
    _document_grid(section)
    _page_number_footer(doc, section)


def _orient(section, *, landscape: bool) -> None:
    """A4 portrait with the GB/T 9704 margins, or A4 landscape with the same 版心 turned (see
    layout.LANDSCAPE_MARGINS_MM); the page number's footer 7 mm under the 版心 either way."""
    margins = LANDSCAPE_MARGINS_MM if landscape else MARGINS_MM
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    width, height = (
        (PAGE_HEIGHT_MM, PAGE_WIDTH_MM) if landscape else (PAGE_WIDTH_MM, PAGE_HEIGHT_MM)
    )
    section.page_width, section.page_height = Mm(width), Mm(height)
    section.top_margin = Mm(margins["top"])
    section.bottom_margin = Mm(margins["bottom"])
    section.left_margin = Mm(margins["left"])
    section.right_margin = Mm(margins["right"])
    # the footer's bottom edge, so that its one exact 14 pt line starts so much higher that
    # the top edge of the 一字线 (GB/T 9704 measures to the dash itself) is 7 mm under the 版心
    dash_drop = (EXACT_BASELINE - DASH_HEIGHT) * IMPRINT_PT
    section.footer_distance = (
        Mm(margins["bottom"] - PAGE_NUMBER_GAP_MM) + Pt(dash_drop) - Pt(IMPRINT_PT)
    )


def _is_landscape_section(doc) -> bool:
    return doc.sections[-1].orientation == WD_ORIENT.LANDSCAPE


def _new_section(doc, *, landscape: bool) -> None:
    """A section break (on a new page) and the next section's page: what follows is set on
    landscape or portrait pages. The break is a paragraph one point high closing the section
    before (after a table it must not take a line of its own, which could make a page). The
    new section keeps the footers (linked to the previous) and the page numbers run on."""
    par = _tiny_paragraph(doc)
    sentinel = doc.element.body.get_or_add_sectPr()
    par._p.set_sectPr(sentinel.clone())
    for ref in sentinel.xpath("w:headerReference|w:footerReference"):
        sentinel.remove(ref)
    _orient(doc.sections[-1], landscape=landscape)
    _document_grid(doc.sections[-1], chars=not landscape)


def _document_grid(section, *, chars: bool = True) -> None:
    """22 lines of 28 characters: the grid's line pitch and a character pitch a little under
    16 pt (see layout.GRID_CHAR_SPACE); exact spacing alone gives 27 characters a line.

    A landscape section has no grid (`chars=False`): 225 mm is no whole number of grid
    characters, and LibreOffice centres the characters' grid in the 版心, which would move
    everything 3 pt to the right of the margin."""
    sect = section._sectPr
    old = sect.find(qn("w:docGrid"))
    if old is not None:
        sect.remove(old)
    grid = OxmlElement("w:docGrid")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    if chars:
        grid.set(qn("w:type"), "linesAndChars")
        grid.set(qn("w:charSpace"), str(GRID_CHAR_SPACE))
    sect.insert_element_before(grid, "w:printerSettings", "w:sectPrChange")


def _field(par, instr: str, result: str) -> None:
    """Append a Word field (PAGE) to a paragraph, each part in a run of its own in 4号 宋体:
    LibreOffice sets the number in the size of the run holding the result (with none, in
    the 3号 of the Normal style)."""
    for kind, text in (("begin", None), ("instr", instr), ("separate", None)):
        run = par.add_run()
        _set_run_font(run, FALLBACK_FONT, IMPRINT_PT)
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run._r.append(el)
    _set_run_font(par.add_run(result), FALLBACK_FONT, IMPRINT_PT)
    end = par.add_run()
    _set_run_font(end, FALLBACK_FONT, IMPRINT_PT)
    el = OxmlElement("w:fldChar")
    el.set(qn("w:fldCharType"), "end")
    end._r.append(el)


def _page_number_footer(doc, section) -> None:
    """Page numbers as “— 1 —” in 4号 半角宋体 7 mm below the 版心 (GB/T 9704 7.5): odd pages
    on the right, even pages on the left, one character from the edge of the text block."""
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        par = footer.paragraphs[0]
        par.alignment = align
        _spacing(par, exact=IMPRINT_PT)
        _no_grid(par)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            par.paragraph_format.right_indent = Pt(IMPRINT_PT)
        else:
            par.paragraph_format.left_indent = Pt(IMPRINT_PT)
        for text in ("— ", None, " —"):
            if text is None:
                _field(par, "PAGE", "1")
                continue
            run = par.add_run(text)
            _set_run_font(run, FALLBACK_FONT, IMPRINT_PT)
            # the 一字线 in the East Asian font, a full character wide
            run._element.rPr.rFonts.set(qn("w:hint"), "eastAsia")


def _cell_text(cell, text: str, *, bold: bool = False, align=WD_ALIGN_PARAGRAPH.LEFT) -> None:
    par = cell.paragraphs[0]
    par.alignment = align
    _spacing(par, exact=None)
    _no_grid(par)
    if text:
        run = par.add_run(text)
        _set_run_font(run, BODY_FONT, TABLE_PT, bold=bold)
        # digits and Latin letters in a Western language: with zh-CN there too LibreOffice
        # breaks a number anywhere (“已于2/026年” in a narrow cell); the Chinese stays zh-CN
        run._element.rPr.find(qn("w:lang")).set(qn("w:val"), TABLE_WESTERN_LANGUAGE)


TABLE_WESTERN_LANGUAGE = "en-US"


def _attachment_list(doc, tables: Sequence[AttachmentTable]) -> None:
    """附件说明 (GB/T 9704 7.3.4): one blank line after the body, then “附件：1.名称” two
    characters in, a wrapped name aligned under its first character (a hanging indent with a
    tab stop where the names start); it stays on the page of the signature."""
    blank = _paragraph(doc)
    blank.paragraph_format.keep_with_next = True
    several = len(tables) > 1
    label_chars = 3 + (_number_chars(len(tables)) if several else 0)
    for i, tbl in enumerate(tables, start=1):
        label = "附件：" if i == 1 else "　　　"
        text = f"{label}{i}.\t{tbl.title}" if several else f"{label}{tbl.title}"
        par = _paragraph(doc, text, align=WD_ALIGN_PARAGRAPH.LEFT)
        fmt = par.paragraph_format
        fmt.left_indent = Pt((2 + label_chars) * CHAR_PT)
        fmt.first_line_indent = Pt(-label_chars * CHAR_PT)
        if several:
            fmt.tab_stops.add_tab_stop(fmt.left_indent)
        fmt.keep_with_next = fmt.keep_together = True


def _number_chars(n: int) -> int:
    """Whole body characters that “n.” takes, so that the names after it line up."""
    return math.ceil(_em_width(f"{n}.") + 0.1)


def _attachment_pages(doc, tables: Sequence[AttachmentTable]) -> None:
    """Each attachment on a new page: “附件” (3号黑体) top left, its title centred on the third
    line, the table with its header row repeated on every page and no row split. A table too
    wide for the portrait 版心 (layout.is_landscape) gets landscape pages of its own, a
    section break before it and after it (GB/T 9704 横排表格)."""
    for i, tbl in enumerate(tables, start=1):
        wide = is_landscape(tbl)
        par = None
        if wide != _is_landscape_section(doc):
            _new_section(doc, landscape=wide)  # the section break makes the new page
        else:
            par = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.LEFT)
            par.add_run().add_break(WD_BREAK.PAGE)
        if par is None:
            par = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.LEFT)
        label = f"附件{i}" if len(tables) > 1 else "附件"
        _set_run_font(par.add_run(label), HEADING_FONT, BODY_PT)
        title = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, exact=TITLE_LINE_PT)
        title.paragraph_format.space_before = Pt(LINE_PT)
        title.paragraph_format.space_after = Pt(LINE_PT / 2)
        width = LANDSCAPE_TEXT_WIDTH_PT if wide else TEXT_WIDTH_PT
        _title_runs(title, title_lines(tbl.title, width / TITLE_PT))
        _attachment_table(doc, tbl, width)


def _attachment_table(doc, tbl: AttachmentTable, width: float) -> None:
    """The table across `width`: a bold header row, 五号 cells, a group's repeated value (the
    unit of its tasks) in one vertically merged cell (w:vMerge)."""
    table = doc.add_table(rows=1, cols=max(1, len(tbl.columns)))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = column_widths(tbl, width)
    for cell, col in zip(table.rows[0].cells, tbl.columns, strict=False):
        _cell_text(cell, col, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    continued = tbl.continued_cells()
    centred = centred_columns(tbl)
    for r, row in enumerate(tbl.rows):
        cells = table.add_row().cells
        for c, (cell, v) in enumerate(zip(cells, row, strict=False)):
            align = WD_ALIGN_PARAGRAPH.CENTER if centred[c] else WD_ALIGN_PARAGRAPH.LEFT
            _cell_text(cell, "" if (r, c) in continued else format_cell(v), align=align)
    for column, w in zip(table.columns, widths, strict=False):
        column.width = w  # LibreOffice reads the grid, Word the cells: set both
    for tr in table._tbl.tr_lst:
        for tc, w in zip(tr.tc_lst, widths, strict=False):
            tc.width = w
    if not tbl.rows:
        cells = table.add_row().cells
        cells[0].merge(cells[-1])
        _cell_text(cells[0], "（无）", align=WD_ALIGN_PARAGRAPH.CENTER)
    trs = table._tbl.tr_lst
    for r, c in continued:
        trs[r + 1].tc_lst[c].vMerge = "continue"
        above = trs[r].tc_lst[c]
        if above.vMerge is None:
            above.vMerge = "restart"
    for n, row in enumerate(table.rows):
        _row_flags(row, header=n == 0)


def _row_flags(row, *, header: bool) -> None:
    """w:cantSplit on every row (a row never breaks across pages), w:tblHeader on the header
    row (repeated at the top of every page of the table)."""
    trpr = row._tr.get_or_add_trPr()
    for name, on in (("cantSplit", True), ("tblHeader", header)):
        if on:
            el = OxmlElement(f"w:{name}")
            trpr.insert_element_before(el, *TRPR_AFTER[name])


# Children of w:trPr after cantSplit and after tblHeader, in schema order.
TRPR_AFTER = {
    "cantSplit": ("w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden"),
    "tblHeader": ("w:tblCellSpacing", "w:jc", "w:hidden"),
}


def _table_borders(table, **sides: int) -> None:
    """Only the given borders on a table (sizes in eighths of a point); every other side none."""
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        size = sides.get(side)
        el.set(qn("w:val"), "single" if size else "nil")
        if size:
            el.set(qn("w:sz"), str(size))
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        borders.append(el)
    _put(table._tbl.tblPr, borders, TBLPR_ORDER)


def _at_page_foot(table) -> None:
    """Float the table to the bottom of the text block (w:tblpPr, vertically anchored to the
    margin, horizontally to the page at the left margin).

    Word and LibreOffice both honour a positioned table: it sits on the page of the paragraph
    that follows it, its last rule on the last line of the 版心, and text keeps clear of it (a
    full last page pushes the table and its anchor onto a new page). LibreOffice (its
    FloatingTableConversion heuristic) turns a margin-anchored table as wide as the text block
    back into an ordinary one where the content ends; anchored to the page it stays put."""
    tblpr = table._tbl.tblPr
    pos = OxmlElement("w:tblpPr")
    x = round(MARGINS_MM["left"] / 25.4 * 1440)
    for attr, value in (
        ("leftFromText", "0"),
        ("rightFromText", "0"),
        ("topFromText", "0"),
        ("bottomFromText", "0"),
        ("vertAnchor", "margin"),
        ("horzAnchor", "page"),
        ("tblpX", str(x)),
        ("tblpYSpec", "bottom"),
    ):
        pos.set(qn(f"w:{attr}"), value)
    _put(tblpr, pos, TBLPR_ORDER)
    overlap = OxmlElement("w:tblOverlap")
    overlap.set(qn("w:val"), "never")
    _put(tblpr, overlap, TBLPR_ORDER)
    margins = OxmlElement("w:tblCellMar")
    for side in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), "0")
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    _put(tblpr, margins, TBLPR_ORDER)
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(round(TEXT_WIDTH_PT * 20)))
    width.set(qn("w:type"), "dxa")
    _put(tblpr, width, TBLPR_ORDER)


def _imprint(doc, d: OfficialDocument) -> None:
    """版记 at the foot of the last page: 抄送 and the 印发 line between rules (GB/T 9704 7.4).

    A one-column table whose borders are the rules (first and last thick, the one between
    thin), positioned at the bottom of the text block. The texts keep one character free on
    either side; 印发日期 is right-aligned with a tab."""
    rows = _imprint_rows(d)
    if not rows:
        return
    # a paragraph between an attachment table and this one, else LibreOffice joins them and
    # the 版记 loses its position
    _tiny_paragraph(doc)
    table = doc.add_table(rows=len(rows), cols=1)
    table.autofit = False
    width = Pt(TEXT_WIDTH_PT)
    table.columns[0].width = width
    _table_borders(table, top=8, bottom=8, insideH=6)
    _at_page_foot(table)
    for row, text in zip(table.rows, rows, strict=True):
        cell = row.cells[0]
        cell.width = width
        par = cell.paragraphs[0]
        par.alignment = WD_ALIGN_PARAGRAPH.LEFT
        _spacing(par)
        par.paragraph_format.left_indent = Pt(IMPRINT_PT)
        par.paragraph_format.right_indent = Pt(IMPRINT_PT)
        if "\t" in text:
            # tab positions count from the cell's left edge, not from the indent: the date
            # ends one character from the right edge of the 版心
            right = TEXT_WIDTH_PT - IMPRINT_PT
            par.paragraph_format.tab_stops.add_tab_stop(Pt(right), WD_TAB_ALIGNMENT.RIGHT)
        _set_run_font(par.add_run(text), BODY_FONT, IMPRINT_PT)
    # the anchor: a positioned table belongs to the paragraph after it; keep that one tiny
    _tiny_paragraph(doc)


def _imprint_rows(d: OfficialDocument) -> list[str]:
    rows = []
    if d.copy_to:
        rows.append(f"抄送：{d.copy_to.rstrip('。')}。")
    if d.printed_by or d.printed_on:
        on = f"{chinese_date(d.printed_on)}印发" if d.printed_on else ""
        rows.append(f"{d.printed_by}\t{on}")
    return rows


def _tiny_paragraph(doc):
    """An empty paragraph one point high (takes no visible room on the page)."""
    par = _paragraph(doc, exact=1)
    rpr = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "2")
    rpr.append(size)
    _put(par._p.get_or_add_pPr(), rpr, PPR_ORDER)
    return par


def _signature(doc, d: OfficialDocument) -> None:
    """署名 and 成文日期 one blank line below the 正文 (or 附件说明), right-aligned at the
    indents of signature_indents; the last lines of the body stay on their page (a signature
    never stands alone on a page)."""
    date_text = chinese_date(d.date, d.date_style) if d.date else ""
    if not (d.signature or date_text):
        return
    if doc.paragraphs:
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
    _paragraph(doc).paragraph_format.keep_with_next = True
    sig_right, date_right = signature_indents(d.signature, date_text)
    for text, right, keep in ((d.signature, sig_right, True), (date_text, date_right, False)):
        if text:
            par = _paragraph(doc, text, align=WD_ALIGN_PARAGRAPH.RIGHT)
            par.paragraph_format.right_indent = Pt(BODY_PT * right)
            par.paragraph_format.keep_with_next = keep
