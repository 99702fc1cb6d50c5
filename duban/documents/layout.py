"""The GB/T 9704 measures (page, margins, fonts, sizes, the red) and the widths computed from
them: text in characters, the signature's indents, the columns of an attachment table."""

import datetime as dt
import itertools
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
MM = 72 / 25.4  # points per millimetre
TEXT_WIDTH_PT = (PAGE_WIDTH_MM - MARGINS_MM["left"] - MARGINS_MM["right"]) * MM  # 156 mm
TEXT_HEIGHT_PT = (PAGE_HEIGHT_MM - MARGINS_MM["top"] - MARGINS_MM["bottom"]) * MM  # 225 mm
TITLE_PT = 22  # 二号
BODY_PT = 16  # 三号
IMPRINT_PT = 14  # 四号 (抄送, 印发 line, page numbers)
TABLE_PT = 10.5  # 五号, so a task table fits across the page

# 22 lines of 28 characters on a page. 28 characters of 16 pt (448 pt) are wider than the
# 版心 (442 pt). The section carries the document grid of a 公文 template (w:docGrid
# linesAndChars: the line pitch in twips, the character pitch 16 pt plus charSpace/4096 pt,
# 15.79 pt), and every line is spaced exactly at the pitch; the characters are tightened by
# 0.3 pt (w:spacing, in twips) so that 28 fit and 29 do not in Word and in LibreOffice
# alike (0.25 pt still gives LibreOffice 27, its text widths being rounded).
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28
LINE_PITCH_TWIPS = int(TEXT_HEIGHT_PT * 20 / LINES_PER_PAGE)  # 579: 22 of them fit in 225 mm
LINE_PT = LINE_PITCH_TWIPS / 20  # 28.95 pt, the exact spacing of every body line
GRID_CHAR_SPACE = math.floor((TEXT_WIDTH_PT / CHARS_PER_LINE - BODY_PT) * 4096)  # -849
BODY_TRACKING_TWIPS = -6
CHAR_PT = BODY_PT + BODY_TRACKING_TWIPS / 20  # one body character as set, 15.7 pt

# The 版头 of the 文件格式 (GB/T 9704 7.2): the 发文机关标志's top edge 35 mm below the top of
# the 版心, the 发文字号 two blank lines under it, the red rule 4 mm under the 发文字号 and the
# 标题 two blank lines under the rule.
ISSUER_TOP_MM = 35
RULE_GAP_MM = 4
PAGE_NUMBER_GAP_MM = 7  # from the bottom of the 版心 to the 一字线 of the page number

# Where a glyph sits in a line: a CJK face's em box reaches 0.88 of the size above the
# baseline; LibreOffice puts the baseline of an exactly spaced line at 4/5 of its height.
EM_ASCENT = 0.88
EXACT_BASELINE = 0.8
DASH_HEIGHT = 0.29  # the top of the 一字线 (U+2014) of a CJK face above the baseline, in em


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


_NARROW_MARKS = set("()-./:,;'[] ")


def _display_width(text: str) -> float:
    """Width in CJK characters: a digit or Latin letter a little over half of one, brackets,
    hyphens and stops less, % nearly a whole one (measured in the PDF: 2026-07-21 is 5.1
    characters of its size)."""
    return sum(
        1.0 if ord(c) >= 0x2E80 or c in "%“”‘’" else 0.4 if c in _NARROW_MARKS else 0.55
        for c in text
    )


# A wrapped cell's lines are not filled to the edge: a number is not broken, a stop does not
# begin a line. Half a character of each line is counted lost.
WRAP_LOSS_CHARS = 0.5


def _cell_lines(text_chars: float, room: float) -> int:
    """Lines a cell's text of that width takes in a cell with room for `room` characters."""
    if text_chars <= room + 1e-6:
        return 1
    return math.ceil(text_chars / max(room - WRAP_LOSS_CHARS, 0.5) - 1e-6)


def _room_for(text_chars: float, lines: int) -> float:
    """The room (characters) a text needs to take at most that many lines."""
    return text_chars if lines <= 1 else text_chars / lines + WRAP_LOSS_CHARS


