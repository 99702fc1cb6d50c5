"""GB/T 9704-2012 geometry measured on the PDF that LibreOffice makes of our DOCX.

Every figure below is the standard's (mm), not the renderer's constants. Positions come from
`pdftotext -bbox` (words, pt from the top left) and, for the red rule and the 一字线 of the
page number, from the ink of a rendered page (`pdftoppm`). One conversion per scenario,
shared by its tests.
"""

import datetime as dt
import io
import re
import subprocess
import zipfile
from collections import defaultdict

import pytest

from duban.documents import pdf as documents_pdf
from duban.documents.layout import title_lines
from duban.documents.official import OfficialDocument
from duban.documents.pdf import docx_to_pdf
from duban.documents.word import render_docx
from tests.test_documents import _pdf_pages

pytestmark = [
    pytest.mark.skipif(
        documents_pdf.libreoffice_binary() is None
        or documents_pdf.shutil.which("pdftotext") is None
        or documents_pdf.shutil.which("pdftoppm") is None,
        reason="LibreOffice or poppler-utils not installed",
    ),
    pytest.mark.xdist_group("pdf"),  # one worker converts, one LibreOffice at a time
]

PT = 25.4 / 72  # mm per point
# GB/T 9704: A4, 版心 156 × 225 mm from 37 mm (top) and 28 mm (left); 22 lines a page
TOP, LEFT, WIDTH, HEIGHT = 37.0, 28.0, 156.0, 225.0
RIGHT, BOTTOM = LEFT + WIDTH, TOP + HEIGHT
LINE = HEIGHT / 22  # one line of the 版心, 10.23 mm
HAO3, HAO4 = 16 * PT, 14 * PT  # a character of 3号 and of 4号, mm

ISSUER = "市行政审批制度改革领导小组办公室"
TITLE = "关于进一步推行政务服务“零跑腿”工作推进情况的通报"
# 100 distinct characters, no punctuation: a line holds what the width allows, nothing else
CJK = "督查办理任务进度完成时限单位部门工作推进情况整改落实责任考核评价结果通报表扬批评约谈问责建议市县区政务服务审批改革领导小组会议方案计划目标措施要求标准规范制度流程环节材料证明事项清单窗口网上办理群众企业满意评议监督检查反馈意见报告"
LONG_NAME = "市级各部门政务服务事项办理时限压缩情况及窗口工作人员业务培训计划安排表"

FORBIDDEN_INSIDE = [
    "的通知", "的通报", "的督办通知", "的建议", "的意见", "的决定", "的提醒", "通知", "通报",
    "实施方案", "督办通知", "委员会", "办公室", "人力资源和社会保障局", "发展和改革委员会",
    "住房和城乡建设局", "自然资源和规划局", "等3个单位",
]  # fmt: skip

LONG_TITLES = [
    "关于对市发展和改革委员会等3个单位予以通报批评的通报",
    "关于进一步推行政务服务“零跑腿”工作推进情况的通报",
    "关于市行政审批局加快推进滞后任务的督办通知（红色督办）",
    "关于市人力资源和社会保障局加快推进滞后任务的督办通知（黄色督办）",
    "关于对市公安局、市税务局、市人力资源和社会保障局予以通报表扬的通报",
    "关于2026年第三季度各成员单位考核结果的通报",
    "关于约谈市住房和城乡建设局主要负责同志的通知",
    "关于对市自然资源和规划局有关责任人问责的建议",
    "关于印发《进一步优化营商环境“一网通办”实施方案》的通知",
    "市行政审批制度改革领导小组办公室关于加快推进“最多跑一次”改革的通知",
    "关于2026年上半年全市深化“放管服”改革优化营商环境工作推进情况的通报",
    "关于2026年第一季度市交通运输局等12个单位重点任务推进情况的督办通知",
    # 20.1 characters by the count, one too many for the line in print ("通/报" before)
    "关于2026年11月各成员单位考核结果的通报",
]


