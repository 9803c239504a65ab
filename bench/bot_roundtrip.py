"""Benchmark: message enters the fake gateway → the real bot process → API → reply observed.

Starts the system the way `wishpool run` does (the composition root's launcher: the fake WeChat
gateway, the API in this process on a temporary SQLite ledger with the demo world, the bot as a
child process), with the bot's human-like delays and quiet hours switched off. Then sends N
messages one after another (a mix of wishes and commands) and measures, for each, the time from
injecting it at the gateway to seeing the bot's reply there. Reports p50/p99 and the bot
process's resident memory. Usage: .venv/bin/python bench/bot_roundtrip.py [--messages 200]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlmodel import Session, func, select  # noqa: E402

from api.cli.demo import MEMBER_ROOM, PEOPLE  # noqa: E402
from api.cli.launcher import DemoPorts, RunningSystem, running_system  # noqa: E402
from api.settings import ApiSettings  # noqa: E402
from models import Wish  # noqa: E402

LOGIN_TIMEOUT = 30.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fast_bot_env(data_dir: Path) -> dict[str, str]:
    """No artificial delays, no rate limit in the way (no quiet hours: the API settings'):
    only the system's cost."""
    return {
        "WISHPOOL_BOT__DATA_DIR": str(data_dir),
        "WISHPOOL_BOT__DELAY_MIN_SECONDS": "0",
        "WISHPOOL_BOT__DELAY_MAX_SECONDS": "0",
        "WISHPOOL_BOT__RATE_PER_MINUTE": "100000",
        "WISHPOOL_BOT__RATE_BURST": "1000",
        "WISHPOOL_BOT__GROUP_CACHE_SECONDS": "0",
        "WISHPOOL_BOT__LOG_LEVEL": "WARNING",
        "WISHPOOL_NLP__CACHE_DIR": str(Path(tempfile.gettempdir()) / "wishpool-jieba"),
    }


def wait_for_login(system: RunningSystem, health_file: Path) -> None:
    """Waits until the bot reports it is connected and logged in (health.json, rewritten every
    2 s by the bot; a benchmark may poll it, nothing pushes a signal)."""
    deadline = time.monotonic() + LOGIN_TIMEOUT
    while time.monotonic() < deadline:
        if system.bot.poll() is not None:
            raise RuntimeError(f"the bot exited with code {system.bot.returncode}")
        try:
            health: dict[str, Any] = json.loads(health_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            health = {}
        if health.get("connected") and health.get("logged_in"):
            return
        time.sleep(0.1)
    raise TimeoutError(f"the bot did not log in within {LOGIN_TIMEOUT:.0f}s")


def measure(system: RunningSystem, messages: int) -> dict[str, Any]:
    gw, member, room = system.gateway, PEOPLE["zhang"].wechat_id, MEMBER_ROOM
    latencies: dict[str, list[float]] = {"wish": [], "command": []}
    for i in range(messages):
        kind = "wish" if i % 2 == 0 else "command"
        text = (
            f"希望组织第{i}次亲子阅读活动，孩子们很需要"
            if kind == "wish"
            else ("我的心愿", f"查询 {i // 2 + 1}", "帮助", "服务")[i // 2 % 4]
        )
        after = gw.last_seq()
        started = time.perf_counter()
        gw.say(member, text, room_id=room)
        gw.wait_for_sent(lambda m: member in m["mention_ids"], timeout=15, after=after)
        latencies[kind].append((time.perf_counter() - started) * 1000)
    rss = psutil.Process(system.bot.pid).memory_info().rss
    with Session(system.engine) as session:
        logged = session.exec(select(func.count()).select_from(Wish)).one()
    all_ms = latencies["wish"] + latencies["command"]
    return {
        "messages": messages,
        "p50_ms": round(statistics.median(all_ms), 1),
        "p99_ms": round(percentile(all_ms, 99), 1),
        "max_ms": round(max(all_ms), 1),
        "wish_p50_ms": round(statistics.median(latencies["wish"]), 1),
        "command_p50_ms": round(statistics.median(latencies["command"]), 1),
        "bot_rss_mb": round(rss / 2**20, 1),
        "wishes_logged": logged,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wishpool-bench-") as tmp:
        workdir = Path(tmp)
        settings = ApiSettings(
            database_url=f"sqlite:///{workdir / 'ledger.db'}",
            host="127.0.0.1",
            port=free_port(),
            run_scheduler=False,
            log_level="WARNING",
            quiet_hours="off",  # the launcher hands the bot the same office.quiet_hours
        )
        ports = DemoPorts(gateway_grpc=0, gateway_control=0)  # free ports
        bot_env = fast_bot_env(workdir / "bot")
        with running_system(settings, ports, bot_env=bot_env) as system:
            wait_for_login(system, workdir / "bot" / "health.json")
            result = measure(system, args.messages)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
