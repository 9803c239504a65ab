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

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import create_engine

# Execution option marking an engine (see reader) whose transactions only read.
READ_OPTION = "wishpool_read_only"
BUSY_TIMEOUT_MS = 10_000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


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
    database = make_url(url).database
    pooled = not is_sqlite(url) or (database not in (None, "", ":memory:"))
    if pooled and pool_size is not None:
        sizing.update(pool_size=pool_size, max_overflow=max(4, pool_size // 2))
    if pooled and pool_timeout is not None:
        sizing["pool_timeout"] = pool_timeout
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True, **sizing, **kwargs)
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
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
    cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    if conn.get_execution_options().get(READ_OPTION):
        conn.exec_driver_sql("BEGIN")  # deferred: a snapshot, no lock
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
