"""Assignments (牵头/责任/配合 units), unit lists and numeric targets in plan text."""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass, field

from duban.intake.parse.model import ParsedTarget
from duban.intake.parse.norm import AText, make_atext

# ---------------------------------------------------------------- the assignment grammar
#
# An assignment names units in roles. It is written either with labels —
#     LABEL ":" UNITS (";" | "," | "。" LABEL ":" UNITS)*
# (牵头单位:A;责任单位:B、C / 牵头责任单位:A。协同责任单位:B) — or with verbs —
#     [由] UNITS VERB ("," | ";" [由] UNITS VERB)*
# (A牵头,B、C配合 / 由A负责 / A、B等按职责分工负责 / A牵头负责), where a unit list with no
# verb of its own takes the next one's (A,B负责). A generic label (部门分工:, 责任分工:) is
# followed by the verb form. Either form stands in parentheses (also 〔〕【】[], read as
# parentheses), on its own line or as the last sentence of an item. Person labels
# (牵头领导, 分管省领导, 责任人) end a unit list and name no unit. The role of a label or verb
# is lead when it says 牵头/主办/负总责, responsible otherwise; a note "排在第一位的为牵头单位"
# makes the first of every later responsible list the lead.
_LEAD = r"(?:总)?牵头(?:负责|责任|主办)?(?:单位|部门|科室|处室|机构)?|主办(?:单位|部门|科室)?"
_RESP = (
    r"(?:主要|直接)?责任(?:单位|部门|科室|处室|主体)|主责(?:单位|部门)|实施(?:单位|主体|部门)|"
    r"落实(?:单位|部门)|负责(?:单位|部门|科室|处室)|承办(?:单位|部门)"
)
_COOP = r"(?:配合|协办|协助|参与|协同|协作)(?:责任)?(?:单位|部门|科室|处室)?"
_ROLES = r"(?:部门|单位|责任|任务|工作)?分工|责任分解"  # followed by the verb form
LABEL_RE = re.compile(
    r"(?P<lab>(?P<lead>" + _LEAD + r")|(?P<resp>" + _RESP + r"|责任)|(?P<coop>" + _COOP + r")"
    r"|(?P<roles>" + _ROLES + r"))"
    r"\s*(?P<note>\([^()]{0,24}\))?\s*[:]\s*"
)
# An assignment line / parenthetical must start with one of the labels.
LABEL_START_RE = re.compile(
    r"^\s*[(\[]?\s*(?:"
    + _LEAD
    + "|"
    + _RESP
    + "|责任|"
    + _COOP
    + "|"
    + _ROLES
    + r")\s*(?:\([^()]{0,24}\))?\s*[:]"
)

_SUFFIX = (
    "局|委|办|厅|中心|科|室|部|院|会|队|政府|公司|所|站|处|行|组|窗口|单位|部门|集团|馆|校|"
    "支队|大队|法院|检察院|管委会|街道|社|团|联|署|口|台|协会|园区|办事处|分局|党委|党组|库|场|厂|港|关"
)
_UNIT_END_RE = re.compile(r"(?:" + _SUFFIX + r")$")
_AGENCY_END_RE = re.compile(r"(?:局|委|办|厅|中心|委员会|署)$")
_PREFIX_RE = re.compile(r"^(.{0,8}?(?:自治区|自治州|省|市|州|盟|县|旗|区))(?=[^省市区县州旗])")
_HAS_ADMIN_RE = re.compile(
    r"^(?:各|全|中央|中国|中共|国家|国务院|省|市(?!场)|区(?!域)|县|州|镇|乡|人民|自治)|"
    r"(?<!城)[省市区县](?!场|域)"
)
# A name that starts with its own place ("湖北银监局"), is a place's branch ("环保拱墅分局") or
# a vertically managed agency named by its own seat ("哈尔滨铁路局", "合肥海关", "人行…支行")
# does not take the list's prefix.
_OWN_PLACE_RE = re.compile(
    r"^(?:北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|"
    r"湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门)|"
    r"(?:分局|铁路局|海关|分行|支行|银保监局|银监局|证监局|保监局)$"
)
_GENERIC = {"单位", "部门", "等", "其他", ""}
_TRAIL_RE = re.compile(
    r"(?:等(?:有关|相关)?(?:单位|部门|科室)?|(?:按职责)?(?:分工)?(?:分别)?负责|落实|配合|参与)$"
)
_MARK_LEAD_RE = re.compile(r"\(?(?:牵头|总牵头|负总责)\)?$")


