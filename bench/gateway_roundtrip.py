"""Bare round trip through the fake WeChat gateway, with no wishpool logic in between.

inject a room message (control API) → python-wechaty on_message → room.say(...) → the reply
observed through the control API's long-poll. Prints the gateway start time, the bot's login
time and the round trip p50/p99 over N sequential messages. The bot benchmark reuses this shape.

    .venv/bin/python bench/gateway_roundtrip.py [-n 200] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("WECHATY_LOG", "warn")  # python-wechaty and the node gateway

from bot.compat import patch_wechaty

patch_wechaty()  # before anything imports wechaty

from wechaty import Message  # noqa: E402

from bench.probe_bot import running_bot  # noqa: E402
from gateway import FakeGateway, SentMessage  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _text_is(text: str) -> Callable[[SentMessage], bool]:
    return lambda message: message["text"] == text


async def measure(gateway: FakeGateway, n: int, warmup: int) -> dict[str, Any]:
    async def echo_handler(msg: Message) -> None:
        if msg.is_self():
            return
        room = msg.room()
        if room is not None:
            await room.say(f"ack {msg.text()}", mention_ids=[msg.talker().contact_id])

    control = gateway.async_control()
    try:
        member = await control.add_contact("基准测试", id="wxid_bench_member")
        room_id = await control.add_room("基准测试群", [member], id="bench@chatroom")
        login_started = time.monotonic()
        async with running_bot(gateway.endpoint, gateway.token, echo_handler):
            login_seconds = time.monotonic() - login_started
            samples: list[float] = []
            for i in range(warmup + n):
                text = f"round trip {i}"
                expected = f"@基准测试 ack {text}"
                after = await control.last_seq()
                started = time.perf_counter()
                await control.say(member, text, room_id=room_id)
                await control.wait_for_sent(_text_is(expected), timeout=10, after=after)
                if i >= warmup:
                    samples.append((time.perf_counter() - started) * 1000)
    finally:
        await control.aclose()
    return {
        "messages": n,
        "gateway_start_s": round(gateway.startup_seconds or 0.0, 3),
        "bot_login_ready_s": round(login_seconds, 3),
        "roundtrip_ms_p50": round(percentile(samples, 50), 2),
        "roundtrip_ms_p99": round(percentile(samples, 99), 2),
        "roundtrip_ms_mean": round(statistics.fmean(samples), 2),
        "roundtrip_ms_max": round(max(samples), 2),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="measured messages (default 200)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    with FakeGateway() as gateway:
        result = asyncio.run(measure(gateway, args.n, args.warmup))
    if args.json:
        print(json.dumps(result))
    else:
        print("gateway round trip (inject → on_message → room.say → observed)")
        for key, value in result.items():
            print(f"  {key:<20} {value}")
    return result


if __name__ == "__main__":
    main()
