"""The Excel task sheet: a template to fill in, a plan's tasks exported, and the sheet read back.

Beside the fixed columns the sheet has 事项来源 (a category by name) and one column per active
custom field for all plans (by its label); their cells are checked like the form's input
(`duban.fields.values.coerce`) and any bad cell is a row error naming the row and the column.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlmodel import Session, col, select

from duban.core import exports, text
from duban.core.errors import NotFound, ValidationFailed
from duban.fields import categories as categories_mod
from duban.fields import definitions
from duban.fields import values as field_values
from duban.intake.drafts import (
    COLUMNS,
    DraftMilestone,
    DraftTarget,
    DraftTask,
    ImportDraft,
    RowError,
    parse_date,
    rows_to_tasks,
    task_to_row,
    validate_draft,
)
from duban.intake.matching import match_units
from duban.intake.parse.model import XLSX_ERRORS, PlanParseError
from duban.intake.parse.ooxml import MAX_SHEET_COLUMNS, MAX_SHEET_ROWS, check_package, check_sheets
from duban.intake.parse.reader import MAX_BYTES
from duban.tasks import cycles_set
from models import (
    Assignment,
    AssignmentRole,
    CustomField,
    Department,
    FieldKind,
    Milestone,
    Plan,
    Target,
    Task,
    TaskCategory,
)

SHEET_TASKS = "任务表"
SHEET_PLAN = "方案信息"
SHEET_HELP = "填写说明"
SHEET_ABOUT = "导出信息"
PLAN_FIELDS = [
    ("title", "方案名称"),
    ("issuer", "发文单位"),
    ("doc_number", "文号"),
    ("issued_on", "成文日期"),
    ("phases", "阶段"),
    ("report_cycle", "报送频次"),
]
WIDTHS = {
    "code": 8,
    "parent_code": 10,
    "title": 36,
    "description": 50,
    "phase": 12,
    "lead_units": 22,
    "responsible_units": 30,
    "deadline": 12,
    "report_cycle": 14,
    "milestones": 36,
    "targets": 28,
    "weight": 7,
}
HELP_LINES = [
    "任务表填写说明",
    "",
    "1. 每行一项任务；“任务名称”必填，其余可空。第一行是表头，请勿修改表头文字。",
    "2. 序号：任务编号，如 1、1.1、(一)；同一表内不能重复。",
    "3. 上级序号：子任务填写其上级任务的序号，上级任务必须在本表中。",
    "4. 牵头单位、责任单位：填写单位全称或简称，多个单位用顿号“、”分隔；须能对应到系统中的单位。",
    "5. 完成时限：日期，如 2026-12-31。",
    "6. 阶段性目标/时间节点：每行一个，写作“2026-06-30 完成试点”，日期不能晚于完成时限。",
    "7. 指标：每行一个，写作“网上办理率 ≥ 95%”或“审批时限 ≤ 5个工作日”，也可只写文字。",
    "8. 权重：0–100 的数字，空白按 1 计。",
    "9. 报送频次：单位按此定期填报进展，如 每周五、每月10日前、每月底、每季度首月10日前、"
    "每季度末、不定期；空白按方案默认。",
    "10. “方案信息”表填写方案名称（必填）、发文单位、文号、成文日期、阶段（用顿号分隔）"
    "和方案默认报送频次。",
    "导入时逐行检查：有错误的行会列出行号和原因；可以修改后重新上传，也可以选择跳过错误行。",
]


CATEGORY_HEADER = "事项来源"


@dataclass
class LowCode:
    """What the sheet has beyond the fixed columns: the categories one may choose (active)
    and the active custom fields for all plans — and, for one plan's export, that plan's own
    fields after them — with the units a department field names."""

    categories: list[TaskCategory] = field(default_factory=list)
    fields: list[CustomField] = field(default_factory=list)
    departments: dict[int, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, *, plan_id: int | None = None) -> LowCode:
        # with a plan: its own fields and those for all plans, in display order
        fields = [
            f
            for f in definitions.list_fields(session, plan_id=plan_id)
            if plan_id is not None or f.plan_id is None
        ]
        rows = session.exec(
            select(Department.id, Department.name, Department.short_name).where(
                Department.active == True  # noqa: E712
            )
        ).all()
        return cls(
            categories=categories_mod.list_categories(session),
            fields=fields,
            departments={d: (n, sn or n) for d, n, sn in rows if d is not None},
        )

    def dept_name(self, dept_id: int) -> str:
        names = self.departments.get(int(dept_id))
        return names[0] if names else str(dept_id)


def _field_note(f: CustomField, low: LowCode) -> str:
    """What a field's column accepts, in words (the template's 填写说明)."""
    kind = FieldKind(f.kind)
    if kind == FieldKind.number:
        accepted = "数字" + (f"，单位：{f.unit}（只填数字）" if f.unit else "")
    elif kind == FieldKind.date:
        accepted = "日期，如 2026-03-31"
    elif kind == FieldKind.choice:
        accepted = "单选，填写其中一项：" + "、".join(f.options)
    elif kind == FieldKind.multi_choice:
        accepted = "多选，可填多项，用顿号“、”分隔：" + "、".join(f.options)
    elif kind == FieldKind.department:
        accepted = "单位，填写一个单位的全称或简称"
    elif kind == FieldKind.boolean:
        accepted = "填“是”或“否”"
    else:
        accepted = "文字"
    required = "；必填" if f.required else ""
    help_text = f"；{f.help}" if f.help else ""
    return f"“{f.label}”：{accepted}{required}{help_text}。"


def _help_lines(low: LowCode | None) -> list[str]:
    if low is None or (not low.categories and not low.fields):
        return HELP_LINES
    names = "、".join(c.name for c in low.categories)
    lines = [
        *HELP_LINES,
        "",
        "事项来源与自定义字段",
        f"“{CATEGORY_HEADER}”：填写其中一项：{names}；空白为未分类。"
        if names
        else f"“{CATEGORY_HEADER}”：尚未设置事项来源，请留空。",
    ]
    lines += [_field_note(f, low) for f in low.fields]
    lines.append("以上各列填写有误的行会列出行号、列名和原因，全部改正后才能导入。")
    return lines


def _write_workbook(
    draft: ImportDraft,
    example: bool,
    about: exports.About | None = None,
    low: LowCode | None = None,
) -> bytes:
    w = exports.WorkbookWriter()  # text stays text: a task title "=1+1" is not a formula
    ws = _write_task_sheet(w, draft, low)
    _write_plan_sheet(w, draft)
    hs = w.workbook.add_worksheet(SHEET_HELP)
    hs.set_column(0, 0, 110)
    for r, line in enumerate(_help_lines(low)):
        hs.write_string(r, 0, line, w.formats["title"] if r == 0 else w.formats["text"])
    if about is not None:  # after the sheets the import reads, which keep their places
        w.add_about(about, name=SHEET_ABOUT)
    if example:
        ws.activate()
    return w.close()


_TASK_SCHEMA = {
    "code": pl.String,
    "parent_code": pl.String,
    "title": pl.String,
    "description": pl.String,
    "phase": pl.String,
    "lead_units": pl.String,
    "responsible_units": pl.String,
    "deadline": pl.Date,
    "report_cycle": pl.String,
    "milestones": pl.String,
    "targets": pl.String,
    "weight": pl.Float64,
}
_KINDS = {"deadline": "date", "weight": "number"}
# codes are text ("1.10" is not 1.1): their columns are formatted as text, also for typing
_CODE_KEYS = ("code", "parent_code")


def _task_columns() -> list[exports.Column]:
    return [
        exports.Column(
            key,
            header,
            _KINDS.get(key, "text"),
            width=WIDTHS[key],
            wrap=key not in _KINDS and key not in _CODE_KEYS,
            fmt="@" if key in _CODE_KEYS else None,
        )
        for key, header in COLUMNS
    ]


def _field_key(f: CustomField) -> str:
    return f"cf_{f.id}"


def _lowcode_schema(low: LowCode | None) -> dict[str, Any]:
    if low is None:
        return {}
    schema: dict[str, Any] = {"category": pl.String}
    for f in low.fields:
        kind = FieldKind(f.kind)
        schema[_field_key(f)] = (
            pl.Float64
            if kind == FieldKind.number
            else pl.Date
            if kind == FieldKind.date
            else pl.String
        )
    return schema


def _lowcode_columns(low: LowCode | None) -> list[exports.Column]:
    if low is None:
        return []
    out = [exports.Column("category", CATEGORY_HEADER, width=16)]
    for f in low.fields:
        kind = FieldKind(f.kind)
        cell = (
            "number" if kind == FieldKind.number else "date" if kind == FieldKind.date else "text"
        )
        out.append(
            exports.Column(
                _field_key(f),
                f.label,
                cell,
                width=14 if cell != "text" else 20,
                wrap=cell == "text",
            )
        )
    return out


def _lowcode_cells(t: DraftTask, low: LowCode | None) -> dict[str, Any]:
    """A task's category and field values as the sheet's cells (typed where the column is)."""
    if low is None:
        return {}
    out: dict[str, Any] = {"category": t.category}
    for f in low.fields:
        v = t.custom.get(f.label)
        kind = FieldKind(f.kind)
        if field_values.is_empty(v):
            out[_field_key(f)] = None
        elif kind == FieldKind.number:
            out[_field_key(f)] = float(v)  # type: ignore[arg-type]
        elif kind == FieldKind.date:
            out[_field_key(f)] = dt.date.fromisoformat(str(v)) if isinstance(v, str) else v
        elif kind == FieldKind.department:
            out[_field_key(f)] = low.dept_name(int(v)) if isinstance(v, int) else str(v)
        else:
            out[_field_key(f)] = field_values.display(f, v)
    return out


def _write_task_sheet(w: exports.WorkbookWriter, draft: ImportDraft, low: LowCode | None) -> Any:
    """The task sheet: a frozen, filtered header row and one row per task."""
    rows = [task_to_row(t, sep="\n") | _lowcode_cells(t, low) for t in draft.tasks]
    schema = _TASK_SCHEMA | _lowcode_schema(low)
    frame = pl.DataFrame(rows, schema=schema, orient="row") if rows else None
    sheet = exports.Sheet(
        SHEET_TASKS,
        frame if frame is not None else pl.DataFrame(schema=schema),
        _task_columns() + _lowcode_columns(low),
    )
    ws = w.add_sheet(sheet)
    ws.set_row(0, 30)
    deadline = [k for k, _h in COLUMNS].index("deadline")
    ws.data_validation(
        1,
        deadline,
        5000,
        deadline,
        {
            "validate": "date",
            "criteria": ">",
            "value": dt.date(2000, 1, 1),
            "error_message": "请填写日期，如 2026-12-31",
        },
    )
    if low is not None:
        _lowcode_validation(ws, low)
    return ws


def _lowcode_validation(ws: Any, low: LowCode) -> None:
    """Drop-down lists where the choices are few (Excel caps a list at 255 characters)."""
    first = len(COLUMNS)
    lists: list[tuple[int, list[str]]] = [(first, [c.name for c in low.categories])]
    for i, f in enumerate(low.fields, start=first + 1):
        kind = FieldKind(f.kind)
        if kind == FieldKind.choice:
            lists.append((i, list(f.options)))
        elif kind == FieldKind.boolean:
            lists.append((i, ["是", "否"]))
        elif kind == FieldKind.date:
            ws.data_validation(
                1,
                i,
                5000,
                i,
                {
                    "validate": "date",
                    "criteria": ">",
                    "value": dt.date(1900, 1, 1),
                    "error_message": "请填写日期，如 2026-03-31",
                },
            )
        elif kind == FieldKind.number:
            ws.data_validation(
                1,
                i,
                5000,
                i,
                {
                    "validate": "decimal",
                    "criteria": "between",
                    "minimum": -1e15,
                    "maximum": 1e15,
                    "error_message": "请填写数字",
                },
            )
    for column, options in lists:
        if options and len(",".join(options)) <= 250 and not any("," in o for o in options):
            ws.data_validation(1, column, 5000, column, {"validate": "list", "source": options})


def _write_plan_sheet(w: exports.WorkbookWriter, draft: ImportDraft) -> None:
    info = w.workbook.add_worksheet(SHEET_PLAN)
    info.set_column(0, 0, 14)
    info.set_column(1, 1, 60)
    values = {
        "title": draft.title or "",
        "issuer": draft.issuer or "",
        "doc_number": draft.doc_number or "",
        "issued_on": draft.issued_on.isoformat() if draft.issued_on else "",
        "phases": "、".join(draft.phases),
        "report_cycle": draft.report_cycle,
    }
    for r, (key, label) in enumerate(PLAN_FIELDS):
        info.write_string(r, 0, label, w.formats["head"])
        info.write_string(r, 1, values[key], w.formats["wrap"])


def template_bytes(session: Session | None = None) -> bytes:
    """An empty task sheet with one example row, the plan-info sheet and the instructions;
    with a session, also the 事项来源 column and a column per active custom field for all
    plans, each explained in 填写说明."""
    today = dt.date.today()
    year_end = dt.date(today.year, 12, 31)
    example = ImportDraft(
        title="",
        tasks=[
            DraftTask(
                code="1",
                title="（示例，导入前请删除）梳理公布政务服务事项清单",
                description="全面梳理……",
                lead_units=["市政务服务和大数据管理局"],
                responsible_units=["市发展和改革委员会", "市公安局"],
                deadline=year_end,
                report_cycle="每月10日前",
                milestones=[DraftMilestone(dt.date(today.year, 6, 30), "完成梳理")],
                targets=[DraftTarget("网上可办率", 95, "%", ">=")],
            )
        ],
    )
    return _write_workbook(
        example, example=True, low=LowCode.load(session) if session is not None else None
    )


def plan_draft(session: Session, plan_id: int, *, low: LowCode | None = None) -> ImportDraft:
    """An existing plan's tasks as a draft (the export's content); `low` is the plan's
    categories and fields when the caller has read them already."""
    plan = session.get(Plan, plan_id)
    if plan is None or plan.importing_at is not None:  # still being imported: not yet
        raise NotFound(f"实施方案不存在（编号 {plan_id}）。")
    tasks = [
        (_db_id(t), t)
        for t in session.exec(
            select(Task).where(Task.plan_id == plan_id).order_by(col(Task.sort_key), col(Task.id))
        ).all()
    ]
    ids = [i for i, _t in tasks]
    # a task without a code gets one only when a sub-task must point at it: T1, T2, … (not
    # its database id), skipping any code the plan already uses
    parents = {t.parent_id for _i, t in tasks if t.parent_id}
    used = {t.code for _i, t in tasks if t.code}
    made = (f"T{n}" for n in itertools.count(1) if f"T{n}" not in used)
    code_of = {i: (t.code or (next(made) if i in parents else "")) for i, t in tasks}
    units = _units_of(session, ids)
    ms = _milestones_of(session, ids)
    tg = _targets_of(session, ids)
    cat_names = {
        c.id: c.name for c in categories_mod.list_categories(session, include_retired=True)
    }
    low = low or LowCode.load(session, plan_id=plan_id)
    labels = {str(f.id): f.label for f in low.fields}
    return ImportDraft(
        title=plan.title,
        issuer=plan.issuer,
        doc_number=plan.doc_number,
        issued_on=plan.issued_on,
        phases=list(plan.phases or []),
        tasks=[
            DraftTask(
                code=code_of[i],
                parent_code=code_of.get(t.parent_id) if t.parent_id else None,
                title=t.title,
                description=t.description or "",
                phase=t.phase,
                lead_units=units[i][0],
                responsible_units=units[i][1],
                deadline=t.deadline,
                milestones=ms[i],
                targets=tg[i],
                weight=t.weight,
                report_cycle=cycles_set.words(t.report_cycle),
                category=cat_names.get(t.category_id, "") if t.category_id else "",
                custom={labels[k]: v for k, v in (t.custom or {}).items() if k in labels},
            )
            for i, t in tasks
        ],
        report_cycle=cycles_set.words(plan.report_cycle),
    )


def _db_id(task: Task) -> int:
    assert task.id is not None  # read from the database
    return task.id


def _units_of(session: Session, ids: list[int]) -> dict[int, tuple[list[str], list[str]]]:
    """Task id → (lead unit names, responsible unit names), in assignment order."""
    names = {d.id: d.name for d in session.exec(select(Department)).all()}
    units: dict[int, tuple[list[str], list[str]]] = {i: ([], []) for i in ids}
    for a in session.exec(
        select(Assignment).where(col(Assignment.task_id).in_(ids)).order_by(col(Assignment.id))
    ).all():
        units[a.task_id][0 if a.role == AssignmentRole.lead else 1].append(names[a.department_id])
    return units


def _milestones_of(session: Session, ids: list[int]) -> dict[int, list[DraftMilestone]]:
    ms: dict[int, list[DraftMilestone]] = {i: [] for i in ids}
    for m in session.exec(
        select(Milestone)
        .where(col(Milestone.task_id).in_(ids))
        .order_by(col(Milestone.due_date), col(Milestone.id))
    ).all():
        ms[m.task_id].append(DraftMilestone(m.due_date, m.title))
    return ms


def _targets_of(session: Session, ids: list[int]) -> dict[int, list[DraftTarget]]:
    tg: dict[int, list[DraftTarget]] = {i: [] for i in ids}
    for x in session.exec(
        select(Target).where(col(Target.task_id).in_(ids)).order_by(col(Target.id))
    ).all():
        tg[x.task_id].append(DraftTarget(x.text, x.target_value, x.unit, str(x.direction)))
    return tg


def export_plan(session: Session, plan_id: int, *, exported_by: str = "") -> bytes:
    """A plan's tasks in the template's layout (re-importable), and who exported it when."""
    low = LowCode.load(session, plan_id=plan_id)
    draft = plan_draft(session, plan_id, low=low)
    about = exports.About(
        title=f"{draft.title or '实施方案'}：任务表",
        filter_text=f"实施方案：{draft.title or plan_id}（全部任务）",
        exported_by=exported_by,
        extra=[("任务数", len(draft.tasks))],
        notes=["“任务表”和“方案信息”可修改后在“方案导入”中重新导入为新的方案。"],
    )
    return _write_workbook(draft, example=False, about=about, low=low)


# ---------------------------------------------------------------- reading a sheet back


@dataclass
class SheetResult:
    draft: ImportDraft
    errors: list[RowError] = field(default_factory=list)

    @property
    def bad_rows(self) -> set[int | None]:
        return {e.row for e in self.errors}


_UNREADABLE = "无法读取 Excel 文件：文件已损坏或不是 .xlsx 格式"
# Rows are streamed (read-only workbook) and reading stops at the first row past MAX_ROWS;
# a row is read only up to MAX_COLUMNS, whatever width the sheet declares.
MAX_ROWS = MAX_SHEET_ROWS
MAX_COLUMNS = MAX_SHEET_COLUMNS
_PLAN_INFO_ROWS = 50  # the plan-info sheet has five labelled rows; the rest is not read


def _load(data: bytes) -> Any:  # an openpyxl read-only workbook
    if not data:
        raise PlanParseError("文件为空")
    if len(data) > MAX_BYTES:
        raise PlanParseError("文件过大，任务表不能超过 10 MB")
    if not data.startswith(b"PK\x03\x04"):
        raise PlanParseError("不是有效的 Excel 文件（.xlsx），请使用下载的任务表模板")
    check_package(data)  # before openpyxl inflates anything
    check_sheets(data)  # before openpyxl walks a sheet (read-only, it reads one whole to size it)
    import openpyxl  # heavy: loaded only when a workbook is read

    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    except XLSX_ERRORS as exc:
        raise PlanParseError(_UNREADABLE) from exc


_HEADER_KEYS = {h: k for k, h in COLUMNS} | {"任务内容/说明": "description", "任务": "title"}


_CUSTOM = "custom:"  # a header that is none of the fixed columns: a custom field's, maybe


def _header_map(row: tuple[Any, ...]) -> dict[int, str]:
    """Column index → the fixed column's key, "category", or "custom:<header>"."""
    out: dict[int, str] = {}
    for i, v in enumerate(row):
        header = str(v).strip() if v is not None else ""
        if not header:
            continue
        if header == CATEGORY_HEADER:
            key = "category"
        else:
            key = _HEADER_KEYS.get(header) or _CUSTOM + header
        if key not in out.values():
            out[i] = key
    return out


