"""Task sheets (任务分工表) from xlsx/csv files and Word tables: header detection and rows."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

from duban.intake.parse._dates import find_dates
from duban.intake.parse._units import FIRST_IS_LEAD_RE, Assignment, find_targets, split_units
from duban.intake.parse.model import ParsedMilestone, ParsedTarget, ParsedTask
from duban.intake.parse.norm import AText, make_atext

# A task's date lines and title → (milestones, deadline), read with the plan's year.
DatesFn = Callable[[list[AText], str], tuple[list[ParsedMilestone], datetime.date | None]]

SEQ_HEADER_RE = re.compile(r"^(?:序号|序|编号|任务编号|项目编号|No\.?)$", re.IGNORECASE)
_H_TASK = re.compile(
    r"^(?:(?:重点|主要|具体|工作|改革|年度)?(?:任务|工作)(?:内容|名称|事项|措施)?|任务内容|工作任务|"
    r"重点任务|主要任务|具体任务|工作内容|具体措施|工作措施|主要举措|具体举措|改革事项|改革任务|"
    r"任务名称|事项|工作事项|重点工作|任务事项|主要内容|内容|改革举措|举措|工作要点|民生实事|"
    r"实事项目|项目名称|建设项目|目标名称|"
    r"\S{0,8}(?:任务|内容|措施|举措|事项)(?:和要求|及要求|及目标)?)$"
)
_H_LEAD = re.compile(r"牵头|主办")
_H_RESP = re.compile(
    r"^(?!.*责任人)(?:.*(?:责任|配合|协办|参与|协助|主体|负责|承办|实施)).*(?:单位|部门|科室|处室|主体)?$"
)
_H_DEADLINE = re.compile(
    r"完成时限|时限|时间节点|完成时间|截止|期限|进度安排|时间安排|完成日期|时间进度|进度要求|"
    r"^(?:时间|进度|完成)$"
)
_H_TARGET = re.compile(r"目标|指标|成果|标准")
_H_CATEGORY = re.compile(r"^(?:类别|分类|领域|重点领域|板块|一级任务|项目类别|任务类别)$")
_H_NOTE = re.compile(r"备注|说明")


def norm_header(cell: str) -> str:
    return re.sub(r"[\s*※:]", "", make_atext(cell).norm)


def classify_header(headers: list[str]) -> dict[str, list[int]]:
    cols: dict[str, list[int]] = {}
    for i, raw in enumerate(headers):
        h = norm_header(raw)
        if not h or len(h) > 40:
            continue
        kind = None
        if FIRST_IS_LEAD_RE.search(h):
            cols.setdefault("first_is_lead", []).append(i)
            h = re.sub(r"\(.*\)?$", "", h)
        if SEQ_HEADER_RE.match(h):
            kind = "seq"
        elif _H_LEAD.search(h) and "领导" not in h:
            kind = "lead"
        elif _H_DEADLINE.search(h):
            kind = "deadline"
        elif _H_TASK.match(h):
            kind = "task"
        elif _H_CATEGORY.match(h):
            kind = "category"
        elif _H_RESP.match(h) and "领导" not in h and "人" not in h[-1:]:
            kind = "resp"
        elif _H_TARGET.search(h):
            kind = "target"
        elif _H_NOTE.search(h):
            kind = "note"
        if kind:
            cols.setdefault(kind, []).append(i)
    return cols


def find_header(rows: list[list[str]]) -> tuple[int, dict[str, list[int]]] | None:
    """The header row (index, column map) of a task table, or None."""
    for r, row in enumerate(rows[:30]):
        cols = classify_header(row)
        if r + 1 < len(rows) and cols and len([c for c in row if c]) >= 2:
            nxt = rows[r + 1]
            both = [
                (a or "") + ("" if (b or "") == (a or "") else (b or ""))
                for a, b in zip(row + [""] * (len(nxt) - len(row)), nxt, strict=False)
            ]
            cols2 = classify_header(both)
            second = classify_header(nxt)
            if (
                ("lead" in second or "resp" in second)
                and "task" in cols2
                and len(cols2) > len(cols)
            ):
                if "lead" in second and "lead" in cols:
                    pass
                else:
                    # two header rows: 责任单位 spanning 牵头单位 | 配合单位
                    width = max(len(row), len(nxt))
                    padded = [(row + [""] * width)[:width], (nxt + [""] * width)[:width]]
                    merged = [b if b else a for a, b in zip(*padded, strict=True)]
                    return r + 1, classify_header(merged)
        if "task" in cols and ({"lead", "resp", "deadline"} & cols.keys()):
            return r, cols
        if "task" not in cols and "target" in cols and ({"lead", "resp"} & cols.keys()):
            # a 目标任务 table: "序号 | 2022年预期目标 | 责任单位" — the target is the task
            cols["task"] = cols.pop("target")[:1]
            return r, cols
        if {"lead", "resp"} <= cols.keys() and "seq" in cols:
            # no explicit task column: the widest unclassified column holds the task
            used = {i for v in cols.values() for i in v}
            free = [i for i in range(len(row)) if i not in used and row[i].strip()]
            if free:
                cols["task"] = [free[0]]
                return r, cols
    return None


def distinct_cells(row: list[str]) -> list[str]:
    """A row's non-empty cells, each text once (python-docx repeats a merged cell's text)."""
    out: list[str] = []
    for c in row:
        c = (c or "").strip()
        if c and c not in out:
            out.append(c)
    return out


def card_rows(rows: list[list[str]]) -> list[list[str]] | None:
    """A task card — a two-column table of label | value (序号 | 135, 重点工作 | …, 牵头单位 | …,
    完成时限 | …) — as a task table: a header row and one row per card (a label met again starts
    the next card). None when the table is not one."""
    pairs: list[tuple[str, str]] = []
    for row in rows:
        cells = distinct_cells(row)
        if not cells:
            continue
        if len(cells) > 2:
            return None
        pairs.append((cells[0], cells[1] if len(cells) > 1 else ""))
    labels = [label for label, _ in pairs]
    cols = classify_header(labels)
    if "task" not in cols or not ({"lead", "resp", "deadline"} & cols.keys()) or len(pairs) < 3:
        return None
    header: list[str] = []
    records: list[dict[str, str]] = [{}]
    for label, value in pairs:
        if label in records[-1]:
            records.append({})
        if label not in header:
            header.append(label)
        records[-1][label] = value
    return [header, *[[r.get(h, "") for h in header] for r in records]]


def _cell(row: list[str], i: int) -> str:
    return row[i].strip() if i < len(row) and row[i] is not None else ""


def cell_to_str(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _seq_code(raw: str) -> str:
    s = raw.strip().rstrip("、.。")
    if re.fullmatch(r"\d+\.0", s):
        s = s[:-2]
    return s


def parse_task_rows(
    rows: list[list[str]],
    header: tuple[int, dict[str, list[int]]],
    dates_fn: DatesFn,
    *,
    first_is_lead: bool = False,
) -> list[ParsedTask]:
    """Tasks from the rows below a recognised header row."""
    hr, cols = header
    first_is_lead = first_is_lead or "first_is_lead" in cols
    tasks: list[ParsedTask] = []
    category_code = ""
    counter = 0
    seen_codes: set[str] = set()
    width = max(len(rows[hr]), 1)
    prev: list[str] | None = None
    for row in rows[hr + 1 :]:
        cells = [c.strip() if isinstance(c, str) else cell_to_str(c) for c in row]
        nonempty = [c for c in cells if c]
        if not nonempty:
            continue
        cells = _merged_cells_back(cells, prev, cols, width)
        nonempty = [c for c in cells if c]
        texts = [_cell(cells, i) for i in cols.get("task", [])]
        texts = [t for i, t in enumerate(texts) if t and t not in texts[:i]]
        if _is_category_row(nonempty, texts):
            # a category row such as "一、优化营商环境" spanning the table
            m = re.match(r"^\s*([一二三四五六七八九十]{1,3})\s*[、.]", make_atext(nonempty[0]).norm)
            category_code = m.group(1) if m else ""
            counter = 0
            continue
        if not texts:
            continue
        lead_raw = " ".join(_cell(cells, i) for i in cols.get("lead", []))
        if norm_header(texts[0]) and classify_header([texts[0]]).get("task") and not lead_raw:
            continue  # repeated header row
        counter += 1
        seq = _seq_code(_cell(cells, cols["seq"][0])) if "seq" in cols else ""
        code = category_code + (seq or str(counter))
        if code in seen_codes:
            # a sub-row sharing its number ("5 开工建设县老年养护楼 / 开工建设老年大学"): 5-2
            k = 2
            while f"{code}-{k}" in seen_codes:
                k += 1
            code = f"{code}-{k}"
        seen_codes.add(code)
        a = _row_assignment(cells, cols, lead_raw, first_is_lead=first_is_lead)
        tasks.append(_row_task(cells, cols, texts, code=code, assignment=a, dates_fn=dates_fn))
        prev = cells
    _set_dotted_parents(tasks)
    return tasks


_SEQ_CELL_RE = re.compile(r"^\s*\d{1,3}\s*[、.]?\s*$")


def _merged_cells_back(
    cells: list[str], prev: list[str] | None, cols: dict[str, list[int]], width: int
) -> list[str]:
    """A sub-row copied from a web table loses the cells merged over it: "新增绿化面积387亩。 |
    已完成新增造林387亩。 | 已完成" under "1 | 农村人居环境整治提升工程 | … | 县专班". Put its
    cells back under their columns (after the number and the first task column) and repeat
    the merged ones from the row above."""
    if prev is None or "seq" not in cols or _SEQ_CELL_RE.match(cells[0] if cells else ""):
        return cells
    tasks = cols.get("task", [])
    if len(tasks) < 2:
        return cells
    filled = len(cells)
    while filled and not cells[filled - 1]:
        filled -= 1
    shift = tasks[1]
    if filled + shift > width or filled < 1:
        return cells
    out = [""] * shift + cells[:filled]
    out += [""] * (max(width, len(prev)) - len(out))
    for i in [cols["seq"][0], tasks[0], *cols.get("lead", []), *cols.get("resp", [])]:
        if i < len(out) and not out[i] and i < len(prev):
            out[i] = prev[i]
    return out


CATEGORY_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}\s*[、.]|\(?[一二三四五六七八九十]{1,3}\))"
)


def _is_category_row(nonempty: list[str], texts: list[str]) -> bool:
    """One text across the row (merged cells), or a numbered one in place of a task."""
    if len(set(nonempty)) != 1:
        return False
    return not texts or len(nonempty) >= 2 or bool(CATEGORY_RE.match(make_atext(nonempty[0]).norm))


def _row_assignment(
    cells: list[str], cols: dict[str, list[int]], lead_raw: str, *, first_is_lead: bool
) -> Assignment:
    """The row's lead and responsible units; "(牵头)" in the responsible column leads too."""
    resp_raw = "、".join(x for x in (_cell(cells, i) for i in cols.get("resp", [])) if x)
    a = Assignment()
    if lead_raw:
        a.lead, _ = split_units(make_atext(lead_raw))
    if resp_raw:
        units, marked = split_units(make_atext(resp_raw))
        for u in marked:
            if u not in a.lead:
                a.lead.append(u)
        a.resp = [u for u in units if u not in marked and u not in a.lead]
    if first_is_lead and not a.lead and a.resp:
        a.lead, a.resp = a.resp[:1], a.resp[1:]
    return a