@dataclass
class Assignment:
    lead: list[str] = field(default_factory=list)
    resp: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.lead or self.resp)

    def extend(self, other: Assignment) -> None:
        for u in other.lead:
            if u not in self.lead:
                self.lead.append(u)
        for u in other.resp:
            if u not in self.resp:
                self.resp.append(u)


def _balanced(s: str) -> bool:
    """As many ( as ) — text outside any parenthesis ends here."""
    return s.count("(") == s.count(")")


def _split_top(at: AText, seps: str) -> list[AText]:
    """Split on separator characters outside parentheses."""
    parts: list[AText] = []
    depth = 0
    start = 0
    n = at.norm
    for i, ch in enumerate(n):
        if ch in "([{〔【《":
            depth += 1
        elif ch in ")]}〕】》":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in seps:
            parts.append(at[start:i])
            start = i + 1
    parts.append(at[start:])
    return parts


_BARE_ORGAN_RE = re.compile(r"(?:人民政府|政府|管委会|党委|党工委|办事处|人大|政协)(?:\([^()]*\))?")


def _split_conj(at: AText) -> list[AText]:
    """Split on 和/及/与/以及/等 when both sides look like unit names."""
    n = at.norm
    for m in re.finditer(r"以及|和|及|与|等", n):
        left, right = at[: m.start()].strip(), at[m.end() :].strip()
        if not _balanced(n[: m.start()]):
            continue
        if not _UNIT_END_RE.search(left.norm):
            continue
        if m.group(0) in ("和", "及") and _BARE_ORGAN_RE.fullmatch(right.norm):
            continue  # "各县(市、区)党委和人民政府": the same places' two organs, one unit
        if m.group(0) == "等":
            rest = right.norm
            if rest in _GENERIC or re.fullmatch(r"(?:其他)?(?:单位|部门|科室)", rest):
                return [left]  # "X等部门" is X
            if re.fullmatch(r"(?:有关|相关)(?:单位|部门|科室)", rest):
                return [left, right]  # "X等有关部门" is X and 有关部门
            if not rest:
                return [left]
            if len(rest) < 2:
                continue
            return [left, *_split_conj(right)]
        if len(right.norm) >= 2 and (
            _UNIT_END_RE.search(right.norm.split("和")[0]) or right.norm.startswith("各")
        ):
            return [left, *_split_conj(right)]
    return [at]


_RUN_ON_RE = re.compile(
    r"^(.{1,30}?(?:" + _SUFFIX + r"))(?:配合|负责|做好|牵头|要|应|将|按照|认真|积极|组织)"
)


def _clean_unit(at: AText) -> AText:
    at = at.strip(" \t\"'“”‘’。.、,;:")
    n = at.norm
    if n.startswith("由"):
        at = at[1:]
    # drop trailing 等/负责/落实 words (not inside names)
    for _ in range(3):
        m = _TRAIL_RE.search(at.norm)
        if not m or m.start() == 0:
            break
        at = at[: m.start()].strip(" 。.、,;:")
    # drop a trailing parenthetical that is an instruction rather than part of a name
    m = re.search(r"\([^()]*(?:负责|分工|按职责|分别|依职责|下同|为牵头)[^()]*\)$", at.norm)
    if m:
        at = at[: m.start()].strip()
    # "园林局配合做好专项整治工作": a unit name running into the next sentence
    m = _RUN_ON_RE.match(at.norm)
    if m and len(at.norm) > m.end(1) + 3:
        at = at[: m.end(1)]
    return at


