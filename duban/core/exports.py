"""Excel workbooks for every export: safe text, typed columns, a frozen header, a 说明 sheet.

Every Excel file the product hands out is written here, so that the rules hold everywhere:

- text stays text: never a formula (`=HYPERLINK(…)` in a unit's name), a number ("1.10" as a
  code) or a link (the workbook options below, and every string cell goes through
  `write_string`);
- a column has one kind (`Column.kind`): counts are integers, shares are real percentages
  (stored as a fraction, 0.853, shown with a % format: the header carries no "%"), decimals
  show their places, dates are Excel dates;
- the header row is bold, frozen and filtered; widths follow the content (a CJK character
  counts double), capped, never narrower than the header;
- a 说明 sheet says what the file is: its title, the filter that was applied in words, when it
  was exported and by whom.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from duban.core import clock

__all__ = [
    "ABOUT_SHEET",
    "KINDS",
    "About",
    "Column",
    "Sheet",
    "WorkbookWriter",
    "display_width",
    "sheet_name",
    "write_workbook",
]

# Text stays text: a cell is never turned into a formula, a number or a hyperlink.
WORKBOOK_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}

KINDS = ("text", "int", "decimal", "percent", "number", "date", "datetime")
ABOUT_SHEET = "说明"
NO_FILTER = "全部"
MAX_WIDTH = 60  # characters (a CJK character counts two); longer text wraps
MIN_WIDTH = 6
_WIDTH_SAMPLE = 5000  # rows measured for the width (a 20,000-task register stays quick)
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
HEADER_STYLE = {"bold": True, "bg_color": "#DDE6F0", "border": 1, "valign": "vcenter"}


@dataclass(frozen=True)
class Column:
    """One column of a sheet: the frame column it shows, its header and its kind.

    kind: text / int (counts, `0`) / decimal (`places` places) / percent (the frame holds
    0–100, the cell holds the fraction with a % format of `places` places) / number (as it
    comes, General) / date (`yyyy-mm-dd`) / datetime (`yyyy-mm-dd hh:mm`).
    `kind_by` names a frame column holding each row's kind instead (a list of mixed figures);
    `fmt` replaces the kind's number format (a signed change: `+0.00;-0.00;"持平"`).
    """

    key: str
    header: str
    kind: str = "text"
    places: int = 1
    width: float | None = None  # fixed; else measured from the content
    wrap: bool = False
    kind_by: str | None = None
    fmt: str | None = None  # an Excel number format instead of the kind's

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass
class Sheet:
    """A table: a frame and the columns of it that are exported, in order."""

    name: str
    frame: pl.DataFrame
    columns: Sequence[Column]


@dataclass
class About:
    """What the 说明 sheet says about the export."""

    title: str
    filter_text: str = NO_FILTER  # the filter applied, in words ("单位：市公安局；预警：红灯")
    exported_by: str = ""
    exported_at: dt.datetime | None = None
    extra: list[tuple[str, Any]] = field(default_factory=list)  # (label, value) rows
    notes: list[str] = field(default_factory=list)  # lines below the table


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: a CJK (wide) character counts two."""
    # UTF-8 length: 1 byte for ASCII, 3 for CJK and full-width punctuation.
    b, n = len(text.encode("utf-8")), len(text)
    return n + (b - n) // 2


def sheet_name(name: str) -> str:
    """A name Excel accepts for a sheet: no []:*?/\\, at most 31 characters, not empty."""
    cleaned = _SHEET_NAME_BAD.sub("_", name).strip("'")[:31]
    return cleaned or "Sheet"


def _as_date(v: Any) -> dt.datetime | None:
    """A date-like value as the datetime xlsxwriter writes; None if it is not one."""
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None)
    if isinstance(v, dt.date):
        return dt.datetime.combine(v, dt.time())
    if isinstance(v, str):
        try:
            return _as_date(dt.datetime.fromisoformat(v.strip()))
        except ValueError:
            return None
    return None


def _text(v: Any) -> str:
    if isinstance(v, list | tuple):
        return "、".join(_text(x) for x in v if x is not None)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


