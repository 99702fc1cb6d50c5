"""Text plan parsing: noise removal, metadata, numbered heading tree, tasks."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from duban.core.numerals import parse_int
from duban.intake.parse._dates import ONGOING_RE, DateHit, find_dates, parse_full_date
from duban.intake.parse._flat import flat_table
from duban.intake.parse._table import find_header, parse_task_rows
from duban.intake.parse._units import (
    DOCUMENT_FIRST_IS_LEAD,
    FIRST_IS_LEAD_RE,
    LABEL_RE,
    LABEL_START_RE,
    STANDING_RE,
    Assignment,
    find_inline_assignments,
    find_targets,
    is_organ,
    looks_like_unit,
    parse_assignment_body,
    role_line,
    split_units,
)
from duban.intake.parse.model import (
    ParsedMilestone,
    ParsedPhase,
    ParsedPlan,
    ParsedTarget,
    ParsedTask,
    PlanParseError,
)
from duban.intake.parse.norm import (
    AText,
    cn_date_to_digits,
    make_atext,
    split_lines,
)

# ---------------------------------------------------------------- noise and segments

_NOISE_RE = re.compile(
    r"您当前所在位置|当前位置\s*:|^首页\s*>|首页\s*>\s*\S|打印本页|打印此页|关闭窗口|【关闭】|"
    r"^上一篇|^下一篇|版权所有|联系我们|网站地图|ICP备|ICP证|技术支持\s*:|扫描二维码|扫一扫|"
    r"关注我们|^主办单位\s*:|^承办单位\s*:|^主管单位\s*:|^邮编\s*:|^联系电话\s*:|^电话\s*:|"
    r"^地址\s*:|^传真\s*:|浏览次数|阅读次数|点击数\s*:|【\s*字体|字号\s*:|分享到|www\.|https?://|"
    r"Copyright|©|content_bottom|^\[?\s*(?:返回顶部|收藏本页|加入收藏|设为首页)|^责任编辑\s*:|"
    r"^【\s*(?:大|中|小)\s*】|^(?:大|中|小)\s*(?:大|中|小)\s*(?:大|中|小)$|^视力保护色",
    re.IGNORECASE,
)
_MORE_RE = re.compile(
    r"^(?:更多)?相关(?:文章|阅读|链接|新闻|推荐)\s*[:]?|^更多相关|^猜你喜欢|^推荐阅读"
)
_ARTICLE_RE = re.compile(r"^(?:第\s*[0-9一二三四五六七八九十]{1,3}\s*篇|篇)\s*[:]?\s*")
_META_LINE_RE = re.compile(
    r"^(?:发布日期|发布时间|发文日期|成文日期|印发日期|日期|来源|信息来源|文章来源|索引号|主题分类|"
    r"发文机关|发布机构|发文单位|发文字号|文号|标题|有效性|主题词|体裁分类|公文种类|生效日期|"
    r"废止日期|组配分类|信息分类|文件编号)\s*:"
)
_PUBLISH_RE = re.compile(r"(?:发布日期|发布时间|印发日期)\s*:\s*(\S+(?:\s*\d+\s*日)?)")
_WRITTEN_RE = re.compile(r"(?:成文日期|发文日期)\s*:\s*(\S+(?:\s*\d+\s*日)?)")
_LABEL_VALUE_RE = re.compile(
    r"(?P<lab>发文机关|发布机构|发文单位|发文字号|文件编号|文号|标题)\s*:\s*"
    r"(?P<val>.+?)(?=\s{2,}|\t|\s+[\u4e00-\u9fff]{2,5}\s*:|$)"
)
_SOURCE_RE = re.compile(r"(?:^|\s)(?:信息来源|文章来源|来源)\s*:\s*([^\s:]+)")
_GENERIC_TITLES = {
    "通知公告",
    "通知",
    "公告",
    "政策文件",
    "文件通知",
    "规划计划",
    "计划规划",
    "工作方案",
    "实施方案",
    "政策法规",
    "计划总结",
    "规划计划信息",
}
_TITLE_KW_RE = re.compile(
    r"方案|意见|通知|办法|计划|要点|规划|细则|决定|清单|任务分工|工作安排|措施|行动|"
    r"责任分工|责任分解|分解表|任务表|责任表|一览表|台账|推进情况|进展情况|落实情况"
)
# A document number (发文字号) in any of the forms seen: 机关代字 with quotes, dots or spaces
# (宁"放管服"组办〔2020〕5号, 京政办发 (2019) 3号), the year in 〔〕, [], 【】 or (), 第 before
# the serial number.
# the year in brackets and the serial number: "〔2020〕5号", "(2019) 第3号"
_DOCNO_TAIL = r"\s*[〔\[【(]\s*(?:19|20)\d{2}\s*[〕\]】)]\s*第?\s*\d{1,4}\s*号"
_DOCNO_CORE = (
    r"[\u4e00-\u9fffA-Za-z\"“”'‘’·](?:[\u4e00-\u9fffA-Za-z\"“”'‘’· ]{0,18}"
    r"[\u4e00-\u9fffA-Za-z\"“”'‘’·])?" + _DOCNO_TAIL
)
_DOCNO_RE = re.compile(
    r"^(?:(?:发文字号|文\s*号)\s*:?\s*)?\(?\s*(?P<no>" + _DOCNO_CORE + r")(?:\s*\))?"
)
# "文    号 蔡政办〔2023〕1号" in a metadata table flattened to text (no colon, spaced label), or
# a number after the red header ("…人民政府文件 X政发〔2020〕3号")
_LOOSE_DOCNO_RE = re.compile(
    r"(?:(?:^|\s)(?:发文字号|文\s*号)\s*:?|文件)\s*(?P<no>" + _DOCNO_CORE + ")"
)
_DOCNO_BRACKETS_RE = re.compile(r"[〔\[【（(［]\s*((?:19|20)\d{2})\s*[〕\]】）)］]")


def _docno_text(orig: str) -> str:
    """A document number as written, without spaces and with its year in 〔〕."""
    return _DOCNO_BRACKETS_RE.sub(r"〔\1〕", re.sub(r"\s+", "", orig))


_ORG_END_RE = re.compile(
    r"(?:政府|办公室|办公厅|领导小组|工作组|小组|委员会|指挥部|局|中心|委|办|厅|部|党委|党组|"
    r"管委会|街道办事处|人民政府|公司|集团)$"
)
_TERMINAL = "。;:!?)】》\"'"

# ---------------------------------------------------------------- headings

_H_PATTERNS: list[tuple[int, re.Pattern[str]]] = [
    (0, re.compile(r"([一二三四五六七八九十]{1,3})\s*[、.](?![、])")),
    (1, re.compile(r"\(\s*([一二三四五六七八九十]{1,3})\s*\)\s*[、.]?")),
    (2, re.compile(r"(\d{1,3})\s*(?:[、.](?![\d、.])|\.(?=\s)|。(?=[\u4e00-\u9fff]))")),
    (3, re.compile(r"(?:\(\s*(\d{1,2})\s*\)|(\d{1,2})\)(?!\d))\s*[、.]?")),
    (4, re.compile(r"([①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])\s*")),
]
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_INLINE_BEFORE_RE = re.compile(r"[)。;]\s*$")
_EXCLUDED_SECTION_RE = re.compile(
    r"指导思想|总体要求|基本原则|工作原则|工作目标|总体目标|主要目标|目标任务|组织(?:机构|领导|保障)|"
    r"领导小组|保障措施|工作要求|工作保障|有关要求|其他事项|附则|背景|主要做法|改革成效|工作成效"
)
_DEADLINE_LABEL_RE = re.compile(
    r"(?:完成时限|完成时间|时间节点|时限要求|完成期限|截止时间|时间要求|进度安排|时限)\s*[:]?\s*"
)


_ONGOING_FIELD_RE = re.compile(
    _DEADLINE_LABEL_RE.pattern
    + r"[^。;\n]{0,6}?(?:"
    + ONGOING_RE.pattern
    + r"|每(?:季度?|月|年|半年|周)|定期)"
)
_DEADLINE_LINE_RE = re.compile(
    r"^\s*\(?\s*(?:完成时限|完成时间|时间节点|时限要求|完成期限|截止时间|时限)\s*:"
)


# A heading that names a stage of the plan: "(一)动员部署阶段(2020年3月)", "第二阶段:集中整治"
_PHASE_RE = re.compile(
    r"^(?:第[一二三四五六七八九十\d]{1,3}阶段(?:\s*[:,]?\s*[\u4e00-\u9fff]{2,12})?"
    r"|[\u4e00-\u9fff][\u4e00-\u9fff、]{1,24}阶段)$"
)


def _fuller(signed: str | None, label: str) -> bool:
    """The signature "海盐县人民政府办公室" names the same organ as a label's "县政府办公室"."""
    if not signed or len(signed) <= len(label):
        return False
    return signed[-3:] == label[-3:] and set(label) <= set(signed)


