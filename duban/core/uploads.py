"""Evidence files: checked by content, within quotas, stored once by SHA-256, streamed.

`save_upload` adds the Attachment row to the caller's transaction (call it inside your own
`with write(session):`), so a report and its files commit or roll back together. The content
(bytes, or a file object such as Streamlit's upload) is hashed and copied in 1 MB chunks to
a temporary file in the upload folder; the file is renamed under its hash just before the
transaction commits and deleted when it rolls back. So a crash never leaves half a file under
its hash, and a refused submission (one file past a quota, a later check of the service)
leaves neither a row nor a file. Identical content is stored once; every upload still gets
its own row (filename, owner, uploader).

The quotas (settings: files per submission, MB per task, MB per unit) are checked in one
place, `check_quota`, before a file is written. Reading is for one file on demand:
`file_problem` only looks at the directory entry (a page listing evidence reads no file),
`stored_bytes` reads and verifies one file when it is downloaded.
"""

import contextlib
import hashlib
import io
import os
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import filetype
from sqlalchemy import event, func
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

from duban.core import clock
from duban.core.errors import NotFound, ValidationFailed
from duban.core.permissions import Actor
from duban.core.settings import Settings, get_settings
from models import Attachment, Department, Finding, ProgressReport

Content = bytes | BinaryIO  # an upload: its bytes, or a readable, seekable binary file
Upload = tuple[str, Content]  # (filename, content), as services take evidence files
CHUNK = 1024 * 1024

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


def _as_file(data: Content) -> BinaryIO:
    """The content as a binary file at its start (bytes are wrapped, not copied)."""
    if isinstance(data, bytes | bytearray):
        return io.BytesIO(data)
    data.seek(0)
    return data


def _size(fh: BinaryIO) -> int:
    size = fh.seek(0, os.SEEK_END)
    fh.seek(0)
    return size


def _ooxml_parts(fh: BinaryIO, head: bytes) -> list[str] | None:
    """The member names of an OOXML package, or None when it is not one.

    Only the zip's directory is read: no member is inflated, so a zip bomb costs nothing here.
    """
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(fh) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None
    finally:
        fh.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    return names


def sniff(data: Content) -> str | None:
    """What the content is: 'pdf', 'png', 'jpg', 'gif', 'webp', 'ole', 'ooxml:word/' … or None."""
    fh = _as_file(data)
    head = fh.read(8192)
    fh.seek(0)
    if head.startswith(OLE_MAGIC):
        return "ole"
    parts = _ooxml_parts(fh, head)
    if parts is not None:
        for prefix in ("word/", "xl/", "ppt/"):
            if any(n.startswith(prefix) for n in parts):
                return f"ooxml:{prefix}"
        return "ooxml:"
    kind = filetype.guess(head)
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


def check_upload(data: Content, filename: str, *, max_mb: int) -> tuple[str, str]:
    """Validate one file; returns (clean filename, mime). Raises ValidationFailed in Chinese."""
    name = clean_filename(filename)
    if not name:
        raise ValidationFailed("文件名不能为空。")
    fh = _as_file(data)
    size = _size(fh)
    if not size:
        raise ValidationFailed(f"文件“{name}”是空文件，请重新选择。")
    if size > max_mb * 1024 * 1024:
        size_mb = size / 1024 / 1024
        raise ValidationFailed(f"文件“{name}”大小为 {size_mb:.1f} MB，超过 {max_mb} MB 的上限。")
    ext = _extension(name)
    if ext not in ALLOWED:
        raise ValidationFailed(
            f"文件“{name}”的类型（.{ext or '无扩展名'}）不允许上传。只接受{ALLOWED_TEXT}。"
        )
    expected, mime = ALLOWED[ext]
    actual = sniff(fh)
    if actual != expected:
        raise ValidationFailed(
            f"文件“{name}”的内容与扩展名 .{ext} 不符（可能已损坏或被改名），未上传。"
            f"只接受{ALLOWED_TEXT}。"
        )
    return name, mime


def _path_for(upload_dir: Path, sha256: str) -> Path:
    return Path(upload_dir) / sha256[:2] / sha256


