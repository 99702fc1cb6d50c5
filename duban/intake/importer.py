"""Plan intake: a parsed plan or task sheet → an editable draft → units matched → one import."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from duban.core import audit, clock, db
from duban.core.errors import DubanError, ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import write
from duban.intake.parse.model import ParsedPlan
from duban.intake.parse.norm import punct_norm, strip_debris, to_simplified
from duban.tasks import manage
from models import (
    Assignment,
    AssignmentRole,
    Department,
    DepartmentKind,
    Direction,
    Milestone,
    Plan,
    Target,
    Task,
    TaskStatus,
)

CREATE = "create"  # mapping value: create the unit as a new department
DROP = "drop"  # mapping value: leave the unit out of the import

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
    ("milestones", "阶段性目标/时间节点"),
    ("targets", "指标"),
    ("weight", "权重"),
]
HEADERS = {k: h for k, h in COLUMNS}
MAX_ERRORS_SHOWN = 20


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
    row: int | None = None  # the sheet/editor row it came from, for messages


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

    @classmethod
    def from_parsed(cls, plan: ParsedPlan) -> ImportDraft:
        tasks = [
            DraftTask(
                code=t.code,
                title=t.title.strip(),
                parent_code=t.parent_code,
                description=t.text.strip(),
                lead_units=list(t.lead_units),
                responsible_units=[u for u in t.responsible_units if u not in t.lead_units],
                deadline=t.deadline,
                milestones=[DraftMilestone(m.date, m.text) for m in t.milestones],
                targets=[DraftTarget(x.text, x.value, x.unit, x.direction) for x in t.targets],
                row=i,
            )
            for i, t in enumerate(plan.tasks, start=1)
        ]
        warnings = list(plan.warnings)
        for t in tasks:
            # the register refuses a milestone after the deadline: keep the stated deadline
            late = [m for m in t.milestones if t.deadline and m.date > t.deadline]
            for m in late:
                warnings.append(
                    f"任务 {t.code} 的节点“{_short(m.text)}”（{m.date.isoformat()}）晚于完成时限"
                    f" {t.deadline.isoformat()}，未作为节点导入，请核对"
                )
            t.milestones = [m for m in t.milestones if m not in late]
        return cls(
            title=plan.title,
            issuer=plan.issuer,
            doc_number=plan.doc_number,
            issued_on=plan.issued_on,
            tasks=tasks,
            warnings=warnings,
        )

    def unit_names(self) -> list[str]:
        """Every unit name the tasks mention, in first-seen order."""
        seen: dict[str, None] = {}
        for t in self.tasks:
            for u in [*t.lead_units, *t.responsible_units]:
                seen.setdefault(u, None)
        return list(seen)


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
        errs: list[str] = []
        try:
            deadline = parse_date(r.get("deadline"))
        except ValueError:
            errs.append(
                f"完成时限“{_text(r.get('deadline'))}”不是有效日期（应为 2026-03-31 这样的日期）"
            )
            deadline = None
        milestones: list[DraftMilestone] = []
        # split only where the next milestone's date starts: a text may contain "；" itself
        for line in re.split(r"[\n；;]+(?=\s*\d{4}\s*[-/.年])", _text(r.get("milestones"))):
            line = line.strip()
            if not line:
                continue
            m = re.match(r"^(\S+)\s*(.*)$", line)
            try:
                d = parse_date(m[1]) if m else None
            except ValueError:
                d = None
            if d is None:
                errs.append(f"节点“{line}”缺少有效日期（应写作“2026-03-31 完成内容”）")
                continue
            milestones.append(DraftMilestone(d, (m[2] or "").strip()))
        targets = [
            parse_target(x) for x in re.split(r"[\n；;]+", _text(r.get("targets"))) if x.strip()
        ]
        weight_raw = r.get("weight")
        weight = 1.0
        if _text(weight_raw) != "":
            try:
                weight = float(_text(weight_raw))
                if not 0 <= weight <= 100:
                    raise ValueError
            except ValueError:
                errs.append(f"权重“{_text(weight_raw)}”应为 0–100 之间的数字")
        errors.extend(RowError(n, e) for e in errs)
        tasks.append(
            DraftTask(
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
                row=n,
            )
        )
    return tasks, errors


def validate_tasks(tasks: list[DraftTask]) -> list[RowError]:
    """Structural checks a user can fix row by row (codes, parents, titles, dates)."""
    errors: list[RowError] = []
    first_row: dict[str, int | None] = {}
    for t in tasks:
        if not t.title:
            errors.append(RowError(t.row, "缺少任务名称"))
        elif len(t.title) > 500:
            errors.append(RowError(t.row, "任务名称过长（不超过 500 字）"))
        if len(t.code) > 40:
            errors.append(RowError(t.row, f"序号“{t.code[:20]}…”过长（不超过 40 字）"))
        if t.code:
            if t.code in first_row:
                where = f"与第 {first_row[t.code]} 行" if first_row[t.code] is not None else ""
                errors.append(RowError(t.row, f"序号“{t.code}”{where}重复"))
            else:
                first_row[t.code] = t.row
        if t.phase and len(t.phase) > 60:
            errors.append(RowError(t.row, "所属阶段名称过长（不超过 60 字）"))
        if t.deadline is not None:
            late = [m for m in t.milestones if m.date > t.deadline]
            if late:
                errors.append(
                    RowError(
                        t.row,
                        f"节点日期 {late[0].date.isoformat()} 晚于完成时限 {t.deadline.isoformat()}",
                    )
                )
        for u in [*t.lead_units, *t.responsible_units]:
            if len(u) > 100:
                errors.append(RowError(t.row, f"单位名称“{u[:20]}…”过长"))
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
    return sorted(errors, key=lambda e: e.row or 0)


def validate_draft(draft: ImportDraft) -> list[RowError]:
    errors: list[RowError] = []
    if not (draft.title or "").strip():
        errors.append(RowError(None, "请填写方案名称"))
    elif len(draft.title) > 300:
        errors.append(RowError(None, "方案名称过长（不超过 300 字）"))
    if draft.issuer and len(draft.issuer) > 200:
        errors.append(RowError(None, "发文单位过长（不超过 200 字）"))
    if draft.doc_number and len(draft.doc_number) > 100:
        errors.append(RowError(None, "文号过长（不超过 100 字）"))
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


# ---------------------------------------------------------------- unit matching


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
        um.department_id, um.department_name, um.method = d.id, d.name, method
        um.candidates = [(d.id, d.name)]
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
        um.candidates = [(d.id, d.name) for d in pool[:8]]
        return um
    stem = _stem(c)
    scored = sorted(
        ((difflib.SequenceMatcher(None, stem, _stem(core_name(d.name))).ratio(), d) for d in depts),
        key=lambda x: -x[0],
    )
    um.candidates = [(d.id, d.name) for s, d in scored[:5] if s >= 0.55]
    return um


def match_units(session: Session, names: list[str]) -> dict[str, UnitMatch]:
    """Each unit name matched to an active department, or left unmatched with candidates."""
    depts = list(
        session.exec(
            select(Department)
            .where(Department.active == True)  # noqa: E712
            .order_by(Department.sort_order, Department.name)
        ).all()
    )
    return {name: _match_one(name, depts) for name in names}


def guess_kind(name: str) -> DepartmentKind:
    if name.endswith("窗口"):
        return DepartmentKind.service_window
    if re.search(r"(?:科|室|股)$", name):
        return DepartmentKind.section
    if re.search(r"(?:县|区|市)(?:人民政府)?$|街道$|镇$|乡$", name):
        return DepartmentKind.district
    return DepartmentKind.city_department


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
        elif matches[name].matched:
            out[name] = matches[name].department_id  # type: ignore[assignment]
        else:
            undecided.append(name)
    return out, undecided


# ---------------------------------------------------------------- commit


@dataclass
class ImportResult:
    plan_id: int
    plan_title: str
    tasks: int = 0
    assignments: int = 0
    milestones: int = 0
    targets: int = 0
    created_departments: list[str] = field(default_factory=list)
    dropped_units: list[str] = field(default_factory=list)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def find_previous_import(session: Session, source_bytes: bytes | None) -> Plan | None:
    """The plan already imported from these exact bytes, if any."""
    if not source_bytes:
        return None
    return session.exec(
        select(Plan).where(Plan.source_sha256 == sha256_of(source_bytes)).order_by(col(Plan.id))
    ).first()


def reimport_message(plan: Plan) -> str:
    when = plan.created_at.strftime("%Y-%m-%d %H:%M") if plan.created_at else ""
    return (
        f"该文件已于 {when} 导入为方案“{plan.title}”（编号 {plan.id}），不能重复导入。"
        "如确需再导入一份，请勾选“仍然导入”。"
    )


def _errors_text(errors: list[RowError]) -> str:
    shown = "；".join(str(e) for e in errors[:MAX_ERRORS_SHOWN])
    more = f"；另有 {len(errors) - MAX_ERRORS_SHOWN} 处" if len(errors) > MAX_ERRORS_SHOWN else ""
    return f"导入内容有 {len(errors)} 处错误，未写入任何数据：{shown}{more}。"


def _ordered(tasks: list[DraftTask]) -> list[DraftTask]:
    """Parents before their children, otherwise in draft order."""
    by_code = {t.code: t for t in tasks if t.code}
    out: list[DraftTask] = []
    placed: set[int] = set()

    def place(t: DraftTask, depth: int = 0) -> None:
        if id(t) in placed or depth > len(tasks):
            return
        parent = by_code.get(t.parent_code) if t.parent_code else None
        if parent is not None:
            place(parent, depth + 1)
        placed.add(id(t))
        out.append(t)

    for t in tasks:
        place(t)
    return out


def commit_import(
    session: Session,
    *,
    actor: Actor,
    draft: ImportDraft,
    mapping: dict[str, Any] | None = None,
    source_name: str = "",
    source_bytes: bytes | None = None,
    force: bool = False,
    progress=None,  # noqa: ANN001 - optional callable(done: int, total: int)
) -> ImportResult:
    """Create the plan with its tasks, assignments, milestones and targets in one transaction.

    `mapping` gives, per unit name, a department id, CREATE or DROP; names left out are taken
    from the automatic match, and a name that matches nothing refuses the import. Tasks are
    created as drafts (草稿): the office assigns them from the register.
    """
    require(actor, "plan.import")
    mapping = dict(mapping or {})
    if any(v == CREATE for v in mapping.values()):
        require(actor, "department.manage")
    errors = validate_draft(draft)
    if errors:
        raise ValidationFailed(_errors_text(errors))
    sha = sha256_of(source_bytes) if source_bytes else None
    total = len(draft.tasks)
    with write(session):
        # Take the data-version row lock first: two imports of the same file at the same
        # moment then run one after the other, and the second sees the first's plan.
        db.bump_data_version(session)
        if sha and not force:
            prev = find_previous_import(session, source_bytes)
            if prev is not None:
                raise ValidationFailed(reimport_message(prev))
        names = draft.unit_names()
        resolved, undecided = resolve_units(session, names, mapping)
        if undecided:
            raise ValidationFailed(
                f"以下 {len(undecided)} 个单位未对应到现有单位，请选择对应单位、新建或不导入："
                + "、".join(undecided[:30])
            )
        result = ImportResult(plan_id=0, plan_title=draft.title.strip())  # type: ignore[union-attr]
        dept_of: dict[str, int | None] = {}
        for name in names:
            choice = resolved[name]
            if choice == DROP:
                dept_of[name] = None
                result.dropped_units.append(name)
            elif choice == CREATE:
                existing = session.exec(select(Department).where(Department.name == name)).first()
                if existing is not None:
                    dept_of[name] = existing.id
                    continue
                dept = Department(name=name, kind=guess_kind(name), sort_order=900)
                session.add(dept)
                audit.record(
                    session,
                    actor,
                    "department.create",
                    dept,
                    note=f"导入方案时新建（{source_name}）",
                )
                dept_of[name] = dept.id
                result.created_departments.append(name)
            else:
                d = session.get(Department, choice)
                if d is None or not d.active:
                    raise ValidationFailed(
                        f"单位“{name}”对应的单位（编号 {choice}）不存在或已停用。"
                    )
                dept_of[name] = d.id
        phases = list(draft.phases)
        for t in draft.tasks:
            if t.phase and t.phase not in phases:
                phases.append(t.phase)
        plan = Plan(
            title=draft.title.strip(),  # type: ignore[union-attr]
            issuer=(draft.issuer or "").strip() or None,
            doc_number=(draft.doc_number or "").strip() or None,
            issued_on=draft.issued_on,
            phases=phases,
            source_sha256=sha,
        )
        session.add(plan)
        session.flush()
        result.plan_id = plan.id  # type: ignore[assignment]
        now = clock.now()
        task_ids: dict[str, Task] = {}
        counters: dict[str, int] = {}
        for done, t in enumerate(_ordered(draft.tasks), start=1):
            parent = task_ids.get(t.parent_code) if t.parent_code else None
            prefix, width = manage.sort_key_prefix(parent, phases, t.phase)
            counters[prefix] = counters.get(prefix, 0) + 1
            task = Task(
                plan_id=plan.id,
                parent_id=parent.id if parent else None,
                code=t.code,
                title=t.title,
                description=t.description,
                phase=t.phase,
                deadline=t.deadline,
                original_deadline=t.deadline,
                weight=t.weight,
                status=TaskStatus.draft,
                sort_key=f"{prefix}{counters[prefix]:0{width}d}",
                created_at=now,
                updated_at=now,
            )
            session.add(task)
            session.flush()
            if t.code:
                task_ids[t.code] = task
            roles: dict[int, AssignmentRole] = {}
            for name in t.lead_units:
                if dept_of.get(name) is not None:
                    roles.setdefault(dept_of[name], AssignmentRole.lead)  # type: ignore[arg-type]
            for name in t.responsible_units:
                if dept_of.get(name) is not None:
                    roles.setdefault(dept_of[name], AssignmentRole.responsible)  # type: ignore[arg-type]
            for dept_id, role in roles.items():
                session.add(Assignment(task_id=task.id, department_id=dept_id, role=role))
            result.assignments += len(roles)
            for m in t.milestones:
                session.add(
                    Milestone(task_id=task.id, title=(m.text or t.title)[:300], due_date=m.date)
                )
            result.milestones += len(t.milestones)
            for x in t.targets:
                session.add(
                    Target(
                        task_id=task.id,
                        text=x.text[:300] or "指标",
                        target_value=x.value,
                        unit=(x.unit or None) and x.unit[:20],
                        direction=Direction(x.direction or ">="),
                    )
                )
            result.targets += len(t.targets)
            audit.record(session, actor, "task.create", task, note=f"导入方案（{source_name}）")
            result.tasks += 1
            if progress is not None:
                progress(done, total)
        note = (
            f"导入 {result.tasks} 项任务、{result.assignments} 条分工，来源文件“{source_name}”"
            + (
                f"；新建单位：{'、'.join(result.created_departments)}"
                if result.created_departments
                else ""
            )
            + (f"；未导入单位：{'、'.join(result.dropped_units)}" if result.dropped_units else "")
            + ("；重复导入（已确认）" if force and sha else "")
        )
        audit.record(session, actor, "plan.import", plan, note=note[:1000])
    return result


# ---------------------------------------------------------------- command line

_USAGE = (
    "用法: import-plan 文件 [--year 年份] [--commit] [--force] [--create-units] [--drop-unmatched]\n"
    "  不加 --commit 时只预览（不写库）；.xlsx 按任务表模板读取，其余按方案文件解析。"
)


def load_draft(
    data: bytes, filename: str, *, year: int | None = None
) -> tuple[ImportDraft, list[RowError]]:
    """A file as a draft: our task-sheet template is read row by row, anything else parsed."""
    from duban.intake.excel import is_task_sheet, read_task_sheet
    from duban.intake.parse import parse_plan_bytes

    if filename.lower().endswith((".xlsx", ".xlsm")) and is_task_sheet(data):
        sheet = read_task_sheet(data)
        return sheet.draft, sheet.errors
    return ImportDraft.from_parsed(parse_plan_bytes(data, filename, year=year)), []


def _print_summary(
    draft: ImportDraft, matches: dict[str, UnitMatch], errors: list[RowError]
) -> None:
    print(f"方案名称：{draft.title or '（未识别）'}")
    print(
        f"发文单位：{draft.issuer or '—'}　文号：{draft.doc_number or '—'}　成文日期：{draft.issued_on or '—'}"
    )
    no_deadline = sum(1 for t in draft.tasks if t.deadline is None)
    print(f"任务：{len(draft.tasks)} 项（未识别完成时限 {no_deadline} 项）")
    for t in draft.tasks:
        units = "、".join(t.lead_units) or "—"
        print(f"  {t.code or '·'} {t.title[:40]}　牵头：{units}　时限：{t.deadline or '—'}")
    if matches:
        print("单位对应：")
        for name, m in matches.items():
            if m.matched:
                print(f"  {name} → {m.department_name}（{METHOD_LABELS[m.method]}）")
            else:
                cands = "、".join(n for _, n in m.candidates[:3])
                print(f"  {name} → 未匹配" + (f"（可能是：{cands}）" if cands else ""))
    for w in draft.warnings:
        print(f"提示：{w}")
    for e in errors:
        print(f"错误：{e}")


def cli_import_plan(argv: list[str]) -> int:
    """`import-plan FILE [--year] [--commit] [--force] [--create-units] [--drop-unmatched]`."""
    from pathlib import Path

    from duban.intake.parse import MAX_BYTES, PlanParseError

    flags = {"--commit", "--force", "--create-units", "--drop-unmatched"}
    args, files, year, opts = list(argv), [], None, set()
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-h", "--help"):
            print(_USAGE)
            return 0
        if a == "--year" or a.startswith("--year="):
            val = a.split("=", 1)[1] if "=" in a else (args[i + 1] if i + 1 < len(args) else "")
            i += 1 if "=" in a else 2
            if not (val.isdigit() and len(val) == 4):
                print(f"错误：年份无效：{val or '（缺少）'}", file=sys.stderr)
                return 2
            year = int(val)
            continue
        if a in flags:
            opts.add(a)
        elif a.startswith("--"):
            print(f"错误：不认识的选项 {a}。\n{_USAGE}", file=sys.stderr)
            return 2
        else:
            files.append(a)
        i += 1
    if len(files) != 1:
        print(f"错误：请指定一个方案文件。\n{_USAGE}", file=sys.stderr)
        return 2
    path = Path(files[0])
    try:
        if not path.is_file():
            raise PlanParseError(f"找不到文件：{path}")
        if path.stat().st_size > MAX_BYTES:
            raise PlanParseError("文件过大，方案文件不能超过 10 MB")
        data = path.read_bytes()
        draft, errors = load_draft(data, path.name, year=year)
        errors = errors + validate_draft(draft)
        from duban.core.db import make_engine, session_scope
        from duban.core.settings import get_settings

        engine = make_engine(get_settings().database_url)
        with session_scope(engine) as session:
            matches = match_units(session, draft.unit_names())
            _print_summary(draft, matches, errors)
            if errors:
                print(f"错误：有 {len(errors)} 处需要修改，未导入。", file=sys.stderr)
                return 2
            prev = find_previous_import(session, data)
            if prev is not None and "--force" not in opts:
                print(
                    f"错误：{reimport_message(prev).replace('勾选“仍然导入”', '加 --force')}",
                    file=sys.stderr,
                )
                return 2
            unmatched = [n for n, m in matches.items() if not m.matched]
            mapping: dict[str, Any] = {}
            if unmatched:
                if "--create-units" in opts:
                    mapping = {n: CREATE for n in unmatched}
                elif "--drop-unmatched" in opts:
                    mapping = {n: DROP for n in unmatched}
                elif "--commit" in opts:
                    print(
                        f"错误：{len(unmatched)} 个单位未匹配（{'、'.join(unmatched[:10])}）；"
                        "请先在单位管理中添加，或加 --create-units 新建、--drop-unmatched 不导入。",
                        file=sys.stderr,
                    )
                    return 2
            if "--commit" not in opts:
                print("预览完成（未写入数据库）；加 --commit 导入。")
                return 0
            res = commit_import(
                session,
                actor=Actor.system(),
                draft=draft,
                mapping=mapping,
                source_name=path.name,
                source_bytes=data,
                force="--force" in opts,
            )
        print(
            f"已导入方案“{res.plan_title}”（编号 {res.plan_id}）：任务 {res.tasks} 项，分工 {res.assignments} 条，"
            f"节点 {res.milestones} 个，指标 {res.targets} 个"
            + (f"；新建单位 {len(res.created_departments)} 个" if res.created_departments else "")
            + "。任务为草稿状态，请在任务台账中交办。"
        )
        return 0
    except (PlanParseError, DubanError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a traceback to the office
        print(f"错误：导入失败（{type(exc).__name__}：{exc}）", file=sys.stderr)
        return 2
