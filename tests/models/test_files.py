"""Personal data on disk is owner-only: database, -wal/-shm, the bot's spool and health file,
the data and cache directories — under the usual umask 022, and for files an older version
left world-readable."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.delivery import write_json_atomically
from bot.spool import Spool
from models.db import make_engine
from models.files import private_sqlite, restrict_dir, restrict_umask
from nlp.tokenizer import build_tokenizer


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    # The default of most accounts: without our care, new files would be 0644.
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_ledger_database_and_its_wal_files_are_owner_only(tmp_path: Path) -> None:
    database = tmp_path / "data" / "wishpool.db"
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x TEXT)"))
            conn.execute(text("INSERT INTO t VALUES ('希望有人帮忙')"))
        with engine.connect() as conn:  # WAL files exist while a connection is open
            conn.execute(text("SELECT * FROM t")).all()
            for name in ("wishpool.db", "wishpool.db-wal", "wishpool.db-shm"):
                assert mode(database.with_name(name)) == 0o600, name
    finally:
        engine.dispose()
    assert mode(database.parent) == 0o700


def test_files_left_world_readable_are_tightened(tmp_path: Path) -> None:
    database = tmp_path / "old.db"
    dir_mode = mode(tmp_path)
    for name in ("old.db", "old.db-wal", "old.db-shm"):
        (tmp_path / name).touch(mode=0o644)
        (tmp_path / name).chmod(0o644)
    private_sqlite(database)
    for name in ("old.db", "old.db-wal", "old.db-shm"):
        assert mode(tmp_path / name) == 0o600, name
    # An existing directory that may be shared (here the test's own) keeps its mode.
    assert mode(tmp_path) == dir_mode


def test_bot_spool_health_and_data_dir_are_owner_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "bot"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    restrict_dir(data_dir)
    assert mode(data_dir) == 0o700
    spool = Spool(data_dir / "spool.db")
    try:
        spool.enqueue("m1", "wish", {"text": "希望有人帮忙"})
        for name in ("spool.db", "spool.db-wal", "spool.db-shm"):
            assert mode(data_dir / name) == 0o600, name
    finally:
        spool.close()
    health = data_dir / "health.json"
    health.write_text("{}")
    health.chmod(0o644)
    write_json_atomically(health, {"ok": True})
    assert mode(health) == 0o600
    assert health.read_text() == '{"ok": true}'


def test_jieba_cache_dir_is_owner_only(tmp_path: Path) -> None:
    cache = tmp_path / "cache" / "jieba"
    build_tokenizer((), (), cache)
    assert mode(cache) == 0o700
    assert all(mode(p) == 0o600 for p in cache.iterdir()), sorted(p.name for p in cache.iterdir())


def test_restrict_umask_makes_new_files_owner_only(tmp_path: Path) -> None:
    old = restrict_umask()
    try:
        assert old == 0o022
        (tmp_path / "export.xlsx").write_bytes(b"x")
        (tmp_path / "sub").mkdir()
    finally:
        os.umask(old)
    assert mode(tmp_path / "export.xlsx") == 0o600
    assert mode(tmp_path / "sub") == 0o700