def _task_sheet(wb: Any) -> Any:
    return wb[SHEET_TASKS] if SHEET_TASKS in wb.sheetnames else wb.worksheets[0]


def is_task_sheet(data: bytes) -> bool:
    """Whether the workbook has our task sheet layout (so it is read strictly, row by row)."""
    try:
        wb = _load(data)
    except PlanParseError:
        return False
    try:
        sheet = _task_sheet(wb)
        first = next(sheet.iter_rows(max_row=1, max_col=MAX_COLUMNS, values_only=True), ())
        cols = set(_header_map(first).values())
        return {"title", "lead_units", "parent_code"} <= cols
    except XLSX_ERRORS:
        return False  # not readable as our sheet: the plan reader reports what is wrong
    finally:
        wb.close()


def read_task_sheet(data: bytes, session: Session | None = None) -> SheetResult:
    """The task sheet as a draft, with row errors (row numbers as Excel shows them).

    With a session, unit names that match no department are row errors too.
    """
    wb = _load(data)
    try:
        rows = _task_rows(_task_sheet(wb))
        draft = _plan_info(wb[SHEET_PLAN]) if SHEET_PLAN in wb.sheetnames else ImportDraft()
    except XLSX_ERRORS as exc:
        raise PlanParseError(_UNREADABLE) from exc
    finally:
        wb.close()
    fixed = [
        {k: v for k, v in r.items() if k != "category" and not k.startswith(_CUSTOM)} for r in rows
    ]
    tasks, errors = rows_to_tasks(fixed, first_row=2)
    _attach_lowcode(tasks, rows)
    draft.tasks = tasks
    errors = errors + [e for e in validate_draft(draft) if e.row is not None]
    if session is not None:
        errors += _unknown_unit_errors(session, draft)
        _, low_errors = lowcode_values(session, draft)
        errors += low_errors
    return SheetResult(draft=draft, errors=sorted(errors, key=lambda e: e.row or 0))


