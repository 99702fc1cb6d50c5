"""Unit names in a plan matched to departments: exact, normalised, short name, unique affix."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from duban.core.errors import ValidationFailed
from duban.intake.parse.norm import punct_norm, strip_debris, to_simplified
from models import Department

CREATE = "create"  # mapping value: create the unit as a new department
DROP = "drop"  # mapping value: leave the unit out of the import


def norm_name(s: str) -> str:
    """The key units are matched on: simplified, half-width, no spaces or brackets' padding."""
    s = punct_norm(to_simplified(strip_debris(s or "")))
    return re.sub(r"\s+", "", s).lower()


_ADMIN_PREFIX = re.compile(
    r"^(?:[\u4e00-\u9fff]{0,6}?(?:省|自治区))?(?:[\u4e00-\u9fff]{0,4}?市)(?!场)"
)


def core_name(s: str) -> str:
    """A unit name without its city prefix: 平湖市公安局 / 市公安局 → 公安局."""
    n = norm_name(s)
    core = _ADMIN_PREFIX.sub("", n, count=1)
    return core if len(core) >= 2 else n


_KIND_SUFFIX = re.compile(r"(?:委员会|中心|局|委|办|厅|科|室|处)$")


def _stem(core: str) -> str:
    """A core name without its kind suffix, so that 局 ≈ 局 does not count as similarity."""
    return _KIND_SUFFIX.sub("", core) or core


_GENERIC_RE = re.compile(r"^各|相关|有关|其他|等$|^全体|^所有")


@dataclass
class UnitMatch:
    name: str
    department_id: int | None = None
    department_name: str | None = None
    method: str = ""  # exact / normalised / short / affix / "" (unmatched)
    candidates: list[tuple[int, str]] = field(default_factory=list)
    generic: bool = False  # 各有关单位, 市级相关部门…: usually dropped

    @property
    def matched(self) -> bool:
        return self.department_id is not None


METHOD_LABELS = {
    "exact": "名称一致",
    "normalised": "规范化后一致",
    "short": "简称一致",
    "affix": "唯一前后缀匹配",
    "": "未匹配",
}


_OTHER_AREA = re.compile(r"[区县镇乡旗市州]|街道|开发区|园区")


def _affix(name: str, key: str) -> str:
    """How `name` relates to a department key: "safe", "risky" (another area's unit?) or ""."""
    if name.endswith(key) or key.endswith(name):
        extra = name[: len(name) - len(key)] if name.endswith(key) else key[: len(key) - len(name)]
        return "risky" if _OTHER_AREA.search(extra) else "safe"
    if key.startswith(name):
        return "safe"
    return ""


def _match_one(name: str, depts: list[Department]) -> UnitMatch:
    um = UnitMatch(name=name, generic=bool(_GENERIC_RE.search(norm_name(name))))
    n, c = norm_name(name), core_name(name)

    def hit(d: Department, method: str) -> UnitMatch:
        um.department_id, um.department_name = _ref(d)
        um.method = method
        um.candidates = [_ref(d)]
        return um

    for d in depts:
        if d.name == name:
            return hit(d, "exact")
    same = [d for d in depts if norm_name(d.name) == n]
    if len(same) == 1:
        return hit(same[0], "normalised")
    short = [
        d
        for d in depts
        if (d.short_name and norm_name(d.short_name) in (n, c)) or core_name(d.name) == c
    ]
    if len(short) == 1:
        return hit(short[0], "short")
    affix: list[Department] = []
    risky: list[Department] = []
    if len(c) >= 3:
        for d in depts:
            keys = {norm_name(d.name), core_name(d.name)} | (
                {norm_name(d.short_name)} if d.short_name else set()
            )
            kinds = [_affix(c, k) for k in keys if len(k) >= 3]
            if "safe" in kinds:
                affix.append(d)
            elif "risky" in kinds:
                risky.append(d)
    if len(affix) == 1 and not short and not risky:
        return hit(affix[0], "affix")
    affix += risky
    pool = short or affix
    if pool:
        um.candidates = [_ref(d) for d in pool[:8]]
        return um
    stem = _stem(c)
    scored = sorted(
        ((difflib.SequenceMatcher(None, stem, _stem(core_name(d.name))).ratio(), d) for d in depts),
        key=lambda x: -x[0],
    )
    um.candidates = [_ref(d) for s, d in scored[:5] if s >= 0.55]
    return um


def _ref(d: Department) -> tuple[int, str]:
    assert d.id is not None  # departments here are read from the database
    return d.id, d.name


def match_units(session: Session, names: list[str]) -> dict[str, UnitMatch]:
    """Each unit name matched to an active department, or left unmatched with candidates."""
    depts = list(
        session.exec(
            select(Department)
            .where(Department.active == True)  # noqa: E712
            .order_by(col(Department.sort_order), col(Department.name))
        ).all()
    )
    return {name: _match_one(name, depts) for name in names}


def resolve_units(
    session: Session, names: list[str], mapping: dict[str, Any] | None
) -> tuple[dict[str, int | str], list[str]]:
    """name → department id, CREATE or DROP; and the names still undecided.

    An explicit mapping wins; otherwise an automatic match is taken. Never creates anything.
    """
    mapping = mapping or {}
    matches = match_units(session, [n for n in names if n not in mapping])
    out: dict[str, int | str] = {}
    undecided: list[str] = []
    for name in names:
        choice = mapping.get(name)
        if choice is not None:
            if choice not in (CREATE, DROP) and not isinstance(choice, int):
                raise ValidationFailed(f"单位“{name}”的对应方式无效。")
            out[name] = choice
        elif (matched_id := matches[name].department_id) is not None:
            out[name] = matched_id
        else:
            undecided.append(name)
    return out, undecided
