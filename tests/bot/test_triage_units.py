"""The bridge with the room's context: staff are never auto-logged, uncertain messages are
routed privately to staff, and questions about a notice are not wishes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.handlers import Bridge, Outcome
from bot.sender import Sender
from bot.spool import Spool
from tests.bot.test_units import ROOM, FakeApi, FakeTransport, msg

UNCERTAIN = "工资拖了两个月"
STAFF_ID = "staff-liu"


@pytest.fixture
def parts(tmp_path: Path) -> tuple[Bridge, FakeApi, FakeTransport, Spool]:
    spool = Spool(tmp_path / "spool.db")
    api, transport = FakeApi(), FakeTransport()
    api.staff[ROOM] = [STAFF_ID]
    bridge = Bridge(
        spool=spool,
        client=api,
        sender=Sender(transport, rate_per_minute=1e6, burst=1000),
        bot_names=["心愿池"],
        group_cache_seconds=0,
    )
    return bridge, api, transport, spool


async def test_an_uncertain_message_goes_to_staff_and_nothing_is_said_in_the_group(
    parts: Any,
) -> None:
    bridge, api, transport, spool = parts
    assert await bridge.handle(msg(UNCERTAIN, "u1")) is Outcome.triaged
    assert await bridge.drain()
    assert api.triage["u1"]["text"] == UNCERTAIN
    assert api.wishes == {}
    assert transport.sent == []  # nothing public
    assert spool.count() == 0
    assert await bridge.handle(msg(UNCERTAIN, "u1")) is Outcome.duplicate


async def test_an_uncertain_message_gets_no_holding_reply_while_the_api_is_down(
    parts: Any,
) -> None:
    bridge, api, transport, _ = parts
    assert await bridge.handle(msg("大家早上好", "d0")) is Outcome.chatter  # the group is known
    api.up = False
    assert await bridge.handle(msg(UNCERTAIN, "d1")) is Outcome.triaged
    assert not await bridge.drain()
    assert transport.sent == []
    api.up = True
    assert await bridge.drain()
    assert "d1" in api.triage and transport.sent == []


@pytest.mark.parametrize(
    "text",
    [
        "收到，@李娟 这个事情我私下联系您，帮您问问律师",
        "希望大家周六准时参加，记得带身份证",
        "工资拖了两个月",
    ],
)
async def test_staff_are_never_logged_without_the_tag(parts: Any, text: str) -> None:
    bridge, api, transport, _ = parts
    assert await bridge.handle(msg(text, "s-" + text[:4], talker=STAFF_ID)) is Outcome.chatter
    await bridge.drain()
    assert api.wishes == {} and api.triage == {} and transport.sent == []


async def test_staff_relay_a_wish_with_the_tag(parts: Any) -> None:
    bridge, api, _, _ = parts
    text = "#心愿 帮一位骑手姐妹问问，孩子暑假没人带，附近有没有托管班"
    assert await bridge.handle(msg(text, "r1", talker=STAFF_ID)) is Outcome.spooled
    await bridge.drain()
    assert "r1" in api.wishes


async def test_a_question_about_a_notice_is_not_a_wish(parts: Any) -> None:
    bridge, api, transport, _ = parts
    notice = "【通知】本周六上午九点在社区活动室举办亲子手工课，名额二十个，欢迎报名"
    assert await bridge.handle(msg(notice, "n1", talker=STAFF_ID)) is Outcome.chatter
    assert await bridge.handle(msg("请问在几楼？可以停车吗", "n2")) is Outcome.chatter
    await bridge.drain()
    assert api.wishes == {} and api.triage == {} and transport.sent == []