def _assigned(task: ParsedTask) -> bool:
    return bool(task.lead_units or task.responsible_units or task.deadline)


def _assigns(lines: list[AText]) -> bool:
    """Does any line carry a 牵头/责任 assignment (label with a colon)?"""
    return any(LABEL_RE.search(ln.norm) for ln in lines)


def _heading_at(norm: str, pos: int) -> tuple[int, int, int] | None:
    """(style, number, end) for a heading marker starting exactly at pos."""
    for style, pat in _H_PATTERNS:
        m = pat.match(norm, pos)
        if not m:
            continue
        raw = next(g for g in m.groups() if g)
        num = _CIRCLED.index(raw) + 1 if style == 4 else parse_int(raw)
        if num is None or num == 0:
            continue
        end = m.end()
        rest = norm[end : end + 1]
        if not rest or rest in ",;。:、)":
            continue
        if style == 2 and norm[end - 1 : end] == "." and rest.isdigit():
            continue
        return style, num, end
    return None


def _code_part(style: int, num: int) -> str:
    if style == 0:
        return _cn_of(num)
    if style == 1:
        return f"({_cn_of(num)})"
    if style == 2:
        return str(num)
    if style == 3:
        return f"({num})"
    return _CIRCLED[num - 1]


_CN = "零一二三四五六七八九"


def _cn_of(num: int) -> str:
    if num < 10:
        return _CN[num]
    tens, ones = divmod(num, 10)
    return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[ones] if ones else "")


@dataclass
class _Node:
    style: int
    num: int
    part: str
    lines: list[AText] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)
    parent: _Node | None = None
    last_num: dict[int, int] = field(default_factory=dict)
    code: str = ""
    # filled by analysis
    assign_idx: set[int] = field(default_factory=set)  # standalone assignment line indexes
    lifted: list[AText] = field(default_factory=list)
    is_task: bool = False
    excluded: bool = False
    any_assign: bool | None = None
    phase: str | None = None  # the name of the phase heading this node is or sits under


# ---------------------------------------------------------------- helpers


def _is_noise(line: AText) -> bool:
    n = line.norm
    if len(n) > 120:
        return False
    return bool(_NOISE_RE.search(n)) or bool(re.fullmatch(r"【[^】]*(?:www|com|cn)[^】]*】", n))


_ROLE_VERB_RE = re.compile(
    r"(?:牵头|负责|配合|参与|协助|协办|落实|承担|承办)[\u4e00-\u9fff]{0,4}[。;]?\s*$"
)


def _is_assign_line(line: AText) -> bool:
    """A line that only assigns: "牵头单位:X", or "由X牵头,A、B配合。" in the verb form."""
    if LABEL_START_RE.match(line.norm):
        return True
    return bool(_ROLE_VERB_RE.search(line.norm)) and role_line(_unwrap(line)) is not None


def _line_assignment(line: AText) -> Assignment:
    """The assignment of an assignment line (either form)."""
    inner = _unwrap(line)
    if LABEL_START_RE.match(line.norm) or LABEL_START_RE.match(inner.norm):
        return parse_assignment_body(inner)
    return role_line(inner) or Assignment()


def _is_title_like(line: AText) -> bool:
    n = line.norm
    return (
        4 <= len(n) <= 90
        and not (len(n) > 30 and re.search(r"[,。;]", n))
        and bool(_TITLE_KW_RE.search(n))
        and n[-1] not in "。,;:"
        and not _META_LINE_RE.match(n)
        and not n.startswith(("各", "为", "附件", "根据", "按照"))
        and _heading_at(n, 0) is None
        and n not in _GENERIC_TITLES
    )


# A title followed by its doc number: "…的实施意见(池政〔2017〕101号)", "…的通知拱政办发〔2018〕42号"
_TITLE_DOCNO_RE = re.compile(
    r"^(?P<title>.{4,}?(?:通知|意见|方案|办法|计划|要点|规划|细则|决定|清单|分工|措施|分解))\s*\(?\s*"
    r"(?P<no>[^()《》的,。\s]{1,12}?" + _DOCNO_TAIL + ")"
    r"\s*\)?$"
)


def _clean_title(line: AText) -> AText:
    m = _ARTICLE_RE.match(line.norm)
    if m:
        line = line[m.end() :].strip()
    m = _DOCNO_RE.match(line.norm)
    if m and m.end() < len(line.norm):
        line = line[m.end() :].strip()
    m = re.match(r"^附(?:件\s*\d*\s*[:]?|\s*:)\s*(?:\d{1,2}\s*[.、]\s*)?", line.norm)
    if m:
        line = line[m.end() :].strip()
    # a headline's 【topic】 before the title
    m = re.match(r"^【[^】]{1,30}】\s*", line.norm)
    if m and m.end() < len(line.norm) - 4:
        line = line[m.end() :].strip()
    # the site's name after the title ("…的意见-湖南省人民政府门户网站", "…_中国政府网")
    m = re.search(r"\s*[-_|]\s*[^-_|]{2,30}(?:网站|网|门户)$", line.norm)
    if m and m.start() >= 4:
        line = line[: m.start()].strip()
    # the doc number after the title, bare or in parentheses
    m = _TITLE_DOCNO_RE.match(line.norm)
    if m:
        line = line[: m.end("title")].strip()
    if line.norm.startswith("《") and line.norm.endswith("》"):
        line = line[1:-1].strip()
    return line


def _docno_in_title(line: AText) -> str | None:
    """ "…的实施意见(池政〔2017〕101号)": the doc number a headline carries."""
    m = _TITLE_DOCNO_RE.match(line.norm)
    return _docno_text(line.orig[m.start("no") : m.end("no")]) if m else None


def _unwrap(line: AText) -> AText:
    """Drop the parentheses around a whole line such as "(牵头单位:X;责任单位:Y)"."""
    line = line.strip(" 。")
    n = line.norm
    if n.startswith("(") and n.endswith(")") and _paren_depth(n[1:-1]) == 0:
        return line[1:-1]
    if n.startswith("(") and _paren_depth(n) > 0:
        return line[1:]
    return line


def _paren_depth(s: str) -> int:
    return s.count("(") - s.count(")")


_MAX_PARAGRAPH = 3000


def _join_broken(lines: list[AText]) -> list[AText]:
    """Re-join paragraphs broken by stray line breaks (web copies, PDF exports)."""
    out: list[AText] = []
    group: list[AText] = []
    depth = 0
    length = 0
    has_period = False
    open_tail = ""
    first_heading = first_assign = False

    def flush() -> None:
        if group:
            joined = group[0]
            if len(group) > 1:
                joined = AText("".join(g.orig for g in group), "".join(g.norm for g in group))
            out.append(joined)

    for line in lines:
        nn = line.norm
        if group:
            starts_new = (
                _heading_at(nn, 0) is not None
                or _is_assign_line(line)
                or parse_full_date(nn) is not None
                or _ARTICLE_RE.match(nn) is not None
            )
            last = group[-1].norm[-1:]
            join = False
            if length >= _MAX_PARAGRAPH:
                join = False
            elif 0 < depth <= 2 and not starts_new:
                join = True
            elif depth > 0 and _is_assign_line(line) and "牵头" in open_tail:
                join = True  # "(牵头单位:X;\n责任单位:Y)"
            elif first_assign and not starts_new and _continues_units(group[-1].norm, nn):
                join = True  # "协办单位:…、园区党工" + "委、各街道党工委" (a line broken in a name)
            elif (
                length >= 30
                and last not in _TERMINAL
                and not starts_new
                and not (first_heading and not has_period)
                and not first_assign
                and not (
                    length <= 90
                    and _is_title_like(
                        group[0]
                        if len(group) == 1
                        else AText("".join(g.orig for g in group), "".join(g.norm for g in group))
                    )
                )
            ):
                join = True
            if join:
                group.append(line)
                depth += _paren_depth(nn)
                length += len(nn)
                has_period = has_period or "。" in nn
                if "(" in nn:
                    open_tail = nn[nn.rfind("(") :]
                else:
                    open_tail = (open_tail + nn)[-200:]
                continue
            flush()
        group = [line]
        depth = _paren_depth(nn)
        length = len(nn)
        has_period = "。" in nn
        open_tail = nn[nn.rfind("(") :] if "(" in nn else ""
        first_heading = _heading_at(nn, 0) is not None
        first_assign = _is_assign_line(line)
    flush()
    return out


