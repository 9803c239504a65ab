"""Owner-only files: the ledger database, the bot's spool and health file, the jieba cache.

They hold wish texts, names and WeChat ids, so no other account on the machine may read them:
files 0600, the directories made for them 0700. The processes also set umask 077 at start
(``restrict_umask``), which covers what libraries create on their own (SQLite's -wal/-shm,
jieba's cache, temporary files); the functions here also fix files left by an older version.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def restrict_umask() -> int:
    """Whatever this process creates from now on is owner-only. Returns the old umask."""
    return os.umask(0o077)


def private_dir(path: Path) -> Path:
    """``path`` exists as a directory; made 0700 when this call creates it.

    An existing directory keeps its mode (it may be shared, like the working directory);
    ``restrict_dir`` tightens one that belongs to us alone.
    """
    if not path.is_dir():
        path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        # mkdir's mode is filtered by the umask and does not apply to created parents.
        with contextlib.suppress(OSError):
            path.chmod(PRIVATE_DIR)
    return path


def restrict_dir(path: Path) -> Path:
    """A directory that holds only our data (the bot's data_dir, the jieba cache): 0700."""
    private_dir(path)
    _chmod_owned(path, PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """``path`` exists and is 0600; an existing file keeps its content."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
    os.close(fd)
    _chmod_owned(path, PRIVATE_FILE)
    return path


def write_private_text(path: Path, text: str) -> None:
    """Replace ``path`` atomically with ``text``, the new file 0600 from its first byte."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    _chmod_owned(tmp, PRIVATE_FILE)  # an older .tmp may have been left 0644
    os.replace(tmp, path)


def private_sqlite(database: str | os.PathLike[str]) -> Path:
    """Prepare a SQLite database file before the first connection opens it.

    SQLite gives its -wal, -shm and -journal files the mode of the database file, so creating
    the database 0600 here (an empty file is a valid empty database) keeps all of them private
    whatever the umask; companions left by an older version are tightened too.
    """
    path = Path(database)
    private_dir(path.parent)
    private_file(path)
    for suffix in SQLITE_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            _chmod_owned(companion, PRIVATE_FILE)
    return path


def _chmod_owned(path: Path, mode: int) -> None:
    # Only our own files: chmod on someone else's fails, and a read-only mount is not ours
    # to change. Either way the process still runs; the owner is told by the file's mode.
    with contextlib.suppress(OSError):
        if stat.S_IMODE(path.stat().st_mode) != mode:
            path.chmod(mode)
