"""Office packages (.docx/.xlsx) checked before python-docx or openpyxl reads them.

A zip's central directory declares each member's unpacked size; python-docx and openpyxl
trust it. `check_package` refuses a package whose declared sizes, member count or compression
ratios are too large (a zip bomb: 1.5 MB of zeros unpacks to gigabytes), then inflates every
member once through a bounded reader (64 KB at a time, discarded) to prove that no member
unpacks to more than it declares: Python's zipfile reads a member whole in one call, so a
lying header would otherwise cost the real size in memory before the lie is noticed.

`check_sheets` streams every worksheet of a workbook (elements dropped as they are read) and
refuses it at the first row, column or cell past the limits: openpyxl would otherwise load a
million-row sheet whole (or, read-only, walk all of it to find its size) before any limit.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from typing import IO
from xml.etree import ElementTree

from duban.intake.parse.model import PlanParseError

MAX_MEMBERS = 2000
MAX_TOTAL_MB = 100  # all members unpacked (a real plan is well under 10 MB)
MAX_RATIO = 200  # unpacked : packed, for a member larger than RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
_CHUNK = 64 * 1024
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # as zipfile reads it
_BOMB = "（疑似压缩炸弹），已拒绝"


def check_package(data: bytes) -> None:
    """Refuse a zip package that unpacks to too much; PlanParseError (Chinese) when it does.

    Nothing is kept: the check's memory is one 64 KB chunk, whatever the package declares.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise PlanParseError("文件已损坏或不是有效的 Office 文档（.docx/.xlsx）") from exc
    _check_declared(infos)
    view = memoryview(data)
    for info in infos:
        _check_member(view, info)


def _check_declared(infos: list[zipfile.ZipInfo]) -> None:
    """The limits on what the central directory declares: members, total, ratio."""
    if len(infos) > MAX_MEMBERS:
        raise PlanParseError(
            f"文件内部包含 {len(infos)} 个部件，超过 {MAX_MEMBERS} 个的上限{_BOMB}"
        )
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_MB * 1024 * 1024:
        raise PlanParseError(
            f"文件解压后约 {total / 1024 / 1024:,.0f} MB，超过 {MAX_TOTAL_MB} MB 的上限{_BOMB}"
        )
    for i in infos:
        if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            ratio = i.file_size / max(i.compress_size, 1)
            raise PlanParseError(
                f"文件中有部件的压缩比达 {ratio:,.0f}:1（上限 {MAX_RATIO}:1），解压后过大{_BOMB}"
            )


def _check_member(data: memoryview, info: zipfile.ZipInfo) -> None:
    """Inflate one member in bounded chunks: its real size and CRC must be what it declares."""
    if info.flag_bits & 0x1:
        raise PlanParseError("文件已加密，无法读取：请去掉密码后另存再导入")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise PlanParseError(
            "文件使用了不支持的压缩方式，无法读取：请用 Word/Excel/WPS 另存后再导入"
        )
    raw = _member_bytes(data, info)
    if info.compress_type == zipfile.ZIP_DEFLATED:
        size, crc = _inflate_bounded(raw, info)
    else:
        size, crc = len(raw), zlib.crc32(raw)
    if size != info.file_size:
        raise PlanParseError(f"文件中有部件的实际解压大小与声明不符{_BOMB}")
    if crc != info.CRC:
        raise PlanParseError("文件已损坏（部件校验失败），无法读取")


def _member_bytes(data: memoryview, info: zipfile.ZipInfo) -> memoryview:
    """The member's packed bytes, found as zipfile finds them (local header, then data)."""
    start = info.header_offset
    header = bytes(data[start : start + _LOCAL_HEADER.size])
    if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise PlanParseError("文件已损坏（部件位置错误），无法读取")
    fields = _LOCAL_HEADER.unpack(header)
    begin = start + _LOCAL_HEADER.size + fields[-2] + fields[-1]  # + name + extra field
    raw = data[begin : begin + info.compress_size]
    if len(raw) != info.compress_size:
        raise PlanParseError("文件已损坏（部件被截断），无法读取")
    return raw


