"""Backup and restore (issue 11 #9): one archive with the database and the evidence files.

The backup used to copy the SQLite file only (and print a pg_dump command for PostgreSQL): a
restored database said "附件“佐证.pdf”的文件已丢失". Here a database with evidence is backed up,
restored into a fresh database and upload folder, and compared row by row and hash by hash;
the restored app offers the evidence; damaged or foreign archives are refused, nothing changed.
"""

import contextlib
import gzip
import hashlib
import io
import json
import sqlite3
import tarfile
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from duban import cli
from duban.core import db, uploads
from duban.core.permissions import Actor
from duban.core.settings import get_settings
from duban.tasks import workflow
from models import AppUser, Assignment, Attachment, Role, Task
from tests.apptest import errors, page_as
from tests.conftest import PG_URL
from tests.factories import make_department, make_task, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def use(monkeypatch, database_url: str, upload_dir) -> None:
    """Point the app (and the command line) at a database and an upload folder."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("UPLOAD_DIR", str(upload_dir))
    get_settings.cache_clear()


def add_evidence(session: Session, username: str) -> int:
    """Two reports of the user's unit with three files (one shared by both); the task id."""
    user = session.exec(select(AppUser).where(AppUser.username == username)).one()
    a = session.exec(
        select(Assignment)
        .join(Task, Task.id == Assignment.task_id)
        .where(Assignment.department_id == user.department_id, Assignment.role == "lead")
        .where(col(Task.status).in_(workflow.WORKING))
    ).first()
    actor = Actor.of(user)
    for n, files in enumerate(
        [
            [("佐证.pdf", PDF + b"one"), ("会议纪要.pdf", PDF + b"two")],
            [("佐证（补充）.pdf", PDF + b"one"), ("照片.pdf", PDF + b"three")],
        ]
    ):
        workflow.report_progress(
            session,
            actor=actor,
            assignment_id=a.id,
            percent=30 + 10 * n,
            done_text=f"第 {n + 1} 次填报",
            files=files,
        )
    return a.task_id


def sqlite_counts(path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(path)) as con:
        names = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def file_hashes(upload_dir) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in upload_dir.rglob("*")
        if p.is_file()
    }


@pytest.fixture
def backed_up(demo_db, tmp_path, monkeypatch):
    """The demo database with evidence, backed up: (archive, source db path, source uploads)."""
    source_db = tmp_path / "duban.db"
    with Session(db.make_engine(demo_db)) as s:
        task_id = add_evidence(s, "dept01")
    archive = tmp_path / "backups" / "duban.tar.gz"
    assert cli.main(["backup", str(archive)]) == 0
    return archive, source_db, tmp_path / "uploads", task_id


def test_backup_then_restore_into_a_fresh_place_gives_the_same_rows_and_files(
    backed_up, tmp_path, monkeypatch, capsys
):
    """issue 11 #9: the archive holds the database and every evidence file; restored, they
    match the source row for row and hash for hash, and the files are where the app looks."""
    archive, source_db, source_uploads, _task = backed_up
    with tarfile.open(archive) as tf:
        names = tf.getnames()
    assert names[0] == "manifest.json" and "database/duban.sqlite3" in names
    assert sum(n.startswith("uploads/") for n in names) == 3  # identical content once
    target = tmp_path / "restored"
    use(monkeypatch, f"sqlite:///{target / 'duban.db'}", target / "uploads")
    capsys.readouterr()
    assert cli.main(["restore", str(archive)]) == 0
    assert "校验全部通过" in capsys.readouterr().out
    assert sqlite_counts(target / "duban.db") == sqlite_counts(source_db)
    assert file_hashes(target / "uploads") == file_hashes(source_uploads)
    with Session(db.make_engine(f"sqlite:///{target / 'duban.db'}")) as s:
        atts = s.exec(select(Attachment)).all()
        assert len(atts) == 4
        for att in atts:
            assert uploads.read_attachment(s, att.id)[1].startswith(PDF)


