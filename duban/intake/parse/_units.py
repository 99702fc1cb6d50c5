"""Assignments (牵头/责任/配合 units), unit lists and numeric targets in plan text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from duban.intake.parse.model import ParsedTarget
from duban.intake.parse.norm import AText

# Labels that introduce units. Person labels (牵头领导, 责任人) are deliberately absent.
_LEAD = r"牵头(?:单位|部门|科室|处室|机构|责任单位)?"
_RESP = (
    r"(?:主要)?责任(?:单位|部门|科室|处室|主体)|主责(?:单位|部门)|实施(?:单位|主体)|"
    r"落实(?:单位|部门)"
)
_COOP = r"(?:配合|协办|协助|参与|协同)(?:单位|部门|科室|处室)?"
LABEL_RE = re.compile(
    r"(?P<lab>(?P<lead>" + _LEAD + r")|(?P<resp>" + _RESP + r"|责任)|(?P<coop>" + _COOP + r"))"
    r"\s*(?P<note>\([^()]{0,24}\))?\s*[:]\s*"
)
# An assignment line / parenthetical must start with one of the labels.
LABEL_START_RE = re.compile(
    r"^\s*[(\[]?\s*(?:" + _LEAD + "|" + _RESP + "|责任|" + _COOP + r")\s*(?:\([^()]{0,24}\))?\s*[:]"
)

_SUFFIX = (
    "局|委|办|厅|中心|科|室|部|院|会|队|政府|公司|所|站|处|行|组|窗口|单位|部门|集团|馆|校|"
    "支队|大队|法院|检察院|管委会|街道|社|团|联|署|口|台|协会|园区|办事处|分局|党委|党组"
)
_UNIT_END_RE = re.compile(r"(?:" + _SUFFIX + r")$")
_AGENCY_END_RE = re.compile(r"(?:局|委|办|厅|中心|委员会|署)$")
_PREFIX_RE = re.compile(r"^(.{0,8}?(?:自治区|自治州|省|市|州|盟|县|旗|区))(?=[^省市区县州旗])")
_HAS_ADMIN_RE = re.compile(r"^(?:各|全|中|国|省|市|区|县|州|镇|乡|人民|自治)|[省市区县]")
_GENERIC = {"单位", "部门", "有关单位", "相关单位", "有关部门", "相关部门", "其他单位", "等", ""}
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


def _split_conj(at: AText) -> list[AText]:
    """Split on 和/及/与/以及/等 when both sides look like unit names."""
    n = at.norm
    for m in re.finditer(r"以及|和|及|与|等", n):
        left, right = at[: m.start()].strip(), at[m.end() :].strip()
        if n[: m.start()].count("(") != n[: m.start()].count(")"):
            continue
        if not _UNIT_END_RE.search(left.norm):
            continue
        if m.group(0) == "等":
            rest = right.norm
            if rest in _GENERIC or re.fullmatch(r"(?:有关|相关|其他)?(?:单位|部门|科室)", rest):
                return [left]
            if not rest:
                return [left]
            if len(rest) < 2:
                continue
            return [left, *_split_conj(right)]
        if len(right.norm) >= 2 and _UNIT_END_RE.search(right.norm.split("和")[0]):
            return [left, *_split_conj(right)]
    return [at]


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
    return at


def split_units(at: AText) -> tuple[list[str], list[str]]:
    """Split a unit list; returns (units, units_marked_as_lead)."""
    units: list[AText] = []
    for part in _split_top(at, "、,;/ \t"):
        part = part.strip()
        if not part.norm:
            continue
        for sub in _split_conj(part):
            sub = _clean_unit(sub)
            if sub.norm and sub.norm not in _GENERIC and len(sub.norm) <= 60:
                units.append(sub)
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
    r"(?:列|排|位)(?:在|于)?(?:第一|首)位?的?(?:单位|部门)?为牵头|第一(?:个|家)?(?:单位|部门)?为牵头|"
    r"首位(?:单位|部门)?为牵头|排名第一的为牵头|排序第一的为牵头"
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
        units, marked = split_units(value)
        note = m.group("note") or ""
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
        # (市发改委牵头,市财政局、市税务局配合)
        mm = re.fullmatch(
            r"\s*([^():;,]{2,60}?)牵头(?:[,;、]\s*([^():;]{2,200}?)"
            r"(?:按职责分工|按职责|分别|共同)?(?:配合|参与|负责|落实))?\s*",
            inner.norm,
        )
        if mm:
            a = Assignment()
            a.lead, _ = split_units(inner[mm.start(1) : mm.end(1)])
            if mm.group(2):
                a.resp, _ = split_units(inner[mm.start(2) : mm.end(2)])
            if a.lead and all(_UNIT_END_RE.search(u) or len(u) <= 12 for u in a.lead):
                out.append((m.start(), m.end(), a))
    # "…工作。牵头单位:X;责任单位:Y" without parentheses
    n = at.norm
    for m in LABEL_RE.finditer(n):
        if m.start() == 0 or any(s <= m.start() < e for s, e, _ in out):
            continue
        before = n[: m.start()].rstrip()
        if not before or before[-1] not in "。;,!?":
            continue
        if n[: m.start()].count("(") != n[: m.start()].count(")"):
            continue
        a = parse_assignment_body(at[m.start() :])
        if a:
            end = len(n.rstrip(" 。"))
            out.append((m.start(), end, a))
        break
    return out


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
