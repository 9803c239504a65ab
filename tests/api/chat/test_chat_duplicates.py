"""The same member posting the same wish again: one wish, one acknowledgement per group."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from models import Group, Outbox, Wish, WishEvent
from models.clock import utcnow
from models.enums import EventKind, WishStatus
from models.wording import members as for_members
from models.wording import staff as for_staff
from tests.api.apitools import Tree
from tests.api.chat.chat_tools import MEMBER, ROOM, STAFF, command

OTHER_ROOM = "df2@chatroom"  # a second enabled group of 东风街道
OTHER_TOPIC = "东风快递姐妹群"

# (first post, the same wish posted again): punctuation, emoji, an @mention, spaces, full-width.
REPEATS = [
    ("希望社区组织一次亲子阅读活动", "希望社区组织一次亲子阅读活动！"),
    ("想咨询一下劳动合同纠纷怎么维权", "@心愿池\u2005想咨询一下劳动合同纠纷怎么维权？"),
    ("孩子暑假没人带，希望有托管班", "孩子暑假没人带 希望有托管班🙏🙏"),
    ("求助法律援助", "求助 法律援助！！"),
    ("希望能学习直播带货技巧", "希望能学习直播带货的技巧"),
]
# (first post, another wish of the same member): a new wish each time.
DIFFERENT = [
    ("希望社区组织一次亲子阅读活动", "希望社区组织一次法律知识讲座"),
    ("想咨询一下劳动合同纠纷怎么维权", "想报名参加家政技能培训"),
    ("求助法律援助", "求助育儿指导"),
]


def post(
    client: TestClient,
    bot: dict[str, str],
    mid: str,
    text: str,
    room: str = ROOM,
    talker: str = MEMBER,
) -> dict[str, Any]:
    body = {
        "room_id": room,
        "talker_id": talker,
        "talker_name": "李娟",
        "message_id": mid,
        "text": text,
        "category": "family",
    }
    response = client.post("/api/v1/bot/wishes", json=body, headers=bot)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    assert result["ok"] is True
    return result


@pytest.fixture
def other_group(session: Session, tree: Tree) -> int:
    group = Group(room_id=OTHER_ROOM, topic=OTHER_TOPIC, office_id=tree.street, enabled=True)
    session.add(group)
    session.commit()
    assert group.id is not None
    session.commit()  # SQLite: end the transaction the id read began
    return group.id


def _read(session: Session, statement: Any) -> list[Any]:
    session.expire_all()
    rows = list(session.exec(statement).all())
    session.rollback()  # SQLite: do not hold the write lock beside the app
    return rows


def _wishes(session: Session) -> list[Wish]:
    return _read(session, select(Wish).order_by(col(Wish.id)))


def _outbox_count(session: Session) -> int:
    return len(_read(session, select(Outbox.id)))


def _age(session: Session, wish_id: int, days: float) -> None:
    """As if the wish had been logged ``days`` ago."""
    session.execute(
        sa.update(Wish)
        .where(col(Wish.id) == wish_id)
        .values(created_at=utcnow() - timedelta(days=days))
    )
    session.commit()


@pytest.mark.parametrize(("first", "again"), REPEATS)
def test_two_groups_one_wish_one_acknowledgement_each(
    client: TestClient,
    bot: dict[str, str],
    session: Session,
    other_group: int,
    first: str,
    again: str,
) -> None:
    logged = post(client, bot, "m1", first)
    assert logged["created"] is True
    seq, wish_id = logged["seq"], logged["wish_id"]
    alerts = _outbox_count(session)

    there = post(client, bot, "m2", again, room=OTHER_ROOM)
    assert (there["wish_id"], there["seq"], there["created"]) == (wish_id, seq, False)
    assert there["reply"] == logged["reply"] == for_members.wish_received(seq)

    # Once more in the first group: it knows the number already, a short status reply.
    here = post(client, bot, "m3", again)
    assert here["wish_id"] == wish_id and here["created"] is False
    assert here["reply"] == for_members.already_logged(seq)
    assert post(client, bot, "m4", first, room=OTHER_ROOM)["reply"] == for_members.already_logged(
        seq
    )

    assert [w.id for w in _wishes(session)] == [wish_id]
    assert _outbox_count(session) == alerts  # staff were not alerted again
    notes = _read(
        session,
        select(WishEvent.note).where(
            WishEvent.wish_id == wish_id, WishEvent.kind == EventKind.note
        ),
    )
    assert notes == [
        f"同一成员在「{OTHER_TOPIC}」又发了一次",
        "同一成员在「东风姐妹群」又发了一次",
        f"同一成员在「{OTHER_TOPIC}」又发了一次",
    ]


def test_a_replayed_message_gets_the_same_reply_and_writes_nothing_more(
    client: TestClient, bot: dict[str, str], session: Session, other_group: int
) -> None:
    text = "希望社区组织一次亲子阅读活动"
    first = post(client, bot, "r1", text)
    merged = post(client, bot, "r2", text, room=OTHER_ROOM)
    status = post(client, bot, "r3", text)
    events = len(_read(session, select(WishEvent.id)))
    for mid, room, earlier in (
        ("r1", ROOM, first),
        ("r2", OTHER_ROOM, merged),
        ("r3", ROOM, status),
    ):
        replayed = post(client, bot, mid, text, room=room)
        assert replayed["reply"] == earlier["reply"]
        assert replayed["wish_id"] == first["wish_id"]
    assert len(_wishes(session)) == 1
    assert len(_read(session, select(WishEvent.id))) == events


@pytest.mark.parametrize(("days", "merged"), [(1, True), (6.5, True), (8, False), (30, False)])
def test_a_repeat_within_the_window_is_the_same_wish(
    client: TestClient, bot: dict[str, str], session: Session, days: float, merged: bool
) -> None:
    first = post(client, bot, "d1", "孩子暑假没人带，希望有托管班")
    _age(session, first["wish_id"], days)
    later = post(client, bot, "d2", "孩子暑假没人带，希望有托管班！")
    assert (later["wish_id"] == first["wish_id"]) is merged
    assert later["created"] is not merged
    assert len(_wishes(session)) == (1 if merged else 2)


def test_another_member_gets_her_own_wish(
    client: TestClient, bot: dict[str, str], session: Session
) -> None:
    first = post(client, bot, "p1", "希望社区组织一次亲子阅读活动")
    other = post(client, bot, "p2", "希望社区组织一次亲子阅读活动", talker="wx_other")
    assert other["created"] is True and other["seq"] == first["seq"] + 1
    assert len(_wishes(session)) == 2


@pytest.mark.parametrize(("first", "second"), DIFFERENT)
def test_a_different_wish_of_the_same_member_is_a_new_wish(
    client: TestClient, bot: dict[str, str], session: Session, first: str, second: str
) -> None:
    one = post(client, bot, "t1", first)
    two = post(client, bot, "t2", second)
    assert two["created"] is True and two["wish_id"] != one["wish_id"]
    assert two["reply"] == for_members.wish_received(two["seq"])


@pytest.mark.parametrize("status", [WishStatus.fulfilled, WishStatus.closed])
def test_a_wish_no_longer_open_is_not_merged_into(
    client: TestClient, bot: dict[str, str], session: Session, status: WishStatus
) -> None:
    first = post(client, bot, "s1", "求助法律援助")
    session.execute(sa.update(Wish).where(col(Wish.id) == first["wish_id"]).values(status=status))
    session.commit()
    again = post(client, bot, "s2", "求助法律援助")
    assert again["created"] is True and again["wish_id"] != first["wish_id"]


def test_another_offices_wish_is_not_merged(
    client: TestClient, bot: dict[str, str], session: Session, tree: Tree
) -> None:
    session.execute(sa.update(Group).where(col(Group.id) == tree.west_group).values(enabled=True))
    session.commit()
    east = post(client, bot, "o1", "希望社区组织一次亲子阅读活动")
    west = post(client, bot, "o2", "希望社区组织一次亲子阅读活动", room="xq@chatroom")
    assert west["created"] is True and west["wish_id"] != east["wish_id"]
    assert [w.office_id for w in _wishes(session)] == [tree.street, tree.west]


def test_staff_see_the_merged_repeats(
    client: TestClient,
    bot: dict[str, str],
    staff: dict[str, str],
    session: Session,
    other_group: int,
) -> None:
    text = "想咨询一下劳动合同纠纷怎么维权"
    first = post(client, bot, "v1", text)
    post(client, bot, "v2", text, room=OTHER_ROOM)
    post(client, bot, "v3", text)

    response = client.get(f"/api/v1/wishes/{first['wish_id']}", headers=staff)
    assert response.status_code == 200, response.text
    detail = response.json()
    assert (detail["repeat_count"], detail["repeat_groups"]) == (2, 2)
    assert [(r["group_topic"], r["acknowledged"]) for r in detail["repeats"]] == [
        (OTHER_TOPIC, True),
        ("东风姐妹群", False),
    ]
    assert text not in str(detail["repeats"])

    seq = first["seq"]
    line = for_staff.repeated_elsewhere(seq, 2, 2)
    assert "另在 2 个群重复提出 2 次" in line
    assert line in command(client, bot, "q1", "查询", talker=STAFF, seq=seq)["reply"]
    # The member's own 查询 is her status only.
    mine = command(client, bot, "q2", "查询", talker=MEMBER, seq=seq)["reply"]
    assert "重复" not in mine


def test_a_wish_without_repeats_says_nothing_of_them(
    client: TestClient, bot: dict[str, str], staff: dict[str, str]
) -> None:
    first = post(client, bot, "n1", "求助法律援助")
    detail = client.get(f"/api/v1/wishes/{first['wish_id']}", headers=staff).json()
    assert (detail["repeat_count"], detail["repeats"]) == (0, [])
    assert "重复" not in command(client, bot, "n2", "查询", seq=first["seq"])["reply"]
