"""`wishpool run`: the whole system on embedded defaults, for a first look and for demos.

One process runs the API with the follow-up engine (SQLite by default); it starts the local fake
WeChat account (gateway/) and the real bot as child processes, and stops both when it ends.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.cli.demo import (
    MEMBER_ROOM,
    MEMBER_ROOM_TOPIC,
    MEMBERS,
    PEOPLE,
    STAFF,
    STAFF_ROOM,
    STAFF_ROOM_TOPIC,
    seed_demo,
)
from api.cli.scenario import Scenario, needs_scenario
from api.domain.auth import create_token
from api.domain.tokens import list_tokens, revoke_token
from api.http.app import create_app
from api.http.security import BOT_CALLS, RoutineAccessFilter
from api.settings import ApiSettings
from bot.settings import BotSettings
from gateway import FakeGateway, GatewayControl, GatewayError
from models.db import make_engine
from models.enums import Role
from models.migrate import upgrade

logger = logging.getLogger(__name__)

DEMO_TOKEN_NAMES = {Role.admin: "demo-admin", Role.bot: "demo-bot"}
STARTUP_TIMEOUT = 30.0


@dataclass(frozen=True)
class DemoPorts:
    gateway_grpc: int = 8788
    gateway_control: int = 8789


def issue_demo_tokens(*, session: Session) -> dict[Role, str]:
    """Fresh admin and bot tokens for this run; the previous run's demo tokens are revoked."""
    for token in list_tokens(session=session):
        if token.name in DEMO_TOKEN_NAMES.values() and token.id is not None:
            revoke_token(session=session, token_id=token.id)
    return {
        role: create_token(session=session, name=name, role=role)[1]
        for role, name in DEMO_TOKEN_NAMES.items()
    }


def populate_gateway(control: GatewayControl) -> None:
    """The fake account's contacts and rooms, matching the demo world's ids."""
    for person in PEOPLE.values():
        control.add_contact(person.name, id=person.wechat_id)
    everyone = [p.wechat_id for p in PEOPLE.values()]
    control.add_room(MEMBER_ROOM_TOPIC, everyone, id=MEMBER_ROOM)
    control.add_room(STAFF_ROOM_TOPIC, [p.wechat_id for p in STAFF], id=STAFF_ROOM)


@dataclass
class RunningSystem:
    """The parts of a running system, for `wishpool run` and the bot benchmark."""

    settings: ApiSettings
    engine: Engine
    gateway: FakeGateway
    server: uvicorn.Server
    bot: subprocess.Popen[bytes]
    tokens: dict[Role, str]
    bot_health: Path  # the bot's health.json

    def wait_for_bot(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Until this bot process reports itself logged in to the fake account (its health.json,
        rewritten every 2 s and at login; nothing pushes a signal, so this polls)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.bot.poll() is not None:
                raise RuntimeError(f"the bot exited with code {self.bot.returncode}")
            health = _read_health(self.bot_health)
            # The pid: a previous run's file may still say logged_in.
            if health.get("pid") == self.bot.pid and health.get("logged_in"):
                return
            time.sleep(0.1)
        raise TimeoutError(f"the bot did not log in within {timeout:.0f}s")


@contextlib.contextmanager
def running_system(
    settings: ApiSettings,
    ports: DemoPorts,
    *,
    stop: threading.Event | None = None,
    bot_env: Mapping[str, str] | None = None,
) -> Iterator[RunningSystem]:
    """Migrates and seeds the ledger, then starts the fake gateway, the API (in this process)
    and the bot (a child process); stops all three when the block ends, failure or not.

    ``stop`` is set when the API ends by itself; ``bot_env`` adds to the bot's environment
    (the benchmark switches its human-like delays off).
    """
    if stop is None:
        stop = threading.Event()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with Session(engine, expire_on_commit=False) as session:
        if seed_demo(session=session):
            logger.info("demo world created")
        tokens = issue_demo_tokens(session=session)
        session.commit()  # the launcher is the entry point: seeding and tokens only flush
    gateway = FakeGateway(grpc_port=ports.gateway_grpc, control_port=ports.gateway_control)
    server: uvicorn.Server | None = None
    bot: subprocess.Popen[bytes] | None = None
    try:
        gateway.start()
        populate_gateway(gateway)
        if not settings.gateway_control_url:  # the admin page shows the account's login state
            settings = settings.model_copy(update={"gateway_control_url": gateway.base_url})
        server = _start_api(settings, engine, stop)
        extra = dict(bot_env or {})
        bot = _start_bot(settings, gateway, tokens[Role.bot], extra)
        data_dir = extra.get("WISHPOOL_BOT__DATA_DIR") or str(BotSettings().data_dir)
        health = Path(data_dir) / "health.json"
        yield RunningSystem(settings, engine, gateway, server, bot, tokens, health)
    finally:
        if bot is not None and bot.poll() is None:
            bot.terminate()
            try:
                bot.wait(timeout=15)
            except subprocess.TimeoutExpired:  # still stop the API and the gateway below
                logger.warning("the bot did not stop within 15 s; killing it")
                bot.kill()
        if server is not None:
            server.should_exit = True
        gateway.stop()


def quiet_demo_logs() -> None:
    """A readable console for the demo: the scenario and the banner say in words what the
    bot's calls did, so their access lines, the control client's requests, each migration
    step and the scheduler's job bookkeeping stay out (warnings and errors still show)."""
    logging.getLogger("uvicorn.access").addFilter(RoutineAccessFilter(BOT_CALLS))
    for name in ("httpx", "alembic.runtime.migration", "apscheduler"):
        logging.getLogger(name).setLevel(logging.WARNING)


def run_system(settings: ApiSettings, ports: DemoPorts) -> int:
    quiet_demo_logs()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _n, _f: stop.set())
    with running_system(settings, ports, stop=stop) as system:
        system.wait_for_bot()
        play_first_run(system)
        _banner(settings, system.gateway, system.tokens[Role.admin])
        while not stop.wait(1.0):
            if system.bot.poll() is not None:
                logger.error("the bot exited with code %s; stopping", system.bot.returncode)
                return 1
        return 0


