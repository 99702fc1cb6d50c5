"""Download file names: made from a title, legal on Windows, shortened at a word boundary.

A long title is cut where a reader would pause — before 的/和/及/与, at a space or a punctuation
mark, between Chinese and Latin text — never inside a Latin word or a number, a quoted phrase
(“…”, 《…》, 「…」) or a document number (督办〔2026〕7号); with no such place near the end, at an
even step inside a run of Chinese characters (most Chinese words are two characters). A cut
title ends with "…".
"""

import re
import unicodedata

__all__ = ["MAX_CHARS", "download_name", "safe_file_name"]

MAX_CHARS = 60  # the whole name, extension included
_ILLEGAL = re.compile(r'[\\/:*?"<>|]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$", re.IGNORECASE)
# Spans a cut must not enter: quoted or bracketed phrases, document numbers.
_PROTECTED = re.compile(
    r"“[^”]*”|‘[^’]*’|《[^》]*》|「[^」]*」|『[^』]*』|'[^']*'"
    r"|[\w\u4e00-\u9fff]*[〔\[［(（]\d{4}[〕\]］)）]\s*\d+\s*号"
)
_BEFORE = set("的和及与或暨、，,；;：:。.！!？?　 （(【[《“「")  # a cut may fall just before these
# …except where the pause character is half of a word: 以及, 涉及, 及时, 目的, 参与, 和谐 …
_WORDS = {"以及", "涉及", "普及", "危及", "顾及", "波及", "及时", "目的", "有的", "的确"}
_WORDS |= {"参与", "给与", "与会", "和谐", "总和", "或者", "或是"}
_AFTER = set("、，,；;：:。.！!？?　 ）)】]》”」-_—")  # … or just after these
_TRAILING = "、，,；;：:。！!？?　 -_—的和及与或暨（(【[《“「"
_ELLIPSIS = "…"


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _is_word(ch: str) -> bool:
    """A character of a Latin word or a number (never split)."""
    return ch.isascii() and ch.isalnum()


def _clean(title: str) -> str:
    text = unicodedata.normalize("NFC", title)
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    text = re.sub(r"_+", "_", _ILLEGAL.sub("_", text))
    return re.sub(r"\s+", " ", text).strip(" .")


def _cut(text: str, limit: int) -> str:
    """`text` shortened to at most `limit` characters at the best boundary."""
    blocked = [False] * (len(text) + 1)  # blocked[i]: no cut between text[i-1] and text[i]
    for m in _PROTECTED.finditer(text):
        for i in range(m.start() + 1, m.end()):
            blocked[i] = True
    for i in range(1, len(text)):
        if _is_word(text[i - 1]) and _is_word(text[i]):
            blocked[i] = True
    floor = max(1, limit // 2)  # do not keep less than half of what fits

    def boundary(i: int) -> bool:
        a, b = text[i - 1], text[i]
        if text[i : i + 2] == "以及":
            return True
        if text[i - 1 : i + 1] in _WORDS or text[i : i + 2] in _WORDS:
            return a in _AFTER  # inside a word: only where punctuation ends before it
        return b in _BEFORE or a in _AFTER or (_is_cjk(a) != _is_cjk(b))

    for i in range(limit, floor - 1, -1):
        if not blocked[i] and boundary(i):
            return text[:i]
    # No pause near the end: an even step from the start of the run of Chinese characters.
    for i in range(limit, floor - 1, -1):
        if blocked[i] or not (_is_cjk(text[i - 1]) and _is_cjk(text[i])):
            continue
        start = i - 1
        while start > 0 and _is_cjk(text[start - 1]):
            start -= 1
        if (i - start) % 2 == 0:
            return text[:i]
    for i in range(limit, 0, -1):  # anything not inside a word, a quote or a number
        if not blocked[i]:
            return text[:i]
    return text[:limit]


def download_name(
    title: str, ext: str, *, prefix: str = "", suffix: str = "", max_chars: int = MAX_CHARS
) -> str:
    """`prefix + title + suffix + .ext` as a file name: legal on Windows, at most `max_chars`.

    Only the title is shortened (between words, ending "…"); prefix and suffix stay whole.
    """
    ext = _clean(ext).lstrip(".")
    prefix, suffix = _clean(prefix), _clean(suffix)
    stem = _clean(title) or ("" if prefix or suffix else "导出")
    room = max_chars - (len(ext) + 1 if ext else 0) - len(prefix) - len(suffix)
    if len(stem) > room:
        stem = _cut(stem, max(1, room - len(_ELLIPSIS))).rstrip(_TRAILING) + _ELLIPSIS
    stem = prefix + stem + suffix
    if _RESERVED.match(stem):
        stem = "_" + stem
    return f"{stem}.{ext}" if ext else stem


def safe_file_name(filename: str, *, max_chars: int = MAX_CHARS) -> str:
    """An existing file name (an upload's) made safe the same way, its extension kept."""
    stem, dot, ext = filename.rpartition(".")
    if not dot or not stem or not re.fullmatch(r"[A-Za-z0-9]{1,10}", ext):
        stem, ext = filename, ""
    return download_name(stem, ext, max_chars=max_chars)