def _continues_units(prev: str, nxt: str) -> bool:
    """Does `nxt` finish the unit name `prev` was cut in ("…园区党工" + "委、各街道党工委")?"""
    if not prev or prev[-1] in _TERMINAL + ",、;" or len(nxt) > 80:
        return False
    tail = re.split(r"[、,;:]", prev)[-1]
    head = re.split(r"[、,;。]", nxt)[0]
    if not tail or not head or len(head) > 6:
        return False
    return not looks_like_unit(tail) and looks_like_unit(tail + head)


def _title_start(lines: list[AText], i: int, used: set[int]) -> int | None:
    """Where a title broken over lines starts, up to 4 lines before line i: "关于印发《…" +
    "…实施方案》的通知", or "县人民政府办公室关于" / "对县《…》确定的2021年" / … / "…的通知"."""
    for j in range(i - 1, max(-1, i - 5), -1):
        prev = lines[j].norm
        if (
            j in used
            or len(prev) > 40
            or (prev[-1:] in _TERMINAL + ",:" and not (prev.endswith("》") and "关于" in prev))
            or _DOCNO_RE.match(prev)
            or _heading_at(prev, 0) is not None
            or parse_full_date(cn_date_to_digits(prev).strip()) is not None
        ):
            return None
        if "关于" in prev or prev.count("《") > prev.count("》"):
            return j
    return None


def _closes_items(n: str, current: _Node) -> bool:
    """A short unnumbered line such as 职责分工 after a finished item is a section title."""
    return (
        len(n) <= 15
        and not re.search(r"[,。;:!?、\d()]", n)
        and _heading_at(n, 0) is None
        and bool(current.lines)
        and (
            current.lines[-1].norm[-1:] in "。)"
            or _is_assign_line(current.lines[-1])
            or bool(_DEADLINE_LINE_RE.match(current.lines[-1].norm))
        )
    )


class _TreeBuilder:
    """Lines → the tree of numbered headings, each node holding its own lines."""

    def __init__(self) -> None:
        self.root = _Node(style=-1, num=0, part="")
        self.stack: list[_Node] = [self.root]

    def open_node(
        self, style: int, num: int, inline: bool, *, section_title: bool = False
    ) -> _Node | None:
        """The node a heading opens, or None when its number does not follow on.

        A short top-level section title ("五、工作计划") may skip numbers (a copy that lost
        sections in between)."""
        stack = self.stack
        i = len(stack)
        while i > 1 and stack[i - 1].style >= style:
            i -= 1
        parent = stack[i - 1]
        last = parent.last_num.get(style, 0)
        ok = num == last + 1
        if not inline and not ok:
            if style == 0:
                ok = last == 0 or num == last + 2 or (section_title and last < num <= last + 4)
            else:
                ok = num == 1 or last == 0 or num == last + 2
        if not ok:
            return None
        del stack[i:]
        node = _Node(style=style, num=num, part=_code_part(style, num), parent=parent)
        parent.last_num[style] = num
        parent.children.append(node)
        stack.append(node)
        return node

    def new_section(self) -> _Node:
        """An unnumbered section at the top, excluded from the tasks."""
        sect = _Node(style=0, num=0, part="", parent=self.root)
        sect.excluded = True
        self.root.children.append(sect)
        del self.stack[1:]
        self.stack.append(sect)
        return sect

    def add_text(self, line: AText) -> None:
        """A line into the tree, split at inline headings "…(牵头部门:…) 2.深化…"."""
        n = line.norm
        cands: list[tuple[int, tuple[int, int, int], bool]] = []
        first = _heading_at(n, 0)
        if first is not None and first[0] >= 3 and _FIELD_RE.match(n, first[2]):
            # "(1)时间:…" "(5)责任单位:X 联系人:Y": numbered fields of the item above, not items
            line = line[first[2] :].strip()
            n = line.norm
            first = None
        if first is not None:
            cands.append((0, first, False))
        else:
            weak = _DIGIT_AFTER_MARK_RE.match(n)
            if weak:
                # "11.121人才…": a number right after the marker; an item only when it is the
                # next one in sequence (opened like an inline heading, which must follow on)
                num = int(weak.group(1))
                first = (2, num, weak.end(1) + 1)
                cands.append((0, first, True))
        cands.extend(
            (p, h, True) for p, h in _inline_headings(n) if p >= (first[2] if first else 1)
        )
        segments: list[tuple[_Node, int, int, bool]] = []
        current = self.stack[-1]
        seg_start = 0
        heading_seg = False
        for pos, (style, num, end), inline in cands:
            if pos < seg_start:
                continue
            node = self.open_node(
                style,
                num,
                inline,
                section_title=not inline
                and style == 0
                and len(n) <= 20
                and not re.search(r"[,。;]", n),
            )
            if node is None:
                continue  # not a heading: the marker stays in the running text
            if pos > seg_start:
                segments.append((current, seg_start, pos, heading_seg))
            current, seg_start, heading_seg = node, end, True
        segments.append((current, seg_start, len(n), heading_seg))
        for k, (node, s0, s1, is_heading) in enumerate(segments):
            text = line[s0:s1].strip()
            if not text.norm and not is_heading:
                continue
            head, tail = _split_tail(text) if node.part else (text, None)
            node.lines.append(head)
            if tail is not None:
                if k == len(segments) - 1:
                    self.new_section().lines.append(tail)
                else:
                    node.lines.append(tail)


_FIELD_RE = re.compile(
    r"\s*(?:时间|地点|内容|人员|参加人员|参会人员|参加对象|对象|联系人|联系电话|完成时限|完成时间|"
    r"牵头单位|责任单位|配合单位|牵头部门|责任部门|配合部门)\s*:"
)
_DIGIT_AFTER_MARK_RE = re.compile(r"^(\d{1,2})\.(?=\d[\d.,]{0,8}[%\u4e00-\u9fff])")


_CELL_BAR_RE = re.compile(r"\s*[|｜]\s*")
# Where a line that holds a whole page (its line breaks lost) starts a new paragraph: a
# heading marker, an assignment label or a signature after white space.
_RESPLIT_RE = re.compile(
    r"\s+(?=(?:[一二三四五六七八九十]{1,3}\s*、|\(\s*[一二三四五六七八九十]{1,3}\s*\)|"
    r"\d{1,2}\s*[.、](?!\d)|\(\s*\d{1,2}\s*\)|"
    r"(?:牵头|责任|配合|协办|协同|主办)[\u4e00-\u9fff]{0,6}\s*:|附件|\(此件))"
)
_LONG_LINE = 300
_SPACED_DOCNO_RE = re.compile(r"(?<=\s)[\u4e00-\u9fff\"“”]{1,10}" + _DOCNO_TAIL + r"(?=\s)")


def _cells_apart(line: AText) -> AText:
    """ "序号 | 任务 | 责任单位 |" — a table row drawn with bars: its cells tab-separated, as a
    table pasted from Word or Excel; a bar or two in running text become spaces."""
    bars = line.norm.count("|") + line.norm.count("｜")
    if not bars:
        return line
    sep = AText("\t", "\t") if bars >= 2 and line.norm.strip(" |｜") else AText("  ", "  ")
    out = AText("", "")
    pos = 0
    for m in _CELL_BAR_RE.finditer(line.norm):
        out = out + line[pos : m.start()] + sep
        pos = m.end()
    return out + line[pos:]