class WorkbookWriter:
    """A workbook being written: add the 说明 sheet and tables, then `close()` for the bytes.

    Also gives `workbook` and `formats` to a caller that writes a sheet of its own layout
    (the task sheet's plan-info form): the same safe options hold for it.
    """

    def __init__(self) -> None:
        self._buf = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(self._buf, dict(WORKBOOK_OPTIONS))
        wb = self.workbook
        self.formats: dict[str, Format] = {
            "head": wb.add_format(HEADER_STYLE),
            "label": wb.add_format({"bold": True, "valign": "top"}),
            "value": wb.add_format({"valign": "top", "align": "left", "text_wrap": True}),
            "title": wb.add_format({"bold": True, "font_size": 14}),
            "text": wb.add_format({"valign": "top"}),
            "wrap": wb.add_format({"valign": "top", "text_wrap": True}),
            "int": wb.add_format({"valign": "top", "num_format": "0"}),
            "number": wb.add_format({"valign": "top", "num_format": "General"}),
            "date": wb.add_format({"valign": "top", "num_format": "yyyy-mm-dd"}),
            "datetime": wb.add_format({"valign": "top", "num_format": "yyyy-mm-dd hh:mm"}),
        }

    def _fmt(
        self, kind: str, places: int = 1, wrap: bool = False, spec: str | None = None
    ) -> Format:
        """The cell format of a kind (cached): its number format, wrapped or not."""
        if spec is None:
            if kind == "decimal":
                spec = "0" + ("." + "0" * places if places else "")
            elif kind == "percent":
                spec = "0" + ("." + "0" * places if places else "") + "%"
            elif kind == "text":
                return self.formats["wrap" if wrap else "text"]
            else:
                return self.formats[kind]
        key = f"{spec}|{wrap}"
        if key not in self.formats:
            props: dict[str, Any] = {"valign": "top", "num_format": spec}
            if wrap:
                props["text_wrap"] = True
            self.formats[key] = self.workbook.add_format(props)
        return self.formats[key]

    def _left(self, kind: str) -> Format:
        """A value of the 说明 sheet: its kind's number format, aligned left like the text."""
        key = f"left:{kind}"
        if key not in self.formats:
            spec = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "int": "0"}
            props = {"valign": "top", "align": "left", "num_format": spec.get(kind, "General")}
            self.formats[key] = self.workbook.add_format(props)
        return self.formats[key]

    # ------------------------------------------------------------------ the 说明 sheet
    def add_about(self, about: About, *, name: str = ABOUT_SHEET) -> Worksheet:
        """Title, filter, time and exporter, then any extra rows and notes."""
        ws = self.workbook.add_worksheet(sheet_name(name))
        f = self.formats
        ws.write_string(0, 0, about.title, f["title"])
        rows: list[tuple[str, Any]] = [
            ("筛选条件", about.filter_text or NO_FILTER),
            ("导出时间", about.exported_at or clock.now()),
            ("导出人", about.exported_by or "—"),
            *about.extra,
        ]
        for r, (label, value) in enumerate(rows, start=2):
            ws.write_string(r, 0, label, f["label"])
            kind = _kind_of(value)
            fmt = f["value"] if kind == "text" else self._left(kind)
            self._write(ws, r, 1, value, kind, 1, fmt)
        for r, line in enumerate(about.notes, start=len(rows) + 3):
            ws.write_string(r, 0, line, f["wrap"] if len(line) > 80 else f["text"])
        ws.set_column(0, 0, 12)
        longest = max((display_width(_text(v)) for _l, v in rows), default=10)
        ws.set_column(1, 1, min(max(longest + 2, 24), 90), f["value"])
        return ws

    # ------------------------------------------------------------------ a table
    def add_sheet(self, sheet: Sheet) -> Worksheet:
        """The table: bold, frozen, filtered header; typed cells; widths from the content."""
        ws = self.workbook.add_worksheet(sheet_name(sheet.name))
        df, cols = sheet.frame, list(sheet.columns)
        for j, c in enumerate(cols):
            ws.write_string(0, j, c.header, self.formats["head"])
        for j, c in enumerate(cols):
            values = df.get_column(c.key).to_list() if c.key in df.columns else [None] * df.height
            kinds = df.get_column(c.kind_by).to_list() if c.kind_by else None
            width = c.width if c.width is not None else _measure(c, values)
            wrap = c.wrap or (c.kind == "text" and c.width is None and width >= MAX_WIDTH)
            fmt = self._fmt(c.kind, c.places, wrap, c.fmt)
            ws.set_column(j, j, width, fmt)
            for i, v in enumerate(values, start=1):
                kind = (kinds[i - 1] or "text") if kinds else c.kind
                cell_fmt = fmt if kinds is None else self._fmt(kind, c.places, wrap)
                self._write(ws, i, j, v, kind, c.places, cell_fmt)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(df.height, 1), max(len(cols) - 1, 0))
        # printed (or saved as PDF): landscape, one page wide, the header on every page
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)
        return ws

    def _write(self, ws: Worksheet, r: int, c: int, v: Any, kind: str, places: int, fmt: Format):
        if v is None or v == "" or (isinstance(v, float) and v != v):  # an empty cell
            ws.write_blank(r, c, None, fmt)
        elif kind in ("date", "datetime"):
            when = _as_date(v)
            if when is None:
                ws.write_string(r, c, _text(v), fmt)
            else:
                ws.write_datetime(r, c, when, fmt)
        elif kind == "percent" and isinstance(v, int | float):
            ws.write_number(r, c, float(v) / 100, fmt)
        elif kind == "int" and isinstance(v, int | float):
            ws.write_number(r, c, round(v), fmt)
        elif kind in ("decimal", "number") and isinstance(v, int | float):
            ws.write_number(r, c, float(v), fmt)
        else:
            ws.write_string(r, c, _text(v), fmt)

    def close(self) -> bytes:
        self.workbook.close()
        return self._buf.getvalue()


def _kind_of(v: Any) -> str:
    if isinstance(v, dt.datetime):
        return "datetime"
    if isinstance(v, dt.date):
        return "date"
    if isinstance(v, bool):
        return "text"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "number"
    return "text"


def _measure(c: Column, values: list[Any]) -> float:
    """Width in characters: the widest cell (sampled), at least the header, capped."""
    head = display_width(c.header) + 3  # room for the filter button
    if c.kind in ("date",):
        body = 10
    elif c.kind == "datetime":
        body = 16
    elif c.kind in ("int", "decimal", "percent", "number"):
        nums = [abs(float(v)) for v in values[:_WIDTH_SAMPLE] if isinstance(v, int | float)]
        body = len(f"{max(nums, default=0):,.{c.places}f}") + 2
    else:
        body = max(
            (
                max(display_width(line) for line in _text(v).split("\n"))
                for v in values[:_WIDTH_SAMPLE]
                if v is not None
            ),
            default=0,
        )
    return float(max(MIN_WIDTH, min(MAX_WIDTH, max(head, body + 2))))


def write_workbook(
    sheets: Iterable[Sheet],
    *,
    about: About | None = None,
    extra: Callable[[WorkbookWriter], None] | None = None,
) -> bytes:
    """A workbook: the 说明 sheet first (when given), then one sheet per table."""
    w = WorkbookWriter()
    if about is not None:
        w.add_about(about)
    for s in sheets:
        w.add_sheet(s)
    if extra is not None:
        extra(w)
    return w.close()
