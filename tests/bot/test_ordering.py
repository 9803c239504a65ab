"""Messages are handled in arrival order even when preparing them finishes out of order."""

from __future__ import annotations

import asyncio

from bot.ordering import ArrivalOrder


async def test_a_later_message_that_prepares_faster_waits_for_the_earlier_one() -> None:
    order, handled = ArrivalOrder(), []
    slow_ready = asyncio.Event()

    async def message(name: str, ready: asyncio.Event | None) -> None:
        ticket = order.take()
        try:
            if ready is not None:
                await ready.wait()  # e.g. awaiting the room's topic from the puppet
            await order.wait_turn(ticket)
            handled.append(name)
        finally:
            await order.finish(ticket)

    first = asyncio.create_task(message("notice", slow_ready))
    second = asyncio.create_task(message("question", None))
    for _ in range(5):
        await asyncio.sleep(0)  # yield (no timed wait): both start, the question is ready first
    assert handled == []
    slow_ready.set()
    await asyncio.gather(first, second)
    assert handled == ["notice", "question"]


async def test_a_message_that_is_dropped_does_not_hold_up_the_next() -> None:
    order, handled = ArrivalOrder(), []
    echo = order.take()  # the bot's own echo: finished without a turn
    question = order.take()
    await order.finish(echo)
    await order.wait_turn(question)
    handled.append("question")
    await order.finish(question)
    assert handled == ["question"]


async def test_a_hung_preparation_does_not_stop_the_bot() -> None:
    order = ArrivalOrder(patience=0)  # no timed wait: it goes ahead at once
    order.take()  # never finishes
    later = order.take()
    await order.wait_turn(later)
    await order.finish(later)
