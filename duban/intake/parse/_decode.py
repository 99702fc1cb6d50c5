"""Decoding a plan's text file: BOMs, UTF-8, GB18030 and UTF-16 without a BOM."""

from __future__ import annotations

import codecs

from duban.intake.parse.model import PlanParseError


def _looks_like_text(text: str) -> bool:
    if not text:
        return False
    text = text[:100_000]
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or ch == "\ufffd")
    if bad > max(2, len(text) // 200):
        return False
    cjk = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if len(cjk) >= 20:
        # real Chinese text is dominated by the ~3,700 most common characters (GB2312 level 1)
        common = 0
        for ch in cjk:
            try:
                b = ch.encode("gb2312")
            except UnicodeEncodeError:
                continue
            if 0xB0 <= b[0] <= 0xD7:
                common += 1
        if common / len(cjk) < 0.5:
            return False
    return True


def _utf16_order(data: bytes) -> list[str]:
    sample = data[:4000]
    even = sample[0::2].count(b"\x00")
    odd = sample[1::2].count(b"\x00")
    return ["utf-16-le", "utf-16-be"] if odd >= even else ["utf-16-be", "utf-16-le"]


def decode_text(data: bytes) -> str:
    """Decode a text file: BOMs, UTF-8, GB18030, UTF-16 without BOM; else PlanParseError."""
    if data.startswith(codecs.BOM_UTF8):
        text = data[3:].decode("utf-8", errors="replace")
        if _looks_like_text(text):
            return text
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
            if _looks_like_text(text):
                return text
        except UnicodeDecodeError:
            pass
    else:
        candidates = ["utf-8", "gb18030"]
        if b"\x00" in data[:4000]:
            candidates = _utf16_order(data) + candidates
        else:
            candidates += _utf16_order(data)
        for enc in candidates:
            if enc.startswith("utf-16") and len(data) % 2:
                continue
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if "\x00" in text:
                continue
            if enc.startswith("utf-16") and not _mostly_cjk_or_ascii(text):
                continue
            if _looks_like_text(text):
                return text
    raise PlanParseError("无法识别文件编码或文件不是文本:请确认是 UTF-8/GBK 编码的文本文件")


def _mostly_cjk_or_ascii(text: str) -> bool:
    ok = sum(
        1 for ch in text if ch < "\x7f" or "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"
    )
    return ok >= len(text) * 0.9
