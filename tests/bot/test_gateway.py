"""The fake WeChat gateway, driven through a real python-wechaty client over gRPC.

What python-wechaty 0.10.7 does, as these tests pin down:
- a message event whose id it has already seen in this process is dropped silently (a
  process-wide id set, ``SingleIdContainer``): a redelivered message never reaches on_message;
- the bot's own sent messages come back as message events with ``is_self()`` True;
- ``room.say(text, mention_ids=[...])`` writes ``"@Name"`` (joined by U+2005) + ``" "`` + text
  itself and passes the ids along; ``say()`` returns the sent Message (the gateway returns ids).
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta

import pytest
from wechaty_puppet import MessageType

from bench.probe_bot import running_bot
from gateway import AT_SEPARATOR, FakeGateway, GatewayError

pytestmark = pytest.mark.e2e


def _uid() -> str:
    return uuid.uuid4().hex[:8]


def test_health_and_control_validation(fake_gateway: FakeGateway) -> None:
    health = fake_gateway.health()
    assert health["ready"] is True
    assert health["logged_in"] is True
    assert health["bot_id"] == fake_gateway.bot_id
    assert health["bot_name"] == fake_gateway.bot_name
    assert fake_gateway.endpoint == f"127.0.0.1:{fake_gateway.grpc_port}"

    alice = fake_gateway.add_contact("李娟", id=f"wxid_lj_{_uid()}")
    with pytest.raises(GatewayError, match="must contain"):
        fake_gateway.add_room("群", [alice], id="no-at-sign")
    with pytest.raises(GatewayError, match="unknown contact"):
        fake_gateway.add_room("群", ["wxid_nobody"])
    room = fake_gateway.add_room("测试群", [alice])
    assert "@" in room
    with pytest.raises(GatewayError, match="unknown contact"):
        fake_gateway.say("wxid_nobody", "hi", room_id=room)
    outsider = fake_gateway.add_contact("路人")
    with pytest.raises(GatewayError, match="not a member"):
        fake_gateway.say(outsider, "hi", room_id=room)

    # With no bot connected the gateway still accepts messages, and says nobody got them.
    result = fake_gateway.inject(alice, "你好", room_id=room, mention_ids=[fake_gateway.bot_id])
    assert result["delivered"] is False
    assert result["text"] == f"@{fake_gateway.bot_name}{AT_SEPARATOR}你好"
    # The long-poll returns [] after wait_ms when the bot said nothing.
    started = time.monotonic()
    assert fake_gateway.sent(after=fake_gateway.last_seq(), wait_ms=200) == []
    assert 0.15 < time.monotonic() - started < 5


async def test_room_message_mention_reply_echo_and_redelivery(fake_gateway: FakeGateway) -> None:
    gw = fake_gateway.async_control()
    try:
        name = "王芳"
        talker = await gw.add_contact(name, id=f"wxid_wf_{_uid()}")
        other = await gw.add_contact("陈静", id=f"wxid_cj_{_uid()}")
        topic = f"新就业群体心愿群-{_uid()}"
        room_id = await gw.add_room(topic, [talker, other], id=f"{_uid()}@chatroom")

        async with running_bot(fake_gateway.endpoint, fake_gateway.token) as bot:
            assert bot.login_contact.contact_id == fake_gateway.bot_id

            # 1. a member mentions the bot and another member
            message_id = await gw.say(
                talker, "我想给孩子报名暑期托管", room_id=room_id,
                mention_ids=[fake_gateway.bot_id, other],
            )  # fmt: skip
            msg = await bot.next_message(lambda m: m.message_id == message_id)
            assert msg.text() == (
                f"@{fake_gateway.bot_name}{AT_SEPARATOR}@陈静{AT_SEPARATOR}我想给孩子报名暑期托管"
            )
            assert msg.talker().contact_id == talker
            assert msg.talker().name == name
            assert msg.is_self() is False
            # gateway sends wechaty-puppet Text (7); python-wechaty's enum numbers it 6
            assert msg.type() == MessageType.MESSAGE_TYPE_TEXT
            assert abs(msg.date() - datetime.now()) < timedelta(minutes=1)
            room = msg.room()
            assert room is not None
            assert room.room_id == room_id
            assert await room.topic() == topic
            assert {c.contact_id for c in await msg.mention_list()} == {
                fake_gateway.bot_id,
                other,
            }
            assert await msg.mention_self() is True

            # 2. the bot replies in the room, mentioning the member
            after = await gw.last_seq()
            reply = await room.say("收到，心愿编号 W-0001", mention_ids=[talker])
            assert reply is not None  # the gateway returns a message id
            sent = await gw.wait_for_sent(lambda m: m["room_id"] == room_id, after=after)
            assert sent["id"] == reply.message_id
            assert sent["to_id"] is None
            assert sent["text"] == f"@{name} 收到，心愿编号 W-0001"
            assert sent["mention_ids"] == [talker]

            # 3. the gateway echoes the bot's own message back, as real puppets do
            echo = await bot.next_message(lambda m: m.message_id == sent["id"])
            assert echo.is_self() is True
            assert echo.talker().contact_id == fake_gateway.bot_id
            assert echo.text() == sent["text"]

            # 4. redelivery of the same id: python-wechaty drops it before on_message
            again = await gw.inject(talker, "ignored", room_id=room_id, message_id=message_id)
            assert again == {"id": message_id, "redelivered": True, "delivered": True}
            marker = await gw.say(talker, "marker", room_id=room_id)
            seen = await bot.next_message(lambda m: m.message_id in {message_id, marker})
            assert seen.message_id == marker
    finally:
        await gw.aclose()


async def test_private_message_and_reconnect(fake_gateway: FakeGateway) -> None:
    gw = fake_gateway.async_control()
    try:
        talker = await gw.add_contact("刘敏", id=f"wxid_lm_{_uid()}")
        # Bots connect one after another to the same gateway; the account stays logged in.
        for attempt in range(2):
            async with running_bot(fake_gateway.endpoint, fake_gateway.token) as bot:
                message_id = await gw.say(talker, f"你好 {attempt}")
                msg = await bot.next_message(lambda m, mid=message_id: m.message_id == mid)
                assert msg.room() is None
                assert msg.text() == f"你好 {attempt}"
                to = msg.to()
                assert to is not None and to.contact_id == fake_gateway.bot_id

                after = await gw.last_seq()
                await msg.say(f"您好 {attempt}")
                sent = await gw.wait_for_sent(lambda m: m["to_id"] == talker, after=after)
                assert sent["room_id"] is None
                assert sent["text"] == f"您好 {attempt}"
                assert sent["mention_ids"] == []
        assert (await gw.health())["logged_in"] is True
    finally:
        await gw.aclose()


async def test_bad_token_never_logs_in(fake_gateway: FakeGateway) -> None:
    # python-wechaty prints and returns on a refused token; running_bot must notice quickly.
    with pytest.raises((RuntimeError, TimeoutError)):
        async with running_bot(fake_gateway.endpoint, "wrong-token", timeout=5):
            pass