CELL_PAD_PT = 14  # the cell's left and right margins (0.19 cm each) and a little air
SHORT_COLUMN_CHARS = 6.5  # a column whose content is at most this wide is never squeezed
LONG_COLUMN_CHARS = 8  # a long text column (单位, 任务, 情况) gets at least this many characters
MAX_COLUMN_CHARS = 30

# Landscape attachment pages (GB/T 9704 横排表格): an A4 sheet turned so that the table's top
# lies on the portrait page's left edge (the 订口 of an odd page, the 切口 of an even one, as
# the standard asks: both are the left edge of the sheet seen from the front). The margins are
# the portrait ones turned with it, so the 版心 is the very same rectangle of the sheet: top
# 28 mm (portrait left), bottom 26 mm (portrait right), left 35 mm (portrait bottom), right
# 37 mm (portrait top); 225 mm wide and 156 mm high.
LANDSCAPE_MARGINS_MM = {
    "top": MARGINS_MM["left"],
    "bottom": MARGINS_MM["right"],
    "left": MARGINS_MM["bottom"],
    "right": MARGINS_MM["top"],
}
LANDSCAPE_TEXT_WIDTH_PT = (
    PAGE_HEIGHT_MM - LANDSCAPE_MARGINS_MM["left"] - LANDSCAPE_MARGINS_MM["right"]
) * MM  # 225 mm


def _chars_pt(chars: float) -> float:
    """The width of a column holding `chars` characters of 五号 a line."""
    return chars * TABLE_PT + CELL_PAD_PT


def _header_chars(header: str) -> float:
    """A header of up to three characters stays on one line; a longer one may take two lines
    (逾期工/作日), never one character a line."""
    width = _display_width(header)
    return width if len(header) <= 3 else math.ceil(width / 2)


def _natural_widths(tbl: AttachmentTable) -> list[tuple[float, bool]]:
    """Each column's natural width (pt: its longest cell on one line, its header on at most
    two) and whether it is short (序号, 编号, 分工, dates, numbers, 进度: never squeezed)."""
    out = []
    for i in range(max(1, len(tbl.columns))):
        header = _header_chars(tbl.columns[i]) if i < len(tbl.columns) else 1
        cells = [_display_width(format_cell(r[i])) for r in tbl.rows if i < len(r)]
        chars = max([header, 1, *cells])
        out.append((_chars_pt(min(chars, MAX_COLUMN_CHARS)), chars <= SHORT_COLUMN_CHARS))
    return out


def centred_columns(tbl: AttachmentTable) -> list[bool]:
    """Columns printed centred: the short ones (序号, numbers, dates, 分工, 进度); text
    columns stay flush left."""
    return [short for _, short in _natural_widths(tbl)]


def _least_width(natural: list[tuple[float, bool]], long_chars: float) -> float:
    """Short columns whole, long ones at `long_chars` characters (or their natural width)."""
    floor = _chars_pt(long_chars)
    return sum(w if short else min(w, floor) for w, short in natural)


def is_landscape(tbl: AttachmentTable) -> bool:
    """Whether the table goes on landscape pages: its columns do not get their natural width
    on the portrait 版心 (short columns whole, long text columns LONG_COLUMN_CHARS)."""
    return _least_width(_natural_widths(tbl), LONG_COLUMN_CHARS) > TEXT_WIDTH_PT + 0.01


def table_width(tbl: AttachmentTable) -> float:
    """The width of the 版心 the table is printed on (pt)."""
    return LANDSCAPE_TEXT_WIDTH_PT if is_landscape(tbl) else TEXT_WIDTH_PT


