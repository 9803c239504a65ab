"""`wishpool backup` / `wishpool restore`: a round trip keeps every row of every table, on SQLite
and PostgreSQL; a restore refuses a database holding data unless --force, and a file of the
wrong kind."""

from __future__ import annotations

import hashlib
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli.backup import BackupError, backup_database, restore_database, tables_with_rows
from api.cli.main import app
from models.db import is_sqlite
from tests.api.apitools import Tree, new_wish
from tests.conftest import POSTGRES_URL, _drop_pg, _pg_admin


def table_digests(url: str) -> dict[str, tuple[int, str]]:
    """Rows and a checksum of every row (in primary-key order) per table."""
    engine = sa.create_engine(url)
    digests: dict[str, tuple[int, str]] = {}
    try:
        with engine.connect() as conn:
            meta = sa.MetaData()
            meta.reflect(conn)
            for name, table in sorted(meta.tables.items()):
                order = list(table.primary_key.columns) or list(table.columns)
                rows = conn.execute(sa.select(table).order_by(*order)).all()
                digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
                digests[name] = (len(rows), digest)
    finally:
        engine.dispose()
    return digests


@pytest.fixture
def empty_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second database on the same backend with nothing in it (not even a schema)."""
    if is_sqlite(db_url):
        yield f"sqlite:///{tmp_path / 'restored' / 'wishpool.db'}"
        return
    name = f"wp_r_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    try:
        yield sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        _drop_pg(name)


def _fill(client: TestClient, admin: dict[str, str], tree: Tree) -> None:
    for n in range(5):
        new_wish(client, admin, office_id=tree.community, text=f"希望学习电商直播第{n}期")
    wish = new_wish(client, admin, office_id=tree.street, text="想请社区开设四点半课堂")
    response = client.post(
        f"/api/v1/wishes/{wish['id']}/claim", json={"staff_id": tree.staff}, headers=admin
    )
    assert response.status_code < 300, response.text


def test_round_trip_keeps_every_row(
    client: TestClient,
    admin: dict[str, str],
    tree: Tree,
    db_url: str,
    empty_url: str,
    tmp_path: Path,
) -> None:
    _fill(client, admin, tree)
    before = table_digests(db_url)
    assert before["wish"][0] == 6 and before["office"][0] == 5

    path = tmp_path / "backup" / "wishpool.backup"
    size = backup_database(db_url, path)
    assert size == path.stat().st_size > 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    restore_database(empty_url, path)
    after = table_digests(empty_url)
    assert after == before  # every table, every row, every value

    # The restored copy is a working ledger: the API's own schema check passes there too.
    assert "alembic_version" in after and after["alembic_version"][0] == 1


def test_restore_refuses_a_database_with_data_unless_forced(
    client: TestClient,
    admin: dict[str, str],
    tree: Tree,
    db_url: str,
    empty_url: str,
    tmp_path: Path,
) -> None:
    new_wish(client, admin, office_id=tree.community)
    path = tmp_path / "one.backup"
    backup_database(db_url, path)
    restore_database(empty_url, path)
    wanted = table_digests(empty_url)

    # More wishes in the source; restoring the older backup over it needs --force.
    new_wish(client, admin, office_id=tree.community, text="希望有人教我做账")
    changed = table_digests(db_url)
    assert changed["wish"][0] == wanted["wish"][0] + 1
    with pytest.raises(BackupError, match=r"已经有数据.*--force"):
        restore_database(db_url, path)
    assert table_digests(db_url) == changed  # refused: nothing touched

    restore_database(db_url, path, force=True)
    assert table_digests(db_url) == wanted


def test_backup_refuses_to_overwrite_a_file(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "exists.backup"
    path.write_bytes(b"keep me")
    with pytest.raises(BackupError, match="已存在"):
        backup_database(db_url, path)
    assert path.read_bytes() == b"keep me"
    backup_database(db_url, path, force=True)
    assert path.read_bytes() != b"keep me"


def test_restore_refuses_a_file_that_is_no_backup(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a backup", encoding="utf-8")
    before = table_digests(db_url)
    with pytest.raises(BackupError, match="不是心愿池的备份"):
        restore_database(db_url, path, force=True)
    with pytest.raises(BackupError, match="找不到"):
        restore_database(db_url, tmp_path / "missing.backup")
    assert table_digests(db_url) == before


def test_restore_refuses_the_other_backend(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "other.backup"
    # A SQLite file for a PostgreSQL target and a pg_dump header for a SQLite one.
    if is_sqlite(db_url):
        path.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
        expected = "PostgreSQL 备份，不能恢复到SQLite"
    else:
        backup_database(f"sqlite:///{tmp_path / 'src.db'}", path)
        expected = "SQLite 备份，不能恢复到PostgreSQL"
    with pytest.raises(BackupError, match=expected):
        restore_database(db_url, path, force=True)


def test_commands_round_trip(
    client: TestClient,
    admin: dict[str, str],
    tree: Tree,
    db_url: str,
    empty_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    new_wish(client, admin, office_id=tree.community)
    path = tmp_path / "cli.backup"
    runner = CliRunner()
    monkeypatch.setenv("WISHPOOL_API__DATABASE_URL", db_url)
    done = runner.invoke(app, ["backup", str(path)])
    assert done.exit_code == 0, done.output
    assert "已备份到" in done.output
    again = runner.invoke(app, ["backup", str(path)])
    assert again.exit_code == 2 and "已存在" in again.output

    monkeypatch.setenv("WISHPOOL_API__DATABASE_URL", empty_url)
    done = runner.invoke(app, ["restore", str(path)])
    assert done.exit_code == 0, done.output
    assert tables_with_rows(empty_url)  # the ledger is there now
    refused = runner.invoke(app, ["restore", str(path)])
    assert refused.exit_code == 2 and "--force" in refused.output
    assert table_digests(empty_url) == table_digests(db_url)