def test_the_restored_app_offers_the_evidence(backed_up, tmp_path, monkeypatch):
    """issue 11 #9: opening the task in the restored app shows its files, none "已丢失"."""
    archive, _db, _uploads, task_id = backed_up
    target = tmp_path / "restored"
    use(monkeypatch, f"sqlite:///{target / 'duban.db'}", target / "uploads")
    assert cli.main(["restore", str(archive)]) == 0
    at = page_as("tasks", "office", "office")
    at.selectbox(key="open_task").set_value(task_id).run()
    assert not at.exception and not errors(at), errors(at)
    labels = [b.proto.label.replace("\\", "") for b in at.get("download_button")]
    assert {"佐证.pdf", "会议纪要.pdf", "照片.pdf"} <= {lbl[2:].split("（")[0] for lbl in labels}
    assert "已丢失" not in " ".join(c.value for c in at.caption)


def test_restore_refuses_a_target_that_is_not_empty_unless_forced(
    backed_up, tmp_path, monkeypatch, capsys
):
    archive, source_db, _uploads, _task = backed_up
    target = tmp_path / "restored"
    use(monkeypatch, f"sqlite:///{target / 'duban.db'}", target / "uploads")
    assert cli.main(["restore", str(archive)]) == 0
    before = sqlite_counts(target / "duban.db")
    with Session(db.make_engine(f"sqlite:///{target / 'duban.db'}")) as s:
        # a row the archive does not have (the audit log is append-only: add, don't delete)
        s.exec(
            text(
                "INSERT INTO calendar_day (day, is_workday, name) VALUES ('2031-01-02', 0, '恢复后新增')"
            )
        )
        s.commit()
    capsys.readouterr()
    assert cli.main(["restore", str(archive)]) == 2
    assert "目标数据库不是空的" in capsys.readouterr().err
    after = sqlite_counts(target / "duban.db")
    assert after["calendar_day"] == before["calendar_day"] + 1  # untouched
    assert {k: v for k, v in after.items() if k != "calendar_day"} == {
        k: v for k, v in before.items() if k != "calendar_day"
    }
    (target / "duban.db").unlink()
    assert cli.main(["restore", str(archive)]) == 2
    assert "附件目录" in capsys.readouterr().err  # the database is gone, the files are not
    assert cli.main(["restore", str(archive), "--force"]) == 0
    assert sqlite_counts(target / "duban.db") == before == sqlite_counts(source_db)


def _rewrite(archive, out, change) -> None:
    """A copy of the archive with `change(name, data)` applied to each member's bytes."""
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for member in src.getmembers():
            data = change(member.name, src.extractfile(member).read())
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))


def _flip(name: str, data: bytes) -> bytes:
    if name.startswith("uploads/"):
        return data[:-1] + bytes([data[-1] ^ 1])
    return data