def column_widths(tbl: AttachmentTable, width: float | None = None) -> list[Length]:
    """Widths that span the text block (`width`, by default that of the page the table is
    printed on): short columns (序号, 编号, dates, 逾期工作日, 进度) keep their natural width so
    they do not wrap (a header takes at most two lines); the long text columns share what is
    left, none under LONG_COLUMN_CHARS characters (four where even that does not fit), the
    rest given where it saves most lines of the table (see _share)."""
    if width is None:
        width = table_width(tbl)
    natural = _natural_widths(tbl)
    total = sum(w for w, _ in natural)
    if total <= width:
        return [Pt(w * width / total) for w, _ in natural]
    for long_chars in (LONG_COLUMN_CHARS, 4):
        if _least_width(natural, long_chars) <= width:
            break
    else:  # nothing sensible: scale them all
        return [Pt(w * width / total) for w, _ in natural]
    out = {i: w for i, (w, short) in enumerate(natural) if short}
    long_ = [i for i, (_, short) in enumerate(natural) if not short]
    floors = {i: min(natural[i][0], _chars_pt(long_chars)) for i in long_}
    out.update(_share(tbl, floors, {i: natural[i][0] for i in long_}, width - sum(out.values())))
    return [Pt(out[i]) for i in range(len(natural))]


def _share(
    tbl: AttachmentTable, floors: dict[int, float], naturals: dict[int, float], budget: float
) -> dict[int, float]:
    """The long columns' widths (pt), `budget` in all, none under its floor: the split that
    makes the table least high (a row as high as its fullest cell), then the one with the
    fewest lines of text (a unit's name on one line where that costs nothing), the slack
    shared by length.

    Only widths where a cell's line count changes matter, so every column but the last tries
    those (its floor and each text's length divided by a number of lines) and the last takes
    what is left (where that makes too many combinations, every other width is tried)."""
    # a merged cell (a unit over its tasks) prints its text once, over the rows of its group
    continued = tbl.continued_cells()
    cols = list(floors)
    texts = {
        i: [
            0.0 if (r, i) in continued else _display_width(format_cell(row[i]))
            for r, row in enumerate(tbl.rows)
        ]
        for i in cols
    }
    spans = {i: [1] * len(tbl.rows) for i in cols}
    for r, i in sorted(continued, reverse=True):
        if i in spans:
            spans[i][r - 1] += spans[i][r]

    def lines(i: int, w: float) -> list[int]:
        """Each row's lines in column i (a merged cell's spread over its rows)."""
        room = (w - CELL_PAD_PT) / TABLE_PT
        return [
            math.ceil(_cell_lines(t, room) / n) for t, n in zip(texts[i], spans[i], strict=True)
        ]

    def text_lines(i: int, w: float) -> int:
        """Lines of text in column i (a merged cell's all counted: a name on one line)."""
        room = (w - CELL_PAD_PT) / TABLE_PT
        return sum(_cell_lines(t, room) for t in texts[i] if t)

    def cost(widths: dict[int, float]) -> tuple[int, int]:
        per_col = [lines(i, w) for i, w in widths.items()]
        height = sum(max(r) for r in zip(*per_col, strict=True)) if tbl.rows else 0
        return height, sum(text_lines(i, w) for i, w in widths.items())

    def candidates(i: int) -> list[float]:
        """Widths of column i from its floor to its natural width where a line is saved."""
        out = {floors[i]}
        for t in set(texts[i]):
            for n in range(1, math.ceil(t) + 1):
                w = _chars_pt(_room_for(t, n))
                if w < floors[i]:
                    break
                if w <= naturals[i] + 1e-6:
                    out.add(w)
        return sorted(out)

    options = [candidates(i) for i in cols[:-1]]
    while math.prod(map(len, options)) > 4000 and any(len(o) > 2 for o in options):
        options = [o[::2] if len(o) > 2 else o for o in options]
    last = cols[-1]
    best: tuple[tuple[int, int], dict[int, float]] | None = None
    for combo in itertools.product(*options):
        widths = dict(zip(cols[:-1], combo, strict=True))
        rest = budget - sum(combo)
        if rest < floors[last] - 1e-6:
            continue
        widths[last] = rest
        c = cost(widths)
        if best is None or c < best[0]:
            best = (c, widths)
    assert best is not None  # the floors fit: column_widths checked
    widths = best[1]
    # the last column may hold more than it needs: the slack goes to all of them by length
    need = [
        w
        for w in candidates(last)
        if (lines(last, w), text_lines(last, w))
        == (lines(last, widths[last]), text_lines(last, widths[last]))
    ]
    slack = widths[last] - min(need, default=widths[last])
    if slack > 0:
        widths[last] -= slack
        total = sum(naturals[i] for i in cols)
        widths = {i: w + slack * naturals[i] / total for i, w in widths.items()}
    return widths


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