def _notice(**kw) -> OfficialDocument:
    base = dict(
        issuer=ISSUER,
        doc_number="督办〔2026〕7号",
        title=TITLE,
        addressees="市公安局",
        body=["一、总体情况", CJK[:26] + (CJK * 10)[: 28 * 34]],
        attachments=[
            {"title": LONG_NAME, "columns": ["序号", "事项"], "rows": [[1, "甲"]]},
            {"title": "逾期任务清单", "columns": ["序号", "任务"], "rows": [[1, "乙"]]},
        ],
        signature=ISSUER,
        date=dt.date(2026, 11, 23),
        copy_to="市委办公室，市政府办公室",
        printed_by=ISSUER,
        printed_on=dt.date(2026, 11, 23),
        level_label="红色督办",
    )
    base.update(kw)
    return OfficialDocument(**base)


class Converted:
    """A document, its DOCX and its PDF, with the PDF's pages of words."""

    def __init__(self, d: OfficialDocument, tmp_path_factory) -> None:
        self.docx = render_docx(d)
        self.pdf = docx_to_pdf(self.docx)
        self.path = tmp_path_factory.mktemp("pdf") / "doc.pdf"
        self.path.write_bytes(self.pdf)
        self.pages = [
            [(w, x0 * PT, y0 * PT, x1 * PT, y1 * PT) for w, x0, y0, x1, y1 in words]
            for _, words in _pdf_pages(self.pdf)
        ]

    def lines(self, page: int) -> list[dict]:
        """The page's lines of text, top down: text, left, right, em-box top and bottom (mm),
        size (pt). poppler boxes a glyph of these fonts from 0.95 em above the baseline to
        0.35 em below it; a CJK face's em box runs from 0.88 above to 0.12 below."""
        # words whose tops lie within 0.5 mm (digits, set in the Western font of a table
        # cell, sit a tenth of a point higher than the Chinese beside them)
        rows: list[list] = []
        for w in sorted(self.pages[page - 1], key=lambda w: w[2]):
            if rows and w[2] - rows[-1][0][2] < 0.5:
                rows[-1].append(w)
            else:
                rows.append([w])
        out = []
        for ws in rows:
            ws.sort(key=lambda w: w[1])
            size = (ws[0][4] - ws[0][2]) / 1.3
            top = ws[0][2] + 0.07 * size
            out.append(
                {
                    "text": "".join(w[0] for w in ws),
                    "left": ws[0][1],
                    "right": ws[-1][3],
                    "top": top,
                    "bottom": top + size,
                    "pt": size / PT,
                    "words": ws,
                }
            )
        return out

    def line(self, page: int, text: str) -> dict:
        hits = [ln for ln in self.lines(page) if text in ln["text"]]
        assert hits, f"{text!r} not on page {page}: {[ln['text'] for ln in self.lines(page)]}"
        return hits[0]

    def ink(self, page: int, box_mm, colour: str) -> list[tuple[float, float, float]]:
        """Rows of ink in a box of the page (300 dpi): (y, first x, last x) in mm."""
        dpi = 300
        x0, y0, x1, y1 = (round(v / 25.4 * dpi) for v in box_mm)
        ppm = subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-x", str(x0)]
            + ["-y", str(y0), "-W", str(x1 - x0), "-H", str(y1 - y0), str(self.path)],
            capture_output=True,
            check=True,
        ).stdout
        m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", ppm)
        assert m
        w, h = int(m[1]), int(m[2])
        data = ppm[m.end() :]
        rows = []
        for r in range(h):
            row = data[r * w * 3 : (r + 1) * w * 3]
            xs = [
                i // 3
                for i in range(0, len(row), 3)
                if (
                    row[i] > 150 and row[i + 1] < 90 and row[i + 2] < 90
                    if colour == "red"
                    else max(row[i : i + 3]) < 110
                )
            ]
            if xs:
                rows.append(
                    ((y0 + r) / dpi * 25.4, (x0 + xs[0]) / dpi * 25.4, (x0 + xs[-1]) / dpi * 25.4)
                )
        return rows


def _bands(rows, gap: float = 0.2) -> list[list[tuple[float, float, float]]]:
    """Rows of ink grouped into bands separated by blank rows."""
    bands: list[list] = []
    for row in rows:
        if bands and row[0] - bands[-1][-1][0] < gap:
            bands[-1].append(row)
        else:
            bands.append([row])
    return bands


@pytest.fixture(scope="module")
def notice(tmp_path_factory) -> Converted:
    return Converted(_notice(), tmp_path_factory)


