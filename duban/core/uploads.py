"""Evidence files: checked by content, stored once by SHA-256, written atomically.

`save_upload` adds the Attachment row to the caller's transaction (call it inside your own
`with write(session):`), so a report and its files commit or roll back together. The file is
written to a temporary name and renamed into place: a crash never leaves half a file under
its hash. Identical content is stored once; every upload still gets its own row (filename,
owner, uploader).
"""

import contextlib
import hashlib
import io
import os
import tempfile
import zipfile
from pathlib import Path

import filetype
from sqlmodel import Session, col, select

from duban.core import clock
from duban.core.errors import NotFound, ValidationFailed
from duban.core.permissions import Actor
from duban.core.settings import Settings, get_settings
from models import Attachment

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File (doc/xls/ppt/wps/et)

# extension -> (what the content must be, MIME we store)
ALLOWED: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", "application/pdf"),
    "png": ("png", "image/png"),
    "jpg": ("jpg", "image/jpeg"),
    "jpeg": ("jpg", "image/jpeg"),
    "gif": ("gif", "image/gif"),
    "webp": ("webp", "image/webp"),
    "doc": ("ole", "application/msword"),
    "xls": ("ole", "application/vnd.ms-excel"),
    "ppt": ("ole", "application/vnd.ms-powerpoint"),
    "wps": ("ole", "application/vnd.ms-works"),
    "et": ("ole", "application/vnd.ms-excel"),
    "docx": (
        "ooxml:word/",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": ("ooxml:xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": (
        "ooxml:ppt/",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}
ALLOWED_TEXT = "PDF、图片（PNG/JPG/GIF/WEBP）、Word/Excel/PowerPoint（含 WPS）文档"
ACCEPT_EXTENSIONS = sorted(ALLOWED)  # for st.file_uploader(type=...)

_IMAGE_KINDS = {"png": "png", "jpg": "jpg", "gif": "gif", "webp": "webp", "pdf": "pdf"}


def _ooxml_parts(data: bytes) -> list[str] | None:
    """The member names of an OOXML package, or None when it is not one."""
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    return names


def sniff(data: bytes) -> str | None:
    """What the bytes are: 'pdf', 'png', 'jpg', 'gif', 'webp', 'ole', 'ooxml:word/' … or None."""
    if data.startswith(OLE_MAGIC):
        return "ole"
    parts = _ooxml_parts(data)
    if parts is not None:
        for prefix in ("word/", "xl/", "ppt/"):
            if any(n.startswith(prefix) for n in parts):
                return f"ooxml:{prefix}"
        return "ooxml:"
    kind = filetype.guess(data[:8192])
    if kind is None:
        return None
    return _IMAGE_KINDS.get(kind.extension)


def _extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def clean_filename(filename: str) -> str:
    """The base name only (no folders), without control characters, at most 255 chars."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 250 - len(ext)] + dot + ext) if dot else name[:255]
    return name


def check_upload(data: bytes, filename: str, *, max_mb: int) -> tuple[str, str]:
    """Validate one file; returns (clean filename, mime). Raises ValidationFailed in Chinese."""
    name = clean_filename(filename)
    if not name:
        raise ValidationFailed("文件名不能为空。")
    if not data:
        raise ValidationFailed(f"文件“{name}”是空文件，请重新选择。")
    if len(data) > max_mb * 1024 * 1024:
        size_mb = len(data) / 1024 / 1024
        raise ValidationFailed(f"文件“{name}”大小为 {size_mb:.1f} MB，超过 {max_mb} MB 的上限。")
    ext = _extension(name)
    if ext not in ALLOWED:
        raise ValidationFailed(
            f"文件“{name}”的类型（.{ext or '无扩展名'}）不允许上传。只接受{ALLOWED_TEXT}。"
        )
    expected, mime = ALLOWED[ext]
    actual = sniff(data)
    if actual != expected:
        raise ValidationFailed(
            f"文件“{name}”的内容与扩展名 .{ext} 不符（可能已损坏或被改名），未上传。"
            f"只接受{ALLOWED_TEXT}。"
        )
    return name, mime


def _path_for(upload_dir: Path, sha256: str) -> Path:
    return Path(upload_dir) / sha256[:2] / sha256


def _store(upload_dir: Path, sha256: str, data: bytes) -> Path:
    """Write the content under its hash, once; temp file + rename so nothing is half-written."""
    path = _path_for(upload_dir, sha256)
    if path.is_file() and path.stat().st_size == len(data):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".part-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def save_upload(
    session: Session,
    *,
    actor: Actor,
    data: bytes,
    filename: str,
    owner_type: str,
    owner_id: int,
    settings: Settings | None = None,
) -> Attachment:
    """Check, store and register one evidence file (in the caller's transaction).

    The caller has already checked that `actor` may attach to the owner (e.g. report.create).
    """
    settings = settings or get_settings()
    name, mime = check_upload(data, filename, max_mb=settings.max_upload_mb)
    sha = hashlib.sha256(data).hexdigest()
    _store(settings.upload_dir, sha, data)
    att = Attachment(
        owner_type=owner_type,
        owner_id=owner_id,
        filename=name,
        sha256=sha,
        size=len(data),
        mime=mime,
        uploaded_by=actor.user_id,
        uploaded_at=clock.now(),
    )
    session.add(att)
    session.flush()
    return att


def read_attachment(
    session: Session, attachment_id: int, *, settings: Settings | None = None
) -> tuple[Attachment, bytes]:
    """The row and its bytes; NotFound (Chinese) when either is missing or damaged."""
    settings = settings or get_settings()
    att = session.get(Attachment, attachment_id)
    if att is None:
        raise NotFound(f"附件不存在（编号 {attachment_id}）。")
    path = _path_for(settings.upload_dir, att.sha256)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise NotFound(f"附件“{att.filename}”的文件已丢失，请联系管理员。") from exc
    if hashlib.sha256(data).hexdigest() != att.sha256:
        raise NotFound(f"附件“{att.filename}”的文件已损坏，请联系管理员。")
    return att, data


def list_attachments(session: Session, owner_type: str, owner_id: int) -> list[Attachment]:
    return list(
        session.exec(
            select(Attachment)
            .where(Attachment.owner_type == owner_type, Attachment.owner_id == owner_id)
            .order_by(col(Attachment.id))
        ).all()
    )


def attachments_by_owner(
    session: Session, owner_type: str, owner_ids: list[int]
) -> dict[int, list[Attachment]]:
    """Attachments of many owners at once: {owner_id: [Attachment, …]}."""
    out: dict[int, list[Attachment]] = {}
    if not owner_ids:
        return out
    rows = session.exec(
        select(Attachment)
        .where(Attachment.owner_type == owner_type, col(Attachment.owner_id).in_(owner_ids))
        .order_by(col(Attachment.id))
    ).all()
    for a in rows:
        out.setdefault(a.owner_id, []).append(a)
    return out


__all__ = [
    "ACCEPT_EXTENSIONS",
    "ALLOWED",
    "attachments_by_owner",
    "check_upload",
    "list_attachments",
    "read_attachment",
    "save_upload",
    "sniff",
]