# ---------------------------------------------------------------- the title's lines
#
# GB/T 9704 7.3.1: a title of several lines is broken between words, never inside one, and
# its lines are arranged as a trapezoid or a diamond. We do not hand this to the renderer
# (LibreOffice and Word break CJK text after any character, "…督办通" / "知"): the title is
# cut into pieces that must stay whole (a quoted phrase, a bracket, a number, a known word,
# the ending that names the document), each gap between pieces is priced by what the
# grammar of a 公文 title says about it, and the cheapest set of breaks that fits the
# width and gives balanced lines wins.

TITLE_LINE_CHARS = TEXT_WIDTH_PT / TITLE_PT  # 20.1 characters of 2号 on a line of the 版心
TITLE_SPARE_CHARS = 1.0

# The ending that names the document: never broken, preferably whole with its 的.
_KINDS = [
    "督办通知",
    "督办单",
    "通知",
    "通报",
    "建议",
    "意见",
    "决定",
    "提醒",
    "报告",
    "请示",
    "批复",
    "函",
    "公告",
    "通告",
    "实施方案",
    "工作方案",
    "方案",
    "办法",
    "规定",
    "说明",
]
TITLE_ENDINGS = tuple(
    sorted({*(f"的{k}" for k in _KINDS), *_KINDS} - {"函"}, key=len, reverse=True)
)
_OPENING = {"“": "”", "‘": "’", "《": "》", "（": "）", "(": ")", "〔": "〕", "[": "]", "【": "】"}
# A line never starts with these (closing marks, pause and stop marks).
_NO_LINE_START = set("”’》）)〕]】、，。：；！？,.:;!?%")
_DIGITS = set("0123456789０１２３４５６７８９.．%")
_MEASURES = set("个项家次名件条批年月日号")

# Words of 公文 titles, kept whole; the start of a predicate is a good place for a line to
# begin, the end of a unit's name a good place for one to end.
_PREDICATE_STARTS = tuple(
    [
        "进一步",
        "加快",
        "推进",
        "加强",
        "做好",
        "开展",
        "落实",
        "予以",
        "推行",
        "实施",
        "建立",
        "完善",
        "深化",
        "印发",
        "转发",
        "进行",
        "约谈",
        "问责",
        "切实",
        "全面",
        "认真",
        "组织",
    ]
)

_WORDS = tuple(
    [
        "关于",
        "关于对",
        "委员会",
        "办公室",
        "人民政府",
        "领导小组",
        "工作组",
        "审批局",
        "行政审批",
        "政务服务",
        "人力资源",
        "社会保障",
        "住房",
        "城乡建设",
        "自然资源",
        "交通运输",
        "市场监督管理",
        "生态环境",
        "主要负责同志",
        "负责同志",
        "改革",
        "发展",
        "成员单位",
        "责任人",
        "责任单位",
        "有关单位",
        "有关部门",
        "相关部门",
        "加快推进",
        "表扬",
        "批评",
        "通报批评",
        "通报表扬",
        "考核",
        "结果",
        "任务",
        "工作",
        "情况",
        "滞后",
        "即将",
        "到期",
        "逾期",
        "整改",
        "督查",
        "督办",
        "全市",
        "全省",
        "各区",
        "优化",
        "营商环境",
        "专项",
        "行动",
        "重点",
        "事项",
        "清单",
        "季度",
        "年度",
        "上半年",
        "下半年",
        "第一",
        "第二",
        "第三",
        "第四",
        "有关",
        "问题",
        "若干",
        "意见",
        "通知",
        "通报",
        "单位",
        "部门",
        "一网通办",
        "最多跑一次",
        "零跑腿",
        "放管服",
    ]
    + list(_PREDICATE_STARTS)
)
_UNIT_ENDS = tuple(
    ["局", "委员会", "办公室", "中心", "政府", "小组", "单位", "部门", "公司", "委", "办", "厅"]
)
_CONJUNCTIONS = ("和", "与", "及", "以及", "并", "暨")


def _title_width(text: str) -> float:
    """Width in 2号 characters; curly quotes are full width in a CJK face."""
    return _em_width(text.translate(str.maketrans("“”‘’", "一一一一")))


