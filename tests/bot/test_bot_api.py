"""The bot's API routes with the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.domain.auth import create_token
from api.http.app import create_app
from api.settings import ApiSettings
from models import Correction, Group, Office, Resource, Staff, Wish, WishEvent
from models.enums import Category, OfficeLevel, Role, WishStatus

ROOM = "g1@chatroom"


@pytest.fixture
def api(engine: Engine, db_url: str) -> Iterator[tuple[TestClient, dict[str, str], Session]]:
    session = Session(engine, expire_on_commit=False)
    office = Office(name="东风街道妇联", code="DF", level=OfficeLevel.street)
    session.add(office)
    session.flush()
    office.path = f"/{office.id}/"
    session.add(Group(room_id=ROOM, topic="东风群", office_id=office.id, enabled=True))
    session.add(Staff(wechat_id="staff1", name="王主任", office_id=office.id or 0))
    session.add(Resource(name="亲子阅读课", provider="市图书馆", categories=[Category.family]))
    session.commit()
    _, bot_token = create_token(session=session, name="bot", role=Role.bot)
    _, admin_token = create_token(session=session, name="admin", role=Role.admin)
    # create_token only flushes; the commit also ends the transaction, which on SQLite holds
    # the write lock: never leave one open beside the app.
    session.commit()
    settings = ApiSettings(database_url=db_url, auto_migrate=False, run_scheduler=False)
    with TestClient(create_app(settings, engine=engine)) as client:
        client.headers["Authorization"] = f"Bearer {bot_token}"
        yield client, {"Authorization": f"Bearer {admin_token}"}, session
    session.close()


def who(mid: str, talker: str = "member1", room: str | None = ROOM) -> dict[str, Any]:
    return {"room_id": room, "talker_id": talker, "talker_name": "李娟", "message_id": mid}


def command(client: TestClient, mid: str, name: str, talker: str = "staff1", **args: Any) -> Any:
    body = {**who(mid, talker), "command": {"name": name, "args": args}}
    response = client.post("/api/v1/bot/commands", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_only_the_bot_role(api: Any) -> None:
    client, admin, _ = api
    assert (
        client.post("/api/v1/bot/groups/seen", json={"room_id": "x@c"}, headers=admin).status_code
        == 403
    )
    assert (
        client.get("/api/v1/bot/outbox", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )


def test_new_group_is_registered_disabled(api: Any) -> None:
    client, _, _session = api
    body = client.post("/api/v1/bot/groups/seen", json={"room_id": "new@c", "topic": "新群"}).json()
    assert body["enabled"] is False and body["created"] is True
    again = client.post(
        "/api/v1/bot/groups/seen", json={"room_id": "new@c", "topic": "新群"}
    ).json()
    assert again["created"] is False and again["group_id"] == body["group_id"]
    assert client.post("/api/v1/bot/groups/seen", json={"room_id": ROOM}).json()["enabled"] is True


def test_wish_is_idempotent_and_masks_numbers(api: Any) -> None:
    client, _, _session = api
    body = {**who("m1"), "text": "希望有律师帮忙，电话13812345678", "category": "legal"}
    first = client.post("/api/v1/bot/wishes", json=body).json()
    again = client.post("/api/v1/bot/wishes", json=body).json()
    assert first["created"] is True and again["created"] is False
    assert first["seq"] == again["seq"] == 1
    assert "138****5678" in first["reply"] and "13812345678" not in first["reply"]
    ignored = client.post("/api/v1/bot/wishes", json={**body, **who("m2", room="x@c")}).json()
    assert ignored["ignored"] is True


def test_member_and_staff_commands(api: Any) -> None:
    client, _, session = api
    wish = client.post(
        "/api/v1/bot/wishes", json={**who("w1"), "text": "希望组织亲子阅读", "category": "family"}
    ).json()
    n = wish["seq"]
    assert "已登记" in command(client, "c1", "查询", talker="member1", seq=n)["reply"]
    assert "没有找到您的心愿" in command(client, "c2", "查询", talker="member2", seq=n)["reply"]
    refused = command(client, "c3", "认领", talker="member1", seq=n)
    assert refused["ok"] is False and "工作人员指令" in refused["reply"]
    assert "王主任认领" in command(client, "c4", "认领", seq=n)["reply"]
    # A replayed command (same message id) gets the same answer and changes nothing more.
    assert "王主任认领" in command(client, "c4", "认领", seq=n)["reply"]
    resource_id = session.exec(select(Resource.id)).one()
    session.rollback()
    assert "亲子阅读课" in command(client, "c5", "匹配", seq=n, resource_ids=[resource_id])["reply"]
    assert "开始服务" in command(client, "c6", "开始", seq=n)["reply"]
    assert (
        "已圆梦"
        in command(
            client, "c7", "完成", seq=n, beneficiaries=30, value_yuan=5000, summary="阅读会"
        )["reply"]
    )
    outbox = client.get("/api/v1/bot/outbox", params={"wait": 1, "limit": 5}).json()
    # Her first wish also brought the privacy notice, privately; the group gets the 圆梦 post.
    assert [m["target_id"] for m in outbox if m["target_kind"] == "contact"] == ["member1"]
    leased = [m for m in outbox if m["target_kind"] == "room"]
    assert len(leased) == 1 and "圆梦啦" in leased[0]["text"] and leased[0]["target_id"] == ROOM
    assert client.get("/api/v1/bot/outbox", params={"wait": 0}).json() == []  # leased
    acked = client.post(f"/api/v1/bot/outbox/{leased[0]['id']}/ack", json={"sent_message_id": "s1"})
    assert acked.json()["status"] == "sent"
    assert "圆梦 1 条" in command(client, "c8", "台账")["reply"]
    assert "没有未完成" in command(client, "c9", "待办")["reply"]


def test_corrections_and_withdraw(api: Any) -> None:
    client, _, session = api
    texts = ["最近睡眠不好想找人聊聊", "谁家的猫丢了", "希望学电商直播", "想学做饭"]
    seqs = [
        client.post(
            "/api/v1/bot/wishes",
            # The last one was not classified by the recogniser (no confidence).
            json={**who(f"x{i}"), "text": t, "category": "other"}
            | ({"confidence": 0.8} if i < 3 else {}),
        ).json()["seq"]
        for i, t in enumerate(texts)
    ]
    assert (
        "改为「身心健康」" in command(client, "k1", "改类", seq=seqs[0], category="health")["reply"]
    )
    assert "不是心愿" in command(client, "k2", "不是心愿", seq=seqs[1])["reply"]
    assert "已撤回" in command(client, "k3", "撤回", talker="member1", seq=seqs[2])["reply"]
    # Correcting a category the recogniser did not choose teaches it nothing.
    assert (
        "改为「家庭教育」" in command(client, "k4", "改类", seq=seqs[3], category="family")["reply"]
    )
    assert "不是心愿" in command(client, "k5", "不是心愿", seq=seqs[3])["reply"]
    corrections = session.exec(select(Correction).order_by(Correction.id)).all()  # type: ignore[arg-type]
    assert [(c.corrected_is_wish, c.corrected_category) for c in corrections] == [
        (True, Category.health),
        (False, None),
    ]
    session.expire_all()
    statuses = [w.status for w in session.exec(select(Wish).order_by(Wish.seq)).all()]  # type: ignore[arg-type]
    assert statuses == [WishStatus.new, WishStatus.closed, WishStatus.closed, WishStatus.closed]


def test_outbox_long_poll_times_out_empty_and_fail_reoffers(api: Any) -> None:
    client, _admin, session = api
    assert client.get("/api/v1/bot/outbox", params={"wait": 0.3}).json() == []
    from api.domain.outbox import enqueue_message
    from models.outbox import OutboxCreate

    message = enqueue_message(
        session=session,
        message_in=OutboxCreate(target_kind="room", target_id=ROOM, text="提醒", urgent=False),
    )
    message_id = message.id
    session.commit()  # enqueue_message only flushes
    assert client.get("/api/v1/bot/outbox", params={"urgent_only": True}).json() == []
    [item] = client.get("/api/v1/bot/outbox").json()
    assert item["id"] == message_id
    client.post(f"/api/v1/bot/outbox/{item['id']}/fail", json={"error": "send failed"})
    assert [i["id"] for i in client.get("/api/v1/bot/outbox").json()] == [message_id]


def test_me_checks_the_bot_token(api: Any) -> None:
    client, admin = api[0], api[1]
    response = client.get("/api/v1/bot/me")  # the client carries the bot token
    assert response.status_code == 200
    assert response.json() == {"name": "bot", "role": "bot"}
    assert client.get("/api/v1/bot/me", headers=admin).status_code == 403
    assert client.get("/api/v1/bot/me", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_a_replayed_command_is_answered_not_applied_again(
    api: Any, engine: Engine, db_url: str
) -> None:
    client, _, session = api
    wish = client.post(
        "/api/v1/bot/wishes", json={**who("w9"), "text": "希望组织亲子阅读", "category": "family"}
    ).json()
    first = command(client, "s1", "补充", talker="member1", seq=wish["seq"], text="周六上午")
    # The API restarts (a new app, memory lost) and the bot replays the same message.
    settings = ApiSettings(database_url=db_url, auto_migrate=False, run_scheduler=False)
    with TestClient(create_app(settings, engine=engine)) as restarted:
        restarted.headers["Authorization"] = client.headers["Authorization"]
        again = command(restarted, "s1", "补充", talker="member1", seq=wish["seq"], text="周六上午")
    assert again == first and "补充" in first["reply"]
    notes = session.exec(
        select(WishEvent).where(WishEvent.wish_id == wish["wish_id"], WishEvent.kind == "note")
    ).all()
    session.rollback()
    assert len(notes) == 1
