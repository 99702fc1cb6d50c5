"""Backup and restore: one archive with a consistent database snapshot and the evidence files.

The archive is a .tar.gz holding `manifest.json` first (format, creation time, backend, schema
revision, row counts per table, the database file's and every evidence file's SHA-256), then
the database (`database/duban.sqlite3`, taken with SQLite's online backup API, or
`database/duban.pgdump`, `pg_dump -Fc` inside the same exported snapshot the row counts and the
evidence list were read from), then `uploads/<2 hex>/<sha256>` for every file an attachment
refers to. Evidence files are never changed or deleted once stored (content-addressed), so the
files listed in the snapshot are all still there when they are copied.

Restore goes into an empty database and upload folder (`force` to overwrite), takes only the
names it expects from the archive, checks every hash and the row counts, and changes nothing
until the whole archive has been read and verified.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text

from duban.core import clock
from duban.core.errors import DubanError

FORMAT = "duban-backup"
VERSION = 1
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database/duban.sqlite3", "postgresql": "database/duban.pgdump"}
_UPLOAD_RE = re.compile(r"uploads/([0-9a-f]{2})/(\1[0-9a-f]{62})")
_CHUNK = 1024 * 1024
_MANIFEST_MAX = 64 * 1024 * 1024


class BackupError(DubanError):
    """A backup or restore that cannot be done; nothing was changed."""


@dataclass
class Snapshot:
    """What a backup read from the database, in one consistent view."""

    revision: str | None
    tables: dict[str, int]
    files: list[str]  # the sha256 of every file an attachment refers to


@dataclass
class Outcome:
    """What a backup wrote or a restore put back."""

    manifest: dict[str, Any]
    missing: list[str] = field(default_factory=list)  # evidence files not found (backup)
    damaged: list[str] = field(default_factory=list)  # evidence files not their hash (backup)


# ---------------------------------------------------------------- helpers


def _backend(engine: Engine) -> str:
    name = engine.url.get_backend_name()
    if name not in DB_MEMBER:
        raise BackupError(f"不支持的数据库类型：{name}")
    return name


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _upload_path(upload_dir: Path, sha: str) -> Path:
    return upload_dir / sha[:2] / sha


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """The database as a libpq URI without its password, and an environment carrying it."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None)
    return conninfo.render_as_string(hide_password=False), env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"未找到 {name}：PostgreSQL 的备份与恢复需要与数据库服务器同一主版本的客户端工具，"
            "请安装（如 apt-get install postgresql-client）后重试。"
        )
    return path


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise BackupError(f"{what}失败（退出码 {done.returncode}）：{tail}")


# ---------------------------------------------------------------- reading the snapshot