def _attach_lowcode(tasks: list[DraftTask], rows: list[dict[str, Any]]) -> None:
    """Each task's 事项来源 and custom-field cells, as written (tasks carry their row)."""
    for t in tasks:
        if t.row is None:
            continue
        r = rows[t.row - 2]
        cat = r.get("category")
        t.category = "" if field_values.is_empty(cat) else str(cat).strip()
        t.custom = {
            k[len(_CUSTOM) :]: v
            for k, v in r.items()
            if k.startswith(_CUSTOM) and not field_values.is_empty(v)
        }


def _field_by_header(low: LowCode) -> dict[str, CustomField]:
    """A header → its field: the label, or the label with its unit ("投资额（万元）")."""
    return {header: f for f in low.fields for header in _field_headers(f)}


def _field_headers(f: CustomField) -> list[str]:
    """The headers a field's column may have: its label, or the label with its unit."""
    if not f.unit:
        return [f.label]
    return [f.label, f"{f.label}（{f.unit}）", f"{f.label}({f.unit})"]


def lowcode_values(
    session: Session, draft: ImportDraft
) -> tuple[list[tuple[int | None, dict[str, Any]]], list[RowError]]:
    """Each task's (category id, Task.custom) from its 事项来源 and custom-field cells, in
    the draft's order, and a row error for each cell that cannot be stored (an unknown
    category, a bad value): the import takes none of them.
    A column that names no active field for all plans is left out, with a warning."""
    low = LowCode.load(session)
    cats = {text.name_key(c.name): c for c in low.categories}
    by_header = _field_by_header(low)
    out: list[tuple[int | None, dict[str, Any]]] = []
    errors: list[RowError] = []
    unknown: set[str] = set()
    for t in draft.tasks:
        cat_id: int | None = None
        if t.category:
            cat = cats.get(text.name_key(t.category))
            if cat is None:
                listed = "、".join(c.name for c in low.categories[:8])
                errors.append(
                    RowError(
                        t.row,
                        f"“{CATEGORY_HEADER}”列：没有名为“{t.category[:30]}”的事项来源"
                        + (f"（可选：{listed}）" if listed else "（尚未设置事项来源，请留空）"),
                    )
                )
            else:
                cat_id = cat.id
        raw: dict[Any, Any] = {}
        for header, value in t.custom.items():
            f = by_header.get(header)
            if f is None:
                unknown.add(header)
                continue
            try:
                stored = field_values.coerce(f, value, departments=low.departments)
            except ValidationFailed as exc:
                errors.append(RowError(t.row, f"“{header}”列：{exc.message.rstrip('。')}"))
                continue
            raw[f.id] = stored
        # Required fields are not enforced here: imported tasks are drafts (草稿), and a
        # plan read from a document has no such columns; the task form asks for them.
        out.append((cat_id, {str(k): v for k, v in raw.items() if v is not None}))
    own = _plan_field_owners(session) if unknown else {}
    for header in sorted(unknown):
        plans = own.get(text.name_key(header))
        if plans:
            named = "、".join(f"“{p[:40]}”" for p in plans[:3]) + ("等" if len(plans) > 3 else "")
            note = (
                f"任务表中的“{header[:30]}”列是方案{named}的专用字段，不适用于新导入的方案，已忽略"
            )
        else:
            note = f"任务表中的“{header[:30]}”列不是现有的自定义字段，已忽略"
        if note not in draft.warnings:
            draft.warnings.append(note)
    return out, errors