# ---------------------------------------------------------------- 版头


def test_issuer_top_edge_is_35mm_under_the_text_block(notice):
    issuer = notice.line(1, ISSUER)
    assert issuer["top"] == pytest.approx(TOP + 35, abs=0.5)  # 72 mm from the page top
    # the red ink itself starts there too (a glyph's ink is a hair inside its em box)
    red = _bands(notice.ink(1, (LEFT, TOP, RIGHT, TOP + 60), "red"))
    issuer_ink = next(b for b in red if b[0][0] > TOP + 20)
    assert TOP + 35 - 0.5 < issuer_ink[0][0] < TOP + 35 + 1.5
    assert issuer["left"] - LEFT == pytest.approx(RIGHT - issuer["right"], abs=1)  # centred


def test_issuer_and_title_are_xiaobiaosong_not_bold():
    xml = _document_xml(render_docx(_notice()))
    for text in (ISSUER, title_lines(TITLE)[0]):
        run = re.search(r"<w:r>(?:(?!</w:r>).)*?" + re.escape(text), xml, re.S)
        assert run, text
        assert 'w:eastAsia="方正小标宋简体"' in run[0]
        assert re.search(r'<w:b w:val="0"/>', run[0]) or "<w:b/>" not in run[0], text
    issuer = re.search(r"<w:r>(?:(?!</w:r>).)*?" + re.escape(ISSUER), xml, re.S)
    assert issuer and '<w:color w:val="E60012"/>' in issuer[0]


def test_two_blank_lines_between_issuer_and_number_red_rule_4mm_under_it(notice):
    issuer = notice.line(1, ISSUER)
    number = notice.line(1, "督办〔2026〕7")
    # 空二行: room for exactly two blank lines of the 版心 between the two
    gap = number["top"] - issuer["bottom"]
    assert 2 * LINE <= gap < 3 * LINE, gap
    assert number["pt"] == pytest.approx(16, abs=0.3)
    # the red rule: 4 mm under the 发文字号, as wide as the 版心
    red = _bands(
        notice.ink(1, (LEFT - 5, number["bottom"], RIGHT + 5, number["bottom"] + 20), "red")
    )
    rule = red[0]
    assert rule[0][0] - number["bottom"] == pytest.approx(4, abs=0.5)
    assert rule[-1][0] - rule[0][0] < 1  # a rule, not text
    assert min(r[1] for r in rule) == pytest.approx(LEFT, abs=0.3)
    assert max(r[2] for r in rule) == pytest.approx(RIGHT, abs=0.3)
    # two blank lines between the rule and the 标题
    title = notice.line(1, title_lines(TITLE)[0])
    assert 2 * LINE <= title["top"] - rule[-1][0] < 3 * LINE


def test_title_is_22pt_centred_lines_broken_between_words(notice):
    expected = title_lines(TITLE)
    assert expected == ["关于进一步推行政务服务“零跑腿”", "工作推进情况的通报"]
    lines = [notice.line(1, text) for text in expected]
    for ln in lines:
        assert ln["pt"] == pytest.approx(22, abs=0.3)
        assert (ln["left"] + ln["right"]) / 2 == pytest.approx(LEFT + WIDTH / 2, abs=1.5)
    assert lines[0]["right"] - lines[0]["left"] >= lines[1]["right"] - lines[1]["left"]
    # 主送机关 one blank line under the title
    addressee = notice.line(1, "市公安局：")
    assert LINE <= addressee["top"] - lines[-1]["bottom"] < 2 * LINE
    assert addressee["left"] == pytest.approx(LEFT, abs=0.5)


# ---------------------------------------------------------------- 正文


def test_full_body_line_holds_28_characters_and_a_page_22_lines(notice):
    body = [ln for ln in notice.lines(1) if ln["text"].startswith(CJK[:5])]
    assert len(body[0]["text"]) == 26  # the first line, indented two characters
    assert body[0]["left"] - LEFT == pytest.approx(2 * WIDTH / 28, abs=0.6)
    page2 = [ln for ln in notice.lines(2) if ln["top"] < BOTTOM]
    assert len(page2) == 22  # a page of body text
    assert all(len(ln["text"]) == 28 for ln in page2)
    for ln in page2:
        assert ln["left"] == pytest.approx(LEFT, abs=0.5) and ln["right"] <= RIGHT + 0.3
    pitch = (page2[-1]["top"] - page2[0]["top"]) / 21
    assert pitch == pytest.approx(LINE, abs=0.05)
    assert page2[0]["top"] >= TOP and page2[-1]["bottom"] <= BOTTOM


