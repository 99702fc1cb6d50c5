"""Spreadsheets as plans: .xlsx and .csv cells read into rows, rows into tasks."""

from __future__ import annotations

import csv
import io
import logging

from duban.intake.parse._decode import decode_text
from duban.intake.parse._table import cell_to_str, find_header, title_above
from duban.intake.parse._text import TextPlanParser, parse_text
from duban.intake.parse.model import XLSX_ERRORS, ParsedPlan, ParsedTask, PlanParseError
from duban.intake.parse.ooxml import (
    MAX_SHEET_COLUMNS,
    MAX_SHEET_ROWS,
    check_package,
    check_sheets,
)

log = logging.getLogger(__name__)

Sheet = list[list[str]]


def read_xlsx(data: bytes) -> list[Sheet]:
    """Every worksheet's cells as text, merged cells filled with their value.

    The package is checked first, then every sheet is streamed to refuse one past the limits
    after at most one row too many; only a workbook within them is loaded (openpyxl gives the
    merged cells only to a loaded sheet).
    """
    check_package(data)
    check_sheets(data)
    import openpyxl  # heavy: loaded only when a workbook is read

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        return [_sheet_grid(ws) for ws in wb.worksheets]
    except XLSX_ERRORS as exc:
        log.info("Unreadable Excel file: %r", exc)
        raise PlanParseError("无法读取 Excel 文件:文件已损坏或不是 .xlsx 格式") from exc


def _sheet_grid(ws) -> Sheet:  # noqa: ANN001 - openpyxl worksheet
    if ws.max_row > MAX_SHEET_ROWS or ws.max_column > MAX_SHEET_COLUMNS:
        raise PlanParseError("Excel 工作表过大,无法作为任务分工表导入")
    grid = [[cell_to_str(c) for c in row] for row in ws.iter_rows(values_only=True)]
    for rng in ws.merged_cells.ranges:
        r0, c0 = rng.min_row - 1, rng.min_col - 1
        if r0 >= len(grid) or c0 >= len(grid[r0]):
            continue
        val = grid[r0][c0]
        for r in range(r0, min(rng.max_row, len(grid))):
            for c in range(c0, min(rng.max_col, len(grid[r]))):
                grid[r][c] = val
    return grid


def read_csv(data: bytes) -> list[Sheet]:
    """A CSV file as one sheet; the delimiter is the commonest of , tab ; and ，."""
    text = decode_text(data)
    if not text.strip():
        raise PlanParseError("文件内容为空")
    first = text[:2000]
    delim = max([",", "\t", ";", "，"], key=first.count)
    try:
        rows = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delim)]
    except csv.Error as exc:
        raise PlanParseError("CSV 文件格式错误,无法读取") from exc
    return [rows]


def rows_to_plan(sheets: list[Sheet], year: int | None) -> ParsedPlan:
    """A plan from task sheets; sheets without a task header are read as text."""
    found = [(rows, find_header(rows)) for rows in sheets]
    with_header = [(rows, h) for rows, h in found if h is not None]
    if not with_header:
        # no recognisable task columns: treat the cells as text
        text = "\n".join("  ".join(c for c in row if c) for rows in sheets for row in rows)
        if not text.strip():
            raise PlanParseError("表格中没有内容")
        plan = parse_text(text, year)
        plan.warnings.append(
            "未找到任务列表头(如 序号/任务内容/牵头单位/责任单位/完成时限),已按文本解析"
        )
        return plan
    rows0, (hr0, _cols) = with_header[0]
    meta_lines = ["  ".join(c for c in row if c) for row in rows0[:hr0]]
    title = title_above(rows0, hr0)
    parser = TextPlanParser("\n".join(meta_lines), year=year)
    parser.parse_tasks()
    if title is not None and parser.meta.title is None:
        parser.meta.title = title
        parser.set_year()
    tasks: list[ParsedTask] = []
    codes: set[str] = set()
    for rows, header in with_header:
        for t in parser.table_rows_to_tasks(rows, header):
            if t.code in codes:
                t.code = f"{t.code}-{len(codes) + 1}"
            codes.add(t.code)
            tasks.append(t)
    return parser.finish(tasks)
