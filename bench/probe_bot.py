"""A probe bot: a real python-wechaty client that measures the fake WeChat gateway.

:func:`running_bot` runs a :class:`ProbeBot` in the current event loop until the block ends.
The benchmark (bench/gateway_roundtrip.py) and the gateway tests (tests/bot/test_gateway.py)
both use it; it lives here, not under tests/, because bench never imports tests. The wechaty
import happens when it is first called, after :func:`bot.compat.patch_wechaty`.

Only one bot may be connected to a gateway at a time (a new client's connect ends the previous
one's event stream), so run probe bots one after another, never concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wechaty import Message, Wechaty

log = logging.getLogger(__name__)

MessageHandler = Callable[["Message"], Awaitable[None]]


def _probe_bot_class() -> type[Wechaty]:
    from bot.compat import patch_wechaty

    patch_wechaty()
    from wechaty import Contact, Wechaty
    from wechaty_puppet import EventReadyPayload

    class ProbeBot(Wechaty):
        """Records what python-wechaty delivers; ``handler`` may answer messages."""

        def __init__(self, options: Any, handler: MessageHandler | None = None) -> None:
            super().__init__(options)
            self.logged_in = asyncio.Event()
            self.is_ready = asyncio.Event()
            self.login_contact: Contact | None = None
            self.messages: asyncio.Queue[Message] = asyncio.Queue()
            self.handler = handler

        async def on_login(self, contact: Contact) -> None:
            self.login_contact = contact
            self.logged_in.set()

        async def on_ready(self, payload: EventReadyPayload) -> None:
            self.is_ready.set()

        async def on_message(self, msg: Message) -> None:
            await self.messages.put(msg)
            if self.handler is not None:
                await self.handler(msg)

        async def next_message(
            self, predicate: Callable[[Message], bool] | None = None, timeout: float = 10.0
        ) -> Message:
            """The next delivered message matching ``predicate`` (others are dropped)."""
            async with asyncio.timeout(timeout):
                while True:
                    msg = await self.messages.get()
                    if predicate is None or predicate(msg):
                        return msg

    return ProbeBot


_PROBE_BOT: type[Wechaty] | None = None


def probe_bot_class() -> type[Wechaty]:
    global _PROBE_BOT
    if _PROBE_BOT is None:
        _PROBE_BOT = _probe_bot_class()
    return _PROBE_BOT


@contextlib.asynccontextmanager
async def running_bot(
    endpoint: str,
    token: str,
    handler: MessageHandler | None = None,
    *,
    timeout: float = 15.0,
) -> AsyncIterator[Any]:
    """Connect a :class:`ProbeBot` to ``endpoint`` and yield it once logged in and ready.

    Fails fast if ``Wechaty.start()`` returns without logging in (python-wechaty only prints on
    a bad endpoint or token). On exit the bot is stopped and its task cancelled, failure or not.
    """
    from bot.compat import make_options

    bot = probe_bot_class()(make_options(endpoint, token, name="probe"), handler)
    task = asyncio.create_task(bot.start(), name="wechaty-probe")
    try:

        async def logged_in_and_ready() -> None:
            await bot.logged_in.wait()
            await bot.is_ready.wait()

        ready = asyncio.create_task(logged_in_and_ready())
        done, _ = await asyncio.wait({ready, task}, timeout=timeout, return_when="FIRST_COMPLETED")
        if ready not in done:
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready
            if task in done:
                raise RuntimeError(f"wechaty start() ended without login: {task.exception()!r}")
            raise TimeoutError(f"bot did not log in within {timeout}s at {endpoint}")
        yield bot
    finally:
        await stop_bot(bot, task)


async def stop_bot(bot: Wechaty, task: asyncio.Task[None]) -> None:
    """Stop a bot started with ``asyncio.create_task(bot.start())``.

    Order matters: cancel the start task first. If the channel were closed under the live event
    stream, ``Wechaty.start()`` would catch the stream error, sleep 60 s and reconnect.
    """
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    with contextlib.suppress(Exception):
        scheduler = bot._plugin_manager.scheduler
        if scheduler.running:
            scheduler.shutdown(wait=False)
    try:
        if bot.puppet is not None:
            await asyncio.wait_for(bot.stop(), 5)
    except Exception as exc:
        log.warning("bot.stop() failed: %r", exc)
