"""The import draft: a plan's header and tasks as the user edits them, rows ↔ tasks, checks."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from duban.core.errors import ValidationFailed
from duban.intake.parse.model import ParsedPlan
from duban.intake.parse.norm import punct_norm
from duban.monitoring import cycles

# The task-row layout shared by the page's editor and the Excel task sheet: (key, header).
COLUMNS: list[tuple[str, str]] = [
    ("code", "序号"),
    ("parent_code", "上级序号"),
    ("title", "任务名称"),
    ("description", "任务内容"),
    ("phase", "所属阶段"),
    ("lead_units", "牵头单位"),
    ("responsible_units", "责任单位"),
    ("deadline", "完成时限"),
    ("report_cycle", "报送频次"),
    ("milestones", "阶段性目标/时间节点"),
    ("targets", "指标"),
    ("weight", "权重"),
]


# ---------------------------------------------------------------- the draft


@dataclass
class DraftMilestone:
    date: dt.date
    text: str


@dataclass
class DraftTarget:
    text: str
    value: float | None = None
    unit: str | None = None
    direction: str | None = None  # ">=" / "<=" / None


@dataclass
class DraftTask:
    code: str
    title: str
    parent_code: str | None = None
    description: str = ""
    phase: str | None = None
    lead_units: list[str] = field(default_factory=list)
    responsible_units: list[str] = field(default_factory=list)
    deadline: dt.date | None = None
    milestones: list[DraftMilestone] = field(default_factory=list)
    targets: list[DraftTarget] = field(default_factory=list)
    weight: float = 1.0
    # 报送频次 as written ("每周五", "monthly:10"); empty: the plan's. Checked by
    # validate_tasks, stored as its code (cycle_code).
    report_cycle: str = ""
    row: int | None = None  # the sheet/editor row it came from, for messages
    # 督办事项来源 by name and custom-field cells by column header, as written in the task
    # sheet; checked and stored by duban.intake.excel.lowcode_values (empty: none)
    category: str = ""
    custom: dict[str, Any] = field(default_factory=dict)
    # from the parser, for the office to check the reading (not stored): the task's words in
    # the document and the pieces the units and the deadline were read from
    source: str = ""
    evidence: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ImportDraft:
    """What will be imported: the plan's header and its tasks, editable before commit."""

    title: str | None = None
    issuer: str | None = None
    doc_number: str | None = None
    issued_on: dt.date | None = None
    phases: list[str] = field(default_factory=list)
    tasks: list[DraftTask] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    report_cycle: str = ""  # the plan's default 报送频次, as written (see DraftTask)

    @classmethod
    def from_parsed(cls, plan: ParsedPlan) -> ImportDraft:
        tasks = [
            DraftTask(
                code=t.code,
                title=t.title.strip(),
                parent_code=t.parent_code,
                description=t.text.strip(),
                phase=t.phase,
                lead_units=list(t.lead_units),
                responsible_units=[u for u in t.responsible_units if u not in t.lead_units],
                deadline=t.deadline,
                milestones=[DraftMilestone(m.date, m.text) for m in t.milestones],
                targets=[DraftTarget(x.text, x.value, x.unit, x.direction) for x in t.targets],
                row=i,
                source=t.source,
                evidence=list(t.evidence),
            )
            for i, t in enumerate(plan.tasks, start=1)
        ]
        return cls(
            title=plan.title,
            issuer=plan.issuer,
            doc_number=plan.doc_number,
            issued_on=plan.issued_on,
            phases=[p.name for p in plan.phases],
            tasks=tasks,
            warnings=list(plan.warnings) + _drop_late_milestones(tasks),
        )

    def unit_names(self) -> list[str]:
        """Every unit name the tasks mention, in first-seen order."""
        seen: dict[str, None] = {}
        for t in self.tasks:
            for u in [*t.lead_units, *t.responsible_units]:
                seen.setdefault(u, None)
        return list(seen)


