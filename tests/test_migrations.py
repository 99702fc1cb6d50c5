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
