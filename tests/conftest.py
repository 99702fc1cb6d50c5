"""Fixtures: a fresh database per test (SQLite, and PostgreSQL when TEST_DATABASE_URL is set).

Markers are applied here from what a test uses, so no test file has to remember them:
`apptest` for a test that renders app.py or a page under Streamlit's AppTest, `browser`
for one that drives the real app in Chromium. `make test-fast` leaves both out.
"""

import inspect
import os
import shutil
import sys
import types
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


# ---------------------------------------------------------------- markers from what a test uses

# Where AppTest comes from: our helper module and Streamlit's testing package.
APPTEST_SOURCES = ("tests.apptest", "streamlit.testing")
BROWSER_FIXTURES = {"live_app", "_chromium", "browser_page"}


def _from_apptest(obj) -> bool:
    if isinstance(obj, types.ModuleType):
        name = obj.__name__
    else:
        name = getattr(obj, "__module__", None) or ""
    return name.startswith(APPTEST_SOURCES)


def _code_names(code: types.CodeType) -> set[str]:
    """Global and attribute names a function's code reads, nested functions included."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _reaches_apptest(func, seen: set) -> bool:
    """Does `func`, or a helper function of the tests that it calls, use AppTest?"""
    func = inspect.unwrap(func)
    code = getattr(func, "__code__", None)
    if code is None or func in seen:
        return False
    seen.add(func)
    names = _code_names(code)
    if any(n.startswith(APPTEST_SOURCES) for n in names):  # a function-level import
        return True
    module_globals = getattr(func, "__globals__", {})
    for name in names:
        obj = module_globals.get(name)
        if obj is None:
            continue
        if _from_apptest(obj):
            return True
        helper = inspect.isfunction(obj) and (obj.__module__ or "").startswith("tests.")
        if helper and _reaches_apptest(obj, seen):
            return True
    return False


def _uses_apptest(item: pytest.Item) -> bool:
    """The test function, or a fixture it requests, reaches tests.apptest or AppTest."""
    seen: set = set()
    if _reaches_apptest(getattr(item, "function", None), seen):
        return True
    fixtureinfo = getattr(item, "_fixtureinfo", None)
    if fixtureinfo is None:
        return False
    for defs in fixtureinfo.name2fixturedefs.values():
        for fixturedef in defs:
            if _reaches_apptest(fixturedef.func, seen):
                return True
    return False


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects and xdist reads the groups
def pytest_collection_modifyitems(config, items):
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
            # One worker runs a browser module: its module-scoped server and Chromium are
            # started once, and its tests keep their order (see --dist loadgroup).
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
        elif _uses_apptest(item):
            item.add_marker(pytest.mark.apptest)


# tests.apptest counts the AppTests it builds. It is read only once some test has imported
# it: importing it here would load Streamlit's testing package for every run.


@pytest.hookimpl(tryfirst=True)  # before the fixtures are set up
def pytest_runtest_setup(item):
    if "tests.apptest" in sys.modules:
        from tests import apptest

        apptest.APPS_BUILT = 0


@pytest.hookimpl(trylast=True)  # after the fixtures are torn down
def pytest_runtest_teardown(item):
    """A test that built an AppTest without the `apptest` marker fails: the scan missed it."""
    if "tests.apptest" not in sys.modules or item.get_closest_marker("apptest"):
        return
    from tests import apptest

    if apptest.APPS_BUILT:
        pytest.fail(
            f"{item.nodeid} built an AppTest but is not marked `apptest`: "
            "teach conftest._uses_apptest how this test reaches tests.apptest",
            pytrace=False,
        )


# ---------------------------------------------------------------- databases


VERSION_ROW = text(
    "INSERT INTO data_version (id, version, updated_at) VALUES (1, 0, CURRENT_TIMESTAMP)"
)


def _insert_version_row(engine) -> None:
    with engine.begin() as conn:
        conn.execute(VERSION_ROW)


@pytest.fixture(scope="session")
def pg_engine():
    """One schema per test process (each xdist worker has its own), dropped afterwards."""
    if not PG_URL:
        yield None
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    schema = f"duban_test_{worker}_{uuid.uuid4().hex[:8]}"
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


# The tables of the test schema that hold a page: written to since they were last emptied
# (an untouched table's file is empty).
USED_TABLES = text(
    "SELECT c.relname FROM pg_class c"
    " WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'"
    " AND pg_relation_size(c.oid) > 0"
)
# Every sequence of the test schema back to 1: ids restart even where a failed insert
# drew one without writing a row.
RESTART_SEQUENCES = text(
    "SELECT setval(c.oid, 1, false) FROM pg_class c"
    " WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'S'"
)


def _empty_pg(engine) -> None:
    """Empty the tables the last test wrote to, restart the ids, add the version row.

    TRUNCATE rather than DELETE (a few ms), so rows come back in insertion order as in a
    new table: some tests read rows without ORDER BY. Truncating all 29 tables costs
    0.1–0.7 s per test on a busy machine, so only the used ones, and by CASCADE those that
    refer to them (most tables, once a test has written a user or a unit).
    """
    with engine.begin() as conn:
        used = conn.execute(USED_TABLES).scalars().all()
        if used:
            names = ", ".join(f'"{name}"' for name in used)
            conn.execute(text(f"TRUNCATE {names} CASCADE"))
        conn.execute(RESTART_SEQUENCES)
        conn.execute(VERSION_ROW)


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
    _empty_pg(pg_engine)
    yield pg_engine


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as s:
        yield s


# ---------------------------------------------------------------- app-level fixtures


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory):
    """A migrated, demo-seeded SQLite file, built once per test process; tests get copies."""
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
