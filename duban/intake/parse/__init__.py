"""Plan parser: turns an implementation plan (txt/docx/xlsx/csv) into tasks with units and dates."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import sys
import zipfile
from pathlib import Path

from duban.core.numerals import format_int
from duban.intake.parse._table import cell_to_str, find_header, parse_task_rows, title_above
from duban.intake.parse._text import TextPlanParser, dates_for_lines
from duban.intake.parse.model import (
    ParsedMilestone,
    ParsedPlan,
    ParsedTarget,
    ParsedTask,
    PlanParseError,
)

__all__ = [
    "MAX_BYTES",
    "ParsedMilestone",
    "ParsedPlan",
    "ParsedTarget",
    "ParsedTask",
    "PlanParseError",
    "cli_parse_plan",
    "decode_text",
    "parse_plan_bytes",
    "parse_plan_file",
]

MAX_BYTES = 10 * 1024 * 1024

_TEXT_EXT = {".txt", ".text", ".md", ""}
_DOCX_EXT = {".docx", ".docm"}
_XLSX_EXT = {".xlsx", ".xlsm"}
_OLD_OFFICE_EXT = {".doc", ".xls", ".wps", ".et", ".rtf"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# ---------------------------------------------------------------- decoding


def _looks_like_text(text: str) -> bool:
    if not text:
        return False
    text = text[:100_000]
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or ch == "\ufffd")
    if bad > max(2, len(text) // 200):
        return False
    cjk = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if len(cjk) >= 20:
        # real Chinese text is dominated by the ~3,700 most common characters (GB2312 level 1)
        common = 0
        for ch in cjk:
            try:
                b = ch.encode("gb2312")
            except UnicodeEncodeError:
                continue
            if 0xB0 <= b[0] <= 0xD7:
                common += 1
        if common / len(cjk) < 0.5:
            return False
    return True


def _utf16_order(data: bytes) -> list[str]:
    sample = data[:4000]
    even = sample[0::2].count(b"\x00")
    odd = sample[1::2].count(b"\x00")
    return ["utf-16-le", "utf-16-be"] if odd >= even else ["utf-16-be", "utf-16-le"]


def decode_text(data: bytes) -> str:
    """Decode a text file: BOMs, UTF-8, GB18030, UTF-16 without BOM; else PlanParseError."""
    if data.startswith(codecs.BOM_UTF8):
        text = data[3:].decode("utf-8", errors="replace")
        if _looks_like_text(text):
            return text
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
            if _looks_like_text(text):
                return text
        except UnicodeDecodeError:
            pass
    else:
        candidates = ["utf-8", "gb18030"]
        if b"\x00" in data[:4000]:
            candidates = _utf16_order(data) + candidates
        else:
            candidates += _utf16_order(data)
        for enc in candidates:
            if enc.startswith("utf-16") and len(data) % 2:
                continue
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if "\x00" in text:
                continue
            if enc.startswith("utf-16") and not _mostly_cjk_or_ascii(text):
                continue
            if _looks_like_text(text):
                return text
    raise PlanParseError("无法识别文件编码或文件不是文本:请确认是 UTF-8/GBK 编码的文本文件")


def _mostly_cjk_or_ascii(text: str) -> bool:
    ok = sum(
        1 for ch in text if ch < "\x7f" or "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"
    )
    return ok >= len(text) * 0.9


# ---------------------------------------------------------------- readers


def _parse_text(text: str, year: int | None) -> ParsedPlan:
    if not text.strip():
        raise PlanParseError("文件内容为空")
    return TextPlanParser(text, year=year).parse()


def _rows_to_plan(sheets: list[list[list[str]]], year: int | None) -> ParsedPlan:
    found = [(rows, find_header(rows)) for rows in sheets]
    with_header = [(rows, h) for rows, h in found if h is not None]
    if not with_header:
        # no recognisable task columns: treat the cells as text
        text = "\n".join("  ".join(c for c in row if c) for rows in sheets for row in rows)
        if not text.strip():
            raise PlanParseError("表格中没有内容")
        plan = _parse_text(text, year)
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
        parser._set_year()

    def dates_fn(lines, title_text):  # noqa: ANN001, ANN202
        return dates_for_lines(parser, lines, title_text)

    tasks: list[ParsedTask] = []
    codes: set[str] = set()
    for rows, header in with_header:
        for t in parse_task_rows(rows, header, dates_fn, first_is_lead=parser.first_is_lead):
            if t.code in codes:
                t.code = f"{t.code}-{len(codes) + 1}"
            codes.add(t.code)
            tasks.append(t)
    return parser.finish(tasks)


def _read_xlsx(data: bytes) -> list[list[list[str]]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a user-facing error
        raise PlanParseError("无法读取 Excel 文件:文件已损坏或不是 .xlsx 格式") from exc
    sheets: list[list[list[str]]] = []
    for ws in wb.worksheets:
        if ws.max_row > 20000 or ws.max_column > 200:
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
        sheets.append(grid)
    return sheets


def _read_csv(data: bytes) -> list[list[list[str]]]:
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


def _read_docx(data: bytes, year: int | None) -> ParsedPlan:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001
        raise PlanParseError("无法读取 Word 文件:文件已损坏或不是 .docx 格式") from exc
    lines: list[str] = []
    tables: list[list[list[str]]] = []
    numbering = _DocxNumbering(document)
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, document)
            text = para.text
            if text.strip():
                text = numbering.label(para) + text
            lines.append(text)
        elif tag == "tbl":
            table = Table(child, document)
            rows: list[list[str]] = []
            for row in table.rows:
                rows.append([cell.text.strip() for cell in row.cells])
            if find_header(rows) is not None:
                tables.append(rows)
            else:
                for row in rows:
                    uniq: list[str] = []
                    for c in row:
                        if c and c not in uniq:
                            uniq.append(c)
                    lines.append("  ".join(uniq))
    text = "\n".join(lines)
    if not text.strip() and not tables:
        raise PlanParseError("Word 文件中没有文字内容")
    parser = TextPlanParser(text, year=year)
    tasks = parser.parse_tasks() if text.strip() else []

    def dates_fn(ls, title_text):  # noqa: ANN001, ANN202
        return dates_for_lines(parser, ls, title_text)

    codes = {t.code for t in tasks}
    for rows in tables:
        header = find_header(rows)
        assert header is not None
        for t in parse_task_rows(rows, header, dates_fn, first_is_lead=parser.first_is_lead):
            if t.code in codes:
                t.code = f"表{len(codes) + 1}-{t.code}"
            codes.add(t.code)
            tasks.append(t)
    return parser.finish(tasks)


_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


class _DocxNumbering:
    """Reconstruct Word automatic list labels ("（一）", "1.") that are not in paragraph text."""

    def __init__(self, document) -> None:  # noqa: ANN001 - python-docx Document
        from docx.oxml.ns import qn

        self.qn = qn
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.counters: dict[str, list[int]] = {}
        self.styles: dict[str, tuple[str, int]] = {}
        try:
            root = document.part.numbering_part.element
        except Exception:  # noqa: BLE001 - no numbering part
            return
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for an in root.findall(qn("w:abstractNum")):
            lv: dict[int, tuple[str, str, int]] = {}
            for lvl in an.findall(qn("w:lvl")):
                ilvl = int(lvl.get(qn("w:ilvl"), "0"))
                fmt = self._val(lvl, "w:numFmt") or "decimal"
                text = self._val(lvl, "w:lvlText") or ""
                start = int(self._val(lvl, "w:start") or "1")
                lv[ilvl] = (fmt, text, start)
            abstract[an.get(qn("w:abstractNumId"), "")] = lv
        for num in root.findall(qn("w:num")):
            aid = self._val(num, "w:abstractNumId")
            if aid in abstract:
                self.levels[num.get(qn("w:numId"), "")] = abstract[aid]
        try:
            for style in document.styles.element.findall(qn("w:style")):
                ppr = style.find(qn("w:pPr"))
                numpr = ppr.find(qn("w:numPr")) if ppr is not None else None
                if numpr is not None:
                    nid = self._val(numpr, "w:numId")
                    lvl = int(self._val(numpr, "w:ilvl") or "0")
                    if nid:
                        self.styles[style.get(qn("w:styleId"), "")] = (nid, lvl)
        except Exception:  # noqa: BLE001 - styles are optional
            pass

    def _val(self, el, tag: str) -> str | None:  # noqa: ANN001
        child = el.find(self.qn(tag))
        return child.get(self.qn("w:val")) if child is not None else None

    def label(self, para) -> str:  # noqa: ANN001 - python-docx Paragraph
        if not self.levels:
            return ""
        qn = self.qn
        ppr = para._p.pPr
        numpr = ppr.find(qn("w:numPr")) if ppr is not None else None
        nid: str | None = None
        ilvl = 0
        if numpr is not None:
            nid = self._val(numpr, "w:numId")
            ilvl = int(self._val(numpr, "w:ilvl") or "0")
        elif ppr is not None:
            sid = self._val(ppr, "w:pStyle")
            if sid in self.styles:
                nid, ilvl = self.styles[sid]
        if not nid or nid == "0" or nid not in self.levels:
            return ""
        levels = self.levels[nid]
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(nid, [0] * 9)
        if ilvl >= len(counters):
            return ""
        fmt, text, start = levels[ilvl]
        counters[ilvl] = counters[ilvl] + 1 if counters[ilvl] else start
        for deeper in range(ilvl + 1, len(counters)):
            counters[deeper] = 0
        if fmt in ("bullet", "none") or not text:
            return ""

        def render(level: int) -> str:
            f = levels.get(level, ("decimal", "", 1))[0]
            n = counters[level] or levels.get(level, ("", "", 1))[2]
            if f.startswith("chinese") or f in ("ideographTraditional", "japaneseCounting"):
                return format_int(n) if n < 10_000 else str(n)
            if f.startswith("decimalEnclosedCircle") and 1 <= n <= 20:
                return _CIRCLED[n - 1]
            if f == "lowerLetter":
                return chr(ord("a") + (n - 1) % 26)
            if f == "upperLetter":
                return chr(ord("A") + (n - 1) % 26)
            return str(n)

        out = ""
        i = 0
        while i < len(text):
            if text[i] == "%" and i + 1 < len(text) and text[i + 1].isdigit():
                out += render(int(text[i + 1]) - 1)
                i += 2
            else:
                out += text[i]
                i += 1
        return out


def _html_to_text(markup: str) -> str:
    """Visible text of a saved web page, one block element per line."""
    from html.parser import HTMLParser

    class _Text(HTMLParser):
        BLOCK = {
            "p",
            "div",
            "br",
            "tr",
            "li",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "table",
            "section",
        }

        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag: str, attrs: list) -> None:  # noqa: ARG002
            if tag in ("script", "style", "head", "title", "noscript"):
                self.skip += 1
            elif tag in self.BLOCK:
                self.parts.append("\n")
            elif tag in ("td", "th"):
                self.parts.append("\t")

        def handle_endtag(self, tag: str) -> None:
            if tag in ("script", "style", "head", "title", "noscript"):
                self.skip = max(0, self.skip - 1)
            elif tag in self.BLOCK:
                self.parts.append("\n")

        def handle_data(self, data: str) -> None:
            if not self.skip:
                self.parts.append(data.replace("\n", " "))

    parser = _Text()
    parser.feed(markup)
    parser.close()
    lines = [
        "\t".join(c.strip() for c in ln.split("\t")).strip()
        for ln in "".join(parser.parts).split("\n")
    ]
    return "\n".join(ln for ln in lines if ln)


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
        return _read_docx(data, year)
    if ext in _XLSX_EXT:
        if kind != "xlsx":
            raise PlanParseError("文件扩展名为 .xlsx,但内容不是有效的 Excel 工作簿")
        return _rows_to_plan(_read_xlsx(data), year)
    if ext == ".csv":
        if is_zip:
            raise PlanParseError("文件扩展名为 .csv,但内容不是文本表格")
        return _rows_to_plan(_read_csv(data), year)
    if ext in (".html", ".htm", ".shtml", ".mht"):
        if is_zip:
            raise PlanParseError("文件扩展名为网页,但内容不是网页文本")
        text = decode_text(data)
        return _parse_text(_html_to_text(text) if "<" in text else text, year)
    if ext in _TEXT_EXT:
        if kind == "docx":
            return _read_docx(data, year)
        if kind == "xlsx":
            return _rows_to_plan(_read_xlsx(data), year)
        if is_zip:
            raise PlanParseError("文件是压缩包,不是方案文本;请上传 .txt、.docx、.xlsx 或 .csv 文件")
        return _parse_text(decode_text(data), year)
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


def parse_plan_bytes(data: bytes, filename: str, *, year: int | None = None) -> ParsedPlan:
    """Parse a plan file's bytes; the extension of filename selects the reader."""
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
    except PlanParseError:
        raise
    except RecursionError as exc:
        raise PlanParseError("方案结构过于复杂,无法解析") from exc
    except Exception as exc:  # noqa: BLE001 - never crash on user files
        raise PlanParseError(f"解析方案文件时出错({type(exc).__name__}),请检查文件内容") from exc


