"""The command line against a real SQLite file: init, seed, users, backup."""

import datetime as dt
import json
import secrets
import sqlite3
import tarfile

import pytest
from sqlmodel import func, select

from duban import cli
from duban.core import db
from duban.core.settings import get_settings
from duban.seed import demo, large
from models import AppUser, Assignment, ProgressReport, Task, TaskStatus


@pytest.fixture
def db_file(tmp_path, monkeypatch):
    path = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def test_prepare_seeds_demo_once(db_file, capsys):
    assert cli.main(["prepare"]) == 0
    assert "演示数据" in capsys.readouterr().out
    assert cli.main(["prepare"]) == 0
    assert "演示数据" not in capsys.readouterr().out
    con = sqlite3.connect(db_file)
    users = {r[0] for r in con.execute("SELECT username FROM app_user")}
    assert {"office", "leader", "inspector", "dept01", "dept12"} <= users


def test_seed_refuses_non_empty_without_reset(db_file, capsys):
    cli.main(["prepare"])
    assert cli.main(["seed-demo"]) == 2
    assert "--reset" in capsys.readouterr().err
    assert cli.main(["seed-demo", "--reset"]) == 0


def test_production_mode_has_no_demo(db_file, monkeypatch, capsys):
    monkeypatch.setenv("DUBAN_MODE", "production")
    monkeypatch.setenv("COOKIE_KEY", secrets.token_urlsafe(48))  # production refuses "k" * 40
    get_settings.cache_clear()
    assert cli.main(["prepare"]) == 0
    assert "生产模式" in capsys.readouterr().out
    assert cli.main(["seed-demo"]) == 2
    con = sqlite3.connect(db_file)
    assert con.execute("SELECT count(*) FROM app_user").fetchone()[0] == 0


def test_create_user_set_password_and_backup(db_file, tmp_path, capsys):
    cli.main(["init-db"])
    assert cli.main(["create-user", "admin", "--role", "office", "--password", "s3cret-pass"]) == 0
    assert cli.main(["create-user", "admin", "--role", "office", "--password", "s3cret-pass"]) == 2
    assert "已存在" in capsys.readouterr().err
    assert cli.main(["create-user", "x", "--role", "office", "--password", "short"]) == 2
    assert cli.main(["set-password", "admin", "--password", "another-pass"]) == 0
    assert cli.main(["set-password", "ghost", "--password", "another-pass"]) == 2
    out = tmp_path / "b" / "backup.tar.gz"
    assert cli.main(["backup", str(out)]) == 0
    with tarfile.open(out) as tf:
        assert json.loads(tf.extractfile("manifest.json").read())["tables"]["app_user"] == 1
        (tmp_path / "snap.db").write_bytes(tf.extractfile("database/duban.sqlite3").read())
    con = sqlite3.connect(tmp_path / "snap.db")
    assert con.execute("SELECT username FROM app_user").fetchall() == [("admin",)]


def test_demo_data_tells_a_true_story(session):
    today = dt.date(2026, 11, 23)
    counts = demo.seed_demo(session, today=today)
    assert counts["departments"] == 14 and 30 <= counts["tasks"] <= 34
    statuses = [t.status for t in session.exec(select(Task)).all()]
    assert TaskStatus.completed in statuses and TaskStatus.in_progress in statuses
    late = [
        t
        for t in session.exec(select(Task)).all()
        if t.deadline < today and t.status not in (TaskStatus.completed, TaskStatus.suspended)
    ]
    assert len(late) >= 3
    extended = [t for t in session.exec(select(Task)).all() if t.deadline != t.original_deadline]
    assert len(extended) == 3
    first = session.exec(select(func.min(ProgressReport.reported_at))).one()
    assert (today - first.date()).days > 150  # six months of history
    assert session.exec(select(func.count()).select_from(Assignment)).one() >= 60
    assert session.exec(select(func.count()).select_from(AppUser)).one() == 15


def test_large_seed_shape_small_numbers(session):
    counts = large.seed_large(
        session, departments=12, tasks=300, per_task=3, reports_per_assignment=5, inspections=50
    )
    assert counts["department"] == 12 and counts["task"] == 300
    assert counts["assignment"] == 900 and counts["inspection"] == 50
    assert 0 < counts["progress_report"] <= 4500


def test_backup_for_postgresql_without_pg_dump_says_what_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u:p@dbhost:5433/duban")
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump on it
    get_settings.cache_clear()
    assert cli.main(["backup", str(tmp_path / "x.tar.gz")]) == 2
    assert "未找到 pg_dump" in capsys.readouterr().err
    assert not (tmp_path / "x.tar.gz").exists()
    get_settings.cache_clear()
    assert db  # module used in other tests
