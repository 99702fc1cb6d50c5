"""Task tables flattened to text, one cell per line, as government web pages publish them.

    序号 / 重点工作 / 牵头单位 / 配合单位 / 完成时限      ← the header, one cell a line
    1 / 加快建设…。 / 市科技局 / 黄埔区、南沙区政府 / 12月底前
    2 / …

The header is a run of short lines starting with 序号 (a cell broken over two lines, such as
"市政府" + "分管领导", is joined back). Rows start at the next number of the 序号 sequence; a
row's lines go to the columns by what they hold (a unit list, a date or time, a text) in the
header's order, so a cell spread over several lines (one unit a line) stays one cell and a row
that runs past its last column starts a sub-row with the same number (its missing unit cells are
those above, as in a merged cell). Lines between rows that fit no row — "(一)加强战略科技力量建设"
— are the group rows of the table.
"""

from __future__ import annotations

import re

from duban.intake.parse._dates import ONGOING_RE, find_dates
from duban.intake.parse._table import CATEGORY_RE, SEQ_HEADER_RE, classify_header, norm_header
from duban.intake.parse._units import looks_like_unit, split_units
from duban.intake.parse.norm import AText, make_atext

_MAX_HEADER_CELL = 14
_SUBITEM_RE = re.compile(r"^\s*(?:\(\s*\d{1,2}\s*\)|\d{1,2}\s*[.、](?!\d)|[①②③④⑤⑥⑦⑧⑨⑩])")
_PERSON_RE = re.compile(
    r"[\u4e00-\u9fff](?:\s{0,3}[\u4e00-\u9fff]){1,2}(?:[、,][\u4e00-\u9fff](?:\s{0,3}[\u4e00-\u9fff]){1,2})*"
)
_TIME_WORDS_RE = re.compile(
    r"常态|全年|每年|每月|每季|季度|年底|月底|底前|完成$|以前|之前|动工|投入使用|个月|工作日"
)


def _kind_of_column(kind: str | None) -> str:
    if kind in ("lead", "resp"):
        return "units"
    if kind == "deadline":
        return "date"
    if kind is None:
        return "any"
    return "text"


def _kind_of_line(n: str) -> str:
    if (
        len(n) <= 30
        and "。" not in n.rstrip("。")
        and (
            find_dates(n, 2000)
            or (len(n) <= 16 and (ONGOING_RE.search(n) or _TIME_WORDS_RE.search(n)))
        )
        and not looks_like_unit(n.split("、")[0])
    ):
        return "date"
    if len(n) <= 120 and "。" not in n:
        units, _ = split_units(make_atext(n))
        if units and all(looks_like_unit(u) for u in units):
            return "units"
    if _PERSON_RE.fullmatch(n):
        return "person"  # a leader's name in a 分管领导 column
    return "text"


def _header(lines: list[str]) -> tuple[list[str], int] | None:
    """The header cells at the start of `lines` (a 序号 line first) and the index after them."""
    cells: list[str] = []
    i = 0
    while i < len(lines) and len(cells) < 10:
        n = lines[i]
        if n.isdigit() or CATEGORY_RE.match(n) or len(n) > _MAX_HEADER_CELL or "。" in n:
            break
        cells.append(n)
        i += 1
    if len(cells) < 3:
        return None
    # join a cell broken over two lines: one that names no column, with the next
    joined: list[str] = []
    k = 0
    while k < len(cells):
        c = cells[k]
        if (
            k + 1 < len(cells)
            and not classify_header([c])
            and not classify_header([cells[k + 1]])
            and len(norm_header(c)) <= 4
        ):
            c = c + cells[k + 1]
            k += 1
        joined.append(c)
        k += 1
    cols = classify_header(joined)
    if "seq" not in cols or not ({"lead", "resp", "deadline"} & cols.keys()):
        return None
    return joined, i


def flat_table(lines: list[AText]) -> tuple[list[list[str]], int] | None:
    """(rows with the header first, index of its first line) of a flattened table, or None."""
    texts = [ln.norm.strip().strip("|").strip() for ln in lines]
    origs = [ln.orig.strip().strip("|｜").strip() for ln in lines]
    keep = [i for i, t in enumerate(texts) if t]
    for pos, i in enumerate(keep):
        if not SEQ_HEADER_RE.match(norm_header(texts[i])):
            continue
        seq_texts = [texts[j] for j in keep[pos:]]
        seq_origs = [origs[j] for j in keep[pos:]]
        found = _header(seq_texts)
        if found is None:
            continue
        header, after = found
        body = _rows(header, seq_texts, seq_origs, after)
        if body is None or len(body) < 2:
            continue
        return [header, *body], keep[pos]
    return None


