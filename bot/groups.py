"""What the bot knows about each group: enabled, who speaks for the federation, ask in public.

Asking the API per group whenever the cache is a minute old meant, with 2,000 active groups,
about 33 calls a second inside the bot's one-message-at-a-time lock. Instead the API sends its
groups version with every outbox long-poll answer (the bot polls anyway); the outbox worker hands
it to :meth:`GroupCache.note_version` and, only when it changed, :meth:`GroupCache.refresh`
re-reads every known group in batches (POST /bot/groups/check, 1,000 rooms a call) outside that
lock. A message then costs a call only for a group never seen (it registers it) or renamed.

While version notices keep coming (the long-poll returns at least every outbox_wait_seconds), an
entry is good until the version changes. Without them (an older API, the outbox poll failing)
an entry is good for ``cache_seconds``, as before; 0 means always ask (tests).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.client import ApiUnavailable
from bot.spool import Spool

logger = logging.getLogger(__name__)

CHECK_BATCH = 1000  # room ids per /groups/check call (the API's limit)


class GroupsClient(Protocol):
    async def group_seen(self, room_id: str, topic: str) -> dict[str, Any]: ...

    async def check_groups(self, room_ids: Sequence[str]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class GroupInfo:
    enabled: bool
    staff_ids: frozenset[str]
    ask_members: bool
    topic: str
    checked_at: float
    version: str | None  # the groups version this state is at least as new as


class GroupCache:
    def __init__(
        self,
        *,
        client: GroupsClient,
        spool: Spool,
        cache_seconds: float,
        clock: Callable[[], float],
    ) -> None:
        self.client = client
        self.spool = spool
        self.cache_seconds = cache_seconds
        self.clock = clock
        self.version: str | None = None  # the newest groups version heard from the API
        self.version_at: float | None = None
        self._groups: dict[str, GroupInfo] = {}

    # ---- reading ------------------------------------------------------------------------------
    def staff_ids(self, room_id: str) -> frozenset[str]:
        info = self._groups.get(room_id)
        return info.staff_ids if info is not None else frozenset()

    def ask_members(self, room_id: str) -> bool:
        info = self._groups.get(room_id)
        return info.ask_members if info is not None else False

    def _fresh(self, info: GroupInfo) -> bool:
        if self.cache_seconds <= 0:
            return False
        now = self.clock()
        if now - info.checked_at < self.cache_seconds:
            return True
        pushed = self.version_at is not None and now - self.version_at < self.cache_seconds
        return pushed and info.version is not None and info.version == self.version

    async def enabled(self, room_id: str, topic: str) -> bool:
        """Whether the bot works in this group; asks the API only when it must."""
        info = self._groups.get(room_id)
        if info is not None and self._fresh(info) and (not topic or topic == info.topic):
            return info.enabled
        try:
            return (await self.see(room_id, topic)).enabled
        except ApiUnavailable:
            # Trust what we last knew; an unknown group stays silent until the API is back.
            if info is not None:
                return info.enabled
            known = self.spool.group(room_id)
            return known.enabled if known is not None else False

    # ---- asking the API -----------------------------------------------------------------------
    async def see(self, room_id: str, topic: str) -> GroupInfo:
        """Tells the API about the group (registered disabled if new) and caches its state."""
        version = self.version  # before the call: the answer is at least this new
        group = await self.client.group_seen(room_id, topic)
        return self._store(room_id, group, topic, version)

    def note_version(self, version: str | None) -> bool:
        """The groups version from an outbox answer; True when known groups need a refresh."""
        if not version:
            return False
        self.version_at = self.clock()
        changed = version != self.version
        self.version = version
        return changed and any(info.version != version for info in self._groups.values())

    async def refresh(self) -> int:
        """Re-reads every known group, CHECK_BATCH rooms a call; returns the calls made."""
        rooms = sorted(self._groups)
        calls = 0
        for start in range(0, len(rooms), CHECK_BATCH):
            chunk = rooms[start : start + CHECK_BATCH]
            result = await self.client.check_groups(chunk)
            calls += 1
            version = str(result.get("version") or "") or None
            states = {str(g["room_id"]): g for g in result.get("groups") or ()}
            for room_id in chunk:
                old = self._groups.get(room_id)
                state = states.get(room_id)
                if state is None:
                    # No longer in the ledger: the next message registers it again.
                    self._groups.pop(room_id, None)
                else:
                    self._store(room_id, state, old.topic if old else "", version)
            if version:
                self.version = version  # the newest version we know of now
        logger.info("group cache refreshed: %d groups in %d call(s)", len(rooms), calls)
        return calls

    def _store(
        self, room_id: str, group: dict[str, Any], topic: str, version: str | None
    ) -> GroupInfo:
        old = self._groups.get(room_id)
        info = GroupInfo(
            enabled=bool(group.get("enabled")),
            staff_ids=frozenset(str(x) for x in group.get("staff_ids") or ()),
            ask_members=bool(group.get("ask_members")),
            topic=topic or (old.topic if old else ""),
            checked_at=self.clock(),
            version=version,
        )
        self._groups[room_id] = info
        self.spool.save_group(room_id, info.enabled)
        return info