def _title_pieces(title: str) -> list[str]:
    """The title cut into pieces that a line break must not split."""
    pieces: list[str] = []
    i = 0
    while i < len(title):
        c = title[i]
        if c in _OPENING:
            j = title.find(_OPENING[c], i + 1)
            if j > 0:
                pieces.append(title[i : j + 1])
                i = j + 1
                continue
        if c in _DIGITS:
            j = i
            while j < len(title) and title[j] in _DIGITS:
                j += 1
            if j < len(title) and title[j] in _MEASURES:
                j += 1
            pieces.append(title[i:j])
            i = j
            continue
        pieces.append(c)
        i += 1
    # the ending, before any bracketed tail such as “（红色督办）”
    tail = len(pieces)
    while tail and pieces[tail - 1][0] in _OPENING:
        tail -= 1
    head = "".join(pieces[:tail])
    for ending in TITLE_ENDINGS:
        if head.endswith(ending) and len(head) > len(ending):
            pieces = _join_last(pieces, tail, len(ending))
            break
    # known words, longest first, where their characters are still single pieces
    for word in sorted(_WORDS, key=len, reverse=True):
        pieces = _join_word(pieces, word)
    return pieces


def _join_last(pieces: list[str], end: int, chars: int) -> list[str]:
    start, n = end, 0
    while n < chars:
        start -= 1
        n += len(pieces[start])
    return [*pieces[:start], "".join(pieces[start:end]), *pieces[end:]]


def _join_word(pieces: list[str], word: str) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(pieces):
        k = len(word)
        if all(len(p) == 1 for p in pieces[i : i + k]) and "".join(pieces[i : i + k]) == word:
            out.append(word)
            i += k
        else:
            out.append(pieces[i])
            i += 1
    return out


def _break_cost(before: str, after: str, left: str, right: str) -> float:
    """What a line break between two pieces costs (0 best, inf never); `left` and `right`
    are the whole title on either side."""
    if after[0] in _NO_LINE_START or before[-1] in _OPENING:
        return math.inf
    if before[-1] in _DIGITS and after[0] in _DIGITS:
        return math.inf
    # a count stays with what it counts and with its 等 (等3个单位); 各, 对, 第 with their word
    if before[-1] in _MEASURES and before[0] in _DIGITS or after[0] in _DIGITS and before == "等":
        return math.inf
    if after == "等" or before in ("各", "对", "第", "向", "将", "在", "把"):
        return math.inf
    if before == "、":
        return 0
    if after in TITLE_ENDINGS:
        return 0 if after.startswith("的") else 2
    if after[0] in _OPENING or before[-1] in "”’》）)〕]】":
        return 0.5
    if after.startswith("关于") or right.startswith("关于"):
        return 0
    if before == "的":
        return 0.5
    if after == "的":
        return 1
    for word in _CONJUNCTIONS:
        # 和 joins two units or two tasks; inside a name (市发展和改革委员会) it does not
        if after == word or before == word:
            name_before = left[: len(left) - (len(word) if before == word else 0)]
            name_after = right[len(word) :] if after == word else right
            if name_before.endswith(_UNIT_ENDS) or not _inside_name(name_after):
                return 1
            return math.inf
    if left.endswith(("关于", "关于对")):
        return 1.5
    if after.startswith(_PREDICATE_STARTS):
        return 1
    if before.endswith(_UNIT_ENDS) or before.endswith("等"):
        return 1.5
    if len(before) > 1 and len(after) > 1:
        return 2  # between two known words
    if len(before) > 1 or len(after) > 1:
        return 4
    return 12  # between two characters we know nothing about: perhaps inside a word


def _inside_name(right: str) -> bool:
    """Whether the text after a 和 runs on to the end of a unit's name (发展和改革委员会)."""
    m = re.match(r"[^、，“《（()关的和与及等]{1,8}?(委员会|局|厅|委|办公室|中心)", right)
    return m is not None