def _plan_field_owners(session: Session) -> dict[str, list[str]]:
    """A header's look-alike key → the titles of the plans whose own active field it names
    (by label, or label with its unit), for the warning about such a column."""
    fields = [f for f in definitions.list_fields(session) if f.plan_id is not None]
    ids = {f.plan_id for f in fields}
    titles = {p.id: p.title for p in session.exec(select(Plan).where(col(Plan.id).in_(ids)))}
    out: dict[str, list[str]] = {}
    for f in fields:
        title = titles.get(f.plan_id) or f"编号 {f.plan_id}"
        for header in _field_headers(f):
            names = out.setdefault(text.name_key(header), [])
            if title not in names:
                names.append(title)
    return out


def _task_rows(ws: Any) -> list[dict[str, Any]]:
    """The rows below the header, as column key → cell value (streamed; stops past the limit)."""
    ws.reset_dimensions()  # the stored dimension may lie: read the rows that are there
    rows_iter = ws.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    header = _header_map(next(rows_iter, ()))
    if "title" not in header.values():
        raise PlanParseError("第 1 行没有找到“任务名称”列：请使用下载的任务表模板，不要修改表头")
    rows: list[dict[str, Any]] = []
    for n, row in enumerate(rows_iter, start=2):
        if n > MAX_ROWS + 1:
            raise PlanParseError(f"任务表超过 {MAX_ROWS} 行，无法导入")
        rows.append({key: (row[i] if i < len(row) else None) for i, key in header.items()})
    return rows