def test_east_asian_language_is_zh_cn():
    data = render_docx(_notice())
    for part in ("word/styles.xml", "word/document.xml"):
        xml = _document_xml(data, part)
        # a table cell's digits and Latin letters are en-US (so that LibreOffice does not break
        # a number, see test_numbers_in_table_cells_are_never_broken), its Chinese zh-CN
        attachments = re.findall(r"<w:tbl>.*?</w:tbl>", xml, re.S)[:-1]  # the last: 版记
        for lang in re.findall(r"<w:lang [^>]*/>", "".join(attachments)):
            assert 'w:eastAsia="zh-CN"' in lang and 'w:val="en-US"' in lang, lang
        for table in attachments:
            xml = xml.replace(table, "")
        langs = re.findall(r"<w:lang [^>]*/>", xml)
        assert langs, part
        for lang in langs:
            assert 'w:eastAsia="zh-CN"' in lang and 'w:val="zh-CN"' in lang, (part, lang)
    grid = re.search(r"<w:docGrid [^>]*/>", _document_xml(data))
    assert grid and 'w:type="linesAndChars"' in grid[0]
    assert 'w:linePitch="579"' in grid[0]
    assert -1000 < int(re.search(r'w:charSpace="(-?\d+)"', grid[0])[1]) < 0


def test_page_number_dash_is_7mm_under_the_text_block_odd_right_even_left(notice):
    for page in (1, 2, 3):
        foot = [ln for ln in notice.lines(page) if ln["top"] > BOTTOM]
        assert len(foot) == 1 and foot[0]["text"] == f"—{page}—"
        assert foot[0]["pt"] == pytest.approx(14, abs=0.3)  # 4号
        dash = foot[0]["words"][0]
        # the 一字线's top edge (its ink) 7 mm under the bottom of the 版心
        ink = notice.ink(page, (dash[1] + 0.5, BOTTOM, dash[3] - 0.5, BOTTOM + 20), "dark")
        assert ink[0][0] - BOTTOM == pytest.approx(7, abs=0.4)
        if page % 2:
            assert RIGHT - foot[0]["right"] == pytest.approx(HAO4, abs=0.7)
        else:
            assert foot[0]["left"] - LEFT == pytest.approx(HAO4, abs=0.7)


def test_imprint_date_and_printer_one_character_from_the_edges(notice):
    last = len(notice.pages)
    printing = notice.line(last, "日印发")
    assert RIGHT - printing["right"] == pytest.approx(HAO4, abs=0.7)
    assert printing["left"] - LEFT == pytest.approx(HAO4, abs=0.7)  # 印发机关
    assert printing["bottom"] <= BOTTOM


def test_attachment_note_hangs_under_the_first_character_and_stays_with_the_signature(notice):
    pages = [
        p
        for p in range(1, len(notice.pages) + 1)
        if any(ln["text"].startswith("附件：1.") for ln in notice.lines(p))
    ]
    assert len(pages) == 1
    page = pages[0]
    lines = notice.lines(page)
    i = next(n for n, ln in enumerate(lines) if ln["text"].startswith("附件：1."))
    first, wrapped = lines[i], lines[i + 1]
    assert first["left"] - LEFT == pytest.approx(2 * WIDTH / 28, abs=0.6)  # two characters in
    assert (first["text"] + wrapped["text"]).replace("附件：1.", "") == LONG_NAME
    # the name's first character: the first one after “1.”
    name_left = next(w[1] for w in first["words"] if w[0][0] == LONG_NAME[0])
    assert wrapped["left"] == pytest.approx(name_left, abs=0.6)  # not back at the margin
    second = lines[i + 2]
    assert second["text"] == "2.逾期任务清单"
    assert second["left"] == pytest.approx(first["words"][0][1] + 3 * WIDTH / 28, abs=1.5)
    # the signature follows on the same page, one blank line under the 附件说明
    signature = notice.line(page, ISSUER)
    assert LINE <= signature["top"] - second["bottom"] < 2 * LINE