def parse_plan_file(path: str | Path, *, year: int | None = None) -> ParsedPlan:
    """Read and parse a plan file from disk."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise PlanParseError(f"文件过大({size / 1024 / 1024:.1f} MB),方案文件不能超过 10 MB")
        data = p.read_bytes()
    except PlanParseError:
        raise
    except FileNotFoundError as exc:
        raise PlanParseError(f"找不到文件:{p}") from exc
    except IsADirectoryError as exc:
        raise PlanParseError(f"这是一个目录,不是文件:{p}") from exc
    except OSError as exc:
        raise PlanParseError(f"无法读取文件:{p}") from exc
    return parse_plan_bytes(data, p.name, year=year)


_USAGE = "用法: parse-plan 文件 [--year 年份]"


def cli_parse_plan(argv: list[str]) -> int:
    """`parse-plan FILE [--year YYYY]`: print the plan as JSON; exit 2 on errors."""
    try:
        args = list(argv)
        year: int | None = None
        files: list[str] = []
        i = 0
        while i < len(args):
            a = args[i]
            if a in ("-h", "--help"):
                print(_USAGE)
                return 0
            if a == "--year" or a.startswith("--year="):
                val = a.split("=", 1)[1] if "=" in a else (args[i + 1] if i + 1 < len(args) else "")
                i += 1 if "=" in a else 2
                if not val.isdigit() or len(val) != 4:
                    print(f"错误: 年份无效:{val or '(缺少)'}", file=sys.stderr)
                    return 2
                year = int(val)
                continue
            files.append(a)
            i += 1
        if len(files) != 1:
            print(f"错误: 请指定一个方案文件。{_USAGE}", file=sys.stderr)
            return 2
        plan = parse_plan_file(files[0], year=year)
        print(json.dumps(plan.to_json_dict(), ensure_ascii=False, indent=2))
        return 0
    except PlanParseError as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the CLI never raises
        print(f"错误: 解析失败({type(exc).__name__})", file=sys.stderr)
        return 2
