"""Benchmark: message enters the fake gateway → the real bot process → API → reply observed.

Starts the fake WeChat gateway, the API (temporary SQLite ledger) and the bot as processes, then
sends N messages one after another (a mix of wishes and commands) and measures, for each, the
time from injecting it at the gateway to seeing the bot's reply there. Reports p50/p99 and the bot
process's resident memory. Usage: .venv/bin/python bench/bot_roundtrip.py [--messages 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gateway.control import FakeGateway  # noqa: E402
from tests.bot.harness import running_system  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    with FakeGateway() as gw:
        staff = gw.add_contact("王主任", id=f"wxid_staff_{uuid.uuid4().hex[:6]}")
        member = gw.add_contact("李娟", id=f"wxid_m_{uuid.uuid4().hex[:6]}")
        room = gw.add_room("东风姐妹群", [staff, member], id=f"{uuid.uuid4().hex[:8]}@chatroom")
        other = gw.add_room("西湖群", [staff, member], id=f"{uuid.uuid4().hex[:8]}@chatroom")
        with running_system(gw.endpoint, gw.token, room, staff, other) as system:
            assert system.bot is not None
            latencies: dict[str, list[float]] = {"wish": [], "command": []}
            for i in range(args.messages):
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
            bot = psutil.Process(system.bot.pid)
            rss = bot.memory_info().rss
            all_ms = latencies["wish"] + latencies["command"]
            result = {
                "messages": args.messages,
                "p50_ms": round(statistics.median(all_ms), 1),
                "p99_ms": round(percentile(all_ms, 99), 1),
                "max_ms": round(max(all_ms), 1),
                "wish_p50_ms": round(statistics.median(latencies["wish"]), 1),
                "command_p50_ms": round(statistics.median(latencies["command"]), 1),
                "bot_rss_mb": round(rss / 2**20, 1),
                "wishes_logged": len(system.wishes()),
            }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
