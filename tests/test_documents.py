"""The official-layout DOCX: every GB/T 9704 element, fonts, margins, the task table; PDF."""

import datetime as dt
import io

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from duban.documents import layout, word
from duban.documents import pdf as documents_pdf
from duban.documents.official import AttachmentTable, OfficialDocument, chinese_date
from duban.documents.pdf import docx_to_pdf
from duban.documents.word import render_docx

ISSUER = "市行政审批制度改革领导小组办公室"


def _doc(**kw) -> OfficialDocument:
    base = dict(
        issuer=ISSUER,
        doc_number="督办〔2026〕7号",
        title="关于加快推进逾期任务的督办通知",
        addressees="市公安局",
        body=["经督查，你单位牵头的2项任务已超过完成时限。", "请于5个工作日内书面报送。"],
        attachments=[
            {
                "title": "逾期任务清单",
                "columns": ["编号", "任务", "完成时限", "逾期工作日"],
                "rows": [["一(四)", "公布首批主题清单", dt.date(2026, 10, 9), 31]],
            }
        ],
        signature=ISSUER,
        date=dt.date(2026, 11, 23),
        copy_to="市委办公室，市政府办公室",
        printed_by=ISSUER,
        printed_on=dt.date(2026, 11, 23),
    )
    base.update(kw)
    return OfficialDocument(**base)


def _open(d: OfficialDocument):
    return Document(io.BytesIO(render_docx(d)))


def _par(doc, text):
    hits = [p for p in doc.paragraphs if text in p.text]
    assert hits, f"no paragraph with {text!r}: {[p.text for p in doc.paragraphs]}"
    return hits[0]


def _east_asia(run) -> str | None:
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


def test_page_is_a4_with_official_margins():
    sec = _open(_doc()).sections[0]
    assert abs(sec.page_width - Mm(210)) < Mm(0.5) and abs(sec.page_height - Mm(297)) < Mm(0.5)
    for side, mm in (("top", 37), ("bottom", 35), ("left", 28), ("right", 26)):
        assert abs(getattr(sec, f"{side}_margin") - Mm(mm)) < Mm(0.2), side


def test_red_header_number_rule_and_title():
    doc = _open(_doc())
    header = doc.paragraphs[0]
    assert header.text == ISSUER
    run = header.runs[0]
    assert str(run.font.color.rgb) == layout.RED_HEX
    assert header.alignment == WD_ALIGN_PARAGRAPH.CENTER
    num = _par(doc, "督办〔2026〕7号")
    border = num._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert border.get(qn("w:color")) == layout.RED_HEX  # the red rule
    title = _par(doc, "关于加快推进逾期任务的督办通知")
    # 2号小标宋, not bold (GB/T 9704 7.3.1: the face is heavy itself)
    assert title.runs[0].font.size == Pt(22) and not title.runs[0].font.bold
    assert not run.font.bold  # nor is the 标志
    assert _east_asia(title.runs[0]) == layout.TITLE_FONT
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER


def test_addressees_body_signature_date_and_imprint():
    doc = _open(_doc())
    texts = [p.text for p in doc.paragraphs]
    assert "市公安局：" in texts
    body = _par(doc, "经督查")
    assert body.runs[0].font.size == Pt(16)
    assert _east_asia(body.runs[0]) == layout.BODY_FONT
    # two characters of the body as set (16 pt tightened to 15.7 pt for 28 a line)
    assert body.paragraph_format.first_line_indent == Pt(2 * 15.7)
    assert body.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    # 225 mm / 22 lines: 579 twips (was 28 pt, which fits 22.8 lines in the 版心)
    assert body.paragraph_format.line_spacing == Pt(28.95)
    assert _par(doc, "附件：逾期任务清单")
    sig = [p for p in doc.paragraphs if p.text == ISSUER][-1]
    assert sig.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    date = _par(doc, "2026年11月23日")
    # a long signature keeps two characters free; the date moves left to stay centred under it
    assert sig.paragraph_format.right_indent == Pt(32)
    assert date.paragraph_format.right_indent > Pt(64)
    # one blank line between the 附件说明 and the signature; they stay on one page
    texts_ = [p.text for p in doc.paragraphs]
    i = texts_.index(ISSUER, 1)
    assert texts_[i - 1] == "" and texts_[i - 2] == "附件：逾期任务清单"
    assert all(doc.paragraphs[j].paragraph_format.keep_with_next for j in (i - 2, i - 1, i))
    assert "2026年11月23日" in texts
    order = [texts.index(x) for x in ("市公安局：", "2026年11月23日")]
    assert order == sorted(order)
    # 版记: the last table of the document, after the attachment table
    imprint = doc.tables[-1]
    assert [r.cells[0].text for r in imprint.rows] == [
        "抄送：市委办公室，市政府办公室。",
        f"{ISSUER}\t2026年11月23日印发",
    ]
    copy_par = imprint.rows[0].cells[0].paragraphs[0]
    assert copy_par.runs[0].font.size == Pt(14)  # 4号
    assert copy_par.paragraph_format.left_indent == Pt(14)  # one character free on the left
    assert copy_par.paragraph_format.right_indent == Pt(14)


def test_imprint_floats_to_the_foot_of_the_last_page_between_rules():
    doc = _open(_doc())
    body = doc.element.body
    imprint = doc.tables[-1]._tbl
    # it comes after everything else (only its tiny anchor paragraph and sectPr follow)
    assert body.index(imprint) > body.index(doc.tables[0]._tbl)
    following = [el.tag for el in imprint.itersiblings()]
    assert following == [qn("w:p"), qn("w:sectPr")]
    pos = imprint.tblPr.find(qn("w:tblpPr"))
    assert pos is not None, "版记 must be a positioned table"
    assert pos.get(qn("w:vertAnchor")) == "margin" and pos.get(qn("w:tblpYSpec")) == "bottom"
    # anchored to the page at the left margin (LibreOffice keeps a full-width table floating
    # only so), so it spans exactly the text block
    assert pos.get(qn("w:horzAnchor")) == "page"
    assert int(pos.get(qn("w:tblpX"))) == round(28 / 25.4 * 1440)
    assert abs(doc.tables[-1].columns[0].width - Pt(layout.TEXT_WIDTH_PT)) < Pt(0.1)
    borders = {
        el.tag.split("}")[1]: (el.get(qn("w:val")), el.get(qn("w:sz")))
        for el in imprint.tblPr.find(qn("w:tblBorders"))
    }
    assert borders["top"] == ("single", "8") and borders["bottom"] == ("single", "8")
    assert borders["insideH"] == ("single", "6")  # the thin rule between 抄送 and 印发
    assert borders["left"][0] == borders["right"][0] == borders["insideV"][0] == "nil"
    # the anchor paragraph takes no room
    anchor = doc.paragraphs[-1]
    assert anchor.text == "" and anchor.paragraph_format.line_spacing == Pt(1)


def test_imprint_with_only_the_printing_line():
    doc = _open(_doc(copy_to="", attachments=[]))
    assert len(doc.tables) == 1
    assert [r.cells[0].text for r in doc.tables[0].rows] == [f"{ISSUER}\t2026年11月23日印发"]


def test_normal_style_carries_the_east_asian_font():
    doc = _open(_doc())
    rfonts = doc.styles["Normal"].element.rPr.rFonts
    assert rfonts.get(qn("w:eastAsia")) == layout.BODY_FONT


def test_attachment_table_holds_the_tasks():
    doc = _open(_doc())
    assert len(doc.tables) == 2  # the task table and the 版记
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["编号", "任务", "完成时限", "逾期工作日"]
    assert [c.text for c in table.rows[1].cells] == [
        "一(四)",
        "公布首批主题清单",
        "2026-10-09",
        "31",
    ]
    assert _par(doc, "附件").runs  # the 附件 label on the attachment page