# ---------------------------------------------------------------- titles of several lines


@pytest.fixture(scope="module")
def titles(tmp_path_factory) -> Converted:
    """Every long title as an attachment title (the same 2号 lines as the document's title),
    one attachment page each."""
    d = _notice(
        body=["经督查，现将有关情况通报如下。"],
        attachments=[{"title": t, "columns": ["序号"], "rows": [[1]]} for t in LONG_TITLES],
        level_label=None,
    )
    return Converted(d, tmp_path_factory)


def test_long_titles_break_between_words_within_the_width(titles):
    labels = {titles.lines(n)[0]["text"]: n for n in range(1, len(titles.pages) + 1)}
    for i, title in enumerate(LONG_TITLES, start=1):
        lines = [ln for ln in titles.lines(labels[f"附件{i}"]) if ln["pt"] > 20]
        texts = [ln["text"] for ln in lines]
        assert "".join(texts) == title  # LibreOffice broke nowhere else
        assert texts == title_lines(title)
        assert 2 <= len(texts) <= 3, texts
        for ln in lines:
            assert ln["left"] >= LEFT - 0.3 and ln["right"] <= RIGHT + 0.3
            assert (ln["left"] + ln["right"]) / 2 == pytest.approx(LEFT + WIDTH / 2, abs=1.5)
        widths = [ln["right"] - ln["left"] for ln in lines]
        assert min(widths) >= 0.4 * max(widths), texts  # no stub under a full line
        for a, b in zip(texts, texts[1:], strict=False):
            joint = len(a)
            for word in FORBIDDEN_INSIDE:
                for m in re.finditer(re.escape(word), title):
                    assert not m.start() < joint < m.end(), (word, texts)
            for m in re.finditer(r"“[^”]*”|《[^》]*》|（[^）]*）|\d+", title):
                inner_ok = m[0].startswith("《") and len(m[0]) > 20  # wider than a line
                assert inner_ok or not m.start() < joint < m.end(), (m[0], texts)
            assert not b.startswith(("，", "、", "”", "》", "）"))


def test_title_breaks_without_rendering():
    assert title_lines("关于市行政审批局加快推进滞后任务的督办通知（红色督办）") == [
        "关于市行政审批局加快推进滞后任务",
        "的督办通知（红色督办）",
    ]
    assert title_lines("关于对市发展和改革委员会等3个单位予以通报批评的通报") == [
        "关于对市发展和改革委员会等3个单位",
        "予以通报批评的通报",
    ]
    assert title_lines("关于加快推进逾期任务的督办通知") == ["关于加快推进逾期任务的督办通知"]


# ---------------------------------------------------------------- pagination


@pytest.fixture(scope="module")
def long_table(tmp_path_factory) -> Converted:
    rows = [[i, f"第{i}项任务{CJK[i % 50 : i % 50 + 12]}", "2026-10-09"] for i in range(1, 61)]
    d = _notice(
        body=["经督查，现将有关情况通报如下。"],
        attachments=[
            {"title": "逾期任务清单", "columns": ["序号", "任务名称", "完成时限"], "rows": rows}
        ],
        level_label=None,
    )
    return Converted(d, tmp_path_factory)


def test_table_header_repeats_and_rows_stay_whole(long_table):
    start = next(
        n for n in range(1, len(long_table.pages) + 1) if long_table.lines(n)[0]["text"] == "附件"
    )
    assert len(long_table.pages) > start  # the table runs on to another page
    for page in range(start + 1, len(long_table.pages) + 1):
        first = long_table.lines(page)[0]
        assert {"序号", "任务名称", "完成时限"} <= {w[0] for w in first["words"]}, first["text"]
    # every row whole: each number's row has its task on the same line
    seen = set()
    for page in range(start, len(long_table.pages) + 1):
        for ln in long_table.lines(page):
            m = re.match(r"(\d+)第(\d+)项任务", ln["text"])
            if m:
                assert m[1] == m[2]
                seen.add(int(m[1]))
    assert seen == set(range(1, 61))


