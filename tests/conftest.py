"""Fixtures: a fresh database per test (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""

import os
import shutil
import uuid

import pytest

os.environ.setdefault("BCRYPT_ROUNDS", "4")
os.environ.setdefault("DUBAN_MODE", "demo")

from sqlalchemy import text  # noqa: E402
from sqlalchemy.pool import StaticPool  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import models  # noqa: E402, F401
from duban.core import db as dbmod  # noqa: E402
from duban.core.settings import get_settings  # noqa: E402

get_settings.cache_clear()

pytest_plugins = ["tests.browser_support"]

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _insert_version_row(engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO data_version (id, version, updated_at) VALUES (1, 0, CURRENT_TIMESTAMP)"
            )
        )


@pytest.fixture(scope="session")
def pg_engine():
    """One schema for the whole run on PostgreSQL, dropped afterwards."""
    if not PG_URL:
        yield None
        return
    schema = f"duban_test_{uuid.uuid4().hex[:8]}"
    admin = dbmod.make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = dbmod.make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def engine(request, pg_engine):
    """A fresh, empty database for one test."""
    if request.param == "sqlite":
        eng = dbmod.make_engine(
            "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
        )
        SQLModel.metadata.create_all(eng)
        _insert_version_row(eng)
        yield eng
        eng.dispose()
        return
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with pg_engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    _insert_version_row(pg_engine)
    yield pg_engine


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as s:
        yield s


# ---------------------------------------------------------------- app-level fixtures


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory):
    """A migrated, demo-seeded SQLite file, built once; tests get copies."""
    from duban.seed import demo

    path = tmp_path_factory.mktemp("template") / "demo.db"
    eng = dbmod.make_engine(f"sqlite:///{path}")
    dbmod.upgrade(eng)
    with dbmod.session_scope(eng) as s:
        demo.seed_demo(s)
    eng.dispose()
    return path


@pytest.fixture
def demo_db(demo_db_template, tmp_path, monkeypatch):
    """A private copy of the demo database, selected through DATABASE_URL."""
    path = tmp_path / "duban.db"
    shutil.copy(demo_db_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "uploads"))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
