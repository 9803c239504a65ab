"""Unit tests of the bridge's reliability: poison entries become dead letters after
max_attempts while other rooms go on, an outage counts no attempt, a reply that cannot be sent
stays spooled, the holding reply waits for a long outage (controllable clock), and an
interrupted outbox send resumes after the chunks already out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.client import ApiUnavailable
from bot.delivery import deliver
from bot.handlers import Bridge, Incoming
from bot.sender import Sender
from bot.spool import ANSWERED, Spool
from models.wording import members

ROOM, OTHER = "r1@chatroom", "r2@chatroom"
WISH = "我想给孩子报名暑期托管班，希望妇联能帮忙联系"


class Transport:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, list[str]]] = []
        self.down = False

    async def send_room(self, room_id: str, text: str, mention_ids: Sequence[str]) -> str | None:
        if self.down:
            raise ConnectionError("not connected to the puppet service")
        self.sent.append((room_id, text, list(mention_ids)))
        return f"m{len(self.sent)}"

    async def send_contact(self, contact_id: str, text: str) -> str | None:
        return await self.send_room(contact_id, text, [])


class Api:
    """Answers 500 for texts containing POISON while its ledger is fine; ``down``: no API."""

    POISON = "毒"

    def __init__(self) -> None:
        self.down = False
        self.ledger_fine = True
        self.wishes: dict[str, int] = {}
        self.dead: list[dict[str, Any]] = []

    def _check(self, payload: dict[str, Any] | None = None) -> None:
        if self.down:
            raise ApiUnavailable(detail="down")
        if not self.ledger_fine or (payload and self.POISON in payload.get("text", "")):
            raise ApiUnavailable(detail="HTTP 500", status=500)

    async def group_seen(self, room_id: str, topic: str) -> dict[str, Any]:
        self._check()
        return {"enabled": True}

    async def submit_wish(self, payload: dict[str, Any]) -> dict[str, Any]:
        self._check(payload)
        seq = self.wishes.setdefault(payload["message_id"], len(self.wishes) + 1)
        return {"reply": f"已收到您的心愿 #{seq}", "seq": seq}

    async def submit_triage(self, payload: dict[str, Any]) -> dict[str, Any]:
        self._check(payload)
        return {"reply": None}

    async def submit_command(self, payload: dict[str, Any]) -> dict[str, Any]:
        self._check(payload)
        return {"reply": "ok"}

    async def ledger_ok(self) -> bool:
        return not self.down and self.ledger_fine

    async def report_dead_letter(self, payload: dict[str, Any]) -> dict[str, Any]:
        self._check()
        self.dead.append(payload)
        return {"id": len(self.dead)}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def rig(tmp_path: Path) -> tuple[Bridge, Api, Transport, Clock]:
    api, transport, clock = Api(), Transport(), Clock()
    bridge = Bridge(
        spool=Spool(tmp_path / "spool.db"),
        client=api,
        sender=Sender(transport, rate_per_minute=1e6, burst=1000),
        group_cache_seconds=1e9,
        max_attempts=3,
        holding_reply_after=60,
        clock=clock,
        connected=lambda: not transport.down,
    )
    return bridge, api, transport, clock


def msg(text: str, mid: str, room: str = ROOM, talker: str = "u1") -> Incoming:
    return Incoming(message_id=mid, talker_id=talker, talker_name="李娟", text=text, room_id=room)


async def test_a_poison_entry_dies_after_max_attempts_and_holds_up_only_its_own_room(
    rig: Any,
) -> None:
    bridge, api, transport, _ = rig
    await bridge.handle(msg(f"{WISH}{Api.POISON}", "p1"))
    await bridge.handle(msg(f"{WISH}1", "a1"))  # same room, after the poison: waits
    await bridge.handle(msg(f"{WISH}2", "b1", room=OTHER, talker="u2"))  # other room: goes on
    assert not await bridge.drain()
    assert list(api.wishes) == ["b1"] and [t[0] for t in transport.sent] == [OTHER]
    assert not await bridge.drain()
    assert list(api.wishes) == ["b1"]
    assert await bridge.drain()  # third attempt: a dead letter, and the room moves on
    assert list(api.wishes) == ["b1", "a1"]
    assert [(room, text) for room, text, _ in transport.sent] == [
        (OTHER, "已收到您的心愿 #1"),
        (ROOM, members.DEAD_LETTER),
        (ROOM, "已收到您的心愿 #2"),
    ]
    assert [(d["message_id"], d["attempts"]) for d in api.dead] == [("p1", 3)]
    assert bridge.spool.count() == 0 and bridge.spool.dead_count() == 1


async def test_an_outage_counts_no_attempt_and_a_5xx_with_a_broken_ledger_is_an_outage(
    rig: Any,
) -> None:
    bridge, api, _transport, _ = rig
    await bridge.handle(msg(WISH, "w0"))
    await bridge.drain()
    api.ledger_fine = False  # every write 5xx: health says the ledger is not writable
    await bridge.handle(msg(f"{WISH}1", "w1"))
    for _ in range(10):
        assert not await bridge.drain()
    api.ledger_fine, api.down = True, True
    for _ in range(10):
        assert not await bridge.drain()
    assert [e.attempts for e in bridge.spool.entries()] == [0]
    api.down = False
    assert await bridge.drain()
    assert api.dead == [] and list(api.wishes) == ["w0", "w1"]


async def test_the_dead_letter_waits_locally_until_the_api_takes_it(rig: Any) -> None:
    bridge, api, _transport, _ = rig
    await bridge.handle(msg(f"{WISH}{Api.POISON}", "p1"))
    await bridge.drain()
    await bridge.drain()
    real = api.report_dead_letter

    async def refuse(payload: dict[str, Any]) -> dict[str, Any]:
        raise ApiUnavailable(detail="down")

    api.report_dead_letter = refuse  # type: ignore[method-assign]
    await bridge.drain()
    assert [d.message_id for d in bridge.spool.dead_unreported()] == ["p1"]
    api.report_dead_letter = real  # type: ignore[method-assign]
    await bridge.drain()
    assert bridge.spool.dead_unreported() == [] and len(api.dead) == 1


async def test_a_reply_that_cannot_be_sent_stays_spooled_until_the_gateway_is_back(
    rig: Any,
) -> None:
    bridge, api, transport, _ = rig
    transport.down = True
    for i in range(3):
        await bridge.handle(msg(f"{WISH}{i}", f"w{i}"))
    assert not await bridge.drain()
    assert [e.state for e in bridge.spool.entries()] == [ANSWERED] * 3  # logged, not lost
    assert not await bridge.drain()
    transport.down = False
    assert await bridge.drain()
    assert [t for _, t, _ in transport.sent] == [f"已收到您的心愿 #{i}" for i in (1, 2, 3)]
    assert bridge.spool.count() == 0 and len(api.wishes) == 3


async def test_the_holding_reply_waits_for_a_long_outage(rig: Any) -> None:
    bridge, api, transport, clock = rig
    await bridge.handle(msg(WISH, "w0"))
    await bridge.drain()
    api.down = True
    await bridge.handle(msg(f"{WISH}1", "w1"))
    assert not await bridge.drain()
    clock.now += 59
    assert not await bridge.drain()
    assert len(transport.sent) == 1  # a short outage: no holding reply
    clock.now += 1
    await bridge.handle(msg(f"{WISH}2", "w2"))
    assert not await bridge.drain()
    assert [t for _, t, _ in transport.sent[1:]] == [members.WISH_HELD] * 2
    assert not await bridge.drain()
    assert len(transport.sent) == 3  # once per wish
    api.down = False
    assert await bridge.drain()
    assert [t for _, t, _ in transport.sent[3:]] == ["已收到您的心愿 #2", "已收到您的心愿 #3"]
    # Back up: a new outage starts the wait again.
    api.down = True
    await bridge.handle(msg(f"{WISH}3", "w3"))
    assert not await bridge.drain()
    assert len(transport.sent) == 5


class CrashAfter(Transport):
    def __init__(self, chunks: int) -> None:
        super().__init__()
        self.left = chunks

    async def send_room(self, room_id: str, text: str, mention_ids: Sequence[str]) -> str | None:
        if self.left == 0:
            raise KeyboardInterrupt  # stands for SIGKILL while this chunk is in flight
        self.left -= 1
        return await super().send_room(room_id, text, mention_ids)


class Acks:
    def __init__(self) -> None:
        self.acked: list[tuple[int, str | None]] = []

    async def ack_outbox(self, outbox_id: int, sent_id: str | None) -> None:
        self.acked.append((outbox_id, sent_id))

    async def fail_outbox(self, outbox_id: int, error: str) -> None:
        raise AssertionError(error)


async def test_an_interrupted_outbox_send_resumes_after_the_chunks_already_out(
    tmp_path: Path,
) -> None:
    spool = Spool(tmp_path / "spool.db")
    text = "。".join(f"第{i}位姐妹的心愿已圆梦，感谢爱心企业" for i in range(30))
    item = {"id": 7, "target_kind": "room", "target_id": ROOM, "text": text, "urgent": True}
    first = CrashAfter(2)
    acks = Acks()
    with pytest.raises(KeyboardInterrupt):
        await deliver(item, sender=Sender(first, max_length=100), spool=spool, client=acks)  # type: ignore[arg-type]
    assert spool.outbox_progress(7) == (2, "m1")
    again = Transport()
    await deliver(item, sender=Sender(again, max_length=100), spool=spool, client=acks)  # type: ignore[arg-type]
    chunks = [t for _, t, _ in first.sent + again.sent]
    assert "".join(chunks).replace("。", "") == text.replace("。", "")  # each chunk once
    assert acks.acked == [(7, "m1")] and spool.outbox_sent(7) == (True, "m1")
    assert spool.outbox_progress(7) is None
    # Offered again after a lost ack: acknowledged only, nothing sent.
    await deliver(item, sender=Sender(again, max_length=100), spool=spool, client=acks)  # type: ignore[arg-type]
    assert len(first.sent + again.sent) == len(chunks) and len(acks.acked) == 2
