"""`wishpool backup PATH` / `wishpool restore PATH`: the whole ledger to one file and back.

SQLite: sqlite3's online backup API (a consistent copy while the API keeps running, rows still
in the ``-wal`` file included); the copy is a SQLite file, mode 0600. PostgreSQL: ``pg_dump
-Fc`` (one consistent snapshot) and ``pg_restore --clean --if-exists`` in one transaction; the
client tools must be at least the server's major version (the image and the compose file use
PostgreSQL 15 on both sides).

A restore replaces everything in the target database, so it refuses a target that already
holds rows unless ``--force``. The file's kind (SQLite or pg_dump) must match the target's.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from sqlalchemy.engine import URL, make_url

from models.db import is_sqlite, sqlite_file

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
# Not ledger data: a database holding only these rows counts as empty.
BOOKKEEPING_TABLES = frozenset({"alembic_version"})

# Operator messages (the person running the command reads them).
NO_SUCH_FILE = "找不到备份文件：{path}"
EXISTS = "文件已存在：{path}。换一个文件名，或加 --force 覆盖"
NOT_EMPTY = (
    "目标数据库里已经有数据（{tables} 等表）。恢复会清空并替换全部数据；确认要这样做，请加 --force"
)
WRONG_KIND = "这个文件是{kind}备份，不能恢复到{target}数据库"
NOT_A_BACKUP = "这个文件不是心愿池的备份（既不是 SQLite 文件，也不是 pg_dump 文件）"
NO_TOOL = (
    "找不到 {tool}：请安装 PostgreSQL 客户端（postgresql-client，版本不低于服务器的 {server}）"
)
OLD_TOOL = "{tool} 的版本 {tool_version} 低于数据库服务器的 {server}：请安装同一大版本的客户端"
TOOL_FAILED = "{tool} 失败（退出码 {code}）：{detail}"
BACKED_UP = "已备份到 {path}（{size} 字节）"
RESTORED = "已从 {path} 恢复"
UNSUPPORTED = "只支持 SQLite 和 PostgreSQL 数据库"


class BackupError(Exception):
    """A refusal with a message for the operator."""


# ---- helpers --------------------------------------------------------------------------------
def _sqlite_path(url: str) -> Path:
    database = sqlite_file(url)
    if database is None:
        raise BackupError(UNSUPPORTED)
    return Path(database)


def _is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI for pg_dump/pg_restore and the environment carrying the password (kept off
    the command line, which other users of the machine can read)."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _file_kind(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgres"
    raise BackupError(NOT_A_BACKUP)


def _private_file(path: Path, *, force: bool) -> None:
    """Creates ``path`` empty with mode 0600 (refusing to replace a file unless ``force``)."""
    if path.exists():
        if not force:
            raise BackupError(EXISTS.format(path=path))
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def tables_with_rows(url: str) -> list[str]:
    """Names of the target's ledger tables that hold at least one row."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            found = []
            for name in sorted(set(names) - BOOKKEEPING_TABLES):
                table = sa.table(name)
                if conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
                    found.append(name)
            return found
    finally:
        engine.dispose()


def _major(version_text: str) -> int:
    match = re.search(r"(\d+)(?:\.\d+)?", version_text)
    return int(match[1]) if match else 0


def _pg_tool(tool: str, url: str) -> str:
    """The tool's path, checked against the server's major version."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            server = int(conn.execute(sa.text("SHOW server_version_num")).scalar_one()) // 10000
    finally:
        engine.dispose()
    found = shutil.which(tool)
    if found is None:
        raise BackupError(NO_TOOL.format(tool=tool, server=server))
    out = subprocess.run([found, "--version"], capture_output=True, text=True, check=False)
    tool_major = _major(out.stdout)
    if tool_major < server:
        raise BackupError(OLD_TOOL.format(tool=tool, tool_version=tool_major, server=server))
    return found


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        # The tools' messages name tables and options, not row data.
        detail = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise BackupError(
            TOOL_FAILED.format(tool=Path(cmd[0]).name, code=done.returncode, detail=detail)
        )


# ---- backup and restore ---------------------------------------------------------------------
def backup_database(url: str, path: Path, *, force: bool = False) -> int:
    """Writes a consistent copy of the database at ``url`` to ``path`` (0600); returns its size."""
    if is_sqlite(url):
        _private_file(path, force=force)
        source = sqlite3.connect(_sqlite_path(url))
        target = sqlite3.connect(path)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    elif _is_postgres(url):
        tool = _pg_tool("pg_dump", url)
        _private_file(path, force=force)
        uri, env = _libpq(url)
        try:
            _run(
                [
                    tool,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--file={path}",
                    f"--dbname={uri}",
                ],
                env,
            )
        except BackupError:
            path.unlink(missing_ok=True)
            raise
    else:
        raise BackupError(UNSUPPORTED)
    os.chmod(path, 0o600)
    return path.stat().st_size


def restore_database(url: str, path: Path, *, force: bool = False) -> None:
    """Replaces everything in the database at ``url`` with the backup in ``path``."""
    if not path.is_file():
        raise BackupError(NO_SUCH_FILE.format(path=path))
    kind = _file_kind(path)
    target_kind = "sqlite" if is_sqlite(url) else "postgres" if _is_postgres(url) else None
    if target_kind is None:
        raise BackupError(UNSUPPORTED)
    labels = {"sqlite": "SQLite ", "postgres": "PostgreSQL "}
    if kind != target_kind:
        raise BackupError(WRONG_KIND.format(kind=labels[kind], target=labels[target_kind]))
    if target_kind == "sqlite":
        _sqlite_path(url).parent.mkdir(parents=True, exist_ok=True)
    busy = tables_with_rows(url)
    if busy and not force:
        raise BackupError(NOT_EMPTY.format(tables="、".join(busy[:3])))
    if target_kind == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(_sqlite_path(url))
        try:
            with target:
                source.backup(target)  # page by page, the target locked meanwhile
        finally:
            target.close()
            source.close()
        return
    tool = _pg_tool("pg_restore", url)
    uri, env = _libpq(url)
    _run(
        [
            tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={uri}",
            str(path),
        ],
        env,
    )


# ---- commands -------------------------------------------------------------------------------
def _database_url() -> str:
    from api.settings import ApiSettings

    return ApiSettings().database_url


def backup_command(
    path: Annotated[Path, typer.Argument(help="Backup file to write (mode 0600)")],
    force: Annotated[bool, typer.Option(help="Replace an existing file")] = False,
) -> None:
    """Back up the ledger database (api.database_url) to PATH while the API keeps running."""
    try:
        size = backup_database(_database_url(), path, force=force)
    except BackupError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(BACKED_UP.format(path=path, size=size))


def restore_command(
    path: Annotated[Path, typer.Argument(help="Backup file written by `wishpool backup`")],
    force: Annotated[
        bool, typer.Option(help="Replace a database that already holds data (all of it)")
    ] = False,
) -> None:
    """Restore the ledger database (api.database_url) from PATH. Stop the API, the scheduler and
    the bot first."""
    try:
        restore_database(_database_url(), path, force=force)
    except BackupError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(RESTORED.format(path=path))


def register(app: typer.Typer) -> None:
    app.command("backup", help="Back up the ledger database to a file (online, consistent)")(
        backup_command
    )
    app.command("restore", help="Restore the ledger database from a `wishpool backup` file")(
        restore_command
    )