# ---------------------------------------------------------------- quotas

# The owners whose files count against a task and a unit: owner_type is the owner's table.
_SCOPED: dict[str, type[ProgressReport] | type[Finding]] = {
    "progress_report": ProgressReport,
    "finding": Finding,
}


def _scope(session: Session, owner_type: str, owner_id: int) -> tuple[int | None, int] | None:
    """(task id, unit id) whose quotas the owner's files count against; None for others."""
    if owner_type == "progress_report":
        report = session.get(ProgressReport, owner_id)
        return (report.task_id, report.department_id) if report else None
    if owner_type == "finding":
        finding = session.get(Finding, owner_id)
        return (finding.task_id, finding.department_id) if finding else None
    return None


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def _used_bytes(session: Session, scope: str, value: int) -> int:
    """The size of every file owned by a report or finding of the task (or unit)."""
    total = 0
    for owner_type, model in _SCOPED.items():
        query = (
            select(func.coalesce(func.sum(Attachment.size), 0))
            .join(model, col(Attachment.owner_id) == model.id)
            .where(Attachment.owner_type == owner_type, getattr(model, scope) == value)
        )
        total += int(session.exec(query).one())
    return total


def check_quota(
    session: Session,
    *,
    owner_type: str,
    owner_id: int,
    filename: str,
    size: int,
    settings: Settings,
) -> None:
    """Refuse one more file past a quota: files per submission, MB per task, MB per unit.

    The files saved earlier in the same transaction count (their rows are flushed), so one
    file too many refuses the whole submission when the service's transaction rolls back.
    """
    same_owner = [p for p in _pending(session) if p.owner == (owner_type, owner_id)]
    limit = settings.max_files_per_submission
    if len(same_owner) >= limit:
        raise ValidationFailed(
            f"每次提交最多附带 {limit} 个佐证材料，本次超过了 {limit} 个；"
            "本次提交未保存，请合并或精简后再提交。"
        )
    scope = _scope(session, owner_type, owner_id)
    if scope is None:
        return
    task_id, department_id = scope
    if task_id is not None:
        used = _used_bytes(session, "task_id", task_id)
        cap = settings.max_task_upload_mb * 1024 * 1024
        if used + size > cap:
            raise ValidationFailed(
                f"本任务的佐证材料已有 {_mb(used)}，加上“{filename}”（{_mb(size)}）将超过"
                f"每项任务 {settings.max_task_upload_mb} MB 的上限；本次提交未保存。"
            )
    used = _used_bytes(session, "department_id", department_id)
    cap = settings.max_unit_upload_mb * 1024 * 1024
    if used + size > cap:
        dept = session.get(Department, department_id)
        unit = f"单位“{dept.name}”" if dept is not None else "本单位"
        raise ValidationFailed(
            f"{unit}的佐证材料已有 {_mb(used)}，加上“{filename}”（{_mb(size)}）将超过"
            f"每个单位 {settings.max_unit_upload_mb} MB 的上限；本次提交未保存，请联系督办室。"
        )


# ---------------------------------------------------------------- storing with the transaction


@dataclass
class _Pending:
    """A file written to a temporary name, renamed under its hash when the transaction commits."""

    tmp: Path
    final: Path
    owner: tuple[str, int]


_PENDING = "duban.uploads.pending"


def _pending(session: Session) -> list[_Pending]:
    """The files of the session's open transaction (listeners set up on the first use)."""
    if _PENDING not in session.info:
        session.info[_PENDING] = []
        event.listen(session, "before_commit", _promote)
        event.listen(session, "after_transaction_end", _discard)
    pending: list[_Pending] = session.info[_PENDING]
    return pending


def _promote(session: Session) -> None:
    """Before the commit: every pending file under its hash (a failure aborts the commit)."""
    if session.in_nested_transaction():
        return  # a savepoint: the files wait for the real commit
    pending = _pending(session)
    while pending:
        p = pending[0]
        p.final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(p.tmp, p.final)  # identical content may replace identical content
        pending.pop(0)