_LEVELS = r"(?:县级市|市辖区|县|市|区|州|盟|旗|镇|乡|街道|乡镇)"
_ORGANS = r"(?:人民政府|政府|管委会|党委|办事处)"
_COLLECTIVE_HEAD_RE = re.compile(r"(?:各|相关|有关)" + _LEVELS)
_LEVEL_RE = re.compile(_LEVELS + _ORGANS + r"?(?:\([^()]*\))?")
_BARE_PLACE_RE = re.compile(r"[\u4e00-\u9fff]{2,5}")
_PLACE_ORGAN_RE = re.compile(r"[\u4e00-\u9fff]{1,5}?(?P<level>[区县市])(?P<organ>" + _ORGANS + ")")
# "(牵头单位:X;责任单位:A、B,6月底完成)": a time given inside a unit list is no unit
_TIME_PART_RE = re.compile(
    r"^\d{1,2}\s*月|^(?:19|20)\d{2}\s*年|^(?:年底|年内|上半年|下半年|全年|长期|持续)|(?:完成|前)$"
)
_VERB_ONLY_RE = re.compile(
    r"(?:按照?职责分工|按照?职责|依职责|根据职责|按分工)?(?:分别|共同|具体)?"
    r"(?:负责|落实|配合|参与|协助|协办|承担|牵头)"
)


def _join_collectives(parts: list[AText]) -> list[AText]:
    """ "各县、市、区政府", "各区、县级市", "各州、市人民政府": one collective unit."""
    out: list[AText] = []
    i = 0
    while i < len(parts):
        part = parts[i].strip()
        if _COLLECTIVE_HEAD_RE.fullmatch(part.norm):
            acc, j = part, i + 1
            while j < len(parts) and _LEVEL_RE.fullmatch(parts[j].strip().norm):
                acc = acc + AText("、", "、") + parts[j].strip()
                j += 1
                if re.search(_ORGANS + r"(?:\([^()]*\))?$", acc.norm):
                    break
            if j > i + 1:
                out.append(acc)
                i = j
                continue
        out.append(part)
        i += 1
    return out


def _share_suffix(units: list[AText]) -> None:
    """ "黄埔区、南沙区政府", "哈尔滨、黑河、绥芬河市政府": the organ (and level) written once
    belongs to every place named bare before it."""
    i = 0
    while i < len(units):
        j = i
        while (
            j < len(units)
            and _BARE_PLACE_RE.fullmatch(units[j].norm)
            and not (
                _UNIT_END_RE.search(units[j].norm)
                or units[j].norm.startswith(("各", "有关", "相关"))
            )
        ):
            j += 1
        if i < j < len(units):
            m = _PLACE_ORGAN_RE.fullmatch(units[j].norm)
            if m:
                for k in range(i, j):
                    level_ends = units[k].norm[-1] in "区县市"
                    start = m.start("organ") if level_ends else m.start("level")
                    units[k] = units[k] + units[j][start : m.end("organ")]
        i = max(j, i + 1)


def _space_split(part: AText) -> list[AText]:
    """ "县教体局 各相关乡镇政府" is two units; "自治 区农牧厅" (a space a PDF left in a name) is
    one: a piece that is no unit yet takes the next."""
    pieces = [p for p in _split_top(part, " ") if p.norm.strip()]
    if len(pieces) < 2:
        return [part]
    out: list[AText] = []
    acc = pieces[0]
    for nxt in pieces[1:]:
        if looks_like_unit(acc.norm):
            out.append(acc)
            acc = nxt
        else:
            acc = acc + nxt
    out.append(acc)
    return out