_SEQ_MARK_RE = re.compile(r"\(([一二三四五六七八九十]{1,3})\)")
_LABEL_CUT_RE = re.compile(r"(?:牵头|责任|配合|协办|协同|分管)(?:领导|部门|单位|科室)\s*:")


def _sequence_cuts(n: str) -> list[int]:
    """Cuts in a page collapsed without spaces: before each "(一)", "(二)"… that continues the
    sequence (一 may restart it), and before each assignment or leader label."""
    cuts: list[int] = []
    expected = 1
    for m in _SEQ_MARK_RE.finditer(n):
        num = parse_int(m.group(1))
        if num == expected or (num == 1 and expected > 1):
            cuts.append(m.start())
            expected = (num or 0) + 1
    if len(cuts) < 2:
        return []
    cuts.extend(m.start() for m in _LABEL_CUT_RE.finditer(n))
    return sorted(c for c in set(cuts) if c > 0)


def _resplit(line: AText) -> list[AText]:
    """A very long line with no breaks (a page collapsed to one line) cut into paragraphs."""
    if len(line.norm) < _LONG_LINE:
        return [line]
    cuts = [m.end() for m in _RESPLIT_RE.finditer(line.norm)]
    for m in _SPACED_DOCNO_RE.finditer(line.norm):
        cuts.extend((m.start(), m.end()))  # "…的通知 豫政〔2023〕5号 现将…"
    cuts = sorted(set(cuts))
    if len(cuts) < 3:
        cuts = _sequence_cuts(line.norm)
    if len(cuts) < 3:
        return [line]
    parts: list[AText] = []
    pos = 0
    for c in cuts:
        if c > pos:
            parts.append(line[pos:c])
            pos = c
    parts.append(line[pos:])
    return parts


def _split_tail(text: AText) -> tuple[AText, AText | None]:
    """ "…。(牵头部门:X) 职责分工" → the task part and an unrelated tail."""
    inl = find_inline_assignments(text)
    if not inl or _is_assign_line(text):
        return text, None
    s, e, _ = inl[-1]
    tail = text[e:].strip()
    if "。" in text.norm[:s] and tail.norm.strip(" 。;,") and _heading_at(tail.norm, 0) is None:
        return text[:e].strip(), tail
    return text, None


def _inline_headings(n: str) -> list[tuple[int, tuple[int, int, int]]]:
    """Inline heading markers after ")", "。" or ";" outside parentheses."""
    out: list[tuple[int, tuple[int, int, int]]] = []
    depth = 0
    for i, ch in enumerate(n):
        if ch == "(":
            if depth == 0 and i > 0 and _INLINE_BEFORE_RE.search(n[max(0, i - 6) : i]):
                h = _heading_at(n, i)
                if h and h[0] in (1, 3):
                    out.append((i, h))
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif (
            depth == 0
            and i > 0
            and (ch.isdigit() or ch in "一二三四五六七八九十" or ch in _CIRCLED)
            and _INLINE_BEFORE_RE.search(n[max(0, i - 6) : i])
            and not n[i - 1].isdigit()
        ):
            h = _heading_at(n, i)
            if h and h[0] in (0, 2, 4):
                out.append((i, h))
    return out


# ---------------------------------------------------------------- parser


@dataclass
class _Meta:
    title: AText | None = None
    issuer: str | None = None
    doc_number: str | None = None
    issued_on: datetime.date | None = None
    published_on: datetime.date | None = None
    written_on: datetime.date | None = None
    label_issuer: str | None = None
    label_docno: str | None = None
    label_title: AText | None = None
    source: str | None = None
    title_docno: str | None = None