def _drop_late_milestones(tasks: list[DraftTask]) -> list[str]:
    """Milestones after their task's deadline dropped, with a warning for each."""
    warnings: list[str] = []
    for t in tasks:
        deadline = t.deadline
        if deadline is None:
            continue
        # the register refuses a milestone after the deadline: keep the stated deadline
        late = [m for m in t.milestones if m.date > deadline]
        for m in late:
            warnings.append(
                f"任务 {t.code} 的节点“{_short(m.text)}”（{m.date.isoformat()}）晚于完成时限"
                f" {deadline.isoformat()}，未作为节点导入，请核对"
            )
        t.milestones = [m for m in t.milestones if m not in late]
    return warnings


def cycle_code(words: str | None) -> str | None:
    """The stored code of a 报送频次 as written ("每周五" → "weekly:5"); None when empty
    (ValidationFailed when unreadable: validate_draft reports it first)."""
    words = (words or "").strip()
    return cycles.parse(words).code if words else None


def _cycle_problem(words: str) -> str | None:
    """What is wrong with a 报送频次 cell, or None."""
    words = (words or "").strip()
    if not words:
        return None
    if len(words) > 30:
        words = words[:20] + "…"
    try:
        cycles.parse(words)
    except ValidationFailed as exc:
        return str(exc).rstrip("。")
    return None


def _short(text: str, n: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n].rstrip(" ,，、") + "…"


@dataclass(frozen=True)
class RowError:
    row: int | None
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行：{self.message}" if self.row is not None else self.message


# ---------------------------------------------------------------- rows (editor / Excel)


