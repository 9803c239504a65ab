"""End to end, the private channel: a member writes to the bot privately through the real gateway
(gRPC), the real bot and the real API; the wish is logged and answered privately, the privacy
notice goes once, a member of two offices is asked which one.

Waits are long-polls on what the bot said; nothing sleeps. Tests run in file order.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlmodel import select

from gateway import FakeGateway, SentMessage
from models import TriageItem, Wish
from models.wording import members as for_members
from tests.bot.harness import System, running_system

pytestmark = pytest.mark.e2e


def _uid() -> str:
    return uuid.uuid4().hex[:8]


class World:
    def __init__(self, gw: FakeGateway, system: System, members: list[str]) -> None:
        self.gw = gw
        self.system = system
        assert system.seed is not None
        self.seed = system.seed
        self.members = members

    def private(self, talker: str, text: str, after: int | None = None) -> SentMessage:
        """She writes to the bot privately; returns the bot's private answer to her."""
        after = self.gw.last_seq() if after is None else after
        self.gw.say(talker, text)  # no room: a private message to the bot
        return self.gw.wait_for_sent(lambda m: m["to_id"] == talker, timeout=15, after=after)

    def wish_of(self, message_id: str) -> Wish:
        with self.system.session() as s:
            return s.exec(select(Wish).where(Wish.source_message_id == message_id)).one()


@pytest.fixture(scope="module")
def world(fake_gateway: FakeGateway) -> Iterator[World]:
    staff = fake_gateway.add_contact("王主任", id=f"wxid_staff_{_uid()}")
    members = [fake_gateway.add_contact(n, id=f"wxid_p{i}_{_uid()}") for i, n in enumerate(
        ["李娟", "张敏", "赵芳"]
    )]  # fmt: skip
    room = fake_gateway.add_room("东风姐妹群", [staff, *members], id=f"{_uid()}@chatroom")
    other = fake_gateway.add_room("西湖群", [staff, *members], id=f"{_uid()}@chatroom")
    with running_system(fake_gateway.endpoint, fake_gateway.token, room, staff, other) as system:
        yield World(fake_gateway, system, members)


def test_a_private_wish_is_logged_and_answered_privately(world: World) -> None:
    gw, member = world.gw, world.members[0]
    # She is known from her group: a wish there, answered there; the notice comes privately.
    after = gw.last_seq()
    gw.say(member, "我想给孩子报名暑期托管班，希望妇联能帮忙联系", room_id=world.seed.room_id)
    ack = gw.wait_for_sent(lambda m: member in m["mention_ids"], timeout=15, after=after)
    assert ack["room_id"] == world.seed.room_id and "#" in ack["text"]
    notice = gw.wait_for_sent(lambda m: m["to_id"] == member, timeout=15, after=after)
    assert notice["text"] == for_members.PRIVACY_NOTICE and notice["room_id"] is None
    # Privately, a greeting gets a hint; nothing is logged.
    assert world.private(member, "你好")["text"] == for_members.PRIVATE_HINT
    # A private wish, too quiet for the group recogniser, is logged for her group's office.
    after = gw.last_seq()
    mid = gw.say(member, "家里的事不好在群里说，想找人聊聊")
    answer = gw.wait_for_sent(lambda m: m["to_id"] == member, timeout=15, after=after)
    logged = world.wish_of(mid)
    assert (logged.office_id, logged.group_id) == (world.seed.office_id, None)
    assert answer["room_id"] is None
    assert answer["text"] == for_members.private_wish_received(
        logged.seq, logged.category, "东风街道妇联"
    )
    # Nothing of it went to a group, and the notice was not sent again.
    assert world.private(member, "谢谢")["text"] == for_members.PRIVATE_HINT
    said = gw.sent(after)
    assert all(m["room_id"] is None and m["to_id"] == member for m in said), said
    assert [m["text"] for m in said].count(for_members.PRIVACY_NOTICE) == 0


def test_a_member_of_two_offices_is_asked_which_one(world: World) -> None:
    gw, member = world.gw, world.members[1]
    for room in (world.seed.room_id, world.seed.other_office_room):
        after = gw.last_seq()
        gw.say(member, "想报名参加插花培训班，请问怎么报名", room_id=room)
        gw.wait_for_sent(lambda m: member in m["mention_ids"], timeout=15, after=after)
    asked = world.private(member, "想咨询一下离婚后孩子抚养费的问题")
    assert asked["text"] == for_members.private_choose_office(["西湖街道妇联", "东风街道妇联"])
    answer = world.private(member, "２")
    with world.system.session() as s:
        logged = s.exec(
            select(Wish).where(Wish.submitter_wechat_id == member, Wish.group_id == None)  # noqa: E711
        ).one()
    assert logged.office_id == world.seed.office_id
    assert answer["text"] == for_members.private_wish_received(
        logged.seq, logged.category, "东风街道妇联"
    )


def test_an_unknown_contacts_private_wish_goes_to_staff_and_she_is_told(
    world: World, fake_gateway: FakeGateway
) -> None:
    stranger = fake_gateway.add_contact("陌生人", id=f"wxid_new_{_uid()}")
    after = fake_gateway.last_seq()
    mid = fake_gateway.say(stranger, "我想学直播带货，怎么报名")
    answer = fake_gateway.wait_for_sent(lambda m: m["to_id"] == stranger, timeout=15, after=after)
    assert answer["text"] == for_members.PRIVATE_UNKNOWN_MEMBER
    with world.system.session() as s:
        item = s.exec(select(TriageItem).where(TriageItem.message_id == mid)).one()
        assert item.group_id is None
        assert s.exec(select(Wish).where(Wish.submitter_wechat_id == stranger)).first() is None
    # A command from her privately is refused politely and does nothing.
    assert world.private(stranger, "我的心愿")["text"] == for_members.PRIVATE_COMMAND_UNKNOWN