def _rows(
    header: list[str], texts: list[str], origs: list[str], start: int
) -> list[list[str]] | None:
    cols = classify_header(header)
    seq_col = cols["seq"][0]
    kinds = [
        _kind_of_column(next((k for k, v in cols.items() if j in v), None))
        for j in range(len(header))
    ]
    if "task" not in cols and "target" in cols:
        kinds[cols["target"][0]] = "text"  # "2022年预期目标": a 目标任务 table's task column
    elif "task" not in cols:
        # the first column that names nothing known holds the task
        free = [j for j, k in enumerate(kinds) if k == "any" and j != seq_col]
        if not free:
            return None
        kinds[free[0]] = "text"
    out: list[list[str]] = []
    expected = 1
    i = start
    # a table copied from its middle ("24 / 25 / 26…") starts at its first number
    first = next((j for j in range(start, min(start + 4, len(texts))) if texts[j].isdigit()), None)
    if first is not None and 1 < int(texts[first]) < 1000:
        expected = int(texts[first])
    while i < len(texts):
        n = texts[i]
        if n == str(expected):
            j = i + 1
            while j < len(texts) and texts[j] != str(expected + 1) and not _ends_table(texts, j):
                j += 1
            block = list(range(i + 1, j))
            rows = _fill(
                header,
                kinds,
                seq_col,
                str(expected),
                [origs[k] for k in block],
                [texts[k] for k in block],
            )
            out.extend(rows)
            expected += 1
            i = j
            continue
        if CATEGORY_RE.match(n) or (expected > 1 and len(n) <= 40):
            group = origs[i]
            if (
                i + 1 < len(texts)
                and CATEGORY_RE.fullmatch(n.strip())
                and texts[i + 1] != str(expected)
            ):
                i += 1
                group = group + origs[i]
            out.append([group] * len(header))
            i += 1
            continue
        if expected == 1:
            i += 1  # a group line before the first row
            continue
        break
    return out


_PAGE_END_RE = re.compile(r"^(?:附\s*件|抄送|\(此件|分享到|打印|关闭|返回|上一篇|下一篇|【)")


def _ends_table(texts: list[str], j: int) -> bool:
    n = texts[j]
    return len(n) > 200 or bool(_PAGE_END_RE.match(n))


def _fill(
    header: list[str],
    kinds: list[str],
    seq_col: int,
    seq: str,
    origs: list[str],
    texts: list[str],
) -> list[list[str]]:
    """A row's lines into its cells (several rows when the lines run past the last column)."""
    width = len(header)
    rows: list[list[list[str]]] = []
    cur: list[list[str]] = [[] for _ in range(width)]
    col = -1
    for orig, n in zip(origs, texts, strict=True):
        kind = _kind_of_line(n)
        target = None
        if (
            kind == "text"
            and _SUBITEM_RE.match(n)
            and any(cur[j] for j in range(width) if kinds[j] == "text")
        ):
            # "(2)一般公共预算收入…" after "(1)…": a sub-row of the same number
            rows.append(cur)
            cur = [[] for _ in range(width)]
            col = -1
        for j in range(max(col, 0), width):
            if j == seq_col:
                continue
            if kind == "person":
                ok = kinds[j] == "any"
            else:
                ok = kinds[j] == kind or (kinds[j] == "any" and kind != "text")
            if kind == "units" and kinds[j] == "any" and any(k == "units" for k in kinds[j:]):
                ok = False  # a unit list goes to the unit columns, not a leader's column
            if not ok:
                continue
            if (
                j == col
                and kinds[j] == "units"
                and cur[j]
                and any(kinds[k] == "units" for k in range(j + 1, width))
            ):
                continue  # the next unit column takes the next list
            if j == col and kinds[j] in ("text", "any") and cur[j] and kind != "text":
                continue
            target = j
            break
        if target is None:
            if kind == "text" and any(cur):
                rows.append(cur)
                cur = [[] for _ in range(width)]
                col = -1
                target = next(
                    (j for j in range(width) if kinds[j] == "text" and j != seq_col), None
                )
            if target is None:
                if col >= 0:
                    cur[col].append(orig)
                continue
        cur[target].append(orig)
        col = target
    if any(cur):
        rows.append(cur)
    if len(rows) > 1 and all(not r or kinds[j] == "text" for j, r in enumerate(rows[0])):
        rows = rows[1:]  # "全区经济社会发展的主要预期目标" over (1)…(8): a heading, not a task
    out: list[list[str]] = []
    for r in rows:
        cells = ["\n".join(c) for c in r]
        cells[seq_col] = seq
        first_text = next((cells[j] for j in range(width) if kinds[j] == "text" and cells[j]), "")
        mk = re.match(r"^\s*[(（]\s*(\d{1,2})\s*[)）]", first_text)
        if mk and len(rows) > 1:
            cells[seq_col] = f"{seq}({mk.group(1)})"
        if out:
            # a sub-row: unit and leader cells left empty are the ones above (merged)
            above = out[-1]
            for j in range(width):
                if not cells[j] and kinds[j] in ("units", "any"):
                    cells[j] = above[j]
        out.append(cells)
    return out
