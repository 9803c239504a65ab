"""The private channel on the bot's side: never silent, a request is a private wish, greetings and
thanks get a hint, her 「1」/「2」 goes to the ledger, and every reply goes to her privately."""

from __future__ import annotations

from typing import Any

import pytest

from bot.handlers import Outcome, is_private_request
from models.wording import members
from nlp import classify
from nlp.commands import PRIVATE_CHOICE, private_choice
from tests.bot.test_units import ROOM, msg, parts

__all__ = ["parts"]

# Requests she would make privately; several are too quiet for the group recogniser.
REQUESTS = [
    "我想学直播带货",
    "孩子上学的事想咨询一下",
    "能不能帮我找个律师",
    "想给孩子报个兴趣班",
    "最近压力很大睡不着",
    "家里的事不好在群里说，想找人聊聊",
    "我们公司想捐一些物资",
]
# Not requests: she greets, thanks or acknowledges.
NOT_REQUESTS = ["你好", "您好", "在吗", "谢谢", "谢谢你", "好的", "好的谢谢", "收到", "嗯嗯",
                "早上好", "辛苦了", "知道了", "是", "哈哈"]  # fmt: skip


@pytest.mark.parametrize("text", REQUESTS)
async def test_a_private_request_is_spooled_as_a_private_wish(parts: Any, text: str) -> None:
    bridge, api, transport, spool = parts
    assert await bridge.handle(msg(text, "p1", room_id=None)) is Outcome.spooled
    assert [e.kind for e in spool.entries()] == ["wish"]
    await bridge.drain()
    assert api.wishes["p1"]["room_id"] is None and api.wishes["p1"]["text"] == text
    assert transport.sent == [("u1", "已收到您的心愿 #1", [])]  # privately, no mention


@pytest.mark.parametrize("text", NOT_REQUESTS)
async def test_a_private_greeting_gets_a_hint_and_nothing_is_kept(parts: Any, text: str) -> None:
    bridge, api, transport, spool = parts
    assert await bridge.handle(msg(text, "p1", room_id=None)) is Outcome.hinted
    assert spool.entries() == [] and api.wishes == {} and api.commands == []
    assert transport.sent == [("u1", members.PRIVATE_HINT, [])]
    # A redelivery of the same message is not answered twice.
    assert await bridge.handle(msg(text, "p1", room_id=None)) is Outcome.duplicate
    assert len(transport.sent) == 1


@pytest.mark.parametrize("text", REQUESTS)
def test_requests_are_private_requests(text: str) -> None:
    assert is_private_request(text, classify(text))


@pytest.mark.parametrize("text", NOT_REQUESTS)
def test_greetings_are_not_private_requests(text: str) -> None:
    assert not is_private_request(text, classify(text))


CHOICES = [("1", 1), ("２", 2), ("选2", 2), ("第1个", 1), (" 2。", 2), ("12", None),
           ("1号楼漏水", None)]  # fmt: skip


@pytest.mark.parametrize(("text", "choice"), CHOICES)
def test_her_answer_to_a_numbered_question(text: str, choice: int | None) -> None:
    assert private_choice(text) == choice


async def test_her_answer_goes_to_the_ledger_as_a_choice(parts: Any) -> None:
    bridge, api, transport, _ = parts
    assert await bridge.handle(msg("２", "p1", room_id=None)) is Outcome.spooled
    await bridge.drain()
    assert api.commands[0]["command"] == {"name": PRIVATE_CHOICE, "args": {"choice": 2}}
    assert api.commands[0]["room_id"] is None
    assert transport.sent == [("u1", f"ok {PRIVATE_CHOICE}", [])]


async def test_a_bare_number_in_a_group_is_chatter(parts: Any) -> None:
    bridge, api, transport, _ = parts
    assert await bridge.handle(msg("1", "g1")) is Outcome.chatter
    assert api.commands == [] and transport.sent == []


async def test_private_commands_and_explicit_wishes_are_answered_privately(parts: Any) -> None:
    bridge, api, transport, _ = parts
    assert await bridge.handle(msg("查询 42", "p1", room_id=None)) is Outcome.spooled
    assert await bridge.handle(msg("心愿 想学插花", "p2", room_id=None)) is Outcome.spooled
    assert await bridge.handle(msg("认领 42", "p3", talker="staff1", room_id=None)) is (
        Outcome.spooled
    )
    await bridge.drain()
    assert api.commands[0]["command"] == {"name": "查询", "args": {"seq": 42}}
    assert api.wishes["p2"]["text"] == "想学插花"
    # The fake API refuses 认领; the refusal too goes privately to whoever sent it.
    assert [(to, mentions) for to, _text, mentions in transport.sent] == [
        ("u1", []),
        ("u1", []),
        ("staff1", []),
    ]
    assert all(to != ROOM for to, _t, _m in transport.sent)