class TextPlanParser:
    """Parse a plan given as plain text (lines); tables may add tasks afterwards."""

    def __init__(self, text: str, *, year: int | None = None) -> None:
        self.year_arg = year
        self.warnings: list[str] = []
        self.meta = _Meta()
        self.plan_year: int | None = None
        self.missing_year_dates = 0
        self.text = text
        self.first_is_lead = False
        self.table_tasks: list[ParsedTask] = []
        self.phases: list[ParsedPhase] = []
        self.standing: list[str] = []  # units a note adds to every later task

    # --- segments -----------------------------------------------------
    def _segments(self, lines: list[AText]) -> list[list[AText]]:
        segments: list[list[AText]] = [[]]
        skipping = False
        for line in lines:
            n = line.norm
            if _ARTICLE_RE.match(n) and len(n) <= 90:
                segments.append([line])
                skipping = False
                continue
            if _MORE_RE.match(n):
                skipping = True
                continue
            if skipping:
                continue
            segments[-1].append(line)
        # split where a new plan restarts its top-level numbering after a title line
        result: list[list[AText]] = []
        for seg in segments:
            cur: list[AText] = []
            top = 0
            for line in seg:
                h = _heading_at(line.norm, 0)
                if h and h[0] == 0:
                    short = len(line.norm) <= 25 and not re.search(r"[,;。]", line.norm)
                    if h[1] == 1 and top >= 2 and short:
                        back = [
                            j
                            for j in range(max(0, len(cur) - 15), len(cur))
                            if _is_title_like(cur[j]) and len(cur[j].norm) <= 60
                        ]
                        if back and back[-1] > 0:
                            j = back[-1]
                            result.append(cur[:j])
                            cur = cur[j:]
                            top = 0
                    if h[1] == top + 1 or (top == 0):
                        top = h[1]
                cur.append(line)
            result.append(cur)
        return [s for s in result if any(len(x.norm) >= 8 for x in s)]

    # --- metadata -----------------------------------------------------
    def _scan_meta(self, lines: list[AText]) -> set[int]:
        """Fill self.meta; returns indexes of lines consumed as metadata."""
        used: set[int] = set()
        first_heading = next(
            (i for i, ln in enumerate(lines) if _heading_at(ln.norm, 0) is not None), len(lines)
        )
        self._scan_title(lines, first_heading, used)
        # doc number: a line starting with it, before the first heading
        for i, ln in enumerate(lines[: first_heading + 1][:40]):
            m = _DOCNO_RE.match(ln.norm)
            if m:
                self.meta.doc_number = _docno_text(ln.orig[m.start("no") : m.end("no")])
                rest = cn_date_to_digits(ln.norm[m.end() :]).strip()
                written = parse_full_date(rest) if rest else None
                if written is not None and self.meta.issued_on is None:
                    self.meta.issued_on = written  # "川办函〔2015〕160号 2015年9月1日"
                if m.end() >= len(ln.norm.rstrip()) or written is not None:
                    used.add(i)
                break
        if self.meta.doc_number is None:
            self.meta.doc_number = self.meta.title_docno
        self._scan_issue_date(lines, first_heading, used)
        if self.meta.issuer is None:
            self.meta.issuer = self._find_issuer(lines, first_heading, used)
        return used

    def _scan_title(self, lines: list[AText], first_heading: int, used: set[int]) -> None:
        """The first title-like line before the first heading, joined with its broken parts."""
        for i, ln in enumerate(lines[: max(first_heading, 1)][:30]):
            if not (_is_title_like(ln) or (_ARTICLE_RE.match(ln.norm) and len(ln.norm) > 3)):
                continue
            t = _clean_title(ln)
            if len(t.norm) < 4:
                continue
            start = _title_start(lines, i, used)
            if (
                start is not None
                and start > 0
                and lines[start].norm.startswith("关于")
                and (start - 1) not in used
                and self._org_line(lines[start - 1])
            ):
                start -= 1  # "四川省人民政府办公厅" / "关于印发…" / "…的通知": the issuer begins it
            if start is not None:
                joined = lines[start]
                for j in range(start + 1, i + 1):
                    joined = joined + lines[j]
                t = _clean_title(joined)
                used.update(range(start, i))
            if i + 1 < len(lines) and re.fullmatch(
                r"(?:的)?(?:通知|意见|决定|方案|函)", lines[i + 1].norm
            ):
                t = t + lines[i + 1]
                used.add(i + 1)
            self.meta.title = t
            self.meta.title_docno = _docno_in_title(ln)
            used.add(i)
            break
        if self.meta.title is not None:
            for i, ln in enumerate(lines[:first_heading]):
                if _clean_title(ln).norm == self.meta.title.norm:
                    used.add(i)

    def _scan_issue_date(self, lines: list[AText], first_heading: int, used: set[int]) -> None:
        """The issue date (成文日期): a date line, preferably one under an organisation line."""
        date_lines = self._date_lines(lines)
        chosen: tuple[int, datetime.date] | None = None
        for i, d in date_lines:
            if i > 0 and self._org_line(lines[i - 1]):
                chosen = (i, d)
                break
        if chosen is None and date_lines:
            chosen = date_lines[-1]
        if chosen is not None:
            i, d = chosen
            self.meta.issued_on = d
            used.add(i)
            if self.meta.issuer is None and i > 0 and self._org_line(lines[i - 1]):
                self.meta.issuer = lines[i - 1].orig.strip()
                used.add(i - 1)
        for i, _ in date_lines:
            if i >= first_heading and (
                i >= len(lines) - 4 or (i > 0 and self._org_line(lines[i - 1]))
            ):
                used.add(i)

    def _date_lines(self, lines: list[AText]) -> list[tuple[int, datetime.date]]:
        """Lines that are a whole date, or "organisation  date" (which also gives the issuer)."""
        date_lines: list[tuple[int, datetime.date]] = []
        for i, ln in enumerate(lines):
            n = cn_date_to_digits(ln.norm).strip()
            n = re.sub(r"\s*\(此件[^()]{0,12}\)$", "", n)  # "2025年7月13日(此件主动公开)"
            n = re.sub(
                r"^\((.*)\)$|^(.*?)\s*(?:印发|发布|制定)$", lambda m: m.group(1) or m.group(2), n
            )
            d = parse_full_date(n.strip())
            if d is not None:
                date_lines.append((i, d))
                continue
            m = re.match(
                r"^(.{2,40}?)\s{2,}((?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)$", n
            )
            if (
                m
                and _ORG_END_RE.search(m.group(1).strip())
                and not re.search(r"\s{2,}|\t", m.group(1).strip())
            ):
                d = parse_full_date(m.group(2))
                if d:
                    date_lines.append((i, d))
                    self.meta.issuer = ln.orig[: len(m.group(1))].strip()
        return date_lines

    def _find_issuer(self, lines: list[AText], first_heading: int, used: set[int]) -> str | None:
        """The issuer when no line signs the plan: a 领导小组 line near the end, the text
        before the first heading ("X决定制定本方案"), the source, or the title ("X关于…")."""
        for i in range(len(lines) - 1, -1, -1):
            n = lines[i].norm
            if (
                len(n) <= 30
                and re.search(r"(?:领导小组|领导小组办公室|指挥部)$", n)
                and _heading_at(n, 0) is None
            ):
                used.add(i)
                return lines[i].orig.strip()
        pre = "".join(ln.norm for ln in lines[:first_heading])
        pre_orig = "".join(ln.orig for ln in lines[:first_heading])
        m = re.search(
            r"(?:^|[,。;:])([^,。;:]{2,30}?(?:领导小组|办公室|政府|委员会|指挥部|局|中心))"
            r"(?:拟|决定|研究|特|现)[^。]{0,60}?(?:制定|印发|出台)(?:了)?本",
            pre,
        )
        if m:
            return pre_orig[m.start(1) : m.end(1)]
        # a news lead: "天津市人民政府印发通知", "安徽省人民政府发布关于…的通知"
        m = re.search(
            r"(?:^|[,。;:])(?:[^,。;:]{0,12}?(?:讯|消息|获悉|日前|近日|刚刚)[,]?)?"
            r"([^,。;:\s]{2,20}?(?:人民政府|政府|办公厅|办公室|委员会|领导小组))"
            r"(?:近日|日前|正式)?(?:印发|发布|出台|下发)",
            pre,
        )
        if m:
            return pre_orig[m.start(1) : m.end(1)]
        if self.meta.source:
            return self.meta.source
        if self.meta.title is not None:
            m = re.match(r"^(.{2,40}?)\s*关于", self.meta.title.norm)
            if m and _ORG_END_RE.search(m.group(1)):
                return self.meta.title.orig[: m.end(1)]
        return None

    @staticmethod
    def _org_line(line: AText) -> bool:
        n = line.norm.strip()
        return (
            2 <= len(n) <= 40
            and n[-1] not in _TERMINAL
            and bool(_ORG_END_RE.search(n))
            and _heading_at(n, 0) is None
            and not _is_assign_line(line)
            and "," not in n
        )

    # --- tree -----------------------------------------------------------
    def _build_tree(self, lines: list[AText]) -> _Node:
        tree = _TreeBuilder()
        seen_heading = False
        seen_assign = False
        for li, line in enumerate(lines):
            n = line.norm
            if seen_heading and re.match(r"^附件\s*\d*\s*(?:[::]|$)", n):
                if seen_assign or not _assigns(lines[li + 1 :]):
                    break  # attachments after the plan
                # nothing assigned yet but the attachment assigns: the numbered lines so far
                # were the covering notice ("附件:1.… 2.…"), and the plan is this attachment
                tree = _TreeBuilder()
                seen_heading = False
                continue
            if LABEL_RE.search(n):
                seen_assign = True
            if seen_heading and _closes_items(n, tree.stack[-1]):
                # an unnumbered section title such as 职责分工 closes the numbered items
                tree.new_section().lines.append(line)
                continue
            if _heading_at(n, 0) is not None:
                seen_heading = True
            tree.add_text(line)
        self._split_paragraph_tasks(tree.root)
        self._assign_codes(tree.root, "")
        return tree.root

    def _split_paragraph_tasks(self, node: _Node) -> None:
        """Unnumbered paragraphs that each end with their own assignment become subtasks."""
        for c in node.children:
            self._split_paragraph_tasks(c)
        if node.children or node.style < 0 or node.excluded or len(node.lines) < 3:
            return
        marks: list[int] = []
        for i, ln in enumerate(node.lines[1:], start=1):
            if _is_assign_line(ln):
                return
            inl = find_inline_assignments(ln)
            if (
                inl
                and inl[-1][1] >= len(ln.norm.rstrip(" 。")) - 1
                and "。" in ln.norm[: inl[-1][0]]
            ):
                marks.append(i)
        if len(marks) < 2:
            return
        # lines before the first marked paragraph stay with the heading
        keep = node.lines[: marks[0]]
        start = marks[0]
        for k, i in enumerate(marks, start=1):
            child = _Node(style=5, num=k, part=f"-{k}", parent=node)
            child.lines = node.lines[start : i + 1]
            node.children.append(child)
            start = i + 1
        keep.extend(node.lines[start:])
        node.lines = keep

    def _assign_codes(self, node: _Node, prefix: str) -> None:
        for child in node.children:
            child.code = prefix + child.part if child.part else ""
            self._assign_codes(child, child.code if child.part else prefix)

    # --- analysis -------------------------------------------------------
    def _analyse(self, root: _Node) -> None:
        def post(node: _Node) -> None:
            for c in node.children:
                post(c)
            node.assign_idx = {i for i, ln in enumerate(node.lines) if _is_assign_line(ln)}
            if len(node.children) >= 2 and node.style >= 0:
                last = node.children[-1]
                others = node.children[:-1]
                trailing = self._trailing_assign(last)
                if (
                    trailing
                    and not any(self._has_any_assign(o) for o in others)
                    and not any(self._has_any_assign(c) for c in last.children)
                ):
                    node.lifted.extend(last.lines[i] for i in trailing)
                    node.lifted.extend(last.lifted)
                    last.lifted = []
                    last.assign_idx -= set(trailing)
                    last.lines = [ln for i, ln in enumerate(last.lines) if i not in trailing]

        post(root)

    @staticmethod
    def _trailing_assign(node: _Node) -> list[int]:
        idx: list[int] = []
        for i in range(len(node.lines) - 1, 0, -1):
            deadline_line = bool(_DEADLINE_LINE_RE.match(node.lines[i].norm))
            if i in node.assign_idx or (deadline_line and (idx or i - 1 in node.assign_idx)):
                idx.append(i)
            else:
                break
        if idx and not any(i in node.assign_idx for i in idx):
            return []
        if not idx and node.lifted:
            return []
        return sorted(idx)

    def _has_any_assign(self, node: _Node) -> bool:
        if node.any_assign is None:
            node.any_assign = bool(
                node.assign_idx
                or node.lifted
                or any(find_inline_assignments(ln) for ln in node.lines)
                or any(self._has_any_assign(c) for c in node.children)
            )
        return node.any_assign

    @staticmethod
    def _assignment_pieces(node: _Node) -> list[tuple[str, Assignment]]:
        """Each piece of a node that assigns units, with its words as written: assignment
        lines, inline assignments, and the lines lifted from its last child."""
        out: list[tuple[str, Assignment]] = []
        for i, ln in enumerate(node.lines):
            if i in node.assign_idx:
                out.append((ln.orig.strip(), _line_assignment(ln)))
            else:
                out.extend((ln.orig[s:e], ia) for s, e, ia in find_inline_assignments(ln))
        out.extend(
            (ln.orig.strip(), _line_assignment(ln)) for ln in node.lifted if _is_assign_line(ln)
        )
        if not any(piece for _, piece in out):
            headed = TextPlanParser._unit_headed(node)
            if headed is not None:
                out.append(headed)
        return out

    def _own_assignment(self, node: _Node) -> Assignment:
        a = Assignment()
        for _words, piece in self._assignment_pieces(node):
            a.extend(piece)
        a.resp = [u for u in a.resp if u not in a.lead]  # a unit is never both
        return a

    @staticmethod
    def _unit_headed(node: _Node) -> tuple[str, Assignment] | None:
        """ "(十七)首都综治办、市委督查室、市监察局。负责组织对整治行动进行专项督查…": a duty
        item headed by the units it falls to (a 职责分工 by unit) — they are responsible."""
        if node.style < 1 or not node.lines:
            return None
        head = node.lines[0]
        cut = head.norm.find("。")
        title = (head if cut < 0 else head[:cut]).strip(" :,")
        duty = len(node.lines) > 1 or (cut >= 0 and head.norm[cut + 1 :].strip())
        if not duty or not 2 <= len(title.norm) <= 60:
            return None  # a bare heading with nothing under it
        units, _ = split_units(title)
        if units and all(is_organ(u) for u in units):
            return title.orig, Assignment(resp=units)
        return None

    # --- public -----------------------------------------------------------
    def parse(self) -> ParsedPlan:
        return self.finish(self.parse_tasks())

    def finish(self, tasks: list[ParsedTask]) -> ParsedPlan:
        """Assemble the plan with metadata and warnings."""
        return self._finish(tasks, [])

    def parse_tasks(self) -> list[ParsedTask]:
        """Read metadata and return the tasks of the (first) plan in the text."""
        at = make_atext(self.text)
        self.first_is_lead = bool(FIRST_IS_LEAD_RE.search(at.norm))
        token = DOCUMENT_FIRST_IS_LEAD.set(self.first_is_lead)
        try:
            return self._parse_tasks(at)
        finally:
            DOCUMENT_FIRST_IS_LEAD.reset(token)

    def _parse_tasks(self, at: AText) -> list[ParsedTask]:
        segments = self._segments(self._content_lines(at))
        if not segments:
            self.set_year()
            return []
        notice, seg = self._plan_segment(segments)
        table_lines = [ln for ln in seg if ln.norm.count("\t") >= 2]
        if table_lines:
            seg = [ln for ln in seg if ln.norm.count("\t") < 2]
        notice_lines = _join_broken(notice) if notice else []
        plan_lines = notice_lines + _join_broken(seg)
        used = self._scan_meta(plan_lines)
        used |= set(range(len(notice_lines)))
        self._prefer_labels()
        body = [ln for i, ln in enumerate(plan_lines) if i not in used]
        self.set_year()
        self.table_tasks = self._tab_tables(table_lines)
        root = self._build_tree(body)
        self._analyse(root)
        tasks = self._collect(root)
        flat = self._flat_table(seg)
        if flat and sum(_assigned(t) for t in flat) > sum(_assigned(t) for t in tasks):
            # a table flattened one cell a line: its rows are the tasks
            return flat + self.table_tasks
        return tasks + self.table_tasks

    def _flat_table(self, lines: list[AText]) -> list[ParsedTask]:
        found = flat_table(lines)
        if found is None:
            return []
        rows, start = found
        header = find_header(rows)
        if header is None:
            return []
        tasks = self.table_rows_to_tasks(rows, header)
        if tasks and self.meta.title is None and start > 0:
            above = _clean_title(lines[start - 1].strip())
            if _is_title_like(above):
                self.meta.title = above  # the table's own title, when the page has no other
        return tasks

    def _content_lines(self, at: AText) -> list[AText]:
        """The non-empty lines without metadata and web page noise (metadata fills self.meta)."""
        lines: list[AText] = []
        for raw in split_lines(at):
            raw = raw.strip()
            barred = _cells_apart(raw)
            for ln in _resplit(barred):
                # a row drawn with bars keeps its empty cells ("a | b | |||"): its tabs stay
                ln = ln.strip(" ") if barred is not raw else ln.strip()
                if not ln.norm or self._read_line_meta(ln) or _is_noise(ln):
                    continue
                lines.append(ln)
        return lines

    def _read_line_meta(self, ln: AText) -> bool:
        """Fill self.meta from the labelled values on a line; True for a metadata-only line."""
        meta = self.meta
        n = ln.norm
        m = _PUBLISH_RE.search(n)
        if m and meta.published_on is None:
            meta.published_on = parse_full_date(cn_date_to_digits(m.group(1)), whole=False)
        mw = _WRITTEN_RE.search(n)
        if mw and meta.written_on is None:
            meta.written_on = parse_full_date(cn_date_to_digits(mw.group(1)), whole=False)
        for mv in _LABEL_VALUE_RE.finditer(n):
            val = ln[mv.start("val") : mv.end("val")].strip()
            if not val.norm:
                continue
            lab = mv.group("lab")
            if lab in ("发文机关", "发布机构", "发文单位") and meta.label_issuer is None:
                meta.label_issuer = val.orig
            elif lab in ("发文字号", "文件编号", "文号") and meta.label_docno is None:
                if _DOCNO_RE.match(val.norm):
                    meta.label_docno = _docno_text(val.orig)
            elif lab == "标题" and meta.label_title is None and len(val.norm) >= 4:
                meta.label_title = val
        if meta.label_docno is None:
            md = _LOOSE_DOCNO_RE.search(n)
            if md:
                meta.label_docno = _docno_text(ln.orig[md.start("no") : md.end("no")])
        ms = _SOURCE_RE.search(n)
        if ms and meta.source is None and len(n) <= 120:
            source = ln.orig[ms.start(1) : ms.end(1)].strip()
            if (
                source
                and not re.search(r"\d{4}|http|www|\.com|\.cn|网站?$|门户|报$|新闻", source)
                and len(source) <= 40
            ):
                meta.source = source
        return bool(_META_LINE_RE.match(n) or (ms and len(n) <= 80 and "发布" in n))

    def _plan_segment(self, segments: list[list[AText]]) -> tuple[list[AText], list[AText]]:
        """(covering notice, plan): the segment that is the plan, and the notice before it.

        A covering notice ("…印发…的通知", its own 一、二、三 paragraphs) followed by the plan
        it issues looks like two articles: the plan is the first part that assigns units;
        the notice before it still gives the title, doc number, issuer and date.
        """
        first = 0
        while (
            first + 1 < len(segments)
            and not _assigns(segments[first])
            and any(re.search(r"印发|通知", ln.norm) for ln in segments[first])
        ):
            first += 1
        if not _assigns(segments[first]):
            first = 0
        if len(segments) > first + 1:
            self.warnings.append(
                f"文件中包含多个方案/文章,已解析第一个,跳过其余 {len(segments) - first - 1} 个"
            )
        return [ln for sg in segments[:first] for ln in sg], segments[first]

    def _prefer_labels(self) -> None:
        """Labelled metadata (标题:, 发文机关:, 文号:, 成文日期:) wins over what the text shows."""
        meta = self.meta
        if meta.label_title is not None:
            meta.title = meta.label_title
        if meta.label_issuer and not _fuller(meta.issuer, meta.label_issuer):
            meta.issuer = meta.label_issuer
        if meta.label_docno:
            meta.doc_number = meta.label_docno
        if meta.written_on is not None and meta.issued_on is None:
            meta.issued_on = meta.written_on

    def _tab_tables(self, lines: list[AText]) -> list[ParsedTask]:
        """Task tables pasted as tab-separated lines (from Excel or Word)."""
        if not lines:
            return []
        rows = [ln.orig.split("\t") for ln in lines]
        header = find_header(rows)
        if header is None:
            return []
        return self.table_rows_to_tasks(rows, header)

    def table_rows_to_tasks(
        self, rows: list[list[str]], header: tuple[int, dict[str, list[int]]]
    ) -> list[ParsedTask]:
        """The tasks of a task table, its dates read with this plan's year."""
        return parse_task_rows(rows, header, self.dates_for, first_is_lead=self.first_is_lead)

    def set_year(self) -> None:
        docno_year = _DOCNO_BRACKETS_RE.search(self.meta.doc_number or "")
        issued = self.meta.issued_on or self.meta.published_on
        if issued is not None:
            self.plan_year = issued.year
        elif docno_year:
            self.plan_year = int(docno_year.group(1))
        elif self.year_arg is not None:
            self.plan_year = self.year_arg
        elif self.meta.title is not None:
            m = re.search(r"((?:19|20)\d{2})\s*(?:年|-)", self.meta.title.norm)
            if m:
                self.plan_year = int(m.group(1))
        if self.plan_year is None:
            self.infer_year(self.text)

    def infer_year(self, text: str) -> None:
        """No date, doc number or title year: a text that names one year only ("广州市2023年
        违法建设…") is that year's plan — said in a warning, so the office can check it."""
        if self.plan_year is not None:
            return
        norm = make_atext(text).norm
        # years inside a cited document's title or number do not count
        norm = re.sub(r"《[^》]{0,80}》|[〔\[【(][^〕\]】)]{0,12}[〕\]】)]", "", norm)
        # "到2035年基本实现…" is a goal's horizon, not the plan's year
        years = {int(y) for y in re.findall(r"(?<![\d到至])((?:19|20)\d{2})\s*年", norm)}
        if len(years) == 1:
            self.plan_year = years.pop()
            self.warnings.append(
                f"未找到成文日期、文号或标题中的年份,按正文中唯一出现的年份 {self.plan_year} 年"
                "解析未注明年份的日期;如不对,请填写方案年份"
            )

    def _finish(self, tasks: list[ParsedTask], extra: list[str]) -> ParsedPlan:
        meta = self.meta
        issued = meta.issued_on or meta.published_on
        warnings = list(self.warnings)
        if self.missing_year_dates:
            warnings.append(
                f"无法确定方案年份(未找到成文日期、发布日期或文号年份),{self.missing_year_dates} 处"
                "未注明年份的日期未能解析;可用 --year 指定年份"
            )
        if not tasks:
            warnings.append("未识别到任务(没有找到带牵头/责任单位或完成时限的条目)")
        else:
            ongoing = [
                t.code
                for t in tasks
                if t.deadline is None
                and (
                    _ONGOING_FIELD_RE.search(make_atext(t.text).norm)
                    or _ONGOING_AFTER_DATE_RE.search(make_atext(t.text).norm)
                )
            ]
            if ongoing:
                warnings.append(
                    "以下任务的完成时限为长期、持续或定期性要求,未设截止日期:" + "、".join(ongoing)
                )
            no_lead = [t.code for t in tasks if not t.lead_units and not t.responsible_units]
            if no_lead and len(no_lead) < len(tasks):
                warnings.append("以下任务未识别到牵头/责任单位:" + "、".join(no_lead))
            elif no_lead:
                warnings.append("所有任务均未识别到牵头/责任单位,请人工补充分工")
        return ParsedPlan(
            title=meta.title.orig if meta.title is not None else None,
            issuer=meta.issuer,
            doc_number=meta.doc_number,
            issued_on=issued,
            tasks=tasks,
            warnings=warnings + extra,
            phases=list(self.phases),
        )

    # --- tasks ------------------------------------------------------------
    def _collect(self, root: _Node) -> list[ParsedTask]:
        nodes: list[_Node] = []

        def walk(node: _Node, excluded: bool) -> None:
            for c in node.children:
                head = c.lines[0].norm if c.lines else ""
                exc = (
                    excluded
                    or c.excluded
                    or (
                        c.style >= 0
                        and bool(_EXCLUDED_SECTION_RE.search(self._title_of(c).norm[:20]))
                    )
                )
                c.excluded = exc
                nodes.append(c)
                walk(c, exc)
                del head

        walk(root, False)
        self._mark_phases(nodes)
        any_assign = False
        for node in nodes:
            if not node.code:
                continue
            a = self._own_assignment(node)
            node_a = a
            node.is_task = bool(node_a)
            any_assign = any_assign or bool(node_a)
            if (
                not node.is_task
                and not node.excluded
                and not self._is_phase_heading(node)
                and self._heading_deadline(node)
            ):
                node.is_task = True
        if not any(n.is_task for n in nodes) and not any_assign:
            # fallback: numbered leaf items that carry dates
            for node in nodes:
                if (
                    node.code
                    and not node.children
                    and not node.excluded
                    and not self._is_phase_heading(node)
                ):
                    scope = self._scope_lines(node)
                    if any(h.date for ln in scope for h in find_dates(ln.norm, self.plan_year)):
                        node.is_task = True
        tasks: list[ParsedTask] = []
        for node in nodes:
            if node.is_task:
                tasks.append(self._make_task(node))
        return tasks

    def _is_phase_heading(self, node: _Node) -> bool:
        return node.phase is not None and (node.parent is None or node.parent.phase != node.phase)

    def _mark_phases(self, nodes: list[_Node]) -> None:
        """Phase headings become the plan's phases; the nodes under one carry its name.

        A phase heading is not a task by its dates alone (only when it assigns units itself)."""
        for node in nodes:  # parents come before their children
            inherited = node.parent.phase if node.parent is not None else None
            node.phase = inherited
            if not node.code or not node.lines:
                continue
            # "创建省园林城市阶段(2009年12月起至2010年获得省园林城市称号止)。"
            title = re.sub(r"\(.*$", "", self._title_of(node).norm).strip(" :,;。")
            if not _PHASE_RE.match(title):
                continue
            node.phase = title
            if any(p.name == title for p in self.phases):
                continue
            head = node.lines[0].norm
            hits = [h for h in find_dates(head, self.plan_year) if h.date is not None]
            start = end = None
            if len(hits) >= 2 and hits[0].range_start:
                start, end = hits[0].date, hits[1].date
                if start is not None and not re.search(
                    r"\d\s*[日号]", head[hits[0].start : hits[0].end]
                ):
                    start = start.replace(day=1)  # "3月—4月": from the first of March
            elif hits:
                end = hits[-1].date
            self.phases.append(ParsedPhase(name=title, start=start, end=end))

    def _heading_deadline(self, node: _Node) -> bool:
        if not node.lines:
            return False
        head = node.lines[0].norm
        cut = head.find("。")
        head = head if cut < 0 else head[:cut]
        return any(
            h.date is not None or h.needs_year for h in find_dates(head, self.plan_year)
        ) and bool(_DEADLINE_LABEL_RE.search(head) or re.search(r"\([^()]*\d[^()]*\)\s*$", head))

    def _title_of(self, node: _Node) -> AText:
        if not node.lines:
            return AText("", "")
        head = node.lines[0]
        head = self._remove_parens(head, deadline=True)
        n = head.norm
        cut = len(n)
        for ch in "。;!?":
            i = n.find(ch)
            if 2 <= i < cut:
                cut = i
        i = n.find(":")
        if 2 <= i < cut and i < 30:
            cut = i
        t = head[:cut].strip(" ,;:。")
        if len(t.norm) > 50:
            i = t.norm.find(",", 6)
            if 0 < i <= 50:
                t = t[:i]
        return t if t.norm else head.strip()

    @staticmethod
    def _remove_parens(line: AText, *, deadline: bool) -> AText:
        spans = [(s, e) for s, e, _ in find_inline_assignments(line)]
        if deadline:
            for m in re.finditer(r"\(([^()]*)\)", line.norm):
                inner = m.group(1)
                if _DEADLINE_LABEL_RE.match(inner) or (
                    find_dates(inner, 2000)
                    and len(inner) <= 30
                    and not re.search(r"[\u4e00-\u9fff]{6}", inner)
                ):
                    spans.append((m.start(), m.end()))
        if not spans:
            return line
        spans.sort()
        out = AText("", "")
        pos = 0
        for s, e in spans:
            if s < pos:
                continue
            out = out + line[pos:s]
            pos = e
        out = out + line[pos:]
        return out.strip()

    def _scope_lines(self, node: _Node) -> list[AText]:
        """Own body lines plus the lines of descendants that are not tasks themselves."""
        out: list[AText] = [ln for i, ln in enumerate(node.lines) if i not in node.assign_idx]
        for c in node.children:
            if c.is_task:
                continue
            sub = self._scope_lines(c)
            if sub:
                sub[0] = AText(self._marker_text(c), self._marker_text(c)) + sub[0]
            out.extend(sub)
        return out

    @staticmethod
    def _marker_text(node: _Node) -> str:
        if node.style == 0:
            return node.part + "、"
        if node.style == 2:
            return node.part + "."
        return node.part

    def _make_task(self, node: _Node) -> ParsedTask:
        a = self._own_assignment(node)
        if self.first_is_lead and not a.lead and a.resp:
            a = Assignment(lead=a.resp[:1], resp=a.resp[1:])
        later: list[str] = []
        for ln in [*node.lines, *node.lifted]:
            for m in STANDING_RE.finditer(ln.norm):
                units, _ = split_units(ln[m.start("units") : m.end("units")])
                if units and all(looks_like_unit(u) for u in units):
                    (self.standing if m.group("this") else later).extend(units)
        a.resp.extend(u for u in self.standing if u not in a.resp and u not in a.lead)
        self.standing.extend(u for u in later if u not in self.standing)
        title = self._title_of(node)
        scope = self._scope_lines(node)
        text_lines = [self._remove_parens(ln, deadline=False) for ln in scope]
        text = "\n".join(t.orig for t in text_lines if t.norm)
        milestones, deadline = self.dates_for(scope + node.lifted, title.orig)
        targets: list[ParsedTarget] = []
        for ln in text_lines:
            targets.extend(find_targets(ln))
        parent = node.parent
        while parent is not None and not parent.is_task:
            parent = parent.parent
        return ParsedTask(
            code=node.code,
            title=title.orig,
            text=text,
            parent_code=parent.code if parent is not None and parent.code else None,
            lead_units=a.lead,
            responsible_units=a.resp,
            deadline=deadline,
            milestones=milestones,
            targets=targets,
            phase=node.phase,
            source="\n".join(ln.orig.strip() for ln in [*node.lines, *node.lifted] if ln.norm),
            evidence=self._evidence(node, deadline, scope + node.lifted),
        )

    def _evidence(
        self, node: _Node, deadline: datetime.date | None, lines: list[AText]
    ) -> list[tuple[str, str]]:
        """The words the units and the deadline of a task were read from."""
        out = [("units", words) for words, _ in self._assignment_pieces(node)]
        words = _date_words(deadline, lines, self.plan_year)
        if words:
            out.append(("deadline", words))
        return out

    def dates_for(
        self, lines: list[AText], title: str
    ) -> tuple[list[ParsedMilestone], datetime.date | None]:
        """Milestones and deadline of a task's lines, read with this plan's year."""
        return dates_for_lines(self, lines, title)