@pytest.fixture(scope="module")
def heading_at_foot(tmp_path_factory) -> Converted:
    """A body whose heading would fall on the last line of page 1."""
    filler = CJK[:26] + (CJK * 3)[: 28 * (FIRST_PAGE_BODY_LINES - 2)]
    d = _notice(
        body=[filler, "二、存在问题", CJK[:26] + CJK[:28]], attachments=[], level_label=None
    )
    return Converted(d, tmp_path_factory)


# Lines of 正文 on the first page under the 版头 of TITLE (two title lines and 主送机关).
FIRST_PAGE_BODY_LINES = 8


def test_heading_never_stands_at_the_foot_of_a_page(heading_at_foot):
    page1 = [ln for ln in heading_at_foot.lines(1) if ln["top"] < BOTTOM]
    # the filler took all but the last line of the page ...
    assert BOTTOM - page1[-1]["bottom"] > LINE
    assert BOTTOM - page1[-1]["bottom"] < 2 * LINE + 1
    # ... and the heading went over with its paragraph
    assert all("二、存在问题" not in ln["text"] for ln in page1)
    page2 = heading_at_foot.lines(2)
    assert page2[0]["text"] == "二、存在问题"
    assert page2[1]["text"].startswith(CJK[:5])


def test_headings_and_attachment_note_keep_with_next_in_the_docx():
    xml = _document_xml(render_docx(_notice()))
    for text in ("一、总体情况", "附件：1.", "　　　2."):
        par = re.search(r"<w:p>(?:(?!</w:p>).)*?" + re.escape(text), xml, re.S)
        assert par and "<w:keepNext/>" in par[0], text
    # a line that introduces a list ("…新发现的问题：") stays with its first item
    lead = render_docx(_notice(body=["本期新发现的问题：", "1.甲单位：接口未打通。"]))
    par = re.search(r"<w:p>(?:(?!</w:p>).)*?本期新发现的问题：", _document_xml(lead), re.S)
    assert par and "<w:keepNext/>" in par[0]
    rows = re.findall(r"<w:tr[ >](?:(?!</w:tr>).)*</w:tr>", xml, re.S)
    table = [r for r in rows if re.search("序号|甲|乙", r)]
    assert len(table) == 4 and all("<w:cantSplit/>" in r for r in table)
    assert ["<w:tblHeader/>" in r for r in table] == [True, False, True, False]


def _document_xml(data: bytes, part: str = "word/document.xml") -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(part).decode()


# ---------------------------------------------------------------- landscape attachments
#
# GB/T 9704 横排表格: an A4 table too wide for the portrait 版心 is printed landscape, the
# page turned so that the 版心 stays the same rectangle of the sheet: 225 mm wide, 156 mm
# high, 28 mm from the top (the portrait page's left edge), 35 mm from the left.

L_TOP, L_LEFT, L_WIDTH, L_HEIGHT = 28.0, 35.0, 225.0, 156.0
L_RIGHT, L_BOTTOM = L_LEFT + L_WIDTH, L_TOP + L_HEIGHT
UNITS = ["市公安局", "市税务局", "市审批局", "市医保局"]
TASK_COLUMNS = ["序号", "单位", "编号", "任务", "分工", "完成时限", "逾期工作日", "进度", "情况"]
DUE = "2026-07-21"


def _task_table() -> dict:
    rows = [
        [
            i,
            UNITS[(i - 1) // 10],
            f"二(三){i % 9 + 1}",
            "建立容缺受理事项清单并在全市推行" if i % 2 else "开展政务服务窗口作风整治",
            "责任" if i % 3 else "牵头",
            DUE,
            i + 3,
            "100%" if i % 5 == 0 else "35%",
            "进度落后序时进度65个百分点；已于2026年12月1日申请销号，待审核" if i % 2 else "未报送",
        ]
        for i in range(1, 41)
    ]
    return {"title": "被通报单位逾期和进度滞后任务清单", "columns": TASK_COLUMNS, "rows": rows}


NARROW = {
    "title": "逾期任务清单",
    "columns": ["编号", "任务", "完成时限", "逾期工作日"],
    "rows": [["一(四)", "公布首批主题清单", DUE, 31]] * 3,
}


def _page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Width and height (mm) of every page."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return [
        (float(w) * PT, float(h) * PT)
        for w, h in re.findall(r'<page width="([\d.]+)" height="([\d.]+)">', out)
    ]


