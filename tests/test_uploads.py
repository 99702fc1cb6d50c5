"""Evidence uploads: content sniffing, size limits, storage by hash, atomic writes."""

import hashlib
import io
import zipfile

import pytest
from sqlmodel import select

from duban.core import uploads
from duban.core.errors import NotFound, ValidationFailed
from duban.core.services import write
from duban.core.settings import load_settings
from models import Attachment
from tests.factories import make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
OLE = uploads.OLE_MAGIC + b"\x00" * 504


def docx_bytes() -> bytes:
    import docx

    buf = io.BytesIO()
    d = docx.Document()
    d.add_paragraph("整改佐证")
    d.save(buf)
    return buf.getvalue()


def xlsx_bytes() -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    wb.add_worksheet().write(0, 0, "进度")
    wb.close()
    return buf.getvalue()


def plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", "hello")
    return buf.getvalue()


@pytest.fixture
def cfg(tmp_path):
    return load_settings(upload_dir=tmp_path / "uploads", max_upload_mb=1)


@pytest.mark.parametrize(
    "name,data",
    [
        ("报告.pdf", PDF),
        ("现场.PNG", PNG),
        ("photo.jpeg", JPG),
        ("表.xls", OLE),
        ("文.wps", OLE),
        ("文.doc", OLE),
        ("方案.docx", None),
        ("台账.xlsx", None),
    ],
)
def test_allowed_types_are_stored_and_read_back(session, cfg, name, data):
    if data is None:
        data = docx_bytes() if name.endswith("docx") else xlsx_bytes()
    _, dept = make_user(session)
    with write(session):
        att = uploads.save_upload(
            session,
            actor=dept,
            data=data,
            filename=name,
            owner_type="progress_report",
            owner_id=7,
            settings=cfg,
        )
    sha = hashlib.sha256(data).hexdigest()
    assert att.sha256 == sha and att.size == len(data) and att.filename == name
    assert (cfg.upload_dir / sha[:2] / sha).read_bytes() == data
    row, got = uploads.read_attachment(session, att.id, settings=cfg)
    assert got == data and row.id == att.id
    assert [a.id for a in uploads.list_attachments(session, "progress_report", 7)] == [att.id]


@pytest.mark.parametrize(
    "name,data,msg",
    [
        ("空.pdf", b"", "空文件"),
        ("脚本.exe", b"MZ" + b"\x00" * 100, "不允许上传"),
        ("无扩展名", PDF, "不允许上传"),
        ("假的.pdf", b"<html>not a pdf</html>", "内容与扩展名"),
        ("图片改名.pdf", PNG, "内容与扩展名"),
        ("压缩包.docx", plain_zip(), "内容与扩展名"),
        ("表格冒充文档.docx", None, "内容与扩展名"),
        ("旧格式.docx", OLE, "内容与扩展名"),
    ],
)
def test_refused_files_write_nothing(session, cfg, name, data, msg):
    if data is None:
        data = xlsx_bytes()
    _, dept = make_user(session)
    with pytest.raises(ValidationFailed, match=msg):
        with write(session):
            uploads.save_upload(
                session,
                actor=dept,
                data=data,
                filename=name,
                owner_type="progress_report",
                owner_id=1,
                settings=cfg,
            )
    assert session.exec(select(Attachment)).all() == []
    assert not cfg.upload_dir.exists() or not any(cfg.upload_dir.rglob("*"))


def test_too_big_is_refused_with_the_limit(session, cfg):
    _, dept = make_user(session)
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(ValidationFailed, match="超过 1 MB"):
        uploads.save_upload(
            session,
            actor=dept,
            data=big,
            filename="大.pdf",
            owner_type="x",
            owner_id=1,
            settings=cfg,
        )
    assert session.exec(select(Attachment)).all() == []


def test_identical_content_stored_once(session, cfg):
    _, dept = make_user(session)
    with write(session):
        a = uploads.save_upload(
            session,
            actor=dept,
            data=PDF,
            filename="a.pdf",
            owner_type="r",
            owner_id=1,
            settings=cfg,
        )
        b = uploads.save_upload(
            session,
            actor=dept,
            data=PDF,
            filename="../../etc/b.pdf",
            owner_type="r",
            owner_id=2,
            settings=cfg,
        )
    assert a.sha256 == b.sha256 and a.id != b.id
    assert b.filename == "b.pdf"
    files = [p for p in cfg.upload_dir.rglob("*") if p.is_file()]
    assert len(files) == 1 and not any(p.name.startswith(".part-") for p in files)


def test_missing_or_damaged_file_is_reported(session, cfg):
    _, dept = make_user(session)
    with write(session):
        att = uploads.save_upload(
            session,
            actor=dept,
            data=PDF,
            filename="a.pdf",
            owner_type="r",
            owner_id=1,
            settings=cfg,
        )
    path = cfg.upload_dir / att.sha256[:2] / att.sha256
    path.write_bytes(b"tampered")
    with pytest.raises(NotFound, match="损坏"):
        uploads.read_attachment(session, att.id, settings=cfg)
    path.unlink()
    with pytest.raises(NotFound, match="丢失"):
        uploads.read_attachment(session, att.id, settings=cfg)
    with pytest.raises(NotFound):
        uploads.read_attachment(session, 9999, settings=cfg)


def test_failed_write_leaves_no_partial_file(session, cfg, monkeypatch):
    _, dept = make_user(session)

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(uploads.os, "replace", boom)
    with pytest.raises(OSError):
        with write(session):
            uploads.save_upload(
                session,
                actor=dept,
                data=PDF,
                filename="a.pdf",
                owner_type="r",
                owner_id=1,
                settings=cfg,
            )
    assert [p for p in cfg.upload_dir.rglob("*") if p.is_file()] == []
    assert session.exec(select(Attachment)).all() == []