def parse_text(text: str, year: int | None) -> ParsedPlan:
    """A plan given as plain text."""
    if not text.strip():
        raise PlanParseError("文件内容为空")
    return TextPlanParser(text, year=year).parse()


def _date_words(
    deadline: datetime.date | None, lines: list[AText], plan_year: int | None
) -> str | None:
    """The words a deadline was read from ("9月30日前", "2021年底前"), as written."""
    if deadline is None:
        return None
    for ln in lines:
        for h in find_dates(ln.norm, plan_year):
            if h.date == deadline:
                m = re.match(r"\s*(?:之前|以前|前)", ln.norm[h.end :])
                return ln.orig[h.start : h.end + (m.end() if m else 0)].strip()
    return None


_ONGOING_WORDS = r"\s*(?:要|均|都|将)?\s*(?:持续|长期|常态化|不断|坚持)"
_ONGOING_AFTER_RE = re.compile(_ONGOING_WORDS)  # right after a date: "年内持续推进"
_ONGOING_AFTER_DATE_RE = re.compile(r"(?:年内|全年|今年)" + _ONGOING_WORDS + "|长期坚持|持续推进")


def dates_for_lines(
    parser: TextPlanParser, lines: list[AText], title: str
) -> tuple[list[ParsedMilestone], datetime.date | None]:
    """Milestones (when several dates) and the deadline for a task's lines."""
    found: list[tuple[datetime.date, str]] = []
    explicit: datetime.date | None = None
    explicit_none = False
    for ln in lines:
        n = ln.norm
        hits = find_dates(n, parser.plan_year)
        label_spans: list[tuple[int, int]] = []
        for m in _DEADLINE_LABEL_RE.finditer(n):
            end = len(n)
            for ch in ");。":
                j = n.find(ch, m.end())
                if j >= 0:
                    end = min(end, j)
            label_spans.append((m.end(), end))
            value = n[m.end() : end]
            in_label = [h for h in hits if m.end() <= h.start < end and h.date is not None]
            if in_label:
                explicit = in_label[-1].date
            elif ONGOING_RE.search(value) and not any(h.needs_year for h in hits):
                explicit_none = True
        for k, h in enumerate(hits):
            if ONGOING_RE.match(n, h.end) or _ONGOING_AFTER_RE.match(n, h.end):
                continue  # "年内持续推进", "全年常态化开展": ongoing work, not a deadline
            if h.needs_year or h.date is None:
                parser.missing_year_dates += 1
                continue
            if h.range_start:
                continue
            text = _clause(ln, h, hits[k + 1 :])
            if any(s <= h.start < e for s, e in label_spans):
                # "完成时限:9月底前完成建设,12月底前上线运行": each date keeps its own words;
                # a bare date ("完成时限:2024年6月底前") is the task itself
                rest = n[h.end : h.end + 40]
                words = re.match(r"\s*(?:前|之前|以前)?\s*([\u4e00-\u9fff]{2,})", rest)
                text = text if words and not words.group(1).startswith(("前", "底")) else title
                lab = _DEADLINE_LABEL_RE.search(text)
                if lab and text != title:
                    text = text[lab.end() :].strip()
            found.append((h.date, text))
    if explicit_none and explicit is None:
        deadline = None
    elif explicit is not None:
        deadline = explicit
    else:
        deadline = max(d for d, _ in found) if found else None
    milestones: list[ParsedMilestone] = []
    seen: set[datetime.date] = set()
    for d, t in found:
        if d in seen:
            continue
        seen.add(d)
        milestones.append(ParsedMilestone(date=d, text=t))
    if len(milestones) < 2:
        milestones = []
    milestones.sort(key=lambda m: m.date)
    return milestones, deadline


def _clause(line: AText, hit: DateHit, later: list[DateHit]) -> str:
    n = line.norm
    s = max(n.rfind(c, 0, hit.start) for c in "。;!?")
    c = n.rfind(",", s + 1, hit.start)
    # a clause starting right before the date (e.g. "今年6月前,…") keeps what follows
    start = c + 1 if c >= 0 else s + 1
    e_candidates = [i for i in (n.find(ch, hit.end) for ch in "。;!?") if i >= 0]
    end = min(e_candidates) if e_candidates else len(n)
    for h in later:
        if h.start < end:
            cc = n.rfind(",", hit.end, h.start)
            end = cc if cc >= 0 else h.start
            break
    return line[start:end].strip(" ,;。()").orig
