"""Decoding a plan's text file: BOMs, UTF-8, UTF-16, GB18030/GBK and Big5.

GB18030 accepts almost any byte string (every Big5 byte pair is a valid GBK pair), so the
legacy encodings are not tried in turn: each strict decode is scored by the share of its
characters that a Chinese document is made of (the common characters of GB2312 or of Big5,
and Chinese punctuation), and the best one wins. Mis-decoded text is full of rare characters
and scores low; when no decode scores well the file is refused as of unknown encoding rather
than parsed as garbage.
"""

from __future__ import annotations

import codecs
from functools import lru_cache

from duban.intake.parse.model import PlanParseError

_LEGACY = ("gb18030", "cp950", "big5hkscs")  # in order of preference on a tie
_SAMPLE = 20_000  # characters scored
_MIN_SCORED = 8  # below this many non-ASCII characters, any clean decode is accepted
_MIN_SCORE = 0.6
_UNKNOWN = (
    "无法识别文件编码，或文件不是文本：支持 UTF-8、UTF-16、GBK/GB18030 和 Big5 编码的文本，"
    "请用记事本或 WPS 另存为 UTF-8 后再导入"
)
# punctuation, numbering and symbols of Chinese documents (beside the CJK characters)
_PUNCT_RANGES = (
    (0x00B7, 0x00B7),  # ·
    (0x2010, 0x2027),  # dashes, quotes, ellipsis
    (0x2030, 0x2033),
    (0x2160, 0x217F),  # Ⅰ Ⅱ Ⅲ
    (0x2460, 0x24FF),  # ① ⑴ ⒈
    (0x25A0, 0x25FF),  # □ ■ ○ ●
    (0x3000, 0x303F),  # 、。〈〉《》「」【】〔〕
    (0xFF00, 0xFFEF),  # full-width forms
)


@lru_cache(maxsize=16384)
def _common(ch: str) -> bool:
    """A character a Chinese plan is made of: common hanzi (GB2312 level 1 or Big5's
    frequent set) or Chinese punctuation."""
    code = ord(ch)
    if any(lo <= code <= hi for lo, hi in _PUNCT_RANGES):
        return True
    if not 0x4E00 <= code <= 0x9FFF:
        return False
    try:
        if 0xB0 <= ch.encode("gb2312")[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        return 0xA440 <= int.from_bytes(ch.encode("big5"), "big") <= 0xC67E
    except UnicodeEncodeError:
        return False


def _score(text: str) -> tuple[float, int]:
    """(share of common characters among the non-ASCII ones, how many were scored)."""
    wide = [ch for ch in text[:_SAMPLE] if ch >= "\x80"]
    if not wide:
        return 1.0, 0
    return sum(1 for ch in wide if _common(ch)) / len(wide), len(wide)


def _clean(text: str) -> bool:
    """Text, not binary: few control characters or replacement marks."""
    if not text:
        return False
    sample = text[:100_000]
    bad = sum(1 for ch in sample if (ch < " " and ch not in "\t\n\r\f\v") or ch == "\ufffd")
    return bad <= max(2, len(sample) // 200)


def _plausible(text: str) -> bool:
    score, scored = _score(text)
    return _clean(text) and (scored < _MIN_SCORED or score >= _MIN_SCORE)


def _utf16_order(data: bytes) -> list[str]:
    sample = data[:4000]
    even = sample[0::2].count(b"\x00")
    odd = sample[1::2].count(b"\x00")
    return ["utf-16-le", "utf-16-be"] if odd >= even else ["utf-16-be", "utf-16-le"]


def _decodes(data: bytes, encodings: list[str]) -> list[str]:
    """The strict decodes that look like text, in the order of `encodings`."""
    out = []
    for enc in encodings:
        if enc.startswith("utf-16") and len(data) % 2:
            continue
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if "\x00" in text or not _clean(text):
            continue
        if enc.startswith("utf-16") and not _mostly_cjk_or_ascii(text):
            continue
        out.append(text)
    return out


def decode_text(data: bytes) -> str:
    """Decode a text file (see the module); PlanParseError when no encoding fits."""
    if data.startswith(codecs.BOM_UTF8):
        text = data[3:].decode("utf-8", errors="replace")
        if _plausible(text):
            return text
        raise PlanParseError(_UNKNOWN)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise PlanParseError(_UNKNOWN) from exc
        if _plausible(text):
            return text
        raise PlanParseError(_UNKNOWN)
    utf8 = _decodes(data, ["utf-8"])
    if utf8 and _plausible(utf8[0]):
        return utf8[0]  # valid UTF-8 is almost never another encoding by chance
    utf16 = _utf16_order(data)
    nul = b"\x00" in data[:4000]
    candidates = _decodes(data, utf16 + list(_LEGACY) if nul else [*_LEGACY, *utf16])
    if candidates:
        # max keeps the first of equal scores: the order above breaks ties
        best = max(candidates, key=lambda text: _score(text)[0])
        if _plausible(best):
            return best
    raise PlanParseError(_UNKNOWN)


def _mostly_cjk_or_ascii(text: str) -> bool:
    ok = sum(
        1 for ch in text if ch < "\x7f" or "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"
    )
    return ok >= len(text) * 0.9
