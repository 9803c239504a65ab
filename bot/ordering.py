"""Messages handled in the order they arrived.

Preparing a message awaits the puppet (the room's topic, whether the bot is mentioned), so two
messages that arrive back to back can finish preparing in either order. The recogniser reads a
member's question together with the notice before it, and the spool keeps arrival order, so each
message takes a ticket when it arrives and is handled only when every earlier one is done.
"""

from __future__ import annotations

import asyncio
import logging

logger = logging.getLogger(__name__)


class ArrivalOrder:
    def __init__(self, *, patience: float = 10.0) -> None:
        self._issued = 0
        self._serving = 0
        self._finished: set[int] = set()
        self._changed = asyncio.Condition()
        # A message whose preparation hangs must not stop the bot: after this long the next
        # one goes ahead anyway (order is then best effort).
        self._patience = patience

    def take(self) -> int:
        """A ticket, taken synchronously when the message arrives."""
        ticket = self._issued
        self._issued += 1
        return ticket

    async def wait_turn(self, ticket: int) -> None:
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self._serving >= ticket), self._patience
                )
            except TimeoutError:
                logger.warning(
                    "message %d waited %.0f s for an earlier one", ticket, self._patience
                )

    async def finish(self, ticket: int) -> None:
        """Marks a ticket done, handled or not (an echo, a picture, an error)."""
        async with self._changed:
            self._finished.add(ticket)
            while self._serving in self._finished:
                self._finished.discard(self._serving)
                self._serving += 1
            self._changed.notify_all()
