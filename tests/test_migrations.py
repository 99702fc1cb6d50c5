"""Migrations: upgrade a fresh database to head; the models and migrations agree."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import models  # noqa: F401
from duban.core import db
from duban.core.errors import DatabaseNotReady
from tests.conftest import PG_URL


def _check_schema_matches(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, SQLModel.metadata)
    assert diff == [], diff


def test_sqlite_upgrade_to_head_and_models_match(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with pytest.raises(DatabaseNotReady, match="尚未初始化"):
        db.check_ready(engine)
    db.upgrade(engine)
    db.check_ready(engine)
    assert db.data_version(engine) == 0
    _check_schema_matches(engine)
    db.upgrade(engine)  # idempotent


def test_unknown_revision_is_refused(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    db.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffffdeadbeef'"))
    with pytest.raises(DatabaseNotReady, match="不属于本程序"):
        db.check_ready(engine)


def test_unreachable_database_is_explained():
    engine = db.make_engine("postgresql+psycopg://nobody:x@127.0.0.1:1/none")
    with pytest.raises(DatabaseNotReady, match="无法连接数据库"):
        db.check_ready(engine)


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL not set")
def test_postgresql_upgrade_to_head_and_models_match():
    import uuid

    schema = f"mig_{uuid.uuid4().hex[:8]}"
    admin = db.make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        engine = db.make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
        db.upgrade(engine)
        db.check_ready(engine)
        _check_schema_matches(engine)
        engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _to(engine, revision: str, *, down: bool = False) -> None:
    from alembic import command

    cfg = db.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def test_0006_upgrades_a_0005_database_with_data_and_downgrades(tmp_path):
    """Withdrawn notices, corrections, 批示 on behalf and 撤销销号 come as new nullable columns:
    rows written under 0005 survive the upgrade (and the way back)."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    _to(engine, "0005")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO notice (kind, status, title, addressees, body, requirements,"
                " signature, copy_to, extra, attachments, created_at, version)"
                " VALUES ('urging', 'issued', '督办', '', '正文', '', '', '', '{}', '[]',"
                " '2026-06-01 09:00:00', 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO department (name, kind, active, sort_order, created_at, version)"
                " VALUES ('市公安局', 'city_department', 1, 0, '2026-01-01 00:00:00', 1)"
            )
        )
        conn.execute(text("INSERT INTO notice_recipient (notice_id, department_id) VALUES (1, 1)"))
    _to(engine, "head")
    _check_schema_matches(engine)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT title, withdrawn_at, withdraw_reason FROM notice")).one()
    assert tuple(row) == ("督办", None, None)
    _to(engine, "0005", down=True)
    with engine.connect() as conn:
        cols = {r[1] for r in conn.execute(text("PRAGMA table_info(notice)"))}
        assert "withdrawn_at" not in cols and "title" in cols
        cols = {r[1] for r in conn.execute(text("PRAGMA table_info(progress_report)"))}
        assert "supersedes_id" not in cols
        assert conn.execute(text("SELECT count(*) FROM notice")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM notice_recipient")).scalar() == 1
    _to(engine, "head")
    _check_schema_matches(engine)


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL not set")
def test_0006_downgrades_on_postgresql_with_a_withdrawn_notice():
    """PostgreSQL cannot drop a value from the noticestatus type: the way back rebuilds it,
    after turning a withdrawn notice back into the issued one the older schema knew."""
    import uuid

    schema = f"mig_{uuid.uuid4().hex[:8]}"
    admin = db.make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        engine = db.make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
        _to(engine, "head")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO notice (kind, status, title, addressees, body, requirements,"
                    " signature, copy_to, extra, attachments, created_at, version,"
                    " withdraw_reason) VALUES ('urging', 'withdrawn', '督办', '', '正文', '',"
                    " '', '', '{}', '[]', now(), 1, '发错单位')"
                )
            )
        _to(engine, "0005", down=True)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT status::text FROM notice")).scalar() == "issued"
        _to(engine, "head")
        _check_schema_matches(engine)
        engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
