"""Logins at the same moment, from threads with their own connections (issue 11 #10).

SQLite runs on a file here (the in-memory test database is one shared connection, which
threads cannot use for separate transactions); PostgreSQL on the test schema.
"""

import threading
from collections.abc import Callable

import pytest
from sqlmodel import Session, SQLModel, func, select

from duban.core import db as dbmod
from duban.core.settings import get_settings
from duban.org import auth, sessions
from models import AuditLog, LoginAttempt
from tests.conftest import VERSION_ROW
from tests.factories import make_user


@pytest.fixture
def shared_engine(engine, tmp_path):
    if engine.dialect.name != "sqlite":
        yield engine
        return
    eng = dbmod.make_engine(f"sqlite:///{tmp_path / 'concurrent.db'}")
    SQLModel.metadata.create_all(eng)
    with eng.begin() as conn:
        conn.execute(VERSION_ROW)
    yield eng
    eng.dispose()


def _together(n: int, engine, attempt: Callable[[Session], object]) -> list:
    """Run `attempt` in n threads released at once; the results (or exceptions) in a list."""
    barrier = threading.Barrier(n)
    results: list = []

    def run() -> None:
        with Session(engine, expire_on_commit=False) as s:
            barrier.wait()
            try:
                results.append(attempt(s))
            except Exception as exc:  # noqa: BLE001 - collected and asserted on below
                results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return results


def test_eight_simultaneous_correct_logins_all_succeed(shared_engine):
    """issue 11 #10: 7 of 8 failed with a stale-record error when login bumped app_user."""
    with Session(shared_engine) as s:
        user, _ = make_user(s)
        username = user.username
    results = _together(
        8, shared_engine, lambda s: auth.attempt_login(s, username, "duban-demo", source="10.0.0.5")
    )
    assert all(isinstance(r, auth.LoginOutcome) and r.ok for r in results), results
    with Session(shared_engine) as s:
        assert len({r.sid for r in results}) == 8
        assert all(sessions.check(s, r.sid) is not None for r in results)


@pytest.fixture
def high_threshold(monkeypatch):
    monkeypatch.setenv("LOCKOUT_ATTEMPTS", "50")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_twenty_parallel_wrong_passwords_are_all_counted_and_audited(shared_engine, high_threshold):
    """issue 11 #10: 18 of 20 were neither counted nor audited (read-modify-write). With a
    threshold above 20 (so none is turned away as throttled), each one is a counted failure."""
    with Session(shared_engine) as s:
        user, _ = make_user(s)
        username = user.username
    results = _together(
        20,
        shared_engine,
        lambda s: auth.attempt_login(s, username, "wrong-pass", source="10.0.0.6"),
    )
    assert all(isinstance(r, auth.LoginOutcome) and not r.ok for r in results), results
    with Session(shared_engine) as s:
        counted = s.exec(
            select(func.count()).where(
                LoginAttempt.username == username, LoginAttempt.reason == "bad_password"
            )
        ).one()
        audited = s.exec(select(func.count()).where(AuditLog.action == "auth.bad_password")).one()
    assert counted == audited == 20
