"""End to end through the real gateway: under a low send rate, acknowledgements due together
share one group message that names every member's number.

Fake WeChat gateway ⇄ real bot process ⇄ API process ⇄ SQLite ledger, as in test_e2e.py.
Waits are long-polls on what the bot said; nothing sleeps.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlmodel import select

from gateway import FakeGateway
from models import Wish
from tests.bot.harness import System, running_system

pytestmark = pytest.mark.e2e

NAMES = ["李娟", "张敏", "赵芳", "王丽", "刘静", "陈红"]
WISHES = [
    "我想给孩子报名暑期托管班，希望妇联能帮忙联系",
    "想学做短视频带货，哪里有免费的课程",
    "家里老人需要上门护理，想请妇联帮忙联系",
    "希望社区能开个亲子阅读班，周末带孩子参加",
    "想找一份兼职工作，时间灵活一点的",
    "孩子上学有困难，想申请助学帮扶",
]
# One message every two seconds, none saved up: a burst of wishes cannot each be answered now.
SLOW = {"WISHPOOL_BOT__RATE_PER_MINUTE": "30", "WISHPOOL_BOT__RATE_BURST": "1"}


@dataclass
class Burst:
    gw: FakeGateway
    system: System
    room: str
    members: list[str]


@pytest.fixture(scope="module")
def burst(fake_gateway: FakeGateway) -> Iterator[Burst]:
    uid = uuid.uuid4().hex[:8]
    staff = fake_gateway.add_contact("王主任", id=f"wxid_bstaff_{uid}")
    members = [fake_gateway.add_contact(n, id=f"wxid_b{i}_{uid}") for i, n in enumerate(NAMES)]
    room_id = fake_gateway.add_room("南湖姐妹群", [staff, *members], id=f"b{uid}@chatroom")
    other = fake_gateway.add_room("北湖群", [staff, *members], id=f"c{uid}@chatroom")
    with running_system(
        fake_gateway.endpoint, fake_gateway.token, room_id, staff, other, bot_env=SLOW
    ) as system:
        yield Burst(fake_gateway, system, room_id, members)


def test_wishes_posted_at_once_get_one_acknowledgement_naming_each_number(burst: Burst) -> None:
    gw, first, rest = burst.gw, burst.members[0], burst.members[1:]
    after = gw.last_seq()
    gw.say(first, WISHES[0], room_id=burst.room)  # takes the one token there is
    alone = gw.wait_for_sent(lambda m: first in m["mention_ids"], timeout=20.0, after=after)
    assert "已收到您的心愿 #" in alone["text"] and alone["mention_ids"] == [first]
    after = alone["seq"]
    for member, text in zip(rest, WISHES[1:], strict=True):
        gw.say(member, text, room_id=burst.room)
    last = rest[-1]
    combined = gw.wait_for_sent(lambda m: last in m["mention_ids"], timeout=60.0, after=after)
    with burst.system.session() as s:
        seq_of = {w.submitter_wechat_id: w.seq for w in s.exec(select(Wish)).all()}
    assert set(rest) <= set(seq_of)
    # The first of the burst may have gone alone while the bucket refilled; the others waited
    # and share one message: mentions and numbers in the same order.
    mentioned = combined["mention_ids"]
    assert combined["room_id"] == burst.room and len(mentioned) >= 3
    assert mentioned == rest[-len(mentioned) :]
    numbers = "、".join(f"#{seq_of[m]}" for m in mentioned)
    assert f"已收到各位的心愿，编号依次是 {numbers}，" in combined["text"]
    to_rest = [m for m in gw.sent(after) if set(m["mention_ids"]) & set(rest)]
    assert len(to_rest) <= 2  # five members heard in at most two messages