def test_several_attachments_are_numbered_and_empty_table_says_so():
    doc = _open(
        _doc(
            attachments=[
                {"title": "表一", "columns": ["a", "b"], "rows": []},
                {"title": "表二", "columns": ["c"], "rows": [["x"]]},
            ]
        )
    )
    texts = [p.text for p in doc.paragraphs]
    # a tab before the name: the hanging indent's stop, where a wrapped name lines up
    assert "附件：1.\t表一" in texts and "　　　2.\t表二" in texts
    assert "附件1" in texts and "附件2" in texts
    assert doc.tables[0].rows[1].cells[0].text == "（无）"


def test_without_optional_parts_nothing_is_printed_for_them():
    doc = _open(_doc(attachments=[], copy_to="", printed_by="", printed_on=None))
    texts = " ".join(p.text for p in doc.paragraphs)
    assert "附件" not in texts and "抄送" not in texts and "印发" not in texts
    assert not doc.tables


def test_chinese_dates():
    assert chinese_date(dt.date(2026, 11, 23)) == "2026年11月23日"
    assert chinese_date(dt.date(2026, 11, 23), "hanzi") == "二〇二六年十一月二十三日"
    assert chinese_date(dt.date(2026, 1, 10), "hanzi") == "二〇二六年一月十日"
    assert chinese_date(dt.date(2030, 10, 31), "hanzi") == "二〇三〇年十月三十一日"


def test_pdf_is_none_without_libreoffice(monkeypatch):
    monkeypatch.setattr(documents_pdf.shutil, "which", lambda name: None)
    assert docx_to_pdf(render_docx(_doc())) is None


@pytest.mark.skipif(documents_pdf.libreoffice_binary() is None, reason="LibreOffice not installed")
def test_pdf_conversion_where_libreoffice_exists():
    pdf = docx_to_pdf(render_docx(_doc()))
    assert pdf is not None and pdf.startswith(b"%PDF")


def _twips(width) -> float:
    return width.pt if width is not None else 0


def test_wide_task_table_keeps_short_columns_whole_and_spans_the_text_block():
    row = [
        "1",
        "一(七)",
        "建立容缺受理事项清单并在全市推行" * 2,
        "责任",
        "2026年7月13日",
        "",
        91,
        "100%",
        "逾期91个工作日；进度落后序时进度65个百分点",
    ]
    cols = ["序号", "编号", "任务", "分工", "完成时限", "原定时限", "逾期工作日", "进度", "原因"]
    doc = _open(_doc(attachments=[{"title": "清单", "columns": cols, "rows": [row, row]}]))
    table = doc.tables[0]
    widths = [_twips(c.width) for c in table.rows[1].cells]
    # too wide for the portrait 版心: it spans the landscape one (225 mm)
    assert sum(widths) == pytest.approx(layout.LANDSCAPE_TEXT_WIDTH_PT, abs=2)
    assert round(layout.LANDSCAPE_TEXT_WIDTH_PT * 25.4 / 72, 6) == 225
    pt = layout.TABLE_PT
    # 序号/进度/dates get at least their content's width (plus margins): no "10/0%" wrapping
    assert widths[0] >= pt and widths[7] >= 4 * 0.55 * pt + 10
    assert widths[4] >= 10 * 0.55 * pt + 10
    assert table.rows[1].cells[4].text == "2026-07-13"  # compact date in a table
    # the long columns share what is left, the task title getting a fair part, none under
    # eight characters
    assert widths[2] > widths[0] * 3 and widths[8] >= 8 * pt
    # 逾期工作日: two lines of three characters, never one a line
    assert widths[6] >= 3 * pt + 10.8


TASK_COLUMNS = ["序号", "单位", "编号", "任务", "分工", "完成时限", "逾期工作日", "进度", "情况"]