def split_units(at: AText) -> tuple[list[str], list[str]]:
    """Split a unit list; returns (units, units_marked_as_lead)."""
    units: list[AText] = []
    parts = [tok for part in _split_top(at, "、,;/\t\n") for tok in _space_split(part)]
    for part in _join_collectives(parts):
        bare = re.sub(r"\([^()]*\)", "", part.norm)  # "县发改局(首位单位为牵头单位)" stays
        if FIRST_IS_LEAD_RE.search(bare) or _NOTE_RE.search(bare):
            continue  # "…,排名第一的单位为牵头单位,下同": a note, no unit
        part = part.strip()
        if not part.norm:
            continue
        for sub in _split_conj(part):
            sub = _clean_unit(sub)
            if (
                sub.norm
                and sub.norm not in _GENERIC
                and len(sub.norm) <= 60
                and not _VERB_ONLY_RE.fullmatch(sub.norm)
                and not _TIME_PART_RE.search(sub.norm)
            ):
                units.append(sub)
    _share_suffix(units)
    # shared prefix: 市公安局、税务局 → 市税务局
    out: list[str] = []
    leads: list[str] = []
    prefix: str | None = None
    if units:
        pm = _PREFIX_RE.match(units[0].norm)
        if pm and not units[0].norm.startswith("各"):
            prefix = units[0].orig[: pm.end()]
    # a list that spells the prefix out again after an unprefixed name means that name is
    # complete as written ("省发展改革委、商务厅、省大数据中心": 商务厅 stays 商务厅)
    spelled = [u.orig.startswith(prefix) for u in units] if prefix else [False] * len(units)
    for i, u in enumerate(units):
        name = u.orig
        norm = u.norm
        is_lead = False
        mk = _MARK_LEAD_RE.search(norm)
        if mk and mk.start() > 0:
            is_lead = True
            name = name[: mk.start()].rstrip()
            norm = norm[: mk.start()].rstrip()
        if (
            i > 0
            and prefix
            and not any(spelled[i + 1 :])
            and not _HAS_ADMIN_RE.search(norm)
            and not _OWN_PLACE_RE.search(norm)
            and _AGENCY_END_RE.search(norm)
            and len(norm) <= 8
            and "相关" not in norm
            and "有关" not in norm
        ):
            name = prefix + name
        if name and name not in out:
            out.append(name)
            if is_lead:
                leads.append(name)
    return out, leads


# Another "label:" (完成时限:, 工作目标:) ends a unit list.
_OTHER_LABEL_RE = re.compile(r"[\u4e00-\u9fff]{2,8}\s*:")
FIRST_IS_LEAD_RE = re.compile(
    r"(?:列|排|位)(?:名|序|在|于)?(?:第一|首)(?:位|个|家)?的?(?:单位|部门)?(?:为|是)牵头|"
    r"第一(?:个|家)?(?:单位|部门)?(?:为|是)牵头|首(?:位|个)?(?:单位|部门)(?:为|是)牵头"
)


def parse_assignment_body(at: AText) -> Assignment:
    """Parse "牵头部门:A;责任部门:B、C" (label required at the start or anywhere)."""
    result = Assignment()
    labels = list(LABEL_RE.finditer(at.norm))
    for i, m in enumerate(labels):
        end = labels[i + 1].start() if i + 1 < len(labels) else len(at.norm)
        other = _OTHER_LABEL_RE.search(at.norm, m.end(), end)
        if other:
            end = other.start()
        stop = at.norm.find("。", m.end(), end)
        if stop >= 0:
            end = stop
        value = at[m.end() : end].strip(" ;,。.")
        if m.group("roles"):
            result.extend(parse_roles(value) or Assignment())
            continue
        units, marked = split_units(value)
        note = (m.group("note") or "") + value.norm
        if not m.group("lead") and FIRST_IS_LEAD_RE.search(note) and units and not marked:
            marked = units[:1]
        if m.group("lead"):
            dest = result.lead
        else:
            dest = result.resp
            for u in marked:
                if u not in result.lead:
                    result.lead.append(u)
            units = [u for u in units if u not in marked]
        for u in units:
            if u not in dest:
                dest.append(u)
    return result


_PAREN_RE = re.compile(r"\(((?:[^()]|\([^()]*\))*)\)")


