"""Governed sending: the WeChat account must not look like a spam bot.

- a token bucket per account (``rate_per_minute`` sustained, ``rate_burst`` back to back);
- a small random pause before each message;
- quiet hours (models.quiet, the one setting office.quiet_hours shared with the follow-up engine)
  during which only urgent messages go out (replies to a member who just wrote are urgent by
  nature; outbox reminders and digests are not);
- long texts split at a safe length, preferring line and sentence ends.

The clock, the sleep and the random source are injectable so tests run instantly.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time as _time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from models.clock import SHANGHAI
from models.quiet import NO_QUIET_HOURS, QuietHours

logger = logging.getLogger(__name__)

_BREAKS = "\n。！？；!?;，, "


class Transport(Protocol):
    """What actually talks to WeChat (python-wechaty in production, a fake in tests)."""

    async def send_room(
        self, room_id: str, text: str, mention_ids: Sequence[str]
    ) -> str | None: ...

    async def send_contact(self, contact_id: str, text: str) -> str | None: ...


@dataclass
class ChunkProgress:
    """How far a long message got: ``done`` chunks already out (skipped on a retry), and a
    callback recording each chunk the moment its send returns (the outbox's local record)."""

    done: int = 0
    first_id: str | None = None
    record: Callable[[int, str | None], None] = lambda _index, _id: None


class SendDeferred(Exception):
    """A non-urgent message was offered during quiet hours; it may go out from `until` on."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"quiet hours until {until:%H:%M}")
        self.until = until


def split_text(text: str, limit: int) -> list[str]:
    """Chunks of at most ``limit`` characters, cut after a line/sentence end when possible."""
    text = text.strip()
    chunks: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind(ch) for ch in _BREAKS)
        # A break in the first half would leave tiny chunks: cut hard instead.
        cut = cut + 1 if cut >= limit // 2 else limit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        chunks.append(text)
    return chunks


class TokenBucket:
    def __init__(
        self, rate_per_minute: float, burst: int, clock: Callable[[], float] = _time.monotonic
    ) -> None:
        self.rate = rate_per_minute / 60.0
        self.burst = float(burst)
        self.tokens = float(burst)
        self.clock = clock
        self.updated = clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def available(self) -> float:
        """Tokens there now (may be negative: sends already promised to wait), taking none."""
        self._refill()
        return self.tokens

    def delay(self) -> float:
        """Takes a token; returns how long to wait before using it (0 if one was available)."""
        self._refill()
        self.tokens -= 1.0
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


class Sender:
    def __init__(
        self,
        transport: Transport,
        *,
        rate_per_minute: float = 30.0,
        burst: int = 10,
        delay_range: tuple[float, float] = (0.0, 0.0),
        quiet: QuietHours = NO_QUIET_HOURS,
        max_length: int = 500,
        clock: Callable[[], float] = _time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(SHANGHAI),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.transport = transport
        self.bucket = TokenBucket(rate_per_minute, burst, clock)
        self.delay_range = delay_range
        self.quiet = quiet
        self.max_length = max_length
        self.now = now
        self.sleep = sleep
        self.rng = rng or random.Random()
        # One message at a time: the bucket and the pauses govern the account as a whole.
        self._lock = asyncio.Lock()
        self.sent_count = 0

    def quiet_now(self) -> bool:
        return self.quiet.is_quiet(self.now())

    def can_send_now(self, count: int = 1) -> bool:
        """Whether ``count`` one-chunk messages would go out without waiting for the bucket.

        A snapshot: other senders may take tokens meanwhile. The drain asks it to decide
        whether acknowledgements due together must share one message."""
        return self.bucket.available() >= count

    async def _pace(self) -> None:
        wait = self.bucket.delay()
        low, high = self.delay_range
        if high > 0:
            wait += self.rng.uniform(low, max(low, high))
        if wait > 0:
            await self.sleep(wait)

    async def to_room(
        self,
        room_id: str,
        text: str,
        mention_ids: Sequence[str] = (),
        *,
        urgent: bool = True,
        progress: ChunkProgress | None = None,
    ) -> str | None:
        """Sends (split if long); returns the id of the first message sent."""
        return await self._send(room_id, None, text, mention_ids, urgent, progress)

    async def to_contact(
        self,
        contact_id: str,
        text: str,
        *,
        urgent: bool = True,
        progress: ChunkProgress | None = None,
    ) -> str | None:
        return await self._send(None, contact_id, text, (), urgent, progress)

    async def _send(
        self,
        room_id: str | None,
        contact_id: str | None,
        text: str,
        mention_ids: Sequence[str],
        urgent: bool,
        progress: ChunkProgress | None = None,
    ) -> str | None:
        if not urgent:
            now = self.now()
            if self.quiet.is_quiet(now):
                raise SendDeferred(self.quiet.next_end(now))
        first: str | None = progress.first_id if progress else None
        skip = progress.done if progress else 0
        async with self._lock:
            for index, chunk in enumerate(split_text(text, self.max_length)):
                if index < skip:
                    continue  # went out before the bot was stopped mid-message
                await self._pace()
                if room_id is not None:
                    # Only the first chunk mentions the member; the rest continue the thought.
                    mentions = mention_ids if index == 0 else ()
                    sent = await self.transport.send_room(room_id, chunk, mentions)
                else:
                    assert contact_id is not None
                    sent = await self.transport.send_contact(contact_id, chunk)
                self.sent_count += 1
                if index == 0:
                    first = sent
                if progress is not None:
                    progress.record(index, sent)
        return first