def _fmt_num(v: float | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def format_target(t: DraftTarget) -> str:
    if t.value is None:
        return t.text
    op = {">=": "≥", "<=": "≤"}.get(t.direction or ">=", "≥")
    return f"{t.text} {op} {_fmt_num(t.value)}{t.unit or ''}"


_TARGET_RE = re.compile(
    r"^(?P<text>.*\S)\s*(?P<op>≥|≤|>=|<=)\s*(?P<val>-?\d+(?:\.\d+)?)\s*(?P<unit>\S{0,20})$"
)


def parse_target(s: str) -> DraftTarget:
    s = s.strip()
    m = _TARGET_RE.match(s)
    if not m:
        return DraftTarget(text=s)
    op = ">=" if m["op"] in ("≥", ">=") else "<="
    return DraftTarget(m["text"].strip(), float(m["val"]), m["unit"] or None, op)


def task_to_row(t: DraftTask, sep: str = "\n") -> dict[str, Any]:
    """A task as the flat row the editor and the task sheet show."""
    return {
        "code": t.code,
        "parent_code": t.parent_code or "",
        "title": t.title,
        "description": t.description,
        "phase": t.phase or "",
        "lead_units": "、".join(t.lead_units),
        "responsible_units": "、".join(t.responsible_units),
        "deadline": t.deadline,
        "report_cycle": t.report_cycle,
        "milestones": sep.join(f"{m.date.isoformat()} {m.text}".strip() for m in t.milestones),
        "targets": sep.join(format_target(x) for x in t.targets),
        "weight": t.weight,
    }


_DATE_RES = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?(?:前)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


def parse_date(value: Any) -> dt.date | None:
    """A cell as a date: date objects, Excel serials, 2026-3-31, 2026/03/31, 2026年3月31日.

    Empty → None; anything else raises ValueError.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # an Excel serial day number
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
        raise ValueError(str(value))
    s = punct_norm(str(value)).strip()
    if not s or s.lower() in ("nat", "none", "nan"):
        return None
    s = re.sub(r"[ T]00:00(?::00)?$", "", s)
    for rx in _DATE_RES:
        m = rx.match(s)
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
    raise ValueError(s)


def split_units(s: Any) -> list[str]:
    if s is None:
        return []
    parts = re.split(r"[、,，;；\n]+", str(s))
    out: list[str] = []
    for p in parts:
        p = p.strip()
        if p and p not in out:
            out.append(p)
    return out


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if v != v:  # NaN from an empty editor cell
            return ""
        if v.is_integer():
            return str(int(v))
    return str(v).strip()


def rows_to_tasks(
    rows: list[dict[str, Any]], *, first_row: int = 1
) -> tuple[list[DraftTask], list[RowError]]:
    """Flat rows (editor or sheet) → tasks, with per-row errors for cells that cannot be read.

    Rows that are entirely empty are skipped. `first_row` is the number of rows[0] as the user
    sees it (2 for a sheet with one header row).
    """
    tasks: list[DraftTask] = []
    errors: list[RowError] = []
    for i, r in enumerate(rows):
        n = first_row + i
        if all(_text(v) == "" for k, v in r.items() if k != "weight"):
            continue
        task, errs = _row_to_task(r, n)
        errors.extend(RowError(n, e) for e in errs)
        tasks.append(task)
    return tasks, errors


def _row_to_task(r: dict[str, Any], n: int) -> tuple[DraftTask, list[str]]:
    """One row as a task, and what is wrong with its cells (deadline, milestones, weight)."""
    errs: list[str] = []
    try:
        deadline = parse_date(r.get("deadline"))
    except ValueError:
        errs.append(
            f"完成时限“{_text(r.get('deadline'))}”不是有效日期（应为 2026-03-31 这样的日期）"
        )
        deadline = None
    milestones = _row_milestones(_text(r.get("milestones")), errs)
    targets = [parse_target(x) for x in re.split(r"[\n；;]+", _text(r.get("targets"))) if x.strip()]
    weight = _row_weight(r.get("weight"), errs)
    task = DraftTask(
        code=_text(r.get("code")),
        parent_code=_text(r.get("parent_code")) or None,
        title=_text(r.get("title")),
        description=_text(r.get("description")),
        phase=_text(r.get("phase")) or None,
        lead_units=split_units(r.get("lead_units")),
        responsible_units=split_units(r.get("responsible_units")),
        deadline=deadline,
        milestones=milestones,
        targets=targets,
        weight=weight,
        report_cycle=_text(r.get("report_cycle")),
        row=n,
    )
    return task, errs


def _row_milestones(cell: str, errs: list[str]) -> list[DraftMilestone]:
    """Milestone lines such as "2026-06-30 完成试点"; a line without a date goes to errs."""
    milestones: list[DraftMilestone] = []
    # split only where the next milestone's date starts: a text may contain "；" itself
    for line in re.split(r"[\n；;]+(?=\s*\d{4}\s*[-/.年])", cell):
        line = line.strip()
        if not line:
            continue
        m = re.match(r"^(\S+)\s*(.*)$", line)
        try:
            d = parse_date(m[1]) if m else None
        except ValueError:
            d = None
        if m is None or d is None:
            errs.append(f"节点“{line}”缺少有效日期（应写作“2026-03-31 完成内容”）")
            continue
        milestones.append(DraftMilestone(d, (m[2] or "").strip()))
    return milestones


def _row_weight(raw: Any, errs: list[str]) -> float:
    """The weight cell: 1 when empty; a value that is not a number in 0–100 is added to errs."""
    text = _text(raw)
    if text == "":
        return 1.0
    try:
        weight = float(text)
    except ValueError:
        errs.append(f"权重“{text}”应为 0–100 之间的数字")
        return 1.0
    if not 0 <= weight <= 100:
        errs.append(f"权重“{text}”应为 0–100 之间的数字")
    return weight


def validate_tasks(tasks: list[DraftTask]) -> list[RowError]:
    """Structural checks a user can fix row by row (codes, parents, titles, dates)."""
    errors: list[RowError] = []
    first_row: dict[str, int | None] = {}
    for t in tasks:
        errors.extend(RowError(t.row, e) for e in _task_problems(t, first_row))
    errors.extend(_parent_errors(tasks))
    return sorted(errors, key=lambda e: e.row or 0)


def _task_problems(t: DraftTask, first_row: dict[str, int | None]) -> list[str]:
    """What is wrong with one task; `first_row` collects the codes seen so far."""
    problems: list[str] = []
    if not t.title:
        problems.append("缺少任务名称")
    elif len(t.title) > 500:
        problems.append("任务名称过长（不超过 500 字）")
    if len(t.code) > 40:
        problems.append(f"序号“{t.code[:20]}…”过长（不超过 40 字）")
    if t.code:
        if t.code in first_row:
            where = f"与第 {first_row[t.code]} 行" if first_row[t.code] is not None else ""
            problems.append(f"序号“{t.code}”{where}重复")
        else:
            first_row[t.code] = t.row
    if t.phase and len(t.phase) > 60:
        problems.append("所属阶段名称过长（不超过 60 字）")
    if t.deadline is not None:
        late = [m for m in t.milestones if m.date > t.deadline]
        if late:
            problems.append(
                f"节点日期 {late[0].date.isoformat()} 晚于完成时限 {t.deadline.isoformat()}"
            )
    for u in [*t.lead_units, *t.responsible_units]:
        if len(u) > 100:
            problems.append(f"单位名称“{u[:20]}…”过长")
    cycle = _cycle_problem(t.report_cycle)
    if cycle:
        problems.append(cycle)
    return problems


def _parent_errors(tasks: list[DraftTask]) -> list[RowError]:
    """Parents that are the row itself, missing, or in a loop."""
    errors: list[RowError] = []
    by_code = {t.code: t for t in tasks if t.code}
    for t in tasks:
        if not t.parent_code:
            continue
        if t.parent_code == t.code:
            errors.append(RowError(t.row, "上级序号不能是本行自己的序号"))
        elif t.parent_code not in by_code:
            errors.append(RowError(t.row, f"上级序号“{t.parent_code}”不存在"))
        else:
            seen, cur = {t.code}, by_code.get(t.parent_code)
            while cur is not None and cur.parent_code:
                if cur.code in seen:
                    errors.append(RowError(t.row, "上级序号形成循环"))
                    break
                seen.add(cur.code)
                cur = by_code.get(cur.parent_code)
    return errors


def validate_draft(draft: ImportDraft) -> list[RowError]:
    """The header's checks (title required, lengths) before the tasks' row by row checks."""
    errors: list[RowError] = []
    title = draft.title or ""
    if not title.strip():
        errors.append(RowError(None, "请填写方案名称"))
    elif len(title) > 300:
        errors.append(RowError(None, "方案名称过长（不超过 300 字）"))
    if draft.issuer and len(draft.issuer) > 200:
        errors.append(RowError(None, "发文单位过长（不超过 200 字）"))
    if draft.doc_number and len(draft.doc_number) > 100:
        errors.append(RowError(None, "文号过长（不超过 100 字）"))
    cycle = _cycle_problem(draft.report_cycle)
    if cycle:
        errors.append(RowError(None, f"方案信息：{cycle}"))
    if not draft.tasks:
        errors.append(RowError(None, "没有可导入的任务"))
    return errors + validate_tasks(draft.tasks)


def drop_rows(
    tasks: list[DraftTask], bad_rows: set[int | None]
) -> tuple[list[DraftTask], list[int]]:
    """Tasks without the given rows, and without rows whose parent went with them."""
    kept = [t for t in tasks if t.row not in bad_rows]
    dropped = sorted(r for r in bad_rows if r is not None)
    while True:
        codes = {t.code for t in kept if t.code}
        orphans = [t for t in kept if t.parent_code and t.parent_code not in codes]
        if not orphans:
            return kept, dropped
        dropped += [t.row for t in orphans if t.row is not None]
        kept = [t for t in kept if t not in orphans]
