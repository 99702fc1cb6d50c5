"""Reading a plan file: size and type checks, one reader per format, user-facing errors."""

from __future__ import annotations

import io
import logging
import re
import zipfile
from pathlib import Path

from duban.intake.parse import _docx, _sheets
from duban.intake.parse._decode import decode_text
from duban.intake.parse._html import html_to_text
from duban.intake.parse._text import parse_text
from duban.intake.parse.model import ParsedPlan, PlanParseError

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024

_TEXT_EXT = {".txt", ".text", ".md", ""}
_DOCX_EXT = {".docx", ".docm"}
_XLSX_EXT = {".xlsx", ".xlsm"}
_HTML_EXT = {".html", ".htm", ".shtml", ".mht"}
_OLD_OFFICE_EXT = {".doc", ".xls", ".wps", ".et", ".rtf"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def parse_plan_bytes(data: bytes, filename: str, *, year: int | None = None) -> ParsedPlan:
    """Parse a plan file's bytes; the extension of filename selects the reader.

    Whatever the file holds, the only error raised is PlanParseError with a message for the
    user; an error that no reader expects is logged with its traceback first.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise PlanParseError("文件内容无效")
    if len(data) > MAX_BYTES:
        raise PlanParseError(f"文件过大({len(data) / 1024 / 1024:.1f} MB),方案文件不能超过 10 MB")
    if not data or not data.strip():
        raise PlanParseError("文件为空")
    if year is not None and not 1900 <= year <= 2200:
        raise PlanParseError(f"年份 {year} 无效")
    ext = Path(filename or "").suffix.lower()
    try:
        return _tidy_titles(_dispatch(bytes(data), ext, year))
    except RecursionError as exc:
        raise PlanParseError("方案结构过于复杂,无法解析") from exc
    except PlanParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - never crash on user files, but log the bug
        log.exception("Unexpected error parsing the plan file %r", filename)
        raise PlanParseError(f"解析方案文件时出错({type(exc).__name__}),请检查文件内容") from exc


def parse_plan_file(path: str | Path, *, year: int | None = None) -> ParsedPlan:
    """Read and parse a plan file from disk."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise PlanParseError(f"文件过大({size / 1024 / 1024:.1f} MB),方案文件不能超过 10 MB")
        data = p.read_bytes()
    except FileNotFoundError as exc:
        raise PlanParseError(f"找不到文件:{p}") from exc
    except IsADirectoryError as exc:
        raise PlanParseError(f"这是一个目录,不是文件:{p}") from exc
    except OSError as exc:
        raise PlanParseError(f"无法读取文件:{p}") from exc
    return parse_plan_bytes(data, p.name, year=year)


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return "zip"


def _dispatch(data: bytes, ext: str, year: int | None) -> ParsedPlan:
    """The reader for the file's extension, checked against what the bytes really are."""
    if data.startswith(_OLE_MAGIC) or ext in _OLD_OFFICE_EXT:
        raise PlanParseError(
            "不支持旧版 Office 格式(.doc/.xls/.wps),请另存为 .docx 或 .xlsx 后再导入"
        )
    if data.startswith(b"%PDF") or ext == ".pdf":
        raise PlanParseError("暂不支持 PDF 文件,请将文字复制到 .txt 或另存为 .docx 后再导入")
    is_zip = data.startswith(b"PK\x03\x04")
    kind = _zip_kind(data) if is_zip else None
    if ext in _DOCX_EXT:
        if kind != "docx":
            raise PlanParseError("文件扩展名为 .docx,但内容不是有效的 Word 文档")
        return _docx.read_docx(data, year)
    if ext in _XLSX_EXT:
        if kind != "xlsx":
            raise PlanParseError("文件扩展名为 .xlsx,但内容不是有效的 Excel 工作簿")
        return _sheets.rows_to_plan(_sheets.read_xlsx(data), year)
    if ext == ".csv":
        if is_zip:
            raise PlanParseError("文件扩展名为 .csv,但内容不是文本表格")
        return _sheets.rows_to_plan(_sheets.read_csv(data), year)
    if ext in _HTML_EXT:
        if is_zip:
            raise PlanParseError("文件扩展名为网页,但内容不是网页文本")
        text = decode_text(data)
        return parse_text(html_to_text(text) if "<" in text else text, year)
    if ext in _TEXT_EXT:
        if kind == "docx":
            return _docx.read_docx(data, year)
        if kind == "xlsx":
            return _sheets.rows_to_plan(_sheets.read_xlsx(data), year)
        if is_zip:
            raise PlanParseError("文件是压缩包,不是方案文本;请上传 .txt、.docx、.xlsx 或 .csv 文件")
        return parse_text(decode_text(data), year)
    raise PlanParseError(
        f"不支持的文件类型“{ext}”:请上传 .txt、.docx、.xlsx、.csv 或网页(.html)格式的方案文件"
    )


# Line-wrap and justification spaces next to Chinese characters are layout, not words:
# "关于印发 《…任务分解 和责任分工方案》" → "关于印发《…任务分解和责任分工方案》".
_LAYOUT_SPACE_RE = re.compile(
    r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”《》])[ \t\u3000]+"
    r"|[ \t\u3000]+(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”《》])"
)


def _tidy_titles(plan: ParsedPlan) -> ParsedPlan:
    if plan.title:
        plan.title = _LAYOUT_SPACE_RE.sub("", plan.title)
    for t in plan.tasks:
        t.title = _LAYOUT_SPACE_RE.sub("", t.title)
    return plan
