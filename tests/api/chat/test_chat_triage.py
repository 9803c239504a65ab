"""Uncertain messages reach staff privately; 登记 / 忽略 / 代登记; new wishes alert staff."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models import Correction, Office, Outbox, Staff, TriageItem, Wish
from models.enums import OutboxTarget
from tests.api.apitools import Tree
from tests.api.chat.chat_tools import MEMBER, ROOM, STAFF, command, who, wish

UNCERTAIN = "工资拖了两个月，电话13812345678"


@pytest.fixture
def on_duty(session: Session, tree: Tree) -> Staff:
    office = session.get(Office, tree.street)
    assert office is not None
    office.on_duty_staff_id = tree.staff
    session.add(office)
    session.commit()
    staff = session.get(Staff, tree.staff)
    assert staff is not None
    session.commit()  # SQLite: a test's open read would hold the write lock the API needs
    return staff


def triage(client: TestClient, bot: dict[str, str], mid: str, text: str = UNCERTAIN) -> Any:
    body = {**who(mid), "text": text, "category": "legal", "confidence": 0.4}
    response = client.post("/api/v1/bot/triage", json=body, headers=bot)
    assert response.status_code == 200, response.text
    return response.json()


def alerts(session: Session, to: str) -> list[Outbox]:
    session.expire_all()
    rows = session.exec(select(Outbox).where(Outbox.kind == "alert", Outbox.target_id == to))
    found = list(rows.all())
    session.commit()
    return found


def test_an_uncertain_message_alerts_the_on_duty_staff_privately_and_says_nothing(
    client: TestClient, bot: dict[str, str], session: Session, on_duty: Staff
) -> None:
    reply = triage(client, bot, "t1")
    assert reply["reply"] == "" and reply["created"] is True
    assert triage(client, bot, "t1")["created"] is False  # the bot's replay: nothing new
    sent = alerts(session, on_duty.wechat_id)
    assert len(sent) == 1
    assert sent[0].target_kind == OutboxTarget.contact
    assert "可能的心愿 T1" in sent[0].text and "回复「登记 T1」或「忽略 T1」" in sent[0].text
    assert "13812345678" not in sent[0].text  # masked before it leaves the ledger
    assert session.exec(select(Wish)).all() == []
    group_posts = session.exec(select(Outbox).where(Outbox.target_id == ROOM)).all()
    assert group_posts == []


def test_staff_accept_a_triage_item_and_the_member_hears_her_number(
    client: TestClient, bot: dict[str, str], session: Session, on_duty: Staff
) -> None:
    triage(client, bot, "t2")
    reply = command(client, bot, "c1", "登记", seq=1)
    assert reply["ok"] and "已把 T1 登记为心愿 #1" in reply["reply"]
    session.expire_all()
    logged = session.exec(select(Wish)).one()
    assert logged.submitter_wechat_id == MEMBER and logged.text.startswith("工资拖了两个月")
    ack = session.exec(select(Outbox).where(Outbox.kind == "ack")).one()
    assert ack.target_id == ROOM and ack.mention_ids == [MEMBER]
    assert "已收到您的心愿 #1" in ack.text
    item = session.exec(select(TriageItem)).one()
    assert item.text in (None, "")  # the words went with the decision
    session.commit()
    # A replay of the same 登记 command changes nothing.
    assert command(client, bot, "c1", "登记", seq=1)["reply"] == reply["reply"]
    assert len(session.exec(select(Wish)).all()) == 1


def test_staff_ignore_a_triage_item_and_only_features_are_kept(
    client: TestClient, bot: dict[str, str], session: Session, on_duty: Staff
) -> None:
    triage(client, bot, "t3")
    reply = command(client, bot, "c2", "忽略", seq=1)
    assert reply["ok"] and "已忽略 T1" in reply["reply"]
    session.expire_all()
    assert session.exec(select(Wish)).all() == []
    corrections = session.exec(select(Correction)).all()
    assert corrections and all("13812345678" not in str(c.features) for c in corrections)
    assert "工资拖了两个月" not in str([c.features for c in corrections])
    session.commit()
    again = command(client, bot, "c3", "登记", seq=1)
    assert again["ok"] is False and "已忽略" in again["reply"]


def test_a_member_cannot_decide_triage_items(
    client: TestClient, bot: dict[str, str], on_duty: Staff
) -> None:
    triage(client, bot, "t4")
    assert command(client, bot, "c4", "登记", talker=MEMBER, seq=1)["ok"] is False


def test_a_new_wish_alerts_the_responsible_staff_with_suggestions(
    client: TestClient, bot: dict[str, str], session: Session, on_duty: Staff
) -> None:
    logged = wish(client, bot, "w1", text="老板拖欠三个月工资不给，想找律师咨询")
    sent = alerts(session, on_duty.wechat_id)
    assert len(sent) == 1
    assert f"新心愿 #{logged['seq']}" in sent[0].text
    assert f"回复「认领 {logged['seq']}」" in sent[0].text
    assert sent[0].urgent is False
    wish(client, bot, "w1", text="老板拖欠三个月工资不给，想找律师咨询")  # replay
    assert len(alerts(session, on_duty.wechat_id)) == 1


@pytest.mark.parametrize(
    "text", ["老公又家暴了，我想咨询离婚", "压力太大，有时候想轻生，能找谁聊聊"]
)
def test_an_urgent_word_makes_the_alert_urgent(
    client: TestClient, bot: dict[str, str], session: Session, on_duty: Staff, text: str
) -> None:
    wish(client, bot, "u1", text=text)
    (sent,) = alerts(session, on_duty.wechat_id)
    assert sent.urgent is True


def test_staff_register_a_missed_wish_for_a_member(
    client: TestClient, bot: dict[str, str], session: Session, on_duty: Staff
) -> None:
    reply = command(
        client, bot, "m1", "代登记", talker=STAFF, member_name="张敏", text="想学直播带货"
    )
    assert reply["ok"] and "已为张敏登记心愿 #1" in reply["reply"]
    session.expire_all()
    logged = session.exec(select(Wish)).one()
    assert logged.category == "career" and logged.submitter_name == "张敏"
    ack = session.exec(select(Outbox).where(Outbox.kind == "ack")).one()
    assert ack.text.startswith("@张敏 已收到您的心愿 #1")
    assert session.exec(select(Correction)).all()  # a miss the recogniser can learn from