def find_inline_assignments(at: AText) -> list[tuple[int, int, Assignment]]:
    """Parenthesised assignments "(牵头部门:X;责任部门:Y)" and "(X牵头,Y配合)" with spans."""
    out: list[tuple[int, int, Assignment]] = []
    for m in _PAREN_RE.finditer(at.norm):
        inner = at[m.start(1) : m.end(1)]
        if LABEL_START_RE.match(inner.norm) or (
            re.match(r"^\s*[\u4e00-\u9fff]{2,6}\s*:", inner.norm)
            and re.search(r"(?:^|[;,\s])" + LABEL_RE.pattern, inner.norm)
        ):
            a = parse_assignment_body(inner)
            if a:
                out.append((m.start(), m.end(), a))
            continue
        # (市发改委牵头,市财政局、市税务局配合) / (A、B等按职责分工负责) / (A、B。排在第一位的为牵头单位)
        roles = parse_roles(inner)
        if roles:
            out.append((m.start(), m.end(), roles))
    # "…工作。牵头单位:X;责任单位:Y" without parentheses
    n = at.norm
    for m in LABEL_RE.finditer(n):
        if m.start() == 0 or any(s <= m.start() < e for s, e, _ in out):
            continue
        before = n[: m.start()].rstrip()
        if not before or before[-1] not in "。;,!?":
            continue
        if not _balanced(n[: m.start()]):
            continue
        a = parse_assignment_body(at[m.start() :])
        if a:
            end = len(n.rstrip(" 。"))
            out.append((m.start(), end, a))
        break
    if not out:
        bare = _bare_labels(at)
        if bare:
            out.append(bare)
    if not out:
        # "…工作。由X牵头,A、B配合。" — the item's last sentence, in the verb form
        body = n.rstrip(" 。;")
        cut = max(body.rfind("。"), body.rfind(";"))
        if 0 < cut < len(body) - 3 and _balanced(body[:cut]):
            last = parse_roles(at[cut + 1 : len(body)], verbs_only=True)
            if last:
                out.append((cut + 1, len(body), last))
    return out


# A label whose colon was lost (copied from a table or a PDF): "…整治活动责任单位各社区居委会、
# 驻辖区单位" — read only when unit lists run from it to the end of the line.
_BARE_LABEL_RE = re.compile(
    r"(?P<lead>牵头(?:责任)?(?:单位|部门|科室))|(?P<resp>(?:主要)?责任(?:单位|部门|科室)|"
    r"(?:配合|协办|参与|协同)(?:单位|部门|科室))(?=[^\s:,;。、)])"
)


def _bare_labels(at: AText) -> tuple[int, int, Assignment] | None:
    n = at.norm.rstrip(" 。;")
    labels = list(_BARE_LABEL_RE.finditer(n))
    for k, first in enumerate(labels):
        if not _balanced(n[: first.start()]):
            continue
        result = Assignment()
        ok = True
        for j, m in enumerate(labels[k:], start=k):
            end = labels[j + 1].start() if j + 1 < len(labels) else len(n)
            units, _ = split_units(at[m.end() : end])
            if not units or not all(looks_like_unit(u) for u in units):
                ok = False
                break
            dest = result.lead if m.group("lead") else result.resp
            dest.extend(u for u in units if u not in dest)
        if ok and result:
            result.resp = [u for u in result.resp if u not in result.lead]
            return first.start(), len(n), result
    return None


def role_line(at: AText) -> Assignment | None:
    """A line that is an assignment in the verb form ("由X牵头,A、B配合。"), else None."""
    n = at.norm.strip(" 。;")
    if len(n) > 160 or not _balanced(n):
        return None
    return parse_roles(at.strip(" 。;"), verbs_only=True)


_VERB_RE = re.compile(
    r"(?:(?P<lead>(?:总)?牵头(?:负责|落实|抓总|实施)?|负总责|主办)"
    r"|(?P<resp>(?:按照?职责分工|按照?职责|依职责|根据职责|按分工|各司其职)?"
    r"(?:分别|共同|具体|协同|密切)?(?:负责|落实|配合|参与|协助|协办|承担|承办)))"
    r"(?:组织实施|具体实施|抓好落实|推进落实|组织落实|实施|落实|推进|完成)?$"
)
# Set while a plan whose text says "排在第一位的为牵头单位" is parsed: a bare unit list in
# parentheses, "(市财政局、市统计局)", is then that task's assignment.
DOCUMENT_FIRST_IS_LEAD: ContextVar[bool] = ContextVar("DOCUMENT_FIRST_IS_LEAD", default=False)
_POST_RE = re.compile(
    r"(?:省长|市长|县长|区长|州长|镇长|乡长|秘书长|书记|主任|部长|厅长|局长|领导|同志|负责人|责任人)$"
)
_NOTE_RE = re.compile(r"下同|不再列出|为牵头|其他有关部门|明确牵头|以下[^,。;]{0,16}均")
# "本条及以下责任单位均包括各县市区政府(管委会)", "以下各项工作均需各县、区人民政府落实,不再列出":
# units that hold for every later task (and this one, with 本条)
STANDING_RE = re.compile(
    r"(?P<this>本条及|本项及)?以下[\u4e00-\u9fff]{0,10}?"
    r"均(?:包括|需|由|含|要|为)?(?P<units>[^,。;()]{2,60}?(?:\([^()]*\))?)"
    r"(?:组织)?(?:落实|负责|配合|参与)?(?=[,。;)\]]|$)"
)