def _plan_info(ws: Any) -> ImportDraft:
    """The plan-info sheet as an empty draft's header."""
    draft = ImportDraft()
    info = {}
    for row in ws.iter_rows(values_only=True, max_row=_PLAN_INFO_ROWS, max_col=2):
        if row and row[0]:
            info[str(row[0]).strip()] = row[1] if len(row) > 1 else None
    labels = dict(PLAN_FIELDS)
    draft.title = str(info.get(labels["title"]) or "").strip() or None
    draft.issuer = str(info.get(labels["issuer"]) or "").strip() or None
    draft.doc_number = str(info.get(labels["doc_number"]) or "").strip() or None
    try:
        draft.issued_on = parse_date(info.get(labels["issued_on"]))
    except ValueError:
        draft.warnings.append(
            f"方案信息中的成文日期“{info.get(labels['issued_on'])}”无法识别，已留空"
        )
    draft.phases = [
        p
        for p in str(info.get(labels["phases"]) or "").replace("，", "、").split("、")
        if p.strip()
    ]
    draft.report_cycle = str(info.get(labels["report_cycle"]) or "").strip()
    return draft


def _unknown_unit_errors(session: Session, draft: ImportDraft) -> list[RowError]:
    """A row error for each unit name that matches no department, with a hint when close."""
    errors: list[RowError] = []
    matches = match_units(session, draft.unit_names())
    for t in draft.tasks:
        for u in [*t.lead_units, *t.responsible_units]:
            if not matches[u].matched:
                hint = "、".join(n for _, n in matches[u].candidates[:2])
                errors.append(
                    RowError(
                        t.row,
                        f"单位“{u}”在系统中不存在" + (f"（是否为：{hint}？）" if hint else ""),
                    )
                )
    return errors
