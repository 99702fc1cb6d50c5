"""Plan files within bounds: zip bombs refused before anything inflates, sheets streamed with a
row limit, Big5 (and every other supported encoding) decoded right or refused by name.

Issue 11 #7 (a 1.5 MB .docx expanded to 3 GB before being refused; a 1M-row .xlsx was read
whole before "工作表过大") and #17 (a Big5 plan decoded as garbage, exit 0 "未识别到任务").
"""

import datetime
import io
import struct
import tracemalloc
import zipfile
import zlib

import pytest

from duban import cli
from duban.intake import excel, importer
from duban.intake.parse import ooxml
from duban.intake.parse.model import PlanParseError
from duban.intake.parse.reader import parse_plan_bytes

MB = 1024 * 1024
D = datetime.date


# ---------------------------------------------------------------- building zips by hand


def zeros_deflated(mb: int) -> bytes:
    """`mb` MB of zeros as one raw deflate stream, built in milliseconds (~1 KB per MB)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(MB)) + c.flush(zlib.Z_FULL_FLUSH)  # the same bytes every MB
    return block * mb + c.flush()


def crc_of_zeros(n: int) -> int:
    crc, block = 0, bytes(MB)
    while n:
        step = min(n, MB)
        crc = zlib.crc32(block[:step], crc)
        n -= step
    return crc


def make_zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip of (name, packed bytes, method, declared size, CRC) members: headers may lie."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, packed, method, size, crc in members:
        raw = name.encode()
        offset = out.tell()
        out.write(
            struct.pack(
                "<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0, crc, len(packed), size, len(raw), 0
            )
            + raw
            + packed
        )
        central.write(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0,
                method,
                0,
                0,
                crc,
                len(packed),
                size,
                len(raw),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + raw
        )
    cd = central.getvalue()
    start = out.tell()
    out.write(cd)
    n = len(members)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, len(cd), start, 0))
    return out.getvalue()


def stored(name: str, text: str) -> tuple[str, bytes, int, int, int]:
    data = text.encode()
    return name, data, zipfile.ZIP_STORED, len(data), zlib.crc32(data)


TYPES = stored("[Content_Types].xml", "<Types/>")
WORKBOOK = stored("xl/workbook.xml", "<workbook/>")


def bomb(part: str, mb: int) -> bytes:
    """An Office package whose `part` honestly declares `mb` MB of zeros."""
    member = (part, zeros_deflated(mb), zipfile.ZIP_DEFLATED, mb * MB, crc_of_zeros(mb * MB))
    extra = [WORKBOOK] if part.startswith("xl/") else []
    return make_zip([TYPES, *extra, member])


def peak_of(fn) -> int:
    """The peak of Python allocations while fn runs (zlib's output buffers included)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def refused(data: bytes, filename: str, match: str) -> int:
    def run() -> None:
        with pytest.raises(PlanParseError, match=match):
            parse_plan_bytes(data, filename)

    return peak_of(run)


# ---------------------------------------------------------------- zip bombs (issue 11 #7)


def test_docx_bomb_is_refused_without_being_inflated():
    """A 300 KB .docx whose document unpacks to 300 MB: refused from the zip's directory."""
    data = bomb("word/document.xml", 300)
    assert len(data) < 400_000
    peak = refused(data, "方案.docx", "解压后约 300 MB，超过 100 MB 的上限（疑似压缩炸弹），已拒绝")
    assert peak < 4 * MB


def test_a_lying_header_cannot_get_past_the_bounded_reader():
    """The directory says 4 KB (CRC of those 4 KB), the data unpacks to 64 MB: zipfile would
    inflate all of it in one call before cutting it to 4 KB; the check stops at 4 KB + 64 KB."""
    member = (
        "word/document.xml",
        zeros_deflated(64),
        zipfile.ZIP_DEFLATED,
        4096,
        crc_of_zeros(4096),
    )
    data = make_zip([TYPES, member])
    peak = refused(data, "方案.docx", "实际解压大小与声明不符（疑似压缩炸弹）")
    assert peak < 4 * MB


def test_a_high_ratio_member_is_refused():
    """2 MB of zeros (about 1000:1) is under the total but not a document's ratio."""
    refused(bomb("word/document.xml", 2), "方案.docx", r"压缩比达 [\d,]+:1（上限 200:1）")


def test_too_many_members_are_refused():
    parts = [stored(f"word/media/{i}.xml", "x") for i in range(ooxml.MAX_MEMBERS)]
    members = [TYPES, stored("word/document.xml", "<w:document/>"), *parts]
    refused(make_zip(members), "方案.docx", f"超过 {ooxml.MAX_MEMBERS} 个的上限")


def test_a_damaged_member_is_told_as_damaged():
    name, packed, method, size, _crc = stored("word/document.xml", "<w:document/>")
    data = make_zip([TYPES, (name, packed, method, size, 12345)])
    refused(data, "方案.docx", "校验失败")


@pytest.mark.parametrize("filename", ["任务.xlsx", "任务"])  # by extension, or by content
def test_xlsx_bomb_is_refused_by_the_plan_reader(filename):
    peak = refused(bomb("xl/worksheets/sheet1.xml", 300), filename, "疑似压缩炸弹")
    assert peak < 4 * MB


def test_xlsx_bomb_is_refused_by_the_task_sheet_import():
    """The Excel template path (importer → excel) checks the package too."""
    data = bomb("xl/worksheets/sheet1.xml", 300)

    def run() -> None:
        with pytest.raises(PlanParseError, match="疑似压缩炸弹"):
            excel.read_task_sheet(data)
        with pytest.raises(PlanParseError, match="疑似压缩炸弹"):
            importer.load_draft(data, "任务表.xlsx")

    assert peak_of(run) < 4 * MB


# ---------------------------------------------------------------- sheets streamed (issue 11 #7)


def sheet_xlsx(rows_xml: str) -> bytes:
    """A minimal workbook whose one sheet holds `rows_xml` (inline strings)."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook {ns} xmlns:r="{rel}"><sheets>'
            '<sheet name="任务" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": f"<worksheet {ns}><sheetData>{rows_xml}</sheetData></worksheet>",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return buf.getvalue()


def _row(i: int) -> str:
    return f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>第{i}项任务</t></is></c></row>'


def test_a_sheet_is_refused_after_its_row_limit_without_reading_the_rest():
    """25,000 rows, then XML that cannot be parsed: a reader that loads the whole sheet fails
    on the bad XML ("已损坏"); a streaming one stops at row 20,001 and says it is too large."""
    rows = "".join(_row(i) for i in range(1, 25_001)) + '<row r="25001"><c r=<<< broken'
    data = sheet_xlsx(rows)
    with pytest.raises(
        PlanParseError, match="工作表过大（超过 20000 行、200 列或 400,000 个单元格）"
    ):
        parse_plan_bytes(data, "任务.xlsx")


def test_a_sheet_within_the_limits_is_read():
    data = sheet_xlsx(_row(1) + _row(2) + '<row r="30000"/>')  # an empty formatted row far down
    plan = parse_plan_bytes(data, "任务.xlsx")
    assert "未找到任务列表头" in " ".join(plan.warnings)  # read as text: no task header


# ---------------------------------------------------------------- Big5 and friends (issue 11 #17)

TRADITIONAL_PLAN = """關於印發《2026年優化營商環境重點任務分工方案》的通知

各區人民政府，市政府各部門：
現將《2026年優化營商環境重點任務分工方案》印發給你們，請認真貫徹落實。

一、深化政務服務改革
（一）推進政務服務事項標準化。全面梳理政務服務事項清單，實現同一事項無差別受理、同標準辦理。（牽頭單位：市政務服務和大數據管理局；責任單位：市發展和改革委員會、市公安局；完成時限：2026年6月30日前）
（二）優化企業開辦流程。企業開辦時間壓縮至1個工作日以內。（牽頭單位：市市場監督管理局；責任單位：市稅務局；完成時限：2026年9月30日前）
二、加強監督檢查
（三）建立營商環境投訴處理機制，做到件件有回應。（牽頭單位：市司法局；完成時限：2026年12月31日前）
"""


def _check_traditional(plan) -> None:
    assert [t.code for t in plan.tasks] == ["一(一)", "一(二)", "二(三)"]
    first, second, third = plan.tasks
    assert first.title == "推進政務服務事項標準化"
    assert first.lead_units == ["市政務服務和大數據管理局"]
    assert first.responsible_units == ["市發展和改革委員會", "市公安局"]
    assert [t.deadline for t in plan.tasks] == [D(2026, 6, 30), D(2026, 9, 30), D(2026, 12, 31)]
    assert second.lead_units == ["市市場監督管理局"] and third.lead_units == ["市司法局"]


@pytest.mark.parametrize("encoding", ["big5", "cp950", "utf-8", "utf-8-sig", "utf-16", "gb18030"])
def test_a_traditional_plan_parses_in_every_encoding(encoding):
    """issue 11 #17: Big5 was decoded as GB18030 garbage (or refused when long enough)."""
    _check_traditional(parse_plan_bytes(TRADITIONAL_PLAN.encode(encoding), "方案.txt"))


def test_a_short_big5_plan_is_not_swallowed_by_gb18030():
    """Under 20 characters the old check did not look: GB18030 took it, "未识别到任务"."""
    text = "（一）推進標準化。（牽頭單位：市局；完成時限：2026年6月30日前）"
    plan = parse_plan_bytes(text.encode("big5"), "a.txt")
    assert [(t.lead_units, t.deadline) for t in plan.tasks] == [(["市局"], D(2026, 6, 30))]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16-le", "utf-16-be"])
def test_a_simplified_plan_still_decodes(encoding):
    text = "（一）推进标准化建设工作。（牵头单位：市政务服务局；完成时限：2026年6月30日前）\n"
    plan = parse_plan_bytes((text * 3).encode(encoding), "a.txt")
    assert plan.tasks and plan.tasks[0].lead_units == ["市政务服务局"]


def test_garbage_text_is_refused_as_an_unknown_encoding(tmp_path, capsys):
    """issue 11 #17: bytes that decode (GB18030) only to rare characters exit 2, saying the
    encoding was not recognised, instead of exit 0 with "未识别到任务"."""
    path = tmp_path / "plan.txt"
    path.write_bytes(bytes([0x81, 0x40, 0x82, 0x50, 0x83, 0x60, 0x84, 0x70, 0x85, 0x41]) * 4)
    assert cli.main(["parse-plan", str(path)]) == 2
    err = capsys.readouterr().err
    assert "无法识别文件编码" in err and "Big5" in err


def test_big5_plan_through_the_command_line(tmp_path, capsys):
    path = tmp_path / "plan.txt"
    path.write_bytes(TRADITIONAL_PLAN.encode("big5"))
    assert cli.main(["parse-plan", str(path)]) == 0
    out = capsys.readouterr().out
    assert "市政務服務和大數據管理局" in out and "2026-06-30" in out