def play_first_run(system: RunningSystem) -> bool:
    """Plays the first-run scenario if the ledger holds no wish yet; whether it played."""
    if not needs_scenario(system.engine):
        return False
    scenario = Scenario(
        system.gateway, system.engine, quiet=system.settings.quiet_hours, echo=_echo
    )
    try:
        scenario.play()
    except (TimeoutError, RuntimeError, GatewayError) as exc:
        # A demo nicety: the system itself runs on, and `wishpool chat` still works.
        logger.warning("the first-run scenario did not finish: %s", exc)
        return False
    return True


def _echo(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _read_health(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _start_api(settings: ApiSettings, engine: Engine, stop: threading.Event) -> uvicorn.Server:
    config = uvicorn.Config(
        create_app(settings, engine=engine),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
    )
    server = uvicorn.Server(config)

    def serve() -> None:
        server.run()
        stop.set()  # the API ended (port taken, crash): end the whole demo

    threading.Thread(target=serve, name="api", daemon=True).start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    # uvicorn offers no start-up callback; its `started` flag is the documented signal.
    while not server.started:
        if stop.wait(0.05) or time.monotonic() > deadline:
            raise RuntimeError(f"the API did not start on {settings.host}:{settings.port}")
    return server


def _start_bot(
    settings: ApiSettings, gateway: FakeGateway, bot_token: str, extra_env: Mapping[str, str]
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "WECHATY_PUPPET_SERVICE_ENDPOINT": gateway.endpoint,
        "WECHATY_PUPPET_SERVICE_TOKEN": gateway.token,
        "WISHPOOL_BOT__API_URL": f"http://{settings.host}:{settings.port}",
        "WISHPOOL_BOT__API_TOKEN": bot_token,
        # One fact for both: the 完成 reply's quiet-hours note and the bot's held post agree.
        "WISHPOOL_OFFICE__QUIET_HOURS": str(settings.quiet_hours),
        **extra_env,
    }
    return subprocess.Popen([sys.executable, "-m", "bot"], env=env)


def _banner(settings: ApiSettings, gateway: FakeGateway, admin_token: str) -> None:
    url = f"http://{settings.host}:{settings.port}"
    members = "、".join(p.name for p in MEMBERS)
    staff = "、".join(p.name for p in STAFF)
    lines = [
        "",
        "心愿池已启动 / wishpool is running",
        f"  管理页面 admin page: {url}/admin  （粘贴下面的令牌 paste the token below）",
        f"  管理员令牌 admin token (this run only): {admin_token}",
        f"  接口文档 API docs:   {url}/docs",
        # The ports the gateway bound (0 asks for free ones).
        f"  模拟微信号 fake WeChat gateway: grpc {gateway.endpoint}, "
        f"control 127.0.0.1:{gateway.control_port}",
        "  在群里聊天 chat in the demo group (another terminal):",
        "    .venv/bin/wishpool chat --as 刘老师 --room 三新姐妹群",
        "    .venv/bin/wishpool chat --as 王主任 --room 工作群     （工作人员 staff）",
        "    .venv/bin/wishpool chat --list                       （全部人物和群 all personas）",
        f"  成员 members: {members}；工作人员 staff: {staff}",
        "  Ctrl-C 结束 / to stop",
        "",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