# An organ's name as it ends (no bare places, no 行/场/港 that end ordinary words too)
ORGAN_END_RE = re.compile(
    r"(?:局|委|办|厅|中心|科|室|部|院|会|队|政府|公司|所|站|处|组|窗口|集团|支队|大队|法院|"
    r"检察院|管委会|街道|办事处|分局|党委|党组|党工委|联社|残联|妇联|团委|银行|分行|海关|单位|部门)"
    r"(?:\([^()]*\))?$"
)


def is_organ(name: str) -> bool:
    """A name that ends like an organ (ORGAN_END_RE), in its normal form."""
    return bool(ORGAN_END_RE.search(make_atext(name).norm))


def looks_like_unit(name: str) -> bool:
    """A name that ends like a unit (局, 委, 政府, 部门, 区…) or names a collective (各…);
    traditional characters and full-width brackets are read as their normal forms."""
    core = re.sub(r"\([^()]*\)$", "", make_atext(name).norm).strip()  # 区应急管理局(安委办)
    if not core or len(core) > 30 or "的" in core:
        return False
    return bool(
        _UNIT_END_RE.search(core)
        or re.match(r"^(?:各|有关|相关|其他)", core)
        or re.match(r"^全[市区县省][^,。]{0,8}$", core)
        or re.search(r"(?:各地|地区|各级|系统|[区县市镇乡旗])$", core)
    )


def parse_roles(at: AText, *, verbs_only: bool = False) -> Assignment | None:
    """The verb form of an assignment, or None when the text is not one.

    Every clause must be a unit list (that takes the next verb), a unit list with its verb, or
    — when some clause has a verb — a note (下同, 排在第一位的为牵头单位) or a remark such as a
    date. A bare unit list (no verb at all) is an assignment only with a first-is-lead note,
    unless `verbs_only`.
    """
    result = Assignment()
    pending: list[str] = []
    verbs = 0
    remarks = 0
    first_is_lead = False
    clauses: list[AText] = []
    for sentence in _split_top(at, "。"):
        if FIRST_IS_LEAD_RE.search(sentence.norm):
            first_is_lead = True  # "排名第一的为牵头单位,下同"
            continue
        if _NOTE_RE.search(sentence.norm):
            remarks += 1  # "以下各项工作均需…落实,不再列出"
            continue
        clauses.extend(_split_top(sentence, ";,:"))
    for clause in clauses:
        c = clause.strip(" .")
        cn = c.norm
        if not cn:
            continue
        unit_part, role = c, None
        mv = _VERB_RE.search(cn)
        if mv and mv.start() > 0:
            unit_part, role = c[: mv.start()], ("lead" if mv.group("lead") else "resp")
        text = unit_part.strip(" ")
        if text.norm.startswith("由"):
            text = text[1:]
        units, marked = split_units(text) if text.norm else ([], [])
        if units and all(_POST_RE.search(make_atext(u).norm) for u in units):
            remarks += 1  # "分管副省长、协管副秘书长负责": persons, not units
            continue
        if not units or not all(looks_like_unit(u) for u in units):
            if role is None and (verbs or pending):
                remarks += 1  # "年内持续推进", "6月底前完成"
                continue
            return None
        if role is None:
            pending.extend(units)
            continue
        verbs += 1
        names = pending + units
        pending = []
        dest = result.lead if role == "lead" else result.resp
        for u in names:
            if u in marked and role == "resp":
                if u not in result.lead:
                    result.lead.append(u)
            elif u not in dest:
                dest.append(u)
    if pending and not verbs_only and (first_is_lead or verbs or DOCUMENT_FIRST_IS_LEAD.get()):
        # "(A、B、C。排在第一位的为牵头单位)" / "(A牵头;B、C)": the units are responsible
        for u in pending:
            if u not in result.resp and u not in result.lead:
                result.resp.append(u)
        if first_is_lead and not result.lead and result.resp:
            result.lead.append(result.resp.pop(0))
        pending = []
    if pending or not (verbs or first_is_lead or (result and DOCUMENT_FIRST_IS_LEAD.get())):
        return None
    if verbs_only and remarks:
        return None
    result.resp = [u for u in result.resp if u not in result.lead]
    return result if result else None


