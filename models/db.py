"""Engines and sessions for SQLite (embedded default) and PostgreSQL.

Two kinds of transaction share one engine and one pool:

- writes (the default): on SQLite ``BEGIN IMMEDIATE`` takes the write lock up front, so two
  writers that read and then write wait for each other (busy_timeout) instead of one failing
  with "database is locked" when it upgrades its lock;
- reads (:func:`reader`): on SQLite a deferred ``BEGIN`` reads a WAL snapshot beside the one
  writer and never waits for it. A read transaction must not write: upgrading a snapshot that
  another writer has moved past fails at once (SQLITE_BUSY_SNAPSHOT).

PostgreSQL needs neither: both kinds are plain READ COMMITTED transactions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import create_engine

from models.files import private_sqlite

# Execution option marking an engine (see reader) whose transactions only read.
READ_OPTION = "wishpool_read_only"
BUSY_TIMEOUT_MS = 10_000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_file(url: str) -> str | None:
    """The file a SQLite URL names (None: not SQLite, or in memory). A URI filename
    (``sqlite:///file:/path?mode=ro&uri=true``) names it after "file:", up to its query."""
    if not is_sqlite(url):
        return None
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return database[5:].split("?", 1)[0] if database.startswith("file:") else database


def make_engine(
    url: str,
    *,
    pool_size: int | None = None,
    pool_timeout: float | None = None,
    **kwargs: Any,
) -> Engine:
    """An engine with the pragmas and transaction modes the ledger relies on.

    ``pool_size``: connections kept open; half as many again (at least 4) may be opened beyond
    it under load (max_overflow), for token checks, the outbox long-poll and the scheduler.
    On PostgreSQL, workers × that must stay below the server's max_connections.
    ``pool_timeout``: seconds a checkout waits before failing (the API turns that into 503 +
    Retry-After)."""
    sizing: dict[str, Any] = {}
    # SQL parameters are wish texts and names: never in a log line or an exception message.
    kwargs.setdefault("hide_parameters", True)
    database = make_url(url).database
    pooled = not is_sqlite(url) or (database not in (None, "", ":memory:"))
    if pooled and pool_size is not None:
        sizing.update(pool_size=pool_size, max_overflow=max(4, pool_size // 2))
    if pooled and pool_timeout is not None:
        sizing["pool_timeout"] = pool_timeout
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True, **sizing, **kwargs)
    path = sqlite_file(url)
    if path is not None:
        private_sqlite(path)  # 0600 database, -wal and -shm; 0700 new data dir
    engine = create_engine(url, connect_args={"check_same_thread": False}, **sizing, **kwargs)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def reader(engine: Engine) -> Engine:
    """The same engine and pool, for transactions that only read (deferred on SQLite)."""
    return engine.execution_options(**{READ_OPTION: True})


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see on_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # An erased or expired person's data must not linger in free pages of the file: SQLite
    # then zeroes deleted and overwritten content (api/domain/privacy.py, retention).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    if conn.get_execution_options().get(READ_OPTION):
        # A read-only connection (read_connection): deferred, so in WAL mode writers go on
        # beside it; it never writes, so it never needs to upgrade its lock.
        conn.exec_driver_sql("BEGIN")
        return
    # BEGIN IMMEDIATE takes the write lock up front: two API workers that read and then write
    # wait for each other (busy_timeout) instead of failing with "database is locked" on upgrade.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in one read-only transaction with a stable snapshot, for long reads
    (exports): on SQLite a deferred BEGIN, which never takes or waits for the write lock; on
    PostgreSQL REPEATABLE READ, READ ONLY. Rolled back at the end: it wrote nothing."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        else:
            conn.execution_options(**{READ_OPTION: True})
        with conn.begin() as transaction:
            yield conn
            transaction.rollback()