def _inflate_bounded(raw: memoryview, info: zipfile.ZipInfo) -> tuple[int, int]:
    """(size, CRC) of a deflated member; stops as soon as it passes the declared size."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size = crc = pos = 0
    while not inflater.eof:
        piece = inflater.unconsumed_tail or raw[pos : pos + _CHUNK]
        if not inflater.unconsumed_tail:
            pos += len(piece)
        try:
            out = inflater.decompress(piece, _CHUNK)
        except zlib.error as exc:
            raise PlanParseError("文件已损坏（部件无法解压），无法读取") from exc
        if not out and not piece:
            break  # the packed data ended before the stream did
        size += len(out)
        if size > info.file_size:
            break  # more than declared: refused by the caller, without reading the rest
        crc = zlib.crc32(out, crc)
    return size, crc


# ---------------------------------------------------------------- worksheets

MAX_SHEET_ROWS = 20000
MAX_SHEET_COLUMNS = 200
MAX_SHEET_CELLS = 400_000  # every <c>, empty formatted ones included (openpyxl keeps them)
_TOO_LARGE = (
    f"Excel 工作表过大（超过 {MAX_SHEET_ROWS} 行、{MAX_SHEET_COLUMNS} 列或 "
    f"{MAX_SHEET_CELLS:,} 个单元格），无法导入"
)
_SHEET_NS = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # ISO strict
)
_WORKSHEET = {f"{{{ns}}}worksheet" for ns in _SHEET_NS}
_SHEET_DATA = {f"{{{ns}}}sheetData" for ns in _SHEET_NS}
_ROW = {f"{{{ns}}}row" for ns in _SHEET_NS}
_CELL = {f"{{{ns}}}c" for ns in _SHEET_NS}
_VALUE = {f"{{{ns}}}{t}" for ns in _SHEET_NS for t in ("v", "is")}
_COLUMN_RE = re.compile(r"[A-Z]+")


def check_sheets(data: bytes) -> None:
    """Refuse a workbook with a sheet past the limits, reading rows only up to the first one
    past them. Call after `check_package` (the member sizes are then known to be honest)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                if info.filename.endswith(".xml"):
                    with zf.open(info) as part:
                        _check_sheet(part)
    except (ElementTree.ParseError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise PlanParseError("无法读取 Excel 文件:文件已损坏或不是 .xlsx 格式") from exc


class _Tally:
    """Rows and cells of one sheet, as they stream by."""

    def __init__(self) -> None:
        self.row_elements = 0
        self.row = 0  # the current row's number
        self.cells = 0
        self.column = 0  # the current cell's column

    def add_row(self, number: str | None) -> None:
        self.row_elements += 1
        self.row = int(number) if number and number.isdigit() else self.row + 1
        self.column = 0
        if self.row_elements > 2 * MAX_SHEET_ROWS:  # empty formatted rows have a cost too
            raise PlanParseError(_TOO_LARGE)

    def add_cell(self, ref: str | None, has_value: bool) -> None:
        self.cells += 1
        m = _COLUMN_RE.match(ref or "")
        self.column = _column_number(m.group(0)) if m else self.column + 1
        if self.cells > MAX_SHEET_CELLS:
            raise PlanParseError(_TOO_LARGE)
        if has_value and (self.row > MAX_SHEET_ROWS or self.column > MAX_SHEET_COLUMNS):
            raise PlanParseError(_TOO_LARGE)


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters[:4]:  # XFD is the last column; more letters are past any limit anyway
        n = n * 26 + ord(ch) - 64
    return n


def _check_sheet(part: IO[bytes]) -> None:
    """One XML part: skipped unless it is a worksheet; its rows counted, then dropped."""
    events = ElementTree.iterparse(part, events=("start", "end"))
    try:
        _event, root = next(events)
    except ElementTree.ParseError:
        return  # not XML: not a worksheet either (openpyxl says so if it needs the part)
    if root.tag not in _WORKSHEET:
        return
    tally = _Tally()
    holder = root
    for event, el in events:
        if event == "start":
            if el.tag in _SHEET_DATA:
                holder = el
            elif el.tag in _ROW:
                tally.add_row(el.get("r"))
        elif el.tag in _CELL:
            tally.add_cell(el.get("r"), any(child.tag in _VALUE for child in el))
        elif el.tag in _ROW:
            holder.clear()  # the rows read so far: nothing of them is kept