def _sqlite_snapshot(db: sqlite3.Connection) -> Snapshot:
    names = [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return Snapshot(
        revision=_first(db.execute("SELECT version_num FROM alembic_version").fetchall())
        if "alembic_version" in names
        else None,
        tables={n: db.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in sorted(names)},
        files=[r[0] for r in db.execute("SELECT DISTINCT sha256 FROM attachment ORDER BY 1")]
        if "attachment" in names
        else [],
    )


def _pg_snapshot(conn: Connection) -> Snapshot:
    names = (
        conn.execute(
            text(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
        )
        .scalars()
        .all()
    )
    tables = {n: conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one() for n in names}
    revision = None
    if "alembic_version" in names:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    files: list[str] = []
    if "attachment" in names:
        query = text("SELECT DISTINCT sha256 FROM attachment ORDER BY 1")
        files = list(conn.execute(query).scalars().all())
    return Snapshot(revision=revision, tables=dict(sorted(tables.items())), files=files)


def _first(rows: list[tuple[Any, ...]]) -> str | None:
    return str(rows[0][0]) if rows else None


def _snapshot_sqlite(engine: Engine, dest: Path) -> Snapshot:
    """A consistent copy of the SQLite file (online backup API), read for the manifest."""
    src = engine.url.database
    if not src or not Path(src).is_file():
        raise BackupError(f"数据库文件不存在：{src}")
    with contextlib.closing(sqlite3.connect(src)) as s_conn:
        with contextlib.closing(sqlite3.connect(dest)) as d_conn:
            s_conn.backup(d_conn)
    with contextlib.closing(sqlite3.connect(dest)) as db:
        return _sqlite_snapshot(db)


def _snapshot_pg(engine: Engine, dest: Path) -> Snapshot:
    """pg_dump inside the snapshot this transaction exports: the dump, the counts and the list
    of evidence files all see the same moment."""
    pg_dump = _pg_tool("pg_dump")
    conninfo, env = _libpq(engine)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot_id = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            snap = _pg_snapshot(conn)
            args = [pg_dump, "--format=custom", "--no-owner", "--no-privileges"]
            args += [f"--snapshot={snapshot_id}", f"--file={dest}", f"--dbname={conninfo}"]
            _run(args, env, "pg_dump 备份数据库")
    return snap


# ---------------------------------------------------------------- backup


def create_backup(engine: Engine, upload_dir: Path, out: Path) -> Outcome:
    """Write the archive `out` (refused if it exists); see the module docstring."""
    backend = _backend(engine)
    out = Path(out)
    if out.exists():
        raise BackupError(f"备份文件已存在：{out}（请换一个文件名）")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".duban-backup-", dir=out.parent) as tmp:
        db_file = Path(tmp) / "database"
        if backend == "sqlite":
            snap = _snapshot_sqlite(engine, db_file)
        else:
            snap = _snapshot_pg(engine, db_file)
        outcome = _manifest(backend, snap, db_file, Path(upload_dir))
        part = Path(tmp) / "archive.tar.gz"
        with tarfile.open(part, "w:gz", compresslevel=6) as tf:
            data = json.dumps(outcome.manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(clock.now().timestamp())
            tf.addfile(info, io.BytesIO(data))
            tf.add(db_file, arcname=DB_MEMBER[backend], recursive=False)
            for entry in outcome.manifest["files"]:
                sha = entry["sha256"]
                tf.add(_upload_path(upload_dir, sha), arcname=f"uploads/{sha[:2]}/{sha}")
        os.replace(part, out)
    return outcome


def _manifest(backend: str, snap: Snapshot, db_file: Path, upload_dir: Path) -> Outcome:
    """The manifest: every referenced evidence file checked against its hash on the way."""
    outcome = Outcome(manifest={})
    files = []
    for sha in snap.files:
        path = _upload_path(upload_dir, sha)
        if not path.is_file():
            outcome.missing.append(sha)
        elif _sha256_file(path) != sha:
            outcome.damaged.append(sha)
        else:
            files.append({"sha256": sha, "size": path.stat().st_size})
    outcome.manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": clock.now().isoformat(timespec="seconds"),
        "backend": backend,
        "schema_revision": snap.revision,
        "database": {
            "member": DB_MEMBER[backend],
            "sha256": _sha256_file(db_file),
            "size": db_file.stat().st_size,
        },
        "tables": snap.tables,
        "files": files,
        "missing_files": outcome.missing,
        "damaged_files": outcome.damaged,
    }
    return outcome


# ---------------------------------------------------------------- restore


def restore_backup(engine: Engine, upload_dir: Path, archive: Path, *, force: bool) -> Outcome:
    """Restore `archive` into the database and upload folder (empty ones unless `force`)."""
    backend = _backend(engine)
    archive, upload_dir = Path(archive), Path(upload_dir)
    if not archive.is_file():
        raise BackupError(f"找不到备份文件：{archive}")
    upload_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".duban-restore-", dir=upload_dir.parent) as tmp:
        staging = Path(tmp)
        with _damaged_archive(archive), tarfile.open(archive, "r|gz") as tf:
            members = iter(tf)  # one pass: a compressed stream is read front to back
            manifest = _read_manifest(tf, next(members, None), backend)
            if not force:
                _check_empty(engine, upload_dir)
            _extract(tf, members, manifest, staging)
        _move_files(staging / "uploads", upload_dir)
        if backend == "sqlite":
            _restore_sqlite(engine, staging / "database", force=force)
        else:
            _restore_pg(engine, staging / "database", force=force)
    _check_counts(engine, manifest)
    return Outcome(manifest=manifest)


@contextlib.contextmanager
def _damaged_archive(archive: Path) -> Iterator[None]:
    """Whatever a damaged gzip or tar raises, told as one message."""
    try:
        yield
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise BackupError(
            f"备份文件“{archive.name}”已损坏或不是督办台的备份（{type(exc).__name__}），未恢复任何内容。"
        ) from exc


def _read_manifest(
    tf: tarfile.TarFile, first: tarfile.TarInfo | None, backend: str
) -> dict[str, Any]:
    """The archive's first member, checked: our format, our version, the target's backend."""
    if first is None or first.name != MANIFEST or not first.isreg() or first.size > _MANIFEST_MAX:
        raise BackupError("不是督办台的备份文件：开头没有清单（manifest.json），未恢复任何内容。")
    fh = tf.extractfile(first)
    assert fh is not None, "a regular file"
    try:
        manifest = json.loads(fh.read())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BackupError("备份清单（manifest.json）已损坏，未恢复任何内容。") from exc
    if not _well_formed(manifest):
        raise BackupError("不是督办台的备份文件（清单格式不符），未恢复任何内容。")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"备份格式版本 {manifest.get('version')} 不受支持（本程序为 {VERSION}）。"
        )
    if manifest.get("backend") != backend:
        raise BackupError(
            f"这是 {manifest.get('backend')} 数据库的备份，当前 DATABASE_URL 是 {backend}："
            "请恢复到同类数据库（SQLite 与 PostgreSQL 之间请用导出/导入迁移）。"
        )
    return manifest


