"""The bot's group cache: pushed versions instead of one API call per group per minute."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.client import ApiUnavailable
from bot.groups import GroupCache
from bot.spool import Spool

ROOMS = [f"r{i}@chatroom" for i in range(1500)]  # more than one check batch


class CountingApi:
    def __init__(self) -> None:
        self.up = True
        self.enabled: dict[str, bool] = dict.fromkeys(ROOMS, True)
        self.staff: dict[str, list[str]] = {}
        self.generation = 0
        self.seen: list[tuple[str, str]] = []
        self.checks: list[int] = []

    @property
    def version(self) -> str:
        return f"v{self.generation}"

    def change(self, room_id: str, **fields: Any) -> None:
        if "enabled" in fields:
            self.enabled[room_id] = fields["enabled"]
        if "staff" in fields:
            self.staff[room_id] = fields["staff"]
        self.generation += 1

    def _state(self, room_id: str) -> dict[str, Any]:
        return {"room_id": room_id, "enabled": self.enabled.get(room_id, False),
                "staff_ids": self.staff.get(room_id, []), "ask_members": False}  # fmt: skip

    async def group_seen(self, room_id: str, topic: str) -> dict[str, Any]:
        if not self.up:
            raise ApiUnavailable(detail="down")
        self.seen.append((room_id, topic))
        return self._state(room_id)

    async def check_groups(self, room_ids: Sequence[str]) -> dict[str, Any]:
        if not self.up:
            raise ApiUnavailable(detail="down")
        self.checks.append(len(room_ids))
        return {"version": self.version, "groups": [self._state(r) for r in room_ids]}


@pytest.fixture
def world(tmp_path: Path) -> Any:
    api = CountingApi()
    now = [1000.0]
    spool = Spool(tmp_path / "spool.db")
    cache = GroupCache(client=api, spool=spool, cache_seconds=60, clock=lambda: now[0])
    yield api, cache, now
    spool.close()


async def _minute_of_messages(
    api: CountingApi, cache: GroupCache, now: list[float], rooms: Sequence[str]
) -> None:
    """Every room speaks once a minute; an outbox answer (with the version) every 20 s."""
    for _ in range(3):
        now[0] += 20
        assert not cache.note_version(api.version)
        for room in rooms:
            await cache.enabled(room, "群")


async def test_pushed_versions_replace_per_group_checks(world: Any) -> None:
    api, cache, now = world
    cache.note_version(api.version)
    for room in ROOMS:
        assert await cache.enabled(room, "群")  # first sight registers each group once
    assert len(api.seen) == len(ROOMS)
    for _ in range(5):  # five minutes, the version unchanged and heard every poll
        await _minute_of_messages(api, cache, now, ROOMS)
    assert len(api.seen) == len(ROOMS) and api.checks == []
    api.change(ROOMS[7], enabled=False, staff=["wx_new"])
    assert cache.note_version(api.version)
    assert await cache.refresh() == 2
    assert api.checks == [1000, 500]
    assert not await cache.enabled(ROOMS[7], "群") and cache.staff_ids(ROOMS[7]) == {"wx_new"}
    assert len(api.seen) == len(ROOMS)  # still no per-group call
    assert not cache.note_version(api.version)  # refreshed: nothing more to do


async def test_without_version_notices_a_group_is_asked_again_after_cache_seconds(
    world: Any,
) -> None:
    api, cache, now = world
    rooms = ROOMS[:10]
    cache.note_version(api.version)
    for room in rooms:
        await cache.enabled(room, "群")
    now[0] += 61  # the notices stopped (outbox poll failing, or an older API): TTL again
    api.change(rooms[0], enabled=False)
    assert not await cache.enabled(rooms[0], "群")
    assert len(api.seen) == 11


async def test_a_renamed_group_is_reported_and_an_unreachable_api_keeps_what_was_known(
    world: Any,
) -> None:
    api, cache, now = world
    cache.note_version(api.version)
    assert await cache.enabled(ROOMS[0], "旧名")
    assert await cache.enabled(ROOMS[0], "新名")
    assert api.seen == [(ROOMS[0], "旧名"), (ROOMS[0], "新名")]
    api.up = False
    now[0] += 3600
    assert await cache.enabled(ROOMS[0], "新名")  # last known state, no exception
    assert not await cache.enabled(ROOMS[1], "群")  # never seen: silent until the API is back
    api.change(ROOMS[0], enabled=False)
    cache.note_version(api.version)
    with pytest.raises(ApiUnavailable):
        await cache.refresh()
