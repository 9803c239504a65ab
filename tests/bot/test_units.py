"""Unit tests of the bridge: handlers with a fake API and transport, spool, sender, settings,
client."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.client import ApiAuthError, ApiRejected, ApiUnavailable, BotApiClient
from bot.handlers import Bridge, Incoming, Outcome
from bot.sender import SendDeferred, Sender, TokenBucket, split_text
from bot.settings import BotSettings
from bot.spool import Spool
from models.quiet import NO_QUIET_HOURS, QuietHours
from models.wording import members

ROOM = "r1@chatroom"


class FakeTransport:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, list[str]]] = []

    async def send_room(self, room_id: str, text: str, mention_ids: Sequence[str]) -> str | None:
        self.sent.append((room_id, text, list(mention_ids)))
        return f"m{len(self.sent)}"

    async def send_contact(self, contact_id: str, text: str) -> str | None:
        self.sent.append((contact_id, text, []))
        return f"m{len(self.sent)}"


class FakeApi:
    def __init__(self) -> None:
        self.up = True
        self.wishes: dict[str, dict[str, Any]] = {}
        self.commands: list[dict[str, Any]] = []
        self.triage: dict[str, dict[str, Any]] = {}
        self.enabled = {ROOM: True}
        self.asks: dict[str, bool] = {}  # rooms that ask the member about uncertain messages
        self.staff: dict[str, list[str]] = {}

    def _check(self) -> None:
        if not self.up:
            raise ApiUnavailable(detail="down")

    async def group_seen(self, room_id: str, topic: str) -> dict[str, Any]:
        self._check()
        return {
            "enabled": self.enabled.setdefault(room_id, False),
            "ask_members": self.asks.get(room_id, False),
            "staff_ids": self.staff.get(room_id, []),
        }

    async def submit_wish(self, payload: dict[str, Any]) -> dict[str, Any]:
        self._check()
        wish = self.wishes.setdefault(
            payload["message_id"], {**payload, "seq": len(self.wishes) + 1}
        )
        return {"reply": f"已收到您的心愿 #{wish['seq']}", "seq": wish["seq"]}

    async def submit_triage(self, payload: dict[str, Any]) -> dict[str, Any]:
        self._check()
        self.triage.setdefault(payload["message_id"], payload)
        return {"ok": True, "reply": None}

    async def submit_command(self, payload: dict[str, Any]) -> dict[str, Any]:
        self._check()
        self.commands.append(payload)
        if payload["command"]["name"] == "认领":
            raise ApiRejected(409, "invalid_transition", "心愿当前状态为「已认领」，不能认领")
        return {"reply": f"ok {payload['command']['name']}"}


@pytest.fixture
def parts(tmp_path: Path) -> tuple[Bridge, FakeApi, FakeTransport, Spool]:
    spool = Spool(tmp_path / "spool.db")
    api, transport = FakeApi(), FakeTransport()
    bridge = Bridge(
        spool=spool,
        client=api,
        sender=Sender(transport, rate_per_minute=1e6, burst=1000),
        bot_names=["心愿池"],
        group_cache_seconds=0,
    )
    return bridge, api, transport, spool


def msg(text: str, mid: str, talker: str = "u1", **kw: Any) -> Incoming:
    return Incoming(message_id=mid, talker_id=talker, talker_name="李娟", text=text,
                    room_id=kw.pop("room_id", ROOM), **kw)  # fmt: skip


WISH = "我想给孩子报名暑期托管班，希望妇联能帮忙联系"
GREY = "工资拖了两个月"


async def test_wish_is_spooled_sent_and_answered(parts: Any) -> None:
    bridge, api, transport, spool = parts
    assert await bridge.handle(msg(WISH, "a")) is Outcome.spooled
    assert await bridge.drain()
    assert api.wishes["a"]["category"] == "family" and api.wishes["a"]["text"] == WISH
    assert transport.sent == [(ROOM, "已收到您的心愿 #1", ["u1"])]
    assert spool.count() == 0
    # A redelivery does nothing.
    assert await bridge.handle(msg(WISH, "a")) is Outcome.duplicate


async def test_chatter_and_disabled_groups_are_ignored(parts: Any, tmp_path: Path) -> None:
    bridge, api, _transport, spool = parts
    assert await bridge.handle(msg("今天天气真好", "c")) is Outcome.chatter
    assert not spool.is_seen("c") and spool.count() == 0
    assert await bridge.handle(msg(WISH, "d", room_id="new@chatroom")) is Outcome.ignored_group
    assert api.enabled["new@chatroom"] is False
    assert b"\xe5\xa4\xa9\xe6\xb0\x94" not in (tmp_path / "spool.db").read_bytes()  # 天气


async def test_grey_zone_needs_the_same_member_to_confirm(parts: Any) -> None:
    bridge, api, transport, _ = parts
    api.asks[ROOM] = True  # this group asks members in public (the per-group option)
    assert await bridge.handle(msg(GREY, "g1")) is Outcome.asked
    assert transport.sent[-1][1] == members.GREY_QUESTION
    assert await bridge.handle(msg("是", "g2", talker="u2")) is Outcome.chatter
    assert await bridge.handle(msg("是", "g3")) is Outcome.spooled
    await bridge.drain()
    assert api.wishes["g1"]["text"] == GREY  # logged under the original message id
    assert await bridge.handle(msg("是", "g4")) is Outcome.chatter  # nothing pending any more


async def test_grey_zone_times_out(parts: Any) -> None:
    bridge, api, _, _ = parts
    api.asks[ROOM] = True
    bridge.confirm_timeout = -1
    await bridge.handle(msg(GREY, "t1"))
    assert await bridge.handle(msg("是", "t2")) is Outcome.chatter


async def test_explicit_mention_commands_and_errors(parts: Any) -> None:
    bridge, api, transport, _ = parts
    assert await bridge.handle(msg("#心愿 周末去哪玩", "e1")) is Outcome.spooled
    assert await bridge.handle(msg("@心愿池\u2005最近睡眠不好", "e2", mention_self=True)) is (
        Outcome.spooled
    )
    assert await bridge.handle(msg("我要 资源7", "e3")) is Outcome.spooled
    assert await bridge.handle(msg("查询 42", "e4")) is Outcome.spooled
    assert await bridge.handle(msg("认领 42", "e5")) is Outcome.spooled
    assert await bridge.handle(msg("#查询 abc", "e6")) is Outcome.bad_command
    await bridge.drain()
    assert [api.wishes[k]["text"] for k in ("e1", "e2")] == ["周末去哪玩", "最近睡眠不好"]
    assert api.wishes["e3"]["resource_id"] == 7
    assert api.commands[0]["command"] == {"name": "查询", "args": {"seq": 42}}
    replies = [t for _, t, _ in transport.sent]
    assert "格式不对" in replies[0]  # the malformed command is answered at once
    assert "不能认领" in replies[-1]  # a refusal from the API is passed on, politely


async def test_a_bot_name_with_a_space_is_stripped_whole(tmp_path: Path) -> None:
    # The bot and the parser share nlp.commands.strip_mentions: the wish text keeps no part of
    # the bot's name, and the command after it is read.
    api, transport = FakeApi(), FakeTransport()
    bridge = Bridge(
        spool=Spool(tmp_path / "spool.db"),
        client=api,
        sender=Sender(transport, rate_per_minute=1e6, burst=1000),
        bot_names=["心愿 小助手"],
        group_cache_seconds=0,
    )
    mention = "@心愿 小助手\u2005"
    assert await bridge.handle(msg(mention + "最近睡眠不好", "n1", mention_self=True)) is (
        Outcome.spooled
    )
    assert await bridge.handle(msg(mention + "查询 42", "n2", mention_self=True)) is (
        Outcome.spooled
    )
    await bridge.drain()
    assert api.wishes["n1"]["text"] == "最近睡眠不好"
    assert api.commands[0]["command"] == {"name": "查询", "args": {"seq": 42}}


async def test_private_chat_takes_wishes_and_commands(parts: Any) -> None:
    # More in tests/bot/test_private_units.py.
    bridge, api, transport, _ = parts
    assert await bridge.handle(msg(WISH, "p1", room_id=None)) is Outcome.spooled
    assert await bridge.handle(msg("待办", "p2", room_id=None)) is Outcome.spooled
    await bridge.drain()
    assert api.wishes["p1"]["room_id"] is None
    assert transport.sent == [("u1", "已收到您的心愿 #1", []), ("u1", "ok 待办", [])]


async def test_api_down_holds_then_replays_in_order(parts: Any, tmp_path: Path) -> None:
    bridge, api, transport, spool = parts
    await bridge.handle(msg(WISH, "w0"))  # the group becomes known while the API is up
    await bridge.drain()
    api.up = False
    for i in range(1, 4):
        await bridge.handle(msg(f"{WISH}{i}", f"w{i}"))
        assert not await bridge.drain()
    assert [t for _, t, _ in transport.sent[1:]] == [members.WISH_HELD] * 3
    # A restart while the API is down: a new bridge on the same file finds everything.
    spool.close()
    again = Spool(tmp_path / "spool.db")
    bridge2 = Bridge(spool=again, client=api, sender=bridge.sender, group_cache_seconds=0)
    assert again.count() == 3 and again.is_seen("w2")
    api.up = True
    assert await bridge2.drain()
    assert [api.wishes[f"w{i}"]["seq"] for i in range(4)] == [1, 2, 3, 4]
    assert again.count() == 0 and len(transport.sent) == 7


def test_spool_answered_entries_survive_reopen(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.db")
    assert spool.enqueue("m1", "wish", {"text": "x"})
    assert not spool.enqueue("m1", "wish", {"text": "x"})
    entry = spool.entries()[0]
    spool.mark_answered(entry.id, {"reply": "已收到"})
    spool.record_outbox_sent(5, "sent-1")
    spool.close()
    reopened = Spool(tmp_path / "s.db")
    [entry] = reopened.entries()
    assert entry.state == "answered" and entry.reply == {"reply": "已收到"}
    assert reopened.outbox_sent(5) == (True, "sent-1") and reopened.outbox_sent(6) == (False, None)


def test_spool_forgets_only_old_message_ids(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.db")
    assert spool.mark_seen("m-1")
    assert spool.forget_seen_before(0.0) == 0  # nothing is older than the epoch
    assert spool.is_seen("m-1")
    assert spool.forget_seen_before(4_102_444_800.0) == 1  # everything is older than 2100
    assert not spool.is_seen("m-1")
    spool.close()


def test_split_text_and_quiet_hours() -> None:
    text = "第一句话。" * 30
    chunks = split_text(text, 40)
    assert all(len(c) <= 40 for c in chunks) and "".join(chunks) == text
    assert all(c.endswith("。") for c in chunks)
    assert split_text("x" * 95, 40) == ["x" * 40, "x" * 40, "x" * 15]
    night = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    day = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00
    assert QuietHours(time(22), time(7, 30)).is_quiet(night)
    assert not QuietHours(time(22), time(7, 30)).is_quiet(day)
    assert not NO_QUIET_HOURS.is_quiet(night)


def test_token_bucket() -> None:
    now = [0.0]
    bucket = TokenBucket(60, 2, clock=lambda: now[0])
    assert bucket.delay() == 0 and bucket.delay() == 0
    assert bucket.delay() == pytest.approx(1.0)  # one per second once the burst is used
    now[0] = 10.0
    assert bucket.delay() == 0


async def test_sender_paces_splits_and_respects_quiet_hours() -> None:
    transport, slept = FakeTransport(), []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    night = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    sender = Sender(
        transport, rate_per_minute=60, burst=1, delay_range=(0.5, 0.5), max_length=50,
        quiet=QuietHours(time(22), time(7, 30)), now=lambda: night, sleep=sleep, clock=lambda: 0.0,
    )  # fmt: skip
    first = await sender.to_room(ROOM, "好" * 120, ["u1"])
    assert first == "m1" and len(transport.sent) == 3
    assert transport.sent[0][2] == ["u1"] and transport.sent[1][2] == []
    assert slept[0] == 0.5 and slept[1] == pytest.approx(1.5)  # bucket wait + random delay
    with pytest.raises(SendDeferred):
        await sender.to_room(ROOM, "提醒", urgent=False)


def test_settings_from_env_and_wechaty_aliases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECHATY_PUPPET_SERVICE_ENDPOINT", "gw:8788")
    monkeypatch.setenv("WECHATY_PUPPET_SERVICE_TOKEN", "puppet-token")
    monkeypatch.setenv("WISHPOOL_BOT__API_TOKEN", "api-token")
    monkeypatch.setenv("WISHPOOL_OFFICE__QUIET_HOURS", "21:30-08:00")
    s = BotSettings()
    assert (s.puppet_endpoint, s.puppet_token, s.api_token) == (
        "gw:8788",
        "puppet-token",
        "api-token",
    )
    assert s.quiet_hours.start == time(21, 30) and s.bot_names == ["心愿池"]
    monkeypatch.setenv("WISHPOOL_BOT__PUPPET_ENDPOINT", "other:1")
    assert BotSettings().puppet_endpoint == "other:1"


async def test_client_maps_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer t"
        path = request.url.path
        if path.endswith("/wishes"):
            assert json.loads(request.content)["message_id"] == "m"
            return httpx.Response(200, json={"reply": "ok", "seq": 1})
        if path.endswith("/commands"):
            return httpx.Response(409, json={"error": {"code": "conflict", "message": "不行"}})
        if path.endswith("/outbox"):
            assert request.url.params["urgent_only"] == "true"
            return httpx.Response(401, json={"error": {"code": "unauthorized", "message": "x"}})
        return httpx.Response(503)

    client = BotApiClient("http://api", "t", transport=httpx.MockTransport(handler))
    assert (await client.submit_wish({"message_id": "m"}))["seq"] == 1
    with pytest.raises(ApiRejected) as rejected:
        await client.submit_command({})
    assert rejected.value.message == "不行" and rejected.value.status == 409
    with pytest.raises(ApiAuthError):
        await client.lease_outbox(wait=0, limit=1, urgent_only=True)
    with pytest.raises(ApiUnavailable):
        await client.group_seen("r", "t")
    await client.aclose()

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    client = BotApiClient("http://api", "t", transport=httpx.MockTransport(down))
    with pytest.raises(ApiUnavailable):
        await client.ack_outbox(1, "s")
    await client.aclose()