def _shape_cost(widths: list[float]) -> float:
    """Balanced lines, upper ones longer or equal (a trapezoid); a diamond or an inverted
    trapezoid costs a little, a stub under a full line a lot."""
    n = len(widths)
    if n == 1:
        return 0
    avg = sum(widths) / n
    cost = sum(abs(w - avg) for w in widths) / avg * 4
    for upper, lower in zip(widths, widths[1:], strict=False):
        if lower > upper + 0.5:
            cost += (lower - upper) * 0.6
    if min(widths) < 0.5 * max(widths):
        cost += 10
    return cost


def title_lines(title: str, limit: float = TITLE_LINE_CHARS) -> list[str]:
    """The title's lines: as few as fit the width of the 版心, broken between words (see the
    comment above), balanced."""
    title = title.strip()
    # a character's room spare: digits and Latin letters print wider in some faces, and Word
    # and LibreOffice space them from the Chinese differently (a full line would spill a 报)
    limit -= TITLE_SPARE_CHARS
    if _title_width(title) <= limit:
        return [title]
    pieces, inside = _fitting_pieces(_title_pieces(title), limit)
    texts = ["".join(pieces[: i + 1]) for i in range(len(pieces))]
    costs = []
    for i in range(len(pieces) - 1):
        left, right = texts[i], title[len(texts[i]) :]
        cost = _break_cost(pieces[i], pieces[i + 1], left, right)
        costs.append(cost + 3 if i in inside else cost)
    candidates = [i + 1 for i, c in enumerate(costs) if c < math.inf]
    fewest = math.ceil(_title_width(title) / limit)
    if math.comb(len(candidates), max(0, fewest)) > MAX_TITLE_LAYOUTS:
        # an unusually long title: trying every set of breaks would take minutes
        return _greedy_lines(pieces, costs, limit)
    best: tuple[float, list[str]] | None = None
    for n in range(fewest, fewest + 2):
        for cut in itertools.combinations(candidates, n - 1):
            bounds = [0, *cut, len(pieces)]
            lines = ["".join(pieces[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
            widths = [_title_width(x) for x in lines]
            if max(widths) > limit:
                continue
            cost = sum(costs[c - 1] for c in cut) + _shape_cost(widths) + 4 * (n - fewest)
            if best is None or cost < best[0]:
                best = (cost, lines)
        if best is not None and n == fewest + 1:
            break
    if best is None:  # nothing fits between words: fill lines character by character
        return _fill(title, limit)
    return best[1]


MAX_TITLE_LAYOUTS = 20_000  # sets of breaks tried at most (a real title needs a few hundred)


def _greedy_lines(pieces: list[str], costs: list[float], limit: float) -> list[str]:
    """Lines filled piece by piece, each broken at the cheapest gap in its last third that
    fits (or the last gap that fits)."""
    lines: list[str] = []
    start = 0
    while start < len(pieces):
        end = start + 1
        while end < len(pieces) and _title_width("".join(pieces[start : end + 1])) <= limit:
            end += 1
        if end < len(pieces):
            lowest = start + 1 + (end - start - 1) * 2 // 3
            gaps = [g for g in range(max(start + 1, lowest), end + 1)]
            end = min(gaps, key=lambda g: (costs[g - 1], -g)) if gaps else end
        line = "".join(pieces[start:end])
        lines.extend(_fill(line, limit) if _title_width(line) > limit else [line])
        start = end
    return lines


def _fitting_pieces(pieces: list[str], limit: float) -> tuple[list[str], set[int]]:
    """A quoted or bracketed piece wider than a line is opened into its own pieces (the marks
    glued to the first and last); returns the pieces and the gaps that lie inside one."""
    out: list[str] = []
    inside: set[int] = set()
    for piece in pieces:
        if piece[0] in _OPENING and _title_width(piece) > limit and len(piece) > 2:
            inner = _title_pieces(piece[1:-1])
            inner[0], inner[-1] = piece[0] + inner[0], inner[-1] + piece[-1]
            inside.update(range(len(out), len(out) + len(inner) - 1))
            out.extend(inner)
        else:
            out.append(piece)
    return out, inside


def _fill(text: str, limit: float) -> list[str]:
    lines = [""]
    for c in text:
        if _title_width(lines[-1] + c) > limit and c not in _NO_LINE_START:
            lines.append("")
        lines[-1] += c
    return lines