@pytest.fixture(scope="module")
def landscape(tmp_path_factory) -> Converted:
    """A narrow table (portrait), then a nine-column task list of 40 rows over four units
    (landscape), then the 版记 (a portrait last page)."""
    d = _notice(
        body=["经督查，现将有关情况通报如下。"],
        attachments=[NARROW, _task_table()],
        level_label=None,
    )
    converted = Converted(d, tmp_path_factory)
    converted.sizes = _page_sizes(converted.pdf)  # type: ignore[attr-defined]
    return converted


def _first_page_of(doc: Converted, label: str) -> int:
    return next(n for n in range(1, len(doc.pages) + 1) if doc.lines(n)[0]["text"] == label)


def _wide_pages(doc: Converted) -> list[int]:
    return list(range(_first_page_of(doc, "附件2"), len(doc.pages)))


def test_wide_table_is_printed_on_landscape_pages_narrow_one_stays_portrait(landscape):
    sizes = landscape.sizes
    narrow = _first_page_of(landscape, "附件1")
    assert sizes[narrow - 1] == pytest.approx((210, 297), abs=0.5)
    wide = _wide_pages(landscape)
    assert len(wide) >= 3  # 40 rows of up to three lines
    for page in wide:
        assert sizes[page - 1] == pytest.approx((297, 210), abs=0.5)  # width > height
        words = landscape.pages[page - 1]
        body = [w for w in words if w[2] < L_BOTTOM]
        assert min(w[1] for w in body) >= L_LEFT and max(w[3] for w in body) <= L_RIGHT
        assert min(w[2] for w in body) >= L_TOP - 1
    # 附件2 top left in the landscape 版心; the table's outer rules at its left and right edges
    label = landscape.line(wide[0], "附件2")
    assert label["left"] == pytest.approx(L_LEFT, abs=0.5)
    assert L_TOP <= label["top"] < L_TOP + LINE
    header = landscape.line(wide[0], "序号")
    rule = _bands(
        landscape.ink(wide[0], (L_LEFT - 5, header["top"] - 5, L_RIGHT + 5, header["top"]), "dark")
    )[-1]
    assert min(r[1] for r in rule) == pytest.approx(L_LEFT, abs=0.4)
    assert max(r[2] for r in rule) == pytest.approx(L_RIGHT, abs=0.4)


def test_dates_are_never_broken(landscape):
    for pages, count in (([_first_page_of(landscape, "附件1")], 3), (_wide_pages(landscape), 40)):
        words = [w[0] for p in pages for w in landscape.pages[p - 1]]
        assert words.count(DUE) == count
        assert not [w for w in words if w != DUE and ("2026-" in w or w.startswith(("07-", "-")))]


def test_numbers_in_table_cells_are_never_broken(landscape):
    """“已于2026年12月1日” in a wrapped cell: LibreOffice broke it “已于2/026年” while the
    cell's Western language was zh-CN."""
    words = [w[0] for p in _wide_pages(landscape) for w in landscape.pages[p - 1]]
    # the year of each of the 20 situations whole ("已于2026年" or "已于" "2026" "年12月")
    years = [w for w in words if re.search(r"(^|[^\d-])\d{1,4}年", w) or re.fullmatch("2026", w)]
    assert len(years) == 20 and all("2026" in w for w in years), years
    assert not [w for w in words if re.match(r"0\d|026", w)]


def _header_cells(doc: Converted, page: int) -> dict[str, list[tuple]]:
    """The header row's words by column: the cells' edges from the table's widths (the table
    spans the landscape 版心), the row from the top of 序号 to the first data row."""
    from duban.documents.layout import column_widths
    from duban.documents.official import AttachmentTable

    widths = [w.pt * PT for w in column_widths(AttachmentTable.of(_task_table()))]
    edges = [L_LEFT + sum(widths[:i]) for i in range(len(widths) + 1)]
    assert edges[-1] == pytest.approx(L_RIGHT, abs=0.1)
    top = doc.line(page, "序号")["top"] - 1
    first_row = min(w[2] for w in doc.pages[page - 1] if w[0] == DUE)
    cells: dict[str, list[tuple]] = {c: [] for c in TASK_COLUMNS}
    for w in doc.pages[page - 1]:
        if top <= w[2] < first_row - 1:
            i = next(i for i in range(len(widths)) if edges[i] <= w[1] < edges[i + 1])
            cells[TASK_COLUMNS[i]].append(w)
    return cells