def _discard(session: Session, transaction: SessionTransaction) -> None:
    """When the transaction ends without committing them: delete the files left pending."""
    if transaction.parent is not None:
        return
    pending = _pending(session)
    while pending:
        with contextlib.suppress(FileNotFoundError):
            pending.pop().tmp.unlink()


def _stage(session: Session, upload_dir: Path, fh: BinaryIO, owner: tuple[str, int]) -> str:
    """Hash and copy the content in chunks to a temporary file; returns its SHA-256."""
    upload_dir = Path(upload_dir)
    upload_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".part-", dir=upload_dir)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            fh.seek(0)
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    sha = digest.hexdigest()
    _pending(session).append(_Pending(Path(tmp), _path_for(upload_dir, sha), owner))
    return sha


def save_upload(
    session: Session,
    *,
    actor: Actor,
    data: Content,
    filename: str,
    owner_type: str,
    owner_id: int,
    settings: Settings | None = None,
) -> Attachment:
    """Check, store and register one evidence file (in the caller's transaction).

    The caller has already checked that `actor` may attach to the owner (e.g. report.create).
    """
    settings = settings or get_settings()
    fh = _as_file(data)
    name, mime = check_upload(fh, filename, max_mb=settings.max_upload_mb)
    size = _size(fh)
    check_quota(
        session,
        owner_type=owner_type,
        owner_id=owner_id,
        filename=name,
        size=size,
        settings=settings,
    )
    sha = _stage(session, settings.upload_dir, fh, (owner_type, owner_id))
    att = Attachment(
        owner_type=owner_type,
        owner_id=owner_id,
        filename=name,
        sha256=sha,
        size=size,
        mime=mime,
        uploaded_by=actor.user_id,
        uploaded_at=clock.now(),
    )
    session.add(att)
    session.flush()
    return att


# ---------------------------------------------------------------- reading one file on demand


def stored_path(sha256: str, *, settings: Settings | None = None) -> Path:
    """Where the file with this content is kept."""
    return _path_for((settings or get_settings()).upload_dir, sha256)


def _lost(filename: str) -> str:
    return f"附件“{filename}”的文件已丢失，请联系管理员。"


def _damaged(filename: str) -> str:
    return f"附件“{filename}”的文件已损坏，请联系管理员。"


def file_problem(att: Attachment, *, settings: Settings | None = None) -> str | None:
    """Why the file cannot be offered (lost, or not its recorded size), or None.

    Only the directory entry is read, never the content: listing evidence costs no I/O.
    """
    try:
        entry = stored_path(att.sha256, settings=settings).stat()
    except FileNotFoundError:
        return _lost(att.filename)
    if not stat.S_ISREG(entry.st_mode) or entry.st_size != att.size:
        return _damaged(att.filename)
    return None


def stored_bytes(sha256: str, filename: str, *, settings: Settings | None = None) -> bytes:
    """One file's bytes, checked against its hash; NotFound (Chinese) when lost or damaged.

    For a download button's deferred data: it runs when the user clicks, not when the page
    is drawn.
    """
    path = stored_path(sha256, settings=settings)
    try:
        data = path.read_bytes()  # the download needs it whole: one copy, of one file
    except FileNotFoundError as exc:
        raise NotFound(_lost(filename)) from exc
    except IsADirectoryError as exc:
        raise NotFound(_damaged(filename)) from exc
    if hashlib.sha256(data).hexdigest() != sha256:
        raise NotFound(_damaged(filename))
    return data


def read_attachment(
    session: Session, attachment_id: int, *, settings: Settings | None = None
) -> tuple[Attachment, bytes]:
    """The row and its bytes; NotFound (Chinese) when either is missing or damaged."""
    att = session.get(Attachment, attachment_id)
    if att is None:
        raise NotFound(f"附件不存在（编号 {attachment_id}）。")
    return att, stored_bytes(att.sha256, att.filename, settings=settings)


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
    "check_quota",
    "check_upload",
    "file_problem",
    "list_attachments",
    "read_attachment",
    "save_upload",
    "sniff",
    "stored_bytes",
    "stored_path",
]