# ---------------------------------------------------------------- targets

_NUM_RE = re.compile(
    r"(?<![\d.])(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>%|个工作日|个自然日|个小时|小时|个百分点|"
    r"万元|亿元|元|个|项|件|天|日|家|人次|人|次|份|户|座|所|公里|千米|万|分钟|分)"
    r"(?![\d月年号])"
)
_GE_BEFORE = re.compile(
    r"(达到|达|不低于|不少于|至少|超过|高于|提高到|提高至|提升到|提升至|增长|增加|覆盖|保持在)\s*$"
)
_LE_BEFORE = re.compile(
    r"(不高于|不超过|低于|少于|控制在|压缩至|压缩到|缩短至|缩短到|减少至|减少到|降低至|降低到|"
    r"降至|压减至|压减到|减至|缩减至|缩减到)\s*$"
)
_CHANGE_BEFORE = re.compile(r"(缩短|压缩|减少|降低|压减|提高|提升|精简|缩减)\s*$")
_GE_AFTER = re.compile(r"^\s*(以上|及以上|或以上|以上的)")
_LE_AFTER = re.compile(r"^\s*(以内|以下|之内|内)")
_RATE_BEFORE = re.compile(r"率\s*(?:为|要|须|必须|应|需|保持)?\s*$")


def find_targets(at: AText) -> list[ParsedTarget]:
    """Numeric indicators such as 网上可办率达80%以上 or 压缩至3个工作日以内."""
    out: list[ParsedTarget] = []
    n = at.norm
    seen: set[tuple[int, int]] = set()
    for m in _NUM_RE.finditer(n):
        before = n[max(0, m.start() - 12) : m.start()]
        after = n[m.end() : m.end() + 6]
        # skip ranges like 3-5个 and ordinal/date-ish tokens
        if n[max(0, m.start() - 1) : m.start()] in ("-", "~", "第"):
            continue
        direction: str | None = None
        # strip a few filler words between the verb and the number
        core = re.sub(r"(?:再|均|平均|总体|累计|分别|全部|要|将)\s*$", "", before)
        if _LE_BEFORE.search(core):
            direction = "<="
        elif _GE_BEFORE.search(core) or _CHANGE_BEFORE.search(core):
            direction = ">="
        if _LE_AFTER.match(after):
            direction = "<="
        elif _GE_AFTER.match(after):
            direction = ">="
        unit = m.group("unit")
        if direction is None and unit == "%" and _RATE_BEFORE.search(before):
            direction = ">="
        if direction is None:
            continue
        # the clause around the number
        cs = max(n.rfind(c, 0, m.start()) for c in ",;。!?:\n")
        ce_candidates = [i for i in (n.find(c, m.end()) for c in ",;。!?\n") if i >= 0]
        ce = min(ce_candidates) if ce_candidates else len(n)
        span = (cs + 1, ce)
        text = at[span[0] : span[1]].strip(" ()")
        if not text.norm:
            continue
        key = (span[0], m.start())
        if key in seen:
            continue
        seen.add(key)
        out.append(
            ParsedTarget(
                text=text.orig,
                value=float(m.group("num")),
                unit=_unit_orig(at, m),
                direction=direction,
            )
        )
    return out


def _unit_orig(at: AText, m: re.Match[str]) -> str:
    unit = m.group("unit")
    return "%" if unit == "%" else at.orig[m.start("unit") : m.end("unit")]
