"""Whether the ledger can be written, not only read.

- :func:`startup_writable`: before the start-up migration, a DDL statement in a transaction
  that is rolled back (needs no table; a read-only SQLite file or a read-only PostgreSQL
  transaction refuses it at once). A read-only ledger still starts and serves reads.
- :func:`probe_writable`: GET /health's real write, one committed heartbeat row update, so a
  full disk shows up as well (a rolled-back write may never touch the disk).
- :func:`is_write_failure`: a database error that means "cannot write now" (read-only, disk
  full), answered 503 ``ledger_read_only`` rather than 500.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from models.clock import utcnow
from models.heartbeat import LedgerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_ID = 1
# SQLite's and PostgreSQL's words for "this write cannot be done here and now".
_WRITE_FAILURES = (
    "readonly database",
    "read-only",
    "database or disk is full",
    "disk i/o error",
    "no space left",
)
# PostgreSQL SQLSTATEs: read_only_sql_transaction, disk_full, insufficient_resources.
_WRITE_STATES = ("25006", "53100", "53000")


def is_write_failure(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) in _WRITE_STATES:
        return True
    text = str(orig).lower()
    return any(words in text for words in _WRITE_FAILURES)


def startup_writable(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            transaction = conn.begin()
            try:
                if conn.dialect.name == "sqlite":
                    # Rewrite the header's user_version with its own value: a real write,
                    # refused on a read-only file, that leaves the schema alone (a rolled-back
                    # CREATE TABLE here corrupted the file beside FTS5 and other connections).
                    version = conn.exec_driver_sql("PRAGMA user_version").scalar_one()
                    conn.exec_driver_sql(f"PRAGMA user_version = {int(version)}")
                else:
                    conn.exec_driver_sql("CREATE TABLE wishpool_write_probe (x INTEGER)")
            finally:
                transaction.rollback()
    except sa.exc.SQLAlchemyError as exc:
        if is_write_failure(exc):
            return False
        raise  # unreachable or misconfigured: start-up should say so
    finally:
        # No pooled connection from before the migrations: on SQLite one that outlived them
        # served a stale view of the file ("database disk image is malformed").
        engine.dispose()
    return True


def probe_writable(engine: Engine) -> bool:
    now = utcnow()
    table = LedgerHeartbeat.__table__  # type: ignore[attr-defined]
    try:
        with engine.begin() as conn:
            updated = conn.execute(
                sa.update(table).where(table.c.id == HEARTBEAT_ID).values(beat_at=now)
            ).rowcount
            if not updated:
                conn.execute(sa.insert(table).values(id=HEARTBEAT_ID, beat_at=now))
    except sa.exc.IntegrityError:
        return True  # another worker inserted the row at the same moment: writes work
    except sa.exc.SQLAlchemyError as exc:
        logger.warning("ledger write probe failed: %s", type(getattr(exc, "orig", exc)).__name__)
        return False
    return True