def _well_formed(manifest: Any) -> bool:
    return (
        isinstance(manifest, dict)
        and manifest.get("format") == FORMAT
        and isinstance(manifest.get("database"), dict)
        and isinstance(manifest["database"].get("member"), str)
        and isinstance(manifest["database"].get("sha256"), str)
        and isinstance(manifest.get("tables"), dict)
        and isinstance(manifest.get("files"), list)
        and all(isinstance(f, dict) and {"sha256", "size"} <= f.keys() for f in manifest["files"])
    )


def _check_empty(engine: Engine, upload_dir: Path) -> None:
    """Refuse to restore over data: the database has tables, or the upload folder has files."""
    if _database_has_tables(engine):
        raise BackupError(
            "目标数据库不是空的：恢复会覆盖现有数据。请恢复到新的空数据库，"
            "或确认无误后加 --force（请先停止应用）。"
        )
    if upload_dir.exists() and any(upload_dir.iterdir()):
        raise BackupError(
            f"附件目录 {upload_dir} 不是空的。请恢复到空目录，或确认无误后加 --force。"
        )


def _database_has_tables(engine: Engine) -> bool:
    if engine.url.get_backend_name() == "sqlite":
        path = engine.url.database
        if not path or not Path(path).is_file() or Path(path).stat().st_size == 0:
            return False
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            return bool(db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0])
    with engine.connect() as conn:
        n = conn.execute(
            text(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
            )
        ).scalar_one()
    return bool(n)


def _extract(
    tf: tarfile.TarFile,
    members: Iterator[tarfile.TarInfo],
    manifest: dict[str, Any],
    staging: Path,
) -> None:
    """Every member to `staging`, by the names expected only, each checked against its hash."""
    expected = {f["sha256"]: f["size"] for f in manifest["files"]}
    database = manifest["database"]
    seen_db = False
    for member in members:
        if not member.isreg():
            raise BackupError(f"备份中有不应出现的条目“{member.name}”，未恢复任何内容。")
        if member.name == database["member"]:
            _copy_checked(tf, member, staging / "database", database["sha256"])
            seen_db = True
            continue
        m = _UPLOAD_RE.fullmatch(member.name)
        if m is None or m.group(2) not in expected or expected.pop(m.group(2)) != member.size:
            raise BackupError(f"备份中有清单以外的条目“{member.name}”，未恢复任何内容。")
        sha = m.group(2)
        _copy_checked(tf, member, staging / "uploads" / sha[:2] / sha, sha)
    if not seen_db:
        raise BackupError("备份中没有数据库文件，未恢复任何内容。")
    if expected:
        raise BackupError(f"备份缺少 {len(expected)} 个附件文件（备份不完整），未恢复任何内容。")


def _copy_checked(tf: tarfile.TarFile, member: tarfile.TarInfo, dest: Path, sha: str) -> None:
    src = tf.extractfile(member)
    assert src is not None, "a regular file"
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with dest.open("wb") as out:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != sha:
        raise BackupError(f"备份中“{member.name}”的校验值不符（文件已损坏），未恢复任何内容。")


def _move_files(staged: Path, upload_dir: Path) -> None:
    if not staged.is_dir():
        upload_dir.mkdir(parents=True, exist_ok=True)
        return
    for path in staged.rglob("*"):
        if path.is_file():
            dest = upload_dir / path.relative_to(staged)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, dest)


def _restore_sqlite(engine: Engine, staged: Path, *, force: bool) -> None:
    target = engine.url.database
    if not target:
        raise BackupError("DATABASE_URL 没有指明 SQLite 文件，无法恢复。")
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    engine.dispose()  # no pooled connection may keep the old file open
    if force:
        # a stale write-ahead log would be replayed into the restored file: remove it first
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{path}{suffix}").unlink()
    tmp = path.with_name(f".{path.name}.restore")
    shutil.copyfile(staged, tmp)  # staging may be on another file system
    os.replace(tmp, path)


def _restore_pg(engine: Engine, staged: Path, *, force: bool) -> None:
    pg_restore = _pg_tool("pg_restore")
    conninfo, env = _libpq(engine)
    args = [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if force:
        args += ["--clean", "--if-exists"]
    engine.dispose()
    _run([*args, f"--dbname={conninfo}", str(staged)], env, "pg_restore 恢复数据库")


def _check_counts(engine: Engine, manifest: dict[str, Any]) -> None:
    """The restored tables hold the rows the manifest counted."""
    if engine.url.get_backend_name() == "sqlite":
        with contextlib.closing(sqlite3.connect(str(engine.url.database))) as db:
            tables = _sqlite_snapshot(db).tables
    else:
        with engine.connect() as conn:
            tables = _pg_snapshot(conn).tables
    wrong = [n for n, count in manifest["tables"].items() if tables.get(n) != count]
    if wrong:
        raise BackupError(f"恢复后以下表的行数与备份清单不符：{'、'.join(wrong)}")


__all__ = ["BackupError", "Outcome", "create_backup", "restore_backup"]
