"""Bot group checks: API calls per minute at 2,000 active groups, TTL cache vs pushed versions.

A fake API client counts calls; a simulated clock runs ten minutes in which every group speaks
twice a minute. "TTL" is the bot without version notices (as before: a group is asked again
once its cached state is group_cache_seconds old); "pushed" gets the groups version with each
outbox answer (every outbox_wait_seconds) and refreshes in batches only when it changes. One
group is disabled half-way: both must stop answering there.

    .venv/bin/python bench/bot_groups_bench.py [--groups 2000] [--minutes 10]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.groups import GroupCache  # noqa: E402
from bot.settings import BotSettings  # noqa: E402
from bot.spool import Spool  # noqa: E402

SPEAK_EVERY = 30  # seconds between two messages of one group


class CountingApi:
    def __init__(self, rooms: Sequence[str]) -> None:
        self.enabled = dict.fromkeys(rooms, True)
        self.generation = 0
        self.calls = {"group_seen": 0, "check_groups": 0}

    @property
    def version(self) -> str:
        return f"v{self.generation}"

    def state(self, room_id: str) -> dict[str, Any]:
        return {"room_id": room_id, "enabled": self.enabled.get(room_id, False),
                "ask_members": False, "staff_ids": ["staff1"]}  # fmt: skip

    async def group_seen(self, room_id: str, topic: str) -> dict[str, Any]:
        self.calls["group_seen"] += 1
        return self.state(room_id)

    async def check_groups(self, room_ids: Sequence[str]) -> dict[str, Any]:
        self.calls["check_groups"] += 1
        return {"version": self.version, "groups": [self.state(r) for r in room_ids]}


async def simulate(groups: int, minutes: int, *, pushed: bool, spool: Spool) -> dict[str, Any]:
    settings = BotSettings()
    rooms = [f"room{i}@chatroom" for i in range(groups)]
    api = CountingApi(rooms)
    now = [0.0]
    cache = GroupCache(
        client=api, spool=spool, cache_seconds=settings.group_cache_seconds, clock=lambda: now[0]
    )
    poll_every = int(settings.outbox_wait_seconds)
    changed_room, change_at = rooms[0], minutes * 30
    per_minute: list[int] = []
    answered_after_change = 0
    before = 0
    for second in range(minutes * 60):
        now[0] = float(second)
        if second == change_at:
            api.enabled[changed_room] = False
            api.generation += 1
        if pushed and second % poll_every == 0 and cache.note_version(api.version):
            await cache.refresh()
        for index in range(second % SPEAK_EVERY, groups, SPEAK_EVERY):
            enabled = await cache.enabled(rooms[index], f"群{index}")
            if rooms[index] == changed_room and second > change_at + 60 and enabled:
                answered_after_change += 1
        if second % 60 == 59:
            total = sum(api.calls.values())
            per_minute.append(total - before)
            before = total
    steady = per_minute[1:]  # the first minute registers every group, in both cases
    return {"per_minute": sum(steady) / len(steady), "calls": dict(api.calls),
            "answered_after_change": answered_after_change}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=2000)
    parser.add_argument("--minutes", type=int, default=10)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for pushed in (False, True):
            spool = Spool(Path(tmp) / f"spool-{pushed}.db")
            results[pushed] = asyncio.run(
                simulate(args.groups, args.minutes, pushed=pushed, spool=spool)
            )
            spool.close()
    for pushed, label in ((False, "TTL cache (before)"), (True, "pushed version (after)")):
        r = results[pushed]
        print(
            f"{label:24s} {r['per_minute']:8.1f} API calls/min "
            f"({r['per_minute'] / 60:.2f}/s) at {args.groups:,} groups; calls {r['calls']}; "
            f"answers in the disabled group a minute after the change: {r['answered_after_change']}"
        )
    ratio = results[False]["per_minute"] / max(results[True]["per_minute"], 1e-9)
    print(f"calls per minute: x{ratio:.0f} fewer with pushed versions")


if __name__ == "__main__":
    main()
