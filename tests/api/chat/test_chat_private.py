"""The private channel: private wishes and commands, the office they are for, the privacy notice,
and commands accepted only from enabled groups or people the ledger knows."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.http.app import create_app
from api.settings import ApiSettings
from models import (
    Group,
    Membership,
    Office,
    Outbox,
    PrivacyNotice,
    PrivateChoice,
    Staff,
    TriageItem,
    Wish,
)
from models.wording import members as for_members
from tests.api.apitools import Tree
from tests.api.chat.chat_tools import MEMBER, ROOM, command, who, wish

WEST_ROOM = "xq@chatroom"


def private_wish(
    client: TestClient, bot: dict[str, str], mid: str, text: str, talker: str = MEMBER
) -> dict[str, Any]:
    body = {**who(mid, talker, room=None), "text": text, "category": "career"}
    response = client.post("/api/v1/bot/wishes", json=body, headers=bot)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def to_contact(engine: Engine, wechat_id: str, kind: str | None = None) -> list[Outbox]:
    with Session(engine) as s:
        rows = s.exec(
            select(Outbox).where(Outbox.target_kind == "contact", Outbox.target_id == wechat_id)
        ).all()
        return [r for r in rows if kind is None or r.kind == kind]


def enable_west(engine: Engine, tree: Tree) -> None:
    with Session(engine) as s:
        group = s.get(Group, tree.west_group)
        assert group is not None
        group.enabled = True
        s.add(group)
        s.commit()


# ---- one office -------------------------------------------------------------------------------


def test_a_private_wish_is_logged_for_her_groups_office_and_answered_privately(
    client: TestClient, bot: dict[str, str], tree: Tree, engine: Engine
) -> None:
    with Session(engine) as s:
        office = s.get(Office, tree.street)
        assert office is not None
        office.on_duty_staff_id = tree.staff
        s.add(office)
        s.commit()
    first = wish(client, bot, "g1", "希望组织亲子阅读")
    reply = private_wish(client, bot, "p1", "想学直播带货，不想在群里说")
    assert reply["ok"] and reply["created"]
    assert reply["reply"] == for_members.private_wish_received(
        reply["seq"], "career", "东风街道妇联"
    )
    assert reply["seq"] == first["seq"] + 1
    with Session(engine) as s:
        logged = s.exec(select(Wish).where(Wish.source_message_id == "p1")).one()
        assert (logged.office_id, logged.group_id) == (tree.street, None)
        assert logged.submitter_wechat_id == MEMBER
    # Staff hear of it privately, as of a group wish; the text is masked and never public.
    alerts = to_contact(engine, "wx_li", "alert")
    assert any(f"#{reply['seq']}" in a.text for a in alerts)
    # A replay of the message logs nothing new and gives the same answer.
    again = private_wish(client, bot, "p1", "想学直播带货，不想在群里说")
    assert (again["seq"], again["created"], again["reply"]) == (reply["seq"], False, reply["reply"])


def test_the_privacy_notice_goes_privately_once_the_first_time_a_wish_is_logged(
    client: TestClient, bot: dict[str, str], tree: Tree, engine: Engine
) -> None:
    assert to_contact(engine, MEMBER) == []
    wish(client, bot, "g1", "希望组织亲子阅读")
    notices = to_contact(engine, MEMBER, "privacy")
    assert [n.text for n in notices] == [for_members.PRIVACY_NOTICE]
    assert "撤回" in notices[0].text and "删除我的信息" in notices[0].text
    wish(client, bot, "g2", "想参加插花活动")
    private_wish(client, bot, "p1", "想学直播带货")
    assert len(to_contact(engine, MEMBER, "privacy")) == 1
    with Session(engine) as s:
        assert s.get(PrivacyNotice, MEMBER) is not None
        assert s.get(PrivacyNotice, "wx_li") is None


def test_the_privacy_notice_text_is_a_setting(
    db_url: str, engine: Engine, tree: Tree, bot: dict[str, str]
) -> None:
    settings = ApiSettings(
        database_url=db_url,
        run_scheduler=False,
        auto_migrate=False,
        privacy_notice="本会只保存心愿内容。撤回请发「撤回 编号」，删除请发「删除我的信息」。",
    )
    with TestClient(create_app(settings, engine=engine)) as client:
        wish(client, bot, "g1", "希望组织亲子阅读")
    assert [n.text for n in to_contact(engine, MEMBER, "privacy")] == [settings.privacy_notice]


# ---- several offices: she is asked -------------------------------------------------------------


def test_a_member_of_two_offices_is_asked_and_her_answer_logs_the_waiting_wish(
    client: TestClient, bot: dict[str, str], tree: Tree, engine: Engine
) -> None:
    enable_west(engine, tree)
    wish(client, bot, "g1", "希望组织亲子阅读")
    body = {**who("g2", MEMBER, WEST_ROOM), "text": "想参加插花活动", "category": "culture"}
    assert client.post("/api/v1/bot/wishes", json=body, headers=bot).json()["created"]
    asked = private_wish(client, bot, "p1", "想咨询离婚财产怎么分")
    # The most recently seen group's office first.
    assert asked["reply"] == for_members.private_choose_office(["西区妇联", "东风街道妇联"])
    assert "回复 1 或 2" in asked["reply"] and asked["seq"] is None
    with Session(engine) as s:
        assert s.exec(select(Wish).where(Wish.source_message_id == "p1")).first() is None
        assert s.get(PrivateChoice, "p1") is not None
    # A replay asks again, and keeps one waiting wish.
    assert private_wish(client, bot, "p1", "想咨询离婚财产怎么分")["reply"] == asked["reply"]
    bad = command(client, bot, "c0", "选择", talker=MEMBER, room=None, choice=3)
    assert (bad["ok"], bad["reply"]) == (False, for_members.private_choice_out_of_range(2))
    chosen = command(client, bot, "c1", "选择", talker=MEMBER, room=None, choice=2)
    assert chosen["ok"] and chosen["created"]
    assert chosen["reply"] == for_members.private_wish_received(
        chosen["seq"], "career", "东风街道妇联"
    )
    with Session(engine) as s:
        logged = s.exec(select(Wish).where(Wish.source_message_id == "p1")).one()
        assert logged.office_id == tree.street
        assert s.get(PrivateChoice, "p1") is None
    # The same answer delivered again is answered the same, and logs nothing more.
    assert command(client, bot, "c1", "选择", talker=MEMBER, room=None, choice=2) == chosen
    nothing = command(client, bot, "c2", "选择", talker=MEMBER, room=None, choice=1)
    assert (nothing["ok"], nothing["reply"]) == (False, for_members.PRIVATE_NO_CHOICE)


# ---- nobody knows her: staff decide -------------------------------------------------------------


def test_an_unknown_members_private_wish_goes_to_staff_and_is_answered_privately_once_accepted(
    client: TestClient, bot: dict[str, str], tree: Tree, engine: Engine
) -> None:
    stranger = "wx_stranger"
    reply = private_wish(client, bot, "p1", "我想学直播带货", talker=stranger)
    assert reply["reply"] == for_members.PRIVATE_UNKNOWN_MEMBER
    with Session(engine) as s:
        item = s.exec(select(TriageItem).where(TriageItem.message_id == "p1")).one()
        assert (item.office_id, item.group_id) == (tree.city, None)  # the first top-level office
        assert s.exec(select(Wish)).all() == []
        s.add(Staff(wechat_id="wx_city", name="赵敏", office_id=tree.city))
        s.commit()
        seq = item.seq
    accepted = command(client, bot, "c1", "登记", talker="wx_city", room=None, seq=seq)
    assert accepted["ok"], accepted
    with Session(engine) as s:
        logged = s.exec(select(Wish).where(Wish.submitter_wechat_id == stranger)).one()
        assert logged.group_id is None
    # She hears her number privately (never in a group), then the privacy notice.
    acks = to_contact(engine, stranger, "ack")
    assert [a.text for a in acks] == [
        for_members.private_wish_accepted(logged.seq, sensitive=logged.sensitive)
    ]
    assert len(to_contact(engine, stranger, "privacy")) == 1


# ---- commands: only from enabled groups or known people ---------------------------------------


def test_private_commands_need_a_known_member_or_staff(
    client: TestClient, bot: dict[str, str], tree: Tree, engine: Engine
) -> None:
    unknown = command(client, bot, "c1", "我的心愿", talker=MEMBER, room=None)
    assert (unknown["ok"], unknown["reply"]) == (False, for_members.PRIVATE_COMMAND_UNKNOWN)
    # Staff privately: their own office.
    assert command(client, bot, "c2", "待办", talker="wx_li", room=None)["ok"]
    # Once seen in an enabled group she may ask privately, about her own wishes only.
    first = wish(client, bot, "g1", "希望组织亲子阅读")
    mine = command(client, bot, "c3", "我的心愿", talker=MEMBER, room=None)
    assert mine["ok"] and f"#{first['seq']}" in mine["reply"]
    query = command(client, bot, "c4", "查询", talker=MEMBER, room=None, seq=first["seq"])
    assert query["ok"] and f"#{first['seq']}" in query["reply"]
    withdraw = command(client, bot, "c5", "撤回", talker="wx_other", room=None, seq=first["seq"])
    assert (withdraw["ok"], withdraw["reply"]) == (False, for_members.PRIVATE_COMMAND_UNKNOWN)
    # A staff command privately from a member is refused as in a group.
    claim = command(client, bot, "c6", "认领", talker=MEMBER, room=None, seq=first["seq"])
    assert (claim["ok"], claim["reply"]) == (False, for_members.staff_only("认领"))
    with Session(engine) as s:
        assert s.exec(select(Wish)).one().status == "new"


def test_commands_from_a_group_the_ledger_has_not_enabled_do_nothing(
    client: TestClient, bot: dict[str, str], tree: Tree, engine: Engine
) -> None:
    first = wish(client, bot, "g1", "希望组织亲子阅读")
    ignored = command(client, bot, "c1", "认领", talker="wx_li", room="new@chatroom", seq=1)
    assert (ignored["ok"], ignored["ignored"], ignored["reply"]) == (False, True, "")
    disabled = command(client, bot, "c2", "撤回", talker=MEMBER, room=WEST_ROOM, seq=first["seq"])
    assert (disabled["ok"], disabled["ignored"]) == (False, True)
    with Session(engine) as s:
        assert s.exec(select(Wish)).one().status == "new"
        # Seen only in a disabled group: not a member anyone knows.
        rooms = s.exec(select(Membership.group_id).where(Membership.wechat_id == MEMBER)).all()
        assert rooms == [tree.group]


def test_membership_is_the_id_the_group_and_when_nothing_more(
    client: TestClient, bot: dict[str, str], tree: Tree, engine: Engine
) -> None:
    wish(client, bot, "g1", "希望组织亲子阅读")
    command(client, bot, "c1", "我的心愿", talker=MEMBER, room=ROOM)
    command(client, bot, "c2", "待办", talker="wx_li", room=ROOM)  # staff are not members
    with Session(engine) as s:
        rows = s.exec(select(Membership)).all()
        assert [(r.wechat_id, r.group_id) for r in rows] == [(MEMBER, tree.group)]
        assert set(Membership.model_fields) == {"id", "wechat_id", "group_id", "last_seen_at"}


def test_an_unanswered_question_goes_to_staff_after_the_triage_lifetime(
    client: TestClient, bot: dict[str, str], tree: Tree, engine: Engine
) -> None:
    from datetime import timedelta

    from models.clock import utcnow

    enable_west(engine, tree)
    wish(client, bot, "g1", "希望组织亲子阅读")
    body = {**who("g2", MEMBER, WEST_ROOM), "text": "想参加插花活动", "category": "culture"}
    client.post("/api/v1/bot/wishes", json=body, headers=bot)
    assert "回复 1 或 2" in private_wish(client, bot, "p1", "想咨询离婚财产怎么分")["reply"]
    with Session(engine) as s:
        waiting = s.get(PrivateChoice, "p1")
        assert waiting is not None
        waiting.created_at = utcnow() - timedelta(hours=49)  # api.triage_lifetime_hours: 48
        s.add(waiting)
        s.commit()
    # The next private message settles it: the words go to the first office offered, as T1.
    private_wish(client, bot, "p2", "想学直播带货")
    with Session(engine) as s:
        assert s.get(PrivateChoice, "p1") is None
        item = s.exec(select(TriageItem).where(TriageItem.message_id == "p1")).one()
        assert item.office_id == tree.west and item.talker_wechat_id == MEMBER
        assert s.get(PrivateChoice, "p2") is not None  # the new one waits for her answer
