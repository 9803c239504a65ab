"""End to end through the real gateway: what the bot leaves alone, triage to staff, alerts.

Fake WeChat gateway ⇄ real bot process ⇄ API process ⇄ SQLite ledger, as in test_e2e.py.
Waits are long-polls on what the bot said; nothing sleeps.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from api.domain.triage import purge_expired_triage
from gateway import FakeGateway, SentMessage
from models import Office, Organisation, Resource, Staff, TriageItem, Wish
from models.clock import utcnow
from models.enums import Category, OrganisationKind
from tests.bot.harness import System, running_system

pytestmark = pytest.mark.e2e

UNCERTAIN = "工资拖了两个月"
DASHES = "- - - - - - - - - - - - - - -"


def _uid() -> str:
    return uuid.uuid4().hex[:8]


class Room:
    def __init__(self, gw: FakeGateway, system: System, staff: str, members: list[str]) -> None:
        self.gw, self.system, self.staff, self.members = gw, system, staff, members
        assert system.seed is not None
        self.room = system.seed.room_id

    def say(self, talker: str, text: str, room: str | None = "") -> str:
        room_id = self.room if room == "" else room
        return self.gw.say(talker, text, room_id=room_id)

    def wait(self, pred: object, after: int) -> SentMessage:
        return self.gw.wait_for_sent(pred, timeout=10.0, after=after)  # type: ignore[arg-type]

    def to_staff_privately(self, after: int, needle: str) -> SentMessage:
        return self.wait(lambda m: m["to_id"] == self.staff and needle in m["text"], after)

    def assert_silent(self, talker: str, after: int) -> None:
        """Nothing said to `talker` since `after`: proven by a marker command answered next."""
        marker_after = self.gw.last_seq()
        self.say(talker, "帮助")
        self.wait(lambda m: talker in m["mention_ids"] and "使用说明" in m["text"], marker_after)
        said = [m for m in self.gw.sent(after) if talker in m["mention_ids"]]
        assert len(said) == 1, [m["text"] for m in said]

    def counts(self) -> tuple[int, int]:
        with self.system.session() as s:
            return len(s.exec(select(Wish)).all()), len(s.exec(select(TriageItem)).all())


@pytest.fixture(scope="module")
def room(fake_gateway: FakeGateway) -> Iterator[Room]:
    staff = fake_gateway.add_contact("王主任", id=f"wxid_staff_{_uid()}")
    members = [fake_gateway.add_contact(n, id=f"wxid_t{i}_{_uid()}") for i, n in enumerate(
        ["李娟", "张敏", "赵芳"]
    )]  # fmt: skip
    room_id = fake_gateway.add_room("东风姐妹群", [staff, *members], id=f"{_uid()}@chatroom")
    other = fake_gateway.add_room("西湖群", [staff, *members], id=f"{_uid()}@chatroom")
    with running_system(fake_gateway.endpoint, fake_gateway.token, room_id, staff, other) as system:
        assert system.seed is not None
        with system.session() as s:
            office = s.get(Office, system.seed.office_id)
            person = s.exec(select(Staff).where(Staff.wechat_id == staff)).one()
            assert office is not None
            office.on_duty_staff_id = person.id  # she hears of new wishes and triage items
            s.add(office)
            s.add(
                Organisation(
                    name="城东阳光幼儿园",
                    kind=OrganisationKind.new_economic,
                    office_id=office.id,
                    liaison_staff_id=person.id,
                )
            )
            s.commit()
        yield Room(fake_gateway, system, staff, members)


def test_staff_answers_chains_and_event_questions_log_nothing_and_say_nothing(
    room: Room,
) -> None:
    member = room.members[0]
    before = room.counts()
    after = room.gw.last_seq()
    room.say(room.staff, "收到，@李娟 这个情况我私下联系您，帮您问问律师")
    room.say(member, "#接龙 周六亲子手工课\n1. 李娟 2人\n2. 张敏 1人\n3. 赵芳 想参加")
    room.say(room.staff, "【通知】本周六上午九点在社区活动室举办亲子手工课，欢迎报名")
    # python-wechaty loads each message in its own task, so two messages sent within the same
    # millisecond may reach the bot in either order; a member asks a few seconds after a notice.
    # The staff member's answered 帮助 shows the notice has been read before the question comes.
    marker = room.gw.last_seq()
    room.say(room.staff, "帮助")
    room.wait(lambda m: room.staff in m["mention_ids"] and "使用说明" in m["text"], marker)
    room.say(member, "请问在几楼？可以停车吗")
    room.assert_silent(member, after)
    assert not [m for m in room.gw.sent(after) if m["to_id"] == room.staff]  # no alert either
    assert room.counts() == before


def test_an_uncertain_message_goes_to_staff_who_accept_it_and_the_member_hears(
    room: Room,
) -> None:
    member = room.members[1]
    before_wishes, _ = room.counts()
    after = room.gw.last_seq()
    room.say(member, UNCERTAIN)
    alert = room.to_staff_privately(after, "可能的心愿 T")
    label = alert["text"].split("可能的心愿 ")[1].split("：")[0]
    assert [m for m in room.gw.sent(after) if member in m["mention_ids"]] == []  # nothing public
    assert room.counts()[0] == before_wishes
    decided = room.gw.last_seq()
    room.say(room.staff, f"登记 {label}", room=None)
    assert "登记为心愿 #" in room.to_staff_privately(decided, f"已把 {label}")["text"]
    ack = room.wait(lambda m: member in m["mention_ids"], decided)
    assert ack["room_id"] == room.room and "已收到您的心愿 #" in ack["text"]
    with room.system.session() as s:
        logged = s.exec(select(Wish).where(Wish.submitter_wechat_id == member)).one()
        item = s.exec(select(TriageItem).where(TriageItem.wish_id == logged.id)).one()
    assert logged.text == UNCERTAIN and not item.text  # the words left the triage list


def test_a_quote_and_register_logs_the_quoted_message(room: Room) -> None:
    after = room.gw.last_seq()
    room.say(room.staff, f"「张敏：想学做短视频带货，哪里有课」\n{DASHES}\n登记")
    reply = room.wait(lambda m: "已为张敏登记心愿 #" in m["text"], after)
    seq = int(reply["text"].split("#")[1].split("，")[0])
    with room.system.session() as s:
        logged = s.exec(select(Wish).where(Wish.seq == seq)).one()
    assert logged.text == "想学做短视频带货，哪里有课" and logged.category == Category.career


def test_the_staff_alert_with_suggestions_reaches_the_liaison(room: Room) -> None:
    member = room.members[2]
    after = room.gw.last_seq()
    room.say(member, "我们阳光幼儿园想请老师来给家长讲讲亲子阅读，希望妇联帮忙联系")
    alert = room.to_staff_privately(after, "新心愿 #")
    assert "可对接的资源" in alert["text"] and "亲子阅读课" in alert["text"]
    with room.system.session() as s:
        linked = s.exec(select(Wish).where(Wish.submitter_wechat_id == member)).one()
        org = s.exec(select(Organisation).where(Organisation.name == "城东阳光幼儿园")).one()
    assert linked.organisation_id == org.id


def test_a_triage_items_words_are_gone_after_its_lifetime(room: Room) -> None:
    member = room.members[0]
    after = room.gw.last_seq()
    room.say(member, "这个月工资拖了")
    room.to_staff_privately(after, "可能的心愿 T")
    with room.system.session() as s:
        item = s.exec(select(TriageItem).where(TriageItem.talker_wechat_id == member)).one()
        assert item.text
        purged = purge_expired_triage(session=s, now=utcnow() + timedelta(hours=49))
        s.commit()
        s.refresh(item)
    assert purged >= 1 and not item.text and not item.talker_wechat_id


def test_an_offer_becomes_a_resource_draft(room: Room) -> None:
    member = room.members[1]
    after = room.gw.last_seq()
    room.say(member, "我们公司愿意捐赠一批儿童绘本给社区的孩子们")
    ack = room.wait(lambda m: member in m["mention_ids"] and "已收到" in m["text"], after)
    seq = int(re.search(r"#(\d+)", ack["text"]).group(1))  # type: ignore[union-attr]
    asked = room.gw.last_seq()
    room.say(room.staff, f"转资源 {seq}")
    reply = room.wait(lambda m: "资源草稿" in m["text"], asked)
    assert f"心愿 #{seq}" in reply["text"]
    with room.system.session() as s:
        drafts = s.exec(select(Resource).where(Resource.active == False)).all()  # noqa: E712
    assert len(drafts) == 1
