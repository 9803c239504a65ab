"""Bursts: acknowledgements due together under the send rate share one group message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.burst import MAX_BATCH, plain_ack
from bot.handlers import Bridge, Outcome
from bot.sender import Sender, TokenBucket
from bot.spool import ANSWERED, Spool, SpoolEntry
from models.wording import members
from tests.bot.test_units import ROOM, WISH, FakeApi, FakeTransport, msg

OTHER_ROOM = "r2@chatroom"
TALKERS = ["u1", "u2", "u3", "u4", "u5"]


class AckingApi(FakeApi):
    """Answers a wish as the chat service does: the plain sentence, its number and category."""

    async def submit_wish(self, payload: dict[str, Any]) -> dict[str, Any]:
        answer = await super().submit_wish(payload)
        seq = int(answer["seq"])
        reply = members.wish_received(seq)
        return {"ok": True, "reply": reply, "seq": seq, "category": "family", "created": True}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds  # time passes only when the sender waits


def make_bridge(tmp_path: Path, burst: int) -> tuple[Bridge, AckingApi, FakeTransport, Clock]:
    api, transport, clock = AckingApi(), FakeTransport(), Clock()
    api.enabled[OTHER_ROOM] = True
    sender = Sender(transport, rate_per_minute=6, burst=burst, clock=clock, sleep=clock.sleep)
    bridge = Bridge(
        spool=Spool(tmp_path / "spool.db"),
        client=api,
        sender=sender,
        bot_names=["心愿池"],
        group_cache_seconds=0,
    )
    return bridge, api, transport, clock


async def spool_wishes(bridge: Bridge, talkers: list[str], prefix: str = "w") -> None:
    for i, talker in enumerate(talkers):
        assert await bridge.handle(msg(WISH, f"{prefix}{i}", talker=talker)) is Outcome.spooled


async def test_five_wishes_under_a_nearly_empty_bucket_share_one_message(tmp_path: Path) -> None:
    bridge, api, transport, clock = make_bridge(tmp_path, burst=2)
    await spool_wishes(bridge, TALKERS)
    assert await bridge.drain()
    assert transport.sent == [(ROOM, members.wishes_received([1, 2, 3, 4, 5]), TALKERS)]
    assert "#1、#2、#3、#4、#5" in transport.sent[0][1]
    assert len(api.wishes) == 5 and bridge.spool.count() == 0
    assert clock.slept == []  # one token was there: nobody waited


async def test_a_full_bucket_keeps_individual_replies(tmp_path: Path) -> None:
    bridge, _api, transport, clock = make_bridge(tmp_path, burst=10)
    await spool_wishes(bridge, TALKERS)
    assert await bridge.drain()
    assert transport.sent == [
        (ROOM, members.wish_received(i + 1), [talker]) for i, talker in enumerate(TALKERS)
    ]
    assert clock.slept == [] and bridge.spool.count() == 0


async def test_a_command_in_between_is_never_merged(tmp_path: Path) -> None:
    bridge, api, transport, _ = make_bridge(tmp_path, burst=1)
    await spool_wishes(bridge, ["u1", "u2"], prefix="a")
    assert await bridge.handle(msg("查询 1", "cmd", talker="u3")) is Outcome.spooled
    await spool_wishes(bridge, ["u4", "u5"], prefix="b")
    assert await bridge.drain()
    assert [name["command"]["name"] for name in api.commands] == ["查询"]
    # Spool order per room: the command's reply stands between the two combined messages.
    assert transport.sent == [
        (ROOM, members.wishes_received([1, 2]), ["u1", "u2"]),
        (ROOM, "ok 查询", ["u3"]),
        (ROOM, members.wishes_received([3, 4]), ["u4", "u5"]),
    ]


async def test_a_refused_entry_keeps_its_own_reply(tmp_path: Path) -> None:
    bridge, _api, transport, _ = make_bridge(tmp_path, burst=1)
    await spool_wishes(bridge, ["u1", "u2"], prefix="a")
    assert await bridge.handle(msg("认领 1", "claim", talker="u3")) is Outcome.spooled
    await spool_wishes(bridge, ["u4"], prefix="b")
    assert await bridge.drain()
    texts = [(text, who) for _room, text, who in transport.sent]
    assert texts == [
        (members.wishes_received([1, 2]), ["u1", "u2"]),
        ("心愿当前状态为「已认领」，不能认领", ["u3"]),
        (members.wish_received(3), ["u4"]),  # alone: nothing to share with
    ]
    assert bridge.spool.count() == 0


async def test_rooms_members_and_size_bound_the_combined_message(tmp_path: Path) -> None:
    bridge, _api, transport, _ = make_bridge(tmp_path, burst=1)
    # Two rooms interleaved, and u1 twice: each number must be read against one mention.
    for i, (room, talker) in enumerate(
        [(ROOM, "u1"), (OTHER_ROOM, "u2"), (ROOM, "u3"), (ROOM, "u1"), (OTHER_ROOM, "u4")]
    ):
        assert await bridge.handle(msg(WISH, f"m{i}", talker=talker, room_id=room)) is (
            Outcome.spooled
        )
    assert await bridge.drain()
    assert transport.sent == [
        (ROOM, members.wishes_received([1, 3]), ["u1", "u3"]),
        (OTHER_ROOM, members.wishes_received([2, 5]), ["u2", "u4"]),
        (ROOM, members.wish_received(4), ["u1"]),
    ]
    transport.sent.clear()
    await spool_wishes(bridge, [f"x{i}" for i in range(MAX_BATCH + 1)], prefix="big")
    assert await bridge.drain()
    assert [len(who) for _room, _text, who in transport.sent] == [MAX_BATCH, 1]


async def test_a_crash_before_the_combined_reply_sends_it_again(tmp_path: Path) -> None:
    bridge, _api, transport, _ = make_bridge(tmp_path, burst=1)
    await spool_wishes(bridge, ["u1", "u2", "u3"])

    async def crash(*_args: Any, **_kw: Any) -> None:
        raise KeyboardInterrupt  # stands for the process dying mid-send

    real = bridge.sender.to_room
    bridge.sender.to_room = crash  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        await bridge.drain()
    assert [e.state for e in bridge.spool.entries()] == [ANSWERED] * 3
    bridge.sender.to_room = real  # type: ignore[method-assign]
    assert await bridge.drain()
    assert transport.sent == [(ROOM, members.wishes_received([1, 2, 3]), ["u1", "u2", "u3"])]
    assert bridge.spool.count() == 0


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ({"reply": members.wish_received(7), "seq": 7, "category": "family"}, 7),
        # The contact-number warning must reach her: not a plain acknowledgement.
        (
            {
                "reply": members.wish_received(7, masked_contact="138****5678"),
                "seq": 7,
                "category": "family",
            },
            None,
        ),
        (
            {
                "reply": members.resource_wish_received(7, "法律咨询"),
                "seq": 7,
                "category": "family",
            },
            None,
        ),
        # A sensitive wish's acknowledgement names no number: it never joins a combined one.
        (
            {"reply": members.SENSITIVE_RECEIVED, "seq": 7, "category": "marriage"},
            None,
        ),
        ({"reply": "抱歉，刚才没有处理成功，请稍后再试"}, None),
        ({"ok": False, "ignored": True, "reply": ""}, None),
    ],
)
def test_only_the_plain_acknowledgement_is_combined(reply: dict[str, Any], expected: Any) -> None:
    entry = SpoolEntry(1, "m", "wish", {"room_id": ROOM, "talker_id": "u1"}, ANSWERED, reply)
    assert plain_ack(entry) == expected


def test_the_bucket_tells_without_taking() -> None:
    clock = Clock()
    bucket = TokenBucket(60, 2, clock)
    assert bucket.available() == 2 and bucket.available() == 2
    sender = Sender(FakeTransport(), rate_per_minute=60, burst=2, clock=clock)
    assert sender.can_send_now(2) and not sender.can_send_now(3)
    sender.bucket.delay()
    assert not sender.can_send_now(2)
    clock.now += 1.0  # one token a second
    assert sender.can_send_now(2)
