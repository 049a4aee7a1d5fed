"""Engine set-up, migrations and error translation: the only dialect-aware module of the store.

- ``make_engine(url)``: on SQLite, WAL, foreign keys, a busy timeout and ``synchronous=NORMAL``
  (safe with WAL: a crash never corrupts, at worst loses the last commits on power loss), and
  pysqlite's own transaction handling switched off so that ``write=True`` transactions open
  with ``BEGIN IMMEDIATE`` (the write lock is taken up front, so two writers never deadlock
  upgrading read locks, and number allocation cannot race). On PostgreSQL the same busy
  timeout becomes ``lock_timeout``; writers of one session are serialised by the row lock the
  first statement of every write takes (``UPDATE sessions ... RETURNING``), so writers of
  different sessions run in parallel.
- ``serialize(conn, key)``: what the row lock cannot cover (making a session that does not exist
  yet, migrating an empty database) takes a transaction-scoped advisory lock on PostgreSQL; on
  SQLite the write transaction already holds the database's one write lock.
- ``migrate(engine)``: Alembic upgrade to head, Config built in code (no alembic.ini).
- ``translate(exc, what)``: any database/OS fault becomes one clear ``StoreError`` line.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from ..domain import StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
WRITE = "hidream_write"  # execution option: this transaction will write

_DISK_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


def make_engine(url: str, busy_timeout_ms: int = 5000) -> Engine:
    """An Engine for `url`; SQLite files get WAL, foreign keys, busy timeout, BEGIN IMMEDIATE writes."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StoreError(f"invalid database URL {url!r}") from exc
    if parsed.get_backend_name() != "sqlite":
        kwargs = {}
        if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("psycopg", "psycopg2"):
            # Wait for another writer's row lock as long as SQLite waits for its write lock.
            kwargs["connect_args"] = {"options": f"-c lock_timeout={int(busy_timeout_ms)}"}
        try:
            return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)
        except ImportError as exc:  # the backend's DBAPI driver is not installed
            raise StoreError(
                f"database {describe(url)} needs the Python package {exc.name or 'of its driver'!r}, "
                f"which is not installed (pip install it, or name another driver: "
                f"{parsed.get_backend_name()}+DRIVER://...)"
            ) from None

    connect_args = {"check_same_thread": False, "timeout": busy_timeout_ms / 1000}
    if parsed.database in (None, "", ":memory:"):
        # One shared connection, or every pooled connection would see its own empty database.
        # Meant for quick experiments: it serialises nothing, so use a file for real work.
        engine = sa.create_engine(url, connect_args=connect_args, poolclass=sa.pool.StaticPool)
    else:
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args=connect_args, pool_size=10, max_overflow=20)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")

    return engine


@contextmanager
def transaction(engine: Engine, *, write: bool) -> Iterator[Connection]:
    """One transaction; `write=True` takes the write lock first (SQLite) and commits at the end.

    A read transaction sees one snapshot on every backend: SQLite's read transactions do; on
    PostgreSQL that is REPEATABLE READ (its default, READ COMMITTED, lets each statement see
    turns committed since the one before, so an export could list a head without its version).
    """
    with engine.connect() as conn:
        if write:
            conn.execution_options(**{WRITE: True})
        elif conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def serialize(conn: Connection, key: str) -> None:
    """Inside a write transaction: wait until no other transaction holds `key`, then hold it to the end.

    For writes no existing row can lock (a session that does not exist yet, an empty schema). On
    PostgreSQL a transaction-scoped advisory lock; on SQLite nothing (BEGIN IMMEDIATE already
    holds the one write lock); other backends fall back to their own isolation.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})


def alembic_config(connection: Connection | None = None, output_buffer=None):
    """The Alembic Config of the store, built in code so it works from an installed package."""
    from alembic.config import Config

    cfg = Config(output_buffer=output_buffer)
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine) -> None:
    """Upgrade the database to the newest schema, in one write transaction (concurrent openers wait)."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    cfg = alembic_config()
    if schema_revision(engine) == ScriptDirectory.from_config(cfg).get_current_head():
        return  # up to date: no write lock needed, so opening works while another process writes
    with transaction(engine, write=True) as conn:
        serialize(conn, "hidream-studio migrate")  # concurrent openers of an empty database wait
        try:
            command.upgrade(alembic_config(conn), "head")
        except CommandError as exc:  # e.g. a revision made by a newer hidream-studio
            raise StoreError(f"database schema cannot be upgraded: {exc}") from exc


def migration_sql(dialect_name: str) -> str:
    """The DDL of every migration for another backend (e.g. "postgresql"), without connecting."""
    import io

    from alembic import command

    buf = io.StringIO()
    cfg = alembic_config(output_buffer=buf)
    cfg.attributes["dialect_name"] = dialect_name
    command.upgrade(cfg, "head", sql=True)
    return buf.getvalue()


def schema_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def describe(url: str) -> str:
    """The database for messages: a SQLite file's path, else the URL without its password."""
    try:
        parsed = sa.engine.make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            return parsed.database
        return parsed.render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<invalid URL>"


def identity(url: str) -> str | None:
    """A stable name for the database, recorded in the images folder it owns; None for in-memory SQLite."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            return None
        return str(Path(parsed.database).expanduser().resolve())
    return parsed.set(password=None).render_as_string(hide_password=True)


def translate(exc: BaseException, where: str) -> StoreError:
    """A database or file-system fault as one clear line (`where` names the database or folder)."""
    if isinstance(exc, OSError):
        if exc.errno in _DISK_FULL:
            return StoreError(f"disk full while writing {where}; nothing was saved")
        return StoreError(f"cannot use {where}: {exc.strerror or exc}")
    text = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__
    low = text.lower()
    if "locked" in low or "busy" in low or "lock timeout" in low or "deadlock" in low:
        return StoreError(f"database {where} is locked by another process; try again")
    if "disk is full" in low or "disk full" in low:
        return StoreError(f"disk full while writing database {where}; nothing was saved")
    if "disk i/o error" in low:
        return StoreError(
            f"disk I/O error writing database {where} (disk full or failing?); nothing was saved"
        )
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        return StoreError(f"database {where} is corrupt or not a database")
    if "connection refused" in low or "could not connect" in low or "connection failed" in low:
        return StoreError(f"cannot reach database {where}: {text}")
    if "readonly" in low or "read-only" in low or "unable to open" in low:
        return StoreError(f"database {where} cannot be written: {text}")
    return StoreError(f"database {where} failed: {text}")