def test_header_repeats_and_takes_at_most_two_lines(landscape):
    for page in _wide_pages(landscape):
        for name, words in _header_cells(landscape, page).items():
            words.sort(key=lambda w: (round(w[2], 1), w[1]))
            assert "".join(w[0] for w in words) == name, page
            assert len({round(w[2], 1) for w in words}) <= (2 if len(name) > 3 else 1), name
    overdue = _header_cells(landscape, _wide_pages(landscape)[0])["逾期工作日"]
    assert [w[0] for w in overdue] == ["逾期工", "作日"]


def test_rows_whole_and_the_unit_printed_once_per_group(landscape):
    rows: dict[int, tuple[int, float]] = {}  # 序号 → (page, top)
    units: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for page in _wide_pages(landscape):
        for ln in landscape.lines(page):
            first = ln["words"][0]
            if first[0].isdigit() and first[1] < L_LEFT + 10 and DUE in ln["text"]:
                rows[int(first[0])] = (page, ln["top"])
                assert ln["words"][1][0] in UNITS + [f"二(三){int(first[0]) % 9 + 1}"]
        for w in landscape.pages[page - 1]:
            if w[0] in UNITS:
                units[w[0]].append((page, w[2]))
    assert sorted(rows) == list(range(1, 41))  # each row's number and date on one line
    for g, unit in enumerate(UNITS):
        assert len(units[unit]) == 1, (unit, units[unit])  # once, not on every row
        page, top = units[unit][0]
        first_row = rows[10 * g + 1]
        assert page == first_row[0] and top == pytest.approx(
            first_row[1] - 0.07 * 10.5 * PT, abs=0.5
        )


def test_page_numbers_run_on_across_orientations(landscape):
    n = len(landscape.pages)
    for page in range(1, n + 1):
        wide = landscape.sizes[page - 1][0] > landscape.sizes[page - 1][1]
        left, right, bottom = (L_LEFT, L_RIGHT, L_BOTTOM) if wide else (LEFT, RIGHT, BOTTOM)
        foot = [ln for ln in landscape.lines(page) if ln["top"] > bottom]
        assert [ln["text"] for ln in foot] == [f"—{page}—"]
        if page % 2:
            assert right - foot[0]["right"] == pytest.approx(HAO4, abs=0.7)
        else:
            assert foot[0]["left"] - left == pytest.approx(HAO4, abs=0.7)
        if wide and page == _wide_pages(landscape)[0]:
            dash = foot[0]["words"][0]
            ink = landscape.ink(page, (dash[1] + 0.5, bottom, dash[3] - 0.5, bottom + 20), "dark")
            assert ink[0][0] - bottom == pytest.approx(7, abs=0.4)


def test_imprint_on_a_portrait_last_page_its_last_rule_on_the_foot_of_the_text_block(landscape):
    last = len(landscape.pages)
    assert landscape.sizes[last - 1] == pytest.approx((210, 297), abs=0.5)
    assert landscape.sizes[last - 2] == pytest.approx((297, 210), abs=0.5)  # after the table
    texts = [ln["text"] for ln in landscape.lines(last)]
    assert texts[0].startswith("抄送") and "日印发" in texts[1] and texts[2] == f"—{last}—"
    printing = landscape.line(last, "日印发")
    assert BOTTOM - LINE < printing["bottom"] <= BOTTOM
    rules = [
        b
        for b in _bands(landscape.ink(last, (LEFT - 3, BOTTOM - 40, RIGHT + 3, BOTTOM + 3), "dark"))
        if max(r[2] for r in b) - min(r[1] for r in b) > WIDTH - 1
    ]
    assert len(rules) == 3  # thick, thin, thick
    assert rules[-1][-1][0] == pytest.approx(BOTTOM, abs=0.4)
    assert min(r[1] for r in rules[-1]) == pytest.approx(LEFT, abs=0.3)
    assert max(r[2] for r in rules[-1]) == pytest.approx(RIGHT, abs=0.3)
