"""The bot's durable local store: one SQLite file under data_dir.

- ``seen``: message ids already handled, so a restart or a redelivery never logs twice.
- ``spool``: wishes and commands bound for the API, in arrival order. An entry is written in the
  same transaction as its message id, before anything is acknowledged to the member, and removed
  only after the reply went out, so killing the process at any moment loses nothing.
- ``pending``: grey-zone messages waiting for the member's 「是」 (removed on answer or expiry).
- ``groups``: the last known state of each group, for when the API is unreachable.
- ``outbox_sent``: outbox entries already sent, so a send whose acknowledgement was lost is
  acknowledged again instead of being sent twice.
- ``outbox_sending``: an outbox entry being sent: how many of its chunks went out (a row from
  the first chunk on), so a kill mid-message re-sends at most the one chunk
  whose send was in flight (see bot/delivery.py).
- ``dead``: spool entries that failed ``max_attempts`` times while the API answered others
  (poison), kept until the API has them (``reported``), so the queue moves on and staff can
  replay them.

Chatter is never written here. ``synchronous=FULL`` makes every commit durable on disk.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.files import private_sqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (message_id TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS spool (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'new',
    reply TEXT,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE TABLE IF NOT EXISTS pending (
    room_id TEXT NOT NULL,
    talker_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (room_id, talker_id)
);
CREATE TABLE IF NOT EXISTS groups (
    room_id TEXT PRIMARY KEY,
    enabled INTEGER NOT NULL,
    checked_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox_sent (
    outbox_id INTEGER PRIMARY KEY,
    sent_message_id TEXT,
    sent_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox_sending (
    outbox_id INTEGER PRIMARY KEY,
    chunks_sent INTEGER NOT NULL DEFAULT 0,
    first_message_id TEXT,
    started_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS dead (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT,
    created_at REAL NOT NULL,
    reported INTEGER NOT NULL DEFAULT 0
);
"""
# Columns added after the first release: (table, column, definition) for older spool files.
_ADDED_COLUMNS = (
    ("spool", "attempts", "INTEGER NOT NULL DEFAULT 0"),
    ("spool", "last_error", "TEXT"),
)

# Spool entry states: new → (notified: member told "number follows") → answered → deleted.
NEW, NOTIFIED, ANSWERED = "new", "notified", "answered"


@dataclass(frozen=True)
class SpoolEntry:
    id: int
    message_id: str
    kind: str  # "wish", "triage" or "command"
    payload: dict[str, Any]
    state: str
    reply: dict[str, Any] | None
    attempts: int = 0

    @property
    def room_id(self) -> str | None:
        room = self.payload.get("room_id")
        return str(room) if room is not None else None

    @property
    def lane(self) -> str:
        """Entries of one lane (a room, or one member's private chat) keep their order."""
        room = self.room_id
        return room if room is not None else f"contact:{self.payload.get('talker_id')}"


@dataclass(frozen=True)
class DeadEntry:
    id: int
    message_id: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    last_error: str | None


@dataclass(frozen=True)
class GroupState:
    room_id: str
    enabled: bool
    checked_at: float