@pytest.mark.parametrize(
    "damage, message",
    [
        ("flip a byte of the compressed stream", "已损坏"),  # by gzip's CRC or a member's hash
        ("cut the archive short", "已损坏或不是督办台的备份"),
        ("change an evidence file inside", "校验值不符"),
        ("a tar without a manifest", "开头没有清单"),
        ("not an archive at all", "已损坏或不是督办台的备份"),
    ],
)
def test_a_damaged_archive_is_refused_and_nothing_is_restored(
    backed_up, tmp_path, monkeypatch, capsys, damage, message
):
    archive, *_ = backed_up
    bad = tmp_path / "bad.tar.gz"
    raw = archive.read_bytes()
    if damage.startswith("flip"):
        bad.write_bytes(
            raw[: len(raw) // 2] + bytes([raw[len(raw) // 2] ^ 0xFF]) + raw[len(raw) // 2 + 1 :]
        )
    elif damage.startswith("cut"):
        bad.write_bytes(raw[: len(raw) * 2 // 3])
    elif damage.startswith("change"):
        _rewrite(archive, bad, _flip)
    elif damage.startswith("a tar"):
        with tarfile.open(bad, "w:gz") as tf:
            info = tarfile.TarInfo("database/duban.sqlite3")
            tf.addfile(info, io.BytesIO(b""))
    else:
        bad.write_bytes(gzip.compress(b"hello") + b"not a tar")
    target = tmp_path / "restored"
    use(monkeypatch, f"sqlite:///{target / 'duban.db'}", target / "uploads")
    capsys.readouterr()
    assert cli.main(["restore", str(bad)]) == 2
    assert message in capsys.readouterr().err
    assert not target.exists() or not [p for p in target.rglob("*") if p.is_file()]


def test_manifest_lists_counts_hashes_and_revision(backed_up):
    archive, source_db, source_uploads, _task = backed_up
    with tarfile.open(archive) as tf:
        manifest = json.loads(tf.extractfile("manifest.json").read())
        database = tf.extractfile("database/duban.sqlite3").read()
    assert manifest["format"] == "duban-backup" and manifest["backend"] == "sqlite"
    assert manifest["schema_revision"] == db.head_revision()
    assert manifest["tables"] == sqlite_counts(source_db)
    assert manifest["database"]["sha256"] == hashlib.sha256(database).hexdigest()
    assert {f["sha256"] for f in manifest["files"]} == set(file_hashes(source_uploads).values())
    assert manifest["missing_files"] == [] and manifest["created_at"]


def test_a_lost_evidence_file_is_told_by_the_backup(demo_db, tmp_path, capsys):
    with Session(db.make_engine(demo_db)) as s:
        add_evidence(s, "dept01")
        lost = s.exec(select(Attachment)).first().sha256
    (tmp_path / "uploads" / lost[:2] / lost).unlink()
    archive = tmp_path / "b.tar.gz"
    assert cli.main(["backup", str(archive)]) == 1  # written, but not complete
    assert "1 个附件文件丢失" in capsys.readouterr().err
    with tarfile.open(archive) as tf:
        assert json.loads(tf.extractfile("manifest.json").read())["missing_files"] == [lost]


def test_backup_refuses_to_overwrite_an_archive(backed_up, capsys):
    archive, *_ = backed_up
    before = archive.read_bytes()
    assert cli.main(["backup", str(archive)]) == 2
    assert "备份文件已存在" in capsys.readouterr().err
    assert archive.read_bytes() == before


# ---------------------------------------------------------------- PostgreSQL


@contextlib.contextmanager
def _pg_database():
    """A new, empty PostgreSQL database (dropped afterwards); skips without CREATEDB."""
    admin = db.make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"duban_bk_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - a role without CREATEDB cannot run this test
        admin.dispose()
        pytest.skip(f"cannot create a database: {exc}")
    url = db.make_engine(PG_URL).url.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL not set")
def test_postgresql_backup_and_restore_through_pg_dump(tmp_path, monkeypatch, capsys):
    """issue 11 #9 on PostgreSQL: pg_dump inside one exported snapshot, pg_restore into an
    empty database; rows and files compared."""
    with _pg_database() as source, _pg_database() as target:
        use(monkeypatch, source, tmp_path / "uploads")
        engine = db.make_engine(source)
        db.upgrade(engine)
        with Session(engine) as s:
            dept = make_department(s)
            make_user(s, Role.dept_head, department_id=dept.id, username="unit")
            make_task(s, lead=dept)
            add_evidence(s, "unit")
        engine.dispose()
        archive = tmp_path / "pg.tar.gz"
        assert cli.main(["backup", str(archive)]) == 0
        use(monkeypatch, target, tmp_path / "restored-uploads")
        assert cli.main(["restore", str(archive)]) == 0, capsys.readouterr().err
        assert cli.main(["restore", str(archive)]) == 2  # not empty any more
        counts = {}
        for url in (source, target):
            eng = db.make_engine(url)
            with eng.connect() as conn:
                names = conn.execute(
                    text(
                        "SELECT table_name FROM information_schema.tables"
                        " WHERE table_schema = current_schema()"
                    )
                ).scalars()
                counts[url] = {
                    n: conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar() for n in names
                }
            eng.dispose()
        assert counts[source] == counts[target] and counts[target]["attachment"] == 4
        assert file_hashes(tmp_path / "restored-uploads") == file_hashes(tmp_path / "uploads")
