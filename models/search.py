"""The wish text index: schema objects the models cannot declare (migration 0013).

- PostgreSQL: the pg_trgm extension and GIN trigram indexes on wish.text and wish.number, so
  ``ILIKE '%…%'`` is answered from the index (pg_trgm splits Chinese text into character
  trigrams like any other).
- SQLite: ``wish_fts``, an FTS5 table with the trigram tokenizer (SQLite ≥ 3.34) over
  wish.text and wish.number, holding no copy of the text (content='wish') and kept in step
  by triggers on insert, update and delete (an erased or edited text leaves the index too).

Either way a trigram index needs a term of at least 3 characters; shorter terms (法律,
"42") are matched by a scan (api/domain/wish_search.py). A later migration that rebuilds the
wish table on SQLite (a batch ALTER that copies the table) drops its triggers: it must call
:func:`create_sqlite_triggers` again.
"""

from __future__ import annotations

from typing import Any

FTS_TABLE = "wish_fts"
PG_INDEXES = ("ix_wish_text_trgm", "ix_wish_number_trgm")
_TRIGGERS = ("wish_fts_insert", "wish_fts_delete", "wish_fts_update")

SQLITE_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS wish_fts_insert AFTER INSERT ON wish BEGIN
        INSERT INTO wish_fts(rowid, text, number) VALUES (new.id, new.text, new.number);
    END""",
    """CREATE TRIGGER IF NOT EXISTS wish_fts_delete AFTER DELETE ON wish BEGIN
        INSERT INTO wish_fts(wish_fts, rowid, text, number)
        VALUES ('delete', old.id, old.text, old.number);
    END""",
    """CREATE TRIGGER IF NOT EXISTS wish_fts_update AFTER UPDATE OF text, number ON wish BEGIN
        INSERT INTO wish_fts(wish_fts, rowid, text, number)
        VALUES ('delete', old.id, old.text, old.number);
        INSERT INTO wish_fts(rowid, text, number) VALUES (new.id, new.text, new.number);
    END""",
)


def create_sqlite_triggers(execute: Any) -> None:
    """``execute``: a callable running one SQL statement (op.execute, conn.exec_driver_sql)."""
    for statement in SQLITE_TRIGGERS:
        execute(statement)


def create_sqlite_index(execute: Any) -> None:
    execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
        "text, number, content='wish', content_rowid='id', tokenize='trigram')"
    )
    create_sqlite_triggers(execute)
    execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def drop_sqlite_index(execute: Any) -> None:
    for trigger in _TRIGGERS:
        execute(f"DROP TRIGGER IF EXISTS {trigger}")
    execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def create_pg_index(execute: Any) -> None:
    # pg_trgm is a trusted extension (PostgreSQL ≥ 13): the database owner may create it.
    execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    execute("CREATE INDEX IF NOT EXISTS ix_wish_text_trgm ON wish USING gin (text gin_trgm_ops)")
    execute(
        "CREATE INDEX IF NOT EXISTS ix_wish_number_trgm ON wish USING gin (number gin_trgm_ops)"
    )


def drop_pg_index(execute: Any) -> None:
    for index in PG_INDEXES:
        execute(f"DROP INDEX IF EXISTS {index}")


def is_search_object(name: str | None) -> bool:
    """Schema objects of this module, which autogenerate must neither drop nor compare."""
    if not name:
        return False
    return name == FTS_TABLE or name.startswith(FTS_TABLE + "_") or name in PG_INDEXES
