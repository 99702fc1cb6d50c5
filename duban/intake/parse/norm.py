"""Text normalisation for the plan parser: traditional→simplified, punctuation, aligned copies."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from duban.core.numerals import parse_int

log = logging.getLogger(__name__)

# A character followed by pinyin in parentheses, left over from bad conversions: 關(guān).
_PINYIN = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêńňǹḿ"
_DEBRIS_RE = re.compile(r"(?<=[\u4e00-\u9fff])[(（][" + _PINYIN + r"]{1,6}[)）]")

_PUNCT_SRC = "（）：；，．！？［］｛｝　\u00a0\u2002\u2003\u2009\u200b\ufeff～－—–／﹒﹑﹐﹔﹕"
_PUNCT_DST = "():;,.!?[]{}" + " " * 7 + "~---/" + ".、,;:"
_FW_DIGITS = "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ％"
_HW_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ%"
_TRANS = str.maketrans(
    _PUNCT_SRC[: len(_PUNCT_DST)] + _FW_DIGITS, _PUNCT_DST[: len(_PUNCT_SRC)] + _HW_DIGITS
)


@lru_cache(maxsize=1)
def _converter() -> Any:  # opencc.OpenCC, or None when it cannot be loaded
    try:
        from opencc import OpenCC  # loaded once, on the first text to convert

        return OpenCC("t2s")
    except (ImportError, OSError, ValueError):  # not installed, or its dictionaries unreadable
        log.warning("opencc unavailable: traditional characters are not converted", exc_info=True)
        return None


def strip_debris(text: str) -> str:
    """Remove conversion debris such as the "(guān)" in "關(guān)"."""
    return _DEBRIS_RE.sub("", text)


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    """Characters that t2s would change (from opencc's TSCharacters table)."""
    try:
        import opencc

        path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
        lines = path.read_text(encoding="utf-8").splitlines()
    except (ImportError, OSError, UnicodeDecodeError):
        # without the table every text goes through the (slower) phrase-level conversion
        log.warning("opencc's TSCharacters table unreadable: converting every text", exc_info=True)
        return frozenset()
    chars = set()
    for line in lines:
        trad, _, simp = line.partition("\t")
        if len(trad) == 1 and simp and simp.split()[0] != trad:
            chars.add(trad)
    return frozenset(chars)


def to_simplified(text: str) -> str:
    """Traditional characters as simplified ones (unchanged when opencc is unavailable)."""
    conv = _converter()
    if conv is None or not text:
        return text
    trad = _traditional_chars()
    if trad and trad.isdisjoint(text):
        return text  # nothing to convert: skip the (slow) phrase-level conversion
    result: str = conv.convert(text)
    return result


def punct_norm(text: str) -> str:
    """Map full-width punctuation/digits to half-width, one character for one."""
    return text.translate(_TRANS)


@dataclass(frozen=True)
class AText:
    """Original text with a same-length normalised copy used for matching."""

    orig: str
    norm: str

    def __len__(self) -> int:
        return len(self.norm)

    def __getitem__(self, key: slice) -> AText:
        return AText(self.orig[key], self.norm[key])

    def __add__(self, other: AText) -> AText:
        return AText(self.orig + other.orig, self.norm + other.norm)

    def strip(self, chars: str | None = None) -> AText:
        n = self.norm
        left = len(n) - len(n.lstrip(chars))
        right = len(n.rstrip(chars))
        if right <= left:
            return AText("", "")
        return self[left:right]


def make_atext(text: str) -> AText:
    """Build an aligned (original, normalised) pair from decoded text."""
    text = strip_debris(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    simp = to_simplified(text)
    if len(simp) != len(text):
        text = simp  # rare multi-char conversions: fall back to the converted text
    return AText(text, _assignment_brackets(punct_norm(simp)))


# "〔责任单位:…〕", "[牵头单位:…;责任单位:…]", "【牵头部门:…】": an assignment in square or
# lenticular brackets is read like one in parentheses (the normalised copy only; same length).
_ASSIGN_BRACKET_RE = re.compile(
    r"[\[〔【]\s*(?=(?:牵头|(?:主要)?责任|主责|配合|协办|协助)[^\[\]〔〕【】\n]{0,12}:|"
    r"[^\[\]〔〕【】\n:]{2,60}?(?:牵头|负责|配合|参与))"
    r"[^\[\]〔〕【】\n]*[\]〕】]"
)


def _assignment_brackets(norm: str) -> str:
    if "[" not in norm and "〔" not in norm and "【" not in norm:
        return norm
    return _ASSIGN_BRACKET_RE.sub(lambda m: "(" + m.group(0)[1:-1] + ")", norm)


def split_lines(at: AText) -> list[AText]:
    out: list[AText] = []
    pos = 0
    for m in re.finditer(r"[\n\u2028\u2029\x0b\x0c]", at.norm):
        out.append(at[pos : m.start()])
        pos = m.end()
    out.append(at[pos:])
    return out


_CN_DATE_RE = re.compile(
    r"([〇零○O一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月"
    r"\s*([一二三四五六七八九十]{1,3})\s*日"
)


def cn_date_to_digits(s: str) -> str:
    """Rewrite 二〇一八年十二月十三日 as 2018年12月13日 (length may change)."""

    def rep(m: re.Match[str]) -> str:
        y, mo, d = parse_int(m.group(1)), parse_int(m.group(2)), parse_int(m.group(3))
        if y is None or mo is None or d is None:
            return m.group(0)
        return f"{y}年{mo}月{d}日"

    return _CN_DATE_RE.sub(rep, s)
