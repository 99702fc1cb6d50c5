"""Engines, sessions, migrations and the data version that keys every cache."""

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, create_engine

from duban.core import clock
from duban.core.errors import DatabaseNotReady, SettingsError
from duban.core.settings import ROOT
from duban.core.text import check_flush

ALEMBIC_INI = ROOT / "alembic.ini"

# Input hygiene for every row any session flushes (control characters, invisible characters
# in names, lengths): registered on the base Session class, so no service can bypass it.
if not event.contains(OrmSession, "before_flush", check_flush):
    event.listen(OrmSession, "before_flush", check_flush)


def normalise_url(url: str) -> str:
    """Make relative SQLite paths relative to the project root; prefer psycopg 3."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        rel = url.removeprefix("sqlite:///")
        if rel and rel != ":memory:":
            return f"sqlite:///{(ROOT / rel).resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise SettingsError(f"DATABASE_URL 无法解析：{url!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if db and db != ":memory:":
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def analytics_uri(engine: Engine) -> str:
    """The URI ADBC/connectorx want: plain postgresql:// or sqlite:////abs/path."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        path = url.database or ""
        return f"sqlite:///{path}" if path.startswith("/") else path
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def alembic_config(engine: Engine | None = None, url: str | None = None):
    from alembic.config import Config

    cfg = Config(str(ALEMBIC_INI))
    cfg.attributes["configure_logger"] = False
    if url:
        cfg.attributes["url"] = url
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the database to the latest migration."""
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise DatabaseNotReady("迁移脚本缺失：alembic/versions 中没有任何版本。")
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_ready(engine: Engine) -> None:
    """Raise DatabaseNotReady with a clear Chinese message unless the schema is current."""
    try:
        current = current_revision(engine)
    except OperationalError as exc:
        raise DatabaseNotReady(
            f"无法连接数据库（{engine.url.render_as_string(hide_password=True)}）：{exc.orig}"
        ) from exc
    head = head_revision()
    if current is None:
        raise DatabaseNotReady(
            "数据库尚未初始化：请先运行 `python -m duban init-db`（或 make run）。"
        )
    if current != head:
        from alembic.script import ScriptDirectory

        known = {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
        if current not in known:
            raise DatabaseNotReady(
                f"数据库的迁移版本 {current} 不属于本程序（可能来自更新的版本或其他应用），已拒绝使用。"
            )
        raise DatabaseNotReady(
            f"数据库版本 {current} 落后于程序 {head}：请运行 `python -m duban init-db` 升级。"
        )


@contextlib.contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def bump_data_version(session: Session) -> None:
    """Mark that data changed, inside the caller's transaction."""
    result = session.connection().execute(
        text("UPDATE data_version SET version = version + 1, updated_at = :t WHERE id = 1"),
        {"t": clock.now()},
    )
    if not result.rowcount:
        session.execute(
            text("INSERT INTO data_version (id, version, updated_at) VALUES (1, 1, :t)"),
            {"t": clock.now()},
        )


def data_version(engine: Engine) -> int:
    """The current data version (cheap; read on every page render to key caches)."""
    with engine.connect() as conn:
        v = conn.execute(text("SELECT version FROM data_version WHERE id = 1")).scalar()
    return int(v or 0)


def wait_for(engine: Engine, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return
        except OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