class Spool:
    def __init__(self, path: Path) -> None:
        private_sqlite(path)  # 0600 spool, -wal and -shm; 0700 new data dir
        # One connection, used from the event loop thread; the lock guards against the odd
        # helper thread (tests, health writer) touching it too.
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._lock = threading.RLock()
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(SCHEMA)
        for table, column, definition in _ADDED_COLUMNS:
            names = {row[1] for row in self._conn.execute(f"PRAGMA table_info({table})")}
            if column not in names:
                self._conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _tx(self, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, args in statements:
                    self._conn.execute(sql, args)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # ---- seen ids -----------------------------------------------------------------------------
    def is_seen(self, message_id: str) -> bool:
        with self._lock:
            row = self._conn.execute(
                "SELECT 1 FROM seen WHERE message_id = ?", (message_id,)
            ).fetchone()
        return row is not None

    def mark_seen(self, message_id: str) -> bool:
        """Records the id; False if it was already there (someone else handled it)."""
        with self._lock:
            cur = self._conn.execute(
                "INSERT OR IGNORE INTO seen (message_id, at) VALUES (?, ?)",
                (message_id, time.time()),
            )
        return cur.rowcount == 1

    def forget_seen_before(self, cutoff: float) -> int:
        with self._lock:
            return self._conn.execute("DELETE FROM seen WHERE at < ?", (cutoff,)).rowcount

    # ---- spool --------------------------------------------------------------------------------
    def enqueue(
        self, message_id: str, kind: str, payload: dict[str, Any], *, also_seen: str | None = None
    ) -> bool:
        """Spools an entry and marks its message seen, atomically. False if already seen.

        ``also_seen``: a second message id to mark (the 「是」 that confirmed a grey-zone wish,
        whose entry carries the original message id).
        """
        seen_id = also_seen or message_id
        with self._lock:
            if self.is_seen(seen_id):
                return False
            statements: list[tuple[str, tuple[Any, ...]]] = [
                ("INSERT INTO seen (message_id, at) VALUES (?, ?)", (seen_id, time.time())),
                (
                    "INSERT INTO spool (message_id, kind, payload, created_at) VALUES (?,?,?,?)",
                    (message_id, kind, json.dumps(payload, ensure_ascii=False), time.time()),
                ),
            ]
            if also_seen:
                statements.append(
                    ("INSERT OR IGNORE INTO seen (message_id, at) VALUES (?, ?)", (message_id, 0))
                )
                statements.append(
                    ("DELETE FROM pending WHERE message_id = ?", (message_id,)),
                )
            self._tx(statements)
        return True

    def entries(self) -> list[SpoolEntry]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, message_id, kind, payload, state, reply, attempts FROM spool"
                " ORDER BY id"
            ).fetchall()
        return [
            SpoolEntry(
                r[0], r[1], r[2], json.loads(r[3]), r[4], json.loads(r[5]) if r[5] else None, r[6]
            )
            for r in rows
        ]

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM spool").fetchone()[0])

    def mark_notified(self, entry_id: int) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE spool SET state = ? WHERE id = ? AND state = ?", (NOTIFIED, entry_id, NEW)
            )

    def mark_answered(self, entry_id: int, reply: dict[str, Any]) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE spool SET state = ?, reply = ? WHERE id = ?",
                (ANSWERED, json.dumps(reply, ensure_ascii=False), entry_id),
            )

    def done(self, entry_id: int) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM spool WHERE id = ?", (entry_id,))

    def count_attempt(self, entry_id: int, error: str) -> int:
        """One more failed try of this entry (the API answered others meanwhile); the total."""
        with self._lock:
            self._conn.execute(
                "UPDATE spool SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                (error[:500], entry_id),
            )
            row = self._conn.execute(
                "SELECT attempts FROM spool WHERE id = ?", (entry_id,)
            ).fetchone()
        return int(row[0]) if row else 0

    def bury(self, entry: SpoolEntry, error: str, reply: dict[str, Any]) -> None:
        """Moves a poison entry to ``dead`` and leaves its polite reply to be delivered, in one
        transaction: the entry is answered (reply pending) and its copy waits to be reported."""
        self._tx(
            [
                (
                    "INSERT INTO dead (message_id, kind, payload, attempts, last_error, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        entry.message_id,
                        entry.kind,
                        json.dumps(entry.payload, ensure_ascii=False),
                        entry.attempts,
                        error[:500],
                        time.time(),
                    ),
                ),
                (
                    "UPDATE spool SET state = ?, reply = ? WHERE id = ?",
                    (ANSWERED, json.dumps(reply, ensure_ascii=False), entry.id),
                ),
            ]
        )

    def dead_unreported(self) -> list[DeadEntry]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, message_id, kind, payload, attempts, last_error FROM dead"
                " WHERE reported = 0 ORDER BY id"
            ).fetchall()
        return [DeadEntry(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in rows]

    def dead_count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM dead").fetchone()[0])

    def mark_dead_reported(self, dead_id: int) -> None:
        with self._lock:
            self._conn.execute("UPDATE dead SET reported = 1 WHERE id = ?", (dead_id,))

    # ---- grey zone ----------------------------------------------------------------------------
    def add_pending(
        self, room_id: str, talker_id: str, message_id: str, payload: dict[str, Any]
    ) -> bool:
        """Holds a grey-zone message (a newer one from the same member replaces it)."""
        with self._lock:
            if self.is_seen(message_id):
                return False
            self._tx(
                [
                    ("INSERT INTO seen (message_id, at) VALUES (?, ?)", (message_id, time.time())),
                    (
                        "INSERT OR REPLACE INTO pending VALUES (?, ?, ?, ?, ?)",
                        (
                            room_id,
                            talker_id,
                            message_id,
                            json.dumps(payload, ensure_ascii=False),
                            time.time(),
                        ),
                    ),
                ]
            )
        return True

    def pending_for(
        self, room_id: str, talker_id: str, max_age: float
    ) -> tuple[str, dict[str, Any]] | None:
        """The member's grey-zone message if still young enough: (message id, payload)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT message_id, payload, created_at FROM pending"
                " WHERE room_id = ? AND talker_id = ?",
                (room_id, talker_id),
            ).fetchone()
        if row is None or time.time() - row[2] > max_age:
            return None
        return row[0], json.loads(row[1])

    def expire_pending(self, max_age: float) -> int:
        """Drops unanswered grey-zone texts: they are not wishes, so they are not kept."""
        with self._lock:
            return self._conn.execute(
                "DELETE FROM pending WHERE created_at < ?", (time.time() - max_age,)
            ).rowcount

    # ---- groups -------------------------------------------------------------------------------
    def group(self, room_id: str) -> GroupState | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT room_id, enabled, checked_at FROM groups WHERE room_id = ?", (room_id,)
            ).fetchone()
        return GroupState(row[0], bool(row[1]), row[2]) if row else None

    def save_group(self, room_id: str, enabled: bool) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO groups VALUES (?, ?, ?)",
                (room_id, int(enabled), time.time()),
            )

    # ---- outbox -------------------------------------------------------------------------------
    def outbox_sent(self, outbox_id: int) -> tuple[bool, str | None]:
        """(already sent?, the sent message id)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT sent_message_id FROM outbox_sent WHERE outbox_id = ?", (outbox_id,)
            ).fetchone()
        return (row is not None, row[0] if row else None)

    def record_outbox_sent(self, outbox_id: int, sent_message_id: str | None) -> None:
        self._tx(
            [
                (
                    "INSERT OR REPLACE INTO outbox_sent VALUES (?, ?, ?)",
                    (outbox_id, sent_message_id, time.time()),
                ),
                ("DELETE FROM outbox_sending WHERE outbox_id = ?", (outbox_id,)),
            ]
        )

    def outbox_progress(self, outbox_id: int) -> tuple[int, str | None] | None:
        """(chunks already sent, the first one's id) of an interrupted send, or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT chunks_sent, first_message_id FROM outbox_sending WHERE outbox_id = ?",
                (outbox_id,),
            ).fetchone()
        return (int(row[0]), row[1]) if row else None

    def record_outbox_chunk(self, outbox_id: int, index: int, message_id: str | None) -> None:
        """Chunk ``index`` went out: recorded at once, so a kill re-sends only later chunks."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO outbox_sending (outbox_id, chunks_sent, first_message_id, started_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (outbox_id) DO UPDATE SET"
                " chunks_sent = excluded.chunks_sent,"
                " first_message_id = COALESCE(outbox_sending.first_message_id,"
                " excluded.first_message_id)",
                (outbox_id, index + 1, message_id, time.time()),
            )
