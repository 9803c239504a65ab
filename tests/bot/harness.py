"""Runs the whole system for the end-to-end tests: the API and the real bot as subprocesses on a
temporary SQLite ledger, next to a fake WeChat gateway. (The bot benchmark starts the system
through the launcher, api.cli.launcher, instead: bench never imports tests.)"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool
from sqlmodel import Session, select

from api.domain.auth import create_token
from models import Group, Office, Resource, Staff, Wish
from models.db import make_engine
from models.enums import Category, OfficeLevel, Role
from models.migrate import upgrade

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
NLP_CACHE = Path(tempfile.gettempdir()) / "wishpool-jieba"


def stored_forms(text: str) -> list[bytes]:
    """The bytes ``text`` takes in the stores the system writes: UTF-8 (SQLite TEXT, YAML),
    JSON with ASCII escapes (json.dumps' default), UTF-16 (SQLite's other text encoding)."""
    forms = [text.encode(), json.dumps(text)[1:-1].encode(), text.encode("utf-16-le")]
    return list(dict.fromkeys(forms))


def files_holding(root: Path, *texts: str) -> list[Path]:
    """Every file under ``root`` whose bytes hold one of ``texts`` in a :func:`stored_forms`.

    Reads every file, not only a database's main file: SQLite in WAL mode keeps a recent write
    in ``<db>-wal`` until a checkpoint, so a scan of ``ledger.db`` alone could not see it.
    """
    needles = [form for text in texts for form in stored_forms(text)]
    found = []
    for path in sorted(root.rglob("*")):
        try:
            data = path.read_bytes() if path.is_file() else b""
        except FileNotFoundError:  # SQLite deletes -wal/-shm when its last connection closes
            continue
        if any(needle in data for needle in needles):
            found.append(path)
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LineWatcher:
    """Reads a child's output on a thread; tests wait for a line instead of sleeping."""

    def __init__(self, stream: object, keep: int = 400) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        self._keep = keep
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.append(line.rstrip())
            del self.lines[: -self._keep]
            self._queue.put(line)

    def wait_for(self, text: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        for line in list(self.lines):
            if text in line:
                return line
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no line with {text!r}; last:\n" + "\n".join(self.lines[-30:]))
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if text in line:
                return line

    def tail(self) -> str:
        return "\n".join(self.lines[-40:])


@dataclass
class Seed:
    office_id: int
    room_id: str
    staff_wechat_id: str
    resource_ids: list[int]
    bot_token: str
    other_office_room: str = ""


@dataclass
class System:
    workdir: Path
    gateway_endpoint: str
    gateway_token: str
    db_url: str = ""
    api_port: int = 0
    engine: Engine | None = None
    seed: Seed | None = None
    api: subprocess.Popen[str] | None = None
    bot: subprocess.Popen[str] | None = None
    bot_log: LineWatcher | None = None
    api_log: LineWatcher | None = None
    bot_env: dict[str, str] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    # ---- database -------------------------------------------------------------------------
    def setup_db(self, room_id: str, staff_wechat_id: str, other_room: str) -> Seed:
        self.db_url = f"sqlite:///{self.workdir / 'ledger.db'}"
        upgrade(self.db_url)
        # NullPool: every check is a fresh connection, so it sees what the API just wrote.
        self.engine = make_engine(self.db_url, poolclass=NullPool)
        with Session(self.engine, expire_on_commit=False) as s:
            city = Office(name="测试市妇联", code="SH", level=OfficeLevel.city)
            s.add(city)
            s.flush()
            city.path = f"/{city.id}/"
            office = Office(
                name="东风街道妇联", code="DF", level=OfficeLevel.street, parent_id=city.id
            )
            other = Office(name="西湖街道妇联", code="XH", level=OfficeLevel.street)
            s.add(office)
            s.add(other)
            s.flush()
            office.path = f"{city.path}{office.id}/"
            other.path = f"/{other.id}/"
            s.add(Group(room_id=room_id, topic="东风姐妹群", office_id=office.id, enabled=True))
            s.add(Group(room_id=other_room, topic="西湖群", office_id=other.id, enabled=True))
            assert office.id is not None
            s.add(Staff(wechat_id=staff_wechat_id, name="王主任", office_id=office.id))
            resources = [
                Resource(
                    name="亲子阅读课", provider="市图书馆", categories=[Category.family],
                    office_id=office.id,
                ),
                Resource(
                    name="法律咨询", provider="某某律师事务所", categories=[Category.legal],
                ),
                Resource(
                    name="直播带货培训", provider="电商协会", categories=[Category.career],
                    office_id=city.id,
                ),
            ]  # fmt: skip
            for r in resources:
                s.add(r)
            s.commit()
            _, token = create_token(session=s, name="bot", role=Role.bot)
            s.commit()  # create_token only flushes
            self.seed = Seed(
                office_id=office.id,
                room_id=room_id,
                staff_wechat_id=staff_wechat_id,
                resource_ids=[r.id or 0 for r in resources],
                bot_token=token,
                other_office_room=other_room,
            )
        return self.seed

    def session(self) -> Session:
        assert self.engine is not None
        return Session(self.engine, expire_on_commit=False)

    def wishes(self) -> list[Wish]:
        with self.session() as s:
            return list(s.exec(select(Wish).order_by(Wish.id)).all())  # type: ignore[arg-type]

    # ---- processes ------------------------------------------------------------------------
    def start_api(self) -> None:
        if not self.api_port:
            self.api_port = free_port()
        env = {
            **os.environ,
            "WISHPOOL_API__DATABASE_URL": self.db_url,
            "WISHPOOL_API__RUN_SCHEDULER": "false",
            "WISHPOOL_API__PORT": str(self.api_port),
            "WISHPOOL_API__LOG_LEVEL": "WARNING",
            "WISHPOOL_NLP__CACHE_DIR": str(NLP_CACHE),
        }
        cmd = [
            PYTHON, "-m", "uvicorn", "api.http.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(self.api_port), "--log-level", "info",
        ]  # fmt: skip
        self.api = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self.api_log = LineWatcher(self.api.stderr)
        self.api_log.wait_for("Application startup complete", 30)

    def stop_api(self) -> None:
        if self.api is not None and self.api.poll() is None:
            self.api.send_signal(signal.SIGTERM)
            try:
                self.api.wait(10)
            except subprocess.TimeoutExpired:
                self.api.kill()
                self.api.wait()
        self.api = None

    def start_bot(self, **extra_env: str) -> subprocess.Popen[str]:
        assert self.seed is not None
        env = {
            **os.environ,
            "WECHATY_PUPPET_SERVICE_ENDPOINT": self.gateway_endpoint,
            "WECHATY_PUPPET_SERVICE_TOKEN": self.gateway_token,
            "WISHPOOL_BOT__API_URL": self.api_url,
            "WISHPOOL_BOT__API_TOKEN": self.seed.bot_token,
            "WISHPOOL_BOT__DATA_DIR": str(self.workdir / "bot"),
            "WISHPOOL_BOT__DELAY_MIN_SECONDS": "0",
            "WISHPOOL_BOT__DELAY_MAX_SECONDS": "0",
            "WISHPOOL_BOT__RATE_PER_MINUTE": "100000",
            "WISHPOOL_BOT__RATE_BURST": "1000",
            "WISHPOOL_OFFICE__QUIET_HOURS": "off",
            "WISHPOOL_BOT__RETRY_MAX_SECONDS": "1",
            "WISHPOOL_BOT__RETRY_MIN_SECONDS": "0.2",
            "WISHPOOL_BOT__OUTBOX_WAIT_SECONDS": "10",
            "WISHPOOL_BOT__LOGIN_TIMEOUT_SECONDS": "15",
            "WISHPOOL_BOT__GROUP_CACHE_SECONDS": "0",
            "WISHPOOL_BOT__LOG_LEVEL": "INFO",
            "WISHPOOL_NLP__CACHE_DIR": str(NLP_CACHE),
            **self.bot_env,
            **extra_env,
        }
        proc = subprocess.Popen(
            [PYTHON, "-m", "bot"],
            cwd=self.workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.bot = proc
        self.bot_log = LineWatcher(proc.stderr)
        return proc

    def start_bot_ready(self) -> None:
        self.start_bot()
        assert self.bot_log is not None
        self.bot_log.wait_for("logged in to the puppet service", 30)

    def kill_bot(self, sig: int = signal.SIGKILL) -> None:
        if self.bot is not None and self.bot.poll() is None:
            self.bot.send_signal(sig)
            self.bot.wait(15)
        self.bot = None

    def close(self) -> None:
        self.kill_bot(signal.SIGTERM)
        self.stop_api()
        if self.engine is not None:
            self.engine.dispose()

    def api_get(self, path: str) -> httpx.Response:
        return httpx.get(self.api_url + path, timeout=5, trust_env=False)


@contextlib.contextmanager
def running_system(
    gateway_endpoint: str,
    gateway_token: str,
    room_id: str,
    staff_id: str,
    other_room: str,
    bot_env: dict[str, str] | None = None,
) -> Iterator[System]:
    with tempfile.TemporaryDirectory(prefix="wishpool-e2e-") as tmp:
        system = System(Path(tmp), gateway_endpoint, gateway_token, bot_env=dict(bot_env or {}))
        try:
            system.setup_db(room_id, staff_id, other_room)
            system.start_api()
            system.start_bot_ready()
            yield system
        finally:
            system.close()