def _task_rows(n: int, units: list[str]) -> list[list]:
    per = -(-n // len(units))
    return [
        [
            i,
            units[(i - 1) // per],
            f"二(三){i % 9 + 1}",
            "建立容缺受理事项清单并在全市推行" if i % 2 else "开展政务服务窗口作风整治",
            "责任",
            "2026-07-21",
            i + 3,
            "35%",
            "进度落后序时进度65个百分点；已于2026年12月1日申请销号，待审核",
        ]
        for i in range(1, n + 1)
    ]


def test_short_columns_keep_their_natural_width_on_either_page():
    """Short columns whole (a date on one line, a header on at most two), long ones at least
    eight characters: a task list of nine columns goes landscape, four columns stay portrait."""
    wide = AttachmentTable("清单", TASK_COLUMNS, _task_rows(12, ["市公安局", "市税务局"]))
    assert layout.is_landscape(wide)
    widths = [w.pt for w in layout.column_widths(wide)]
    assert sum(widths) == pytest.approx(layout.LANDSCAPE_TEXT_WIDTH_PT, abs=0.5)
    pt, margins = layout.TABLE_PT, 10.8  # LibreOffice's and Word's cell margins, 0.19 cm each
    room = {c: (w - margins) / pt for c, w in zip(TASK_COLUMNS, widths, strict=True)}
    assert room["完成时限"] >= 5.2  # 2026-07-21 is 5.1 characters of its size in print
    assert room["逾期工作日"] >= 3 and room["序号"] >= 2 and room["分工"] >= 2
    assert room["编号"] >= 3.3 and room["进度"] >= 2 and room["单位"] >= 4  # 市公安局 whole
    assert room["任务"] >= 8 and room["情况"] >= 8
    narrow = AttachmentTable("清单", ["编号", "任务", "完成时限", "逾期工作日"], wide.rows)
    narrow.rows = [[r[2], r[3], r[5], r[6]] for r in wide.rows]
    assert not layout.is_landscape(narrow)
    assert sum(w.pt for w in layout.column_widths(narrow)) == pytest.approx(
        layout.TEXT_WIDTH_PT, abs=0.5
    )


def test_wide_attachment_gets_landscape_section_and_imprint_a_portrait_last_page():
    narrow = {"title": "表一", "columns": ["编号", "任务"], "rows": [["一(四)", "甲"]]}
    wide = {"title": "表二", "columns": TASK_COLUMNS, "rows": _task_rows(4, ["市公安局"])}
    doc = _open(_doc(attachments=[narrow, wide]))
    assert len(doc.sections) == 3  # portrait (正文, 附件1), landscape (附件2), portrait (版记)
    portrait, landscape, last = doc.sections
    assert portrait.orientation == WD_ORIENT.PORTRAIT and last.orientation == WD_ORIENT.PORTRAIT
    assert landscape.orientation == WD_ORIENT.LANDSCAPE
    assert abs(landscape.page_width - Mm(297)) < Mm(0.5)
    assert abs(landscape.page_height - Mm(210)) < Mm(0.5)
    # the portrait 版心 turned: top 28 (订口), bottom 26, left 35, right 37 mm; 225 × 156 mm
    for side, mm in (("top", 28), ("bottom", 26), ("left", 35), ("right", 37)):
        assert abs(getattr(landscape, f"{side}_margin") - Mm(mm)) < Mm(0.2), side
    # the page numbers' dash 7 mm under either 版心; the footers are the first section's and
    # the numbers run on (no restart)
    dash_drop = Pt((0.8 - 0.29) * 14)
    assert abs(landscape.footer_distance + Pt(14) - dash_drop - Mm(26 - 7)) < Mm(0.1)
    assert abs(last.footer_distance + Pt(14) - dash_drop - Mm(35 - 7)) < Mm(0.1)
    assert landscape.footer.is_linked_to_previous and last.footer.is_linked_to_previous
    assert not doc.element.body.xpath(".//w:pgNumType")
    # 附件2 opens the landscape section; the 版记 is alone in the last one
    body = doc.element.body
    breaks = [p for p in body.iterchildren(qn("w:p")) if p.xpath("./w:pPr/w:sectPr")]
    assert len(breaks) == 2
    assert body.index(breaks[0]) < body.index(doc.tables[1]._tbl) < body.index(breaks[1])
    assert body.index(breaks[1]) < body.index(doc.tables[-1]._tbl)
    after_break = breaks[0].getnext()
    assert "附件2" in "".join(after_break.xpath(".//w:t/text()"))
    assert not after_break.xpath(".//w:br")  # the section break makes the page: no blank page
    # a table too narrow for landscape stays on a portrait page after a page break
    label = _par(doc, "附件1")
    assert label._p.xpath(".//w:br[@w:type='page']")


def test_imprint_follows_a_portrait_last_attachment_without_a_section():
    wide = {"title": "表二", "columns": TASK_COLUMNS, "rows": _task_rows(4, ["市公安局"])}
    narrow = {"title": "表一", "columns": ["编号", "任务"], "rows": [["一(四)", "甲"]]}
    doc = _open(_doc(attachments=[wide, narrow]))
    assert [s.orientation for s in doc.sections] == [
        WD_ORIENT.PORTRAIT,
        WD_ORIENT.LANDSCAPE,
        WD_ORIENT.PORTRAIT,
    ]
    # without a 版记 the document may end on its landscape page
    doc = _open(_doc(attachments=[wide], copy_to="", printed_by="", printed_on=None))
    assert [s.orientation for s in doc.sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE]


def _vmerge(tc) -> str | None:
    el = tc.find(qn("w:tcPr") + "/" + qn("w:vMerge"))
    return None if el is None else (el.get(qn("w:val")) or "continue")


def test_repeated_unit_cells_merge_vertically():
    rows = _task_rows(6, ["市公安局", "市税务局"])  # three rows each
    rows[5][1] = "市审批局"  # a group of one
    wide = {"title": "表", "columns": TASK_COLUMNS, "rows": rows}
    doc = _open(_doc(attachments=[wide]))
    trs = doc.tables[0]._tbl.tr_lst
    assert [_vmerge(tr.tc_lst[1]) for tr in trs[1:]] == [
        "restart", "continue", "continue", "restart", "continue", None,
    ]  # fmt: skip
    texts = ["".join(tr.tc_lst[1].xpath(".//w:t/text()")) for tr in trs[1:]]
    assert texts == ["市公安局", "", "", "市税务局", "", "市审批局"]
    assert all(_vmerge(tr.tc_lst[0]) is None for tr in trs)  # only the unit column
    # asked for by group_columns (read from a stored dict), or not merged at all
    plain = {"title": "表", "columns": ["单位", "任务"], "rows": [["甲", "a"], ["甲", "b"]]}
    doc = _open(_doc(attachments=[plain]))
    assert all(_vmerge(tr.tc_lst[0]) is None for tr in doc.tables[0]._tbl.tr_lst)
    doc = _open(_doc(attachments=[{**plain, "group_columns": [0]}]))
    merged = [_vmerge(tr.tc_lst[0]) for tr in doc.tables[0]._tbl.tr_lst]
    assert merged == [None, "restart", "continue"]


def test_group_columns_are_optional_and_nested():
    old = AttachmentTable.of({"title": "t", "columns": ["a", "b"], "rows": [[1, 2]]})
    assert old.group_columns == [] and old.continued_cells() == set()
    t = AttachmentTable(
        "t",
        ["单位", "处室", "任务"],
        [["甲", "一处", 1], ["甲", "一处", 2], ["甲", "二处", 3], ["乙", "二处", 4], ["乙", "", 5]],
        group_columns=[0, 1],
    )
    # 二处 of 乙 is a new group though the row above has 二处 too; an empty cell never merges
    assert t.continued_cells() == {(1, 0), (1, 1), (2, 0), (4, 0)}
    auto = AttachmentTable("t", ["序号", "单位"], [[1, "甲"], [2, "甲"], [3, "乙"]])
    assert auto.merged_columns() == [1] and auto.continued_cells() == {(1, 1)}


def test_headings_in_the_body_use_heiti_and_kaiti():
    doc = _open(
        _doc(
            body=[
                "一、总体情况。本期共考核3个单位。",
                "（一）按期办结",
                "一、各单位要倒排工期，确保完成。",
            ]
        )
    )
    heading = _par(doc, "一、总体情况")
    assert heading.runs[0].text == "一、总体情况。"
    assert heading.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == layout.HEADING_FONT
    assert heading.runs[1].font.name == layout.BODY_FONT
    assert _par(doc, "（一）按期办结").runs[0].font.name == layout.KAITI_FONT
    sentence = _par(doc, "一、各单位要")
    assert [r.font.name for r in sentence.runs] == [layout.BODY_FONT]


def _pdf_pages(pdf: bytes) -> list[tuple[float, list[tuple[str, float, float, float, float]]]]:
    """Per page: its height and its words with left, top, right, bottom (pt, from top left)."""
    import re
    import subprocess

    out = subprocess.run(
        ["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    pages = []
    for height, content in re.findall(
        r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', out, re.S
    ):
        words = [
            (w, float(x0), float(y0), float(x1), float(y1))
            for x0, y0, x1, y1, w in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
                content,
            )
        ]
        pages.append((float(height), words))
    return pages


def _bottom_of(words, text: str) -> float:
    hits = [w[4] for w in words if text in w[0]]
    assert hits, f"{text!r} not on the page: {[w[0] for w in words]}"
    return max(hits)


TEXT_BOTTOM_PT = (297 - 35) / 25.4 * 72  # the bottom of the 版心


@pytest.mark.skipif(
    documents_pdf.libreoffice_binary() is None or documents_pdf.shutil.which("pdftotext") is None,
    reason="LibreOffice or poppler-utils not installed",
)
@pytest.mark.parametrize("attachments", [False, True], ids=["one page", "with attachment"])
def test_pdf_puts_the_imprint_at_the_foot_of_the_last_page(attachments):
    # a long signature on one, a short one on the other
    d = _doc(body=["经督查，你单位牵头的2项任务已超过完成时限。"])
    if not attachments:
        d.attachments = []
    else:
        d.signature = "督查室"
    pages = _pdf_pages(docx_to_pdf(render_docx(d)))
    assert len(pages) == (2 if attachments else 1)
    _, last = pages[-1]
    printing = _bottom_of(last, "印发")
    copy_to = _bottom_of(last, "抄送")
    # the printing line is the last line of the text block, 抄送 the line above it
    assert TEXT_BOTTOM_PT - 30 < printing <= TEXT_BOTTOM_PT + 2
    assert printing - 40 < copy_to < printing
    # far below the last content: the signature's date on a one-page notice, the table row
    if attachments:
        content = _bottom_of(last, "2026-10-09")
    else:  # the 成文日期 (the other 月 is in the printing line)
        content = min(w[4] for w in last if w[0] == "月")
    # (the 版头 takes the top 35 mm + the 标志 + two lines, so the date sits lower than before)
    assert content < printing - 100
    # the signature centred over the date (within a few points), the date's right end four
    # characters or the signature's two characters from the right edge of the text block
    right_edge = 28 / 25.4 * 72 + layout.TEXT_WIDTH_PT
    first = pages[0][1]  # the signature is on the first page in both cases
    date_y = min(w[2] for w in first if w[0] == "月")  # the 成文日期's line
    date_words = [w for w in first if w[2] == date_y]
    date_left, date_right = min(w[1] for w in date_words), max(w[3] for w in date_words)
    sig = next(w for w in first if w[0] == d.signature and date_y - 40 < w[2] < date_y)
    assert abs((sig[1] + sig[3]) / 2 - (date_left + date_right) / 2) < 4
    if attachments:
        assert right_edge - date_right == pytest.approx(64, abs=3)
    else:
        assert right_edge - sig[3] == pytest.approx(32, abs=3)
    # page numbers under the 版心: odd pages on the right, even on the left, one 4号 character
    # from the edge; about 7 mm below the text block
    left_edge = 28 / 25.4 * 72
    for number, (_, words) in enumerate(pages, start=1):
        foot = [w for w in words if w[2] > TEXT_BOTTOM_PT + 5]
        assert [w[0] for w in foot] == ["—", str(number), "—"]
        # (the 一字线 itself 7 mm under the 版心 is measured in test_document_layout.py)
        assert TEXT_BOTTOM_PT + 5 < min(w[2] for w in foot) < TEXT_BOTTOM_PT + 25
        if number % 2:
            assert right_edge - max(w[3] for w in foot) == pytest.approx(14, abs=2)
        else:
            assert min(w[1] for w in foot) - left_edge == pytest.approx(14, abs=2)


def test_signature_is_centred_over_the_date():
    sig_right, date_right = layout.signature_indents("督查室", "2026年11月23日")
    assert date_right == 4  # the date keeps four characters free
    date_w = layout._em_width("2026年11月23日")
    assert sig_right + 3 / 2 == pytest.approx(date_right + date_w / 2)  # same centre
    # a signature longer than the date by four characters or more: two characters free on
    # the right, the date moved left so that it stays centred under the signature
    sig_right, date_right = layout.signature_indents(ISSUER, "2026年11月23日")
    assert sig_right == 2
    assert sig_right + 16 / 2 == pytest.approx(date_right + date_w / 2)
    # only a signature, or only a date
    assert layout.signature_indents("督查室", "") == (2, 0)
    assert layout.signature_indents("", "2026年11月23日") == (0, 4)


def test_short_signature_paragraphs_carry_the_indents():
    doc = _open(_doc(signature="督查室", attachments=[]))
    sig, date = _par(doc, "督查室"), _par(doc, "2026年11月23日")
    assert date.paragraph_format.right_indent == Pt(64)
    assert sig.paragraph_format.right_indent > Pt(64)
    assert sig.alignment == date.alignment == WD_ALIGN_PARAGRAPH.RIGHT


def _footer_texts(footer) -> tuple[str, str]:
    par = footer.paragraphs[0]
    instr = "".join(el.text for el in par._p.iter(qn("w:instrText")))
    return par.text, instr.strip()


def test_page_numbers_odd_right_even_left_in_4hao_songti():
    doc = _open(_doc())
    assert doc.settings.odd_and_even_pages_header_footer
    sec = doc.sections[0]
    odd, even = sec.footer.paragraphs[0], sec.even_page_footer.paragraphs[0]
    # “— 1 —”: the field's result is written too (LibreOffice sizes it by its run)
    assert _footer_texts(sec.footer) == ("— 1 —", "PAGE")
    assert _footer_texts(sec.even_page_footer) == ("— 1 —", "PAGE")
    assert odd.alignment == WD_ALIGN_PARAGRAPH.RIGHT and odd.paragraph_format.right_indent == Pt(14)
    assert even.alignment == WD_ALIGN_PARAGRAPH.LEFT and even.paragraph_format.left_indent == Pt(14)
    for par in (odd, even):
        assert {r.font.size for r in par.runs} == {Pt(14)}
        assert {r.font.name for r in par.runs} == {layout.FALLBACK_FONT}  # 宋体
        dash = par.runs[0]._element.rPr.rFonts
        assert dash.get(qn("w:hint")) == "eastAsia"  # the 一字线 a full character wide
    # the footer line starts so that its 一字线 (0.29 em above the baseline, which LibreOffice
    # puts at 4/5 of the exact 14 pt line) is 7 mm under the 版心 (35 mm bottom margin)
    dash_drop = Pt((0.8 - 0.29) * 14)
    assert abs(sec.footer_distance + Pt(14) - dash_drop - Mm(28)) < Mm(0.1)


def test_paragraph_and_table_properties_are_in_schema_order():
    """Word refuses a document whose property elements are out of order (LibreOffice does not
    mind, so a PDF check would not notice)."""
    doc = _open(_doc())
    parts = [doc.element, *(s.footer._element for s in doc.sections)]
    parts += [s.even_page_footer._element for s in doc.sections]
    checked = 0
    for part in parts:
        for tag, order in (("w:pPr", word.PPR_ORDER), ("w:tblPr", word.TBLPR_ORDER)):
            for props in part.iter(qn(tag)):
                names = [child.tag.split("}")[1] for child in props]
                assert all(n in order for n in names), names
                assert names == sorted(names, key=order.index), names
                checked += 1
    assert checked > 20