def _row_task(
    cells: list[str],
    cols: dict[str, list[int]],
    texts: list[str],
    *,
    code: str,
    assignment: Assignment,
    dates_fn: DatesFn,
) -> ParsedTask:
    """The task of one row: title, text, dates (from the deadline column, else the text)."""
    body = make_atext("\n".join(texts))
    title = _row_title(texts[0])
    deadline_lines = [make_atext(_cell(cells, i)) for i in cols.get("deadline", [])]
    if not cols.get("deadline"):
        # no time column: "年度阶段性工作目标  第一季度:…;第二季度:…" holds the steps
        deadline_lines = [make_atext(_cell(cells, i)) for i in cols.get("target", [])]
    date_lines = [ln for ln in deadline_lines if ln.norm and find_dates(ln.norm, 2000)]
    milestones, deadline = dates_fn(date_lines or [body], title)
    targets: list[ParsedTarget] = find_targets(body)
    for i in cols.get("target", []):
        targets.extend(find_targets(make_atext(_cell(cells, i))))
    evidence: list[tuple[str, str]] = [
        ("units", _cell(cells, i)) for i in [*cols.get("lead", []), *cols.get("resp", [])]
    ]
    if deadline is not None:
        evidence.extend(("deadline", ln.orig) for ln in date_lines or [body])
    return ParsedTask(
        code=code,
        title=title or texts[0][:40],
        text=body.orig,
        parent_code=None,
        lead_units=assignment.lead,
        responsible_units=assignment.resp,
        deadline=deadline,
        milestones=milestones,
        targets=targets,
        source=" | ".join(c for c in cells if c),
        evidence=[(kind, words) for kind, words in evidence if words.strip()],
    )


def _row_title(text: str) -> str:
    """A task cell's first sentence, without its own number ("1、")."""
    title_src = make_atext(text)
    n = title_src.norm
    cut = len(n)
    for ch in "。;\n":
        i = n.find(ch)
        if 2 <= i < cut:
            cut = i
    title = title_src[:cut].strip(" 。;,")
    return re.sub(r"^\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*[、.]\s*", "", title.orig)


def _set_dotted_parents(tasks: list[ParsedTask]) -> None:
    """Dotted codes (1.1 under 1) give parents."""
    codes = {t.code for t in tasks}
    for t in tasks:
        if "." in t.code:
            parent = t.code.rsplit(".", 1)[0]
            if parent in codes:
                t.parent_code = parent


def title_above(rows: list[list[str]], header_row: int) -> AText | None:
    for row in rows[:header_row]:
        vals = [cell_to_str(c).strip() for c in row if cell_to_str(c).strip()]
        if len(set(vals)) == 1 and 4 <= len(vals[0]) <= 100:
            return make_atext(vals[0])
    return None
