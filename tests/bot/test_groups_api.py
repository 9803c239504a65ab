"""The batched group check and the groups version the outbox long-poll carries."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models import Group, Office, Staff
from tests.bot import test_bot_api
from tests.bot.test_bot_api import ROOM

api = test_bot_api.api  # the same app, tokens and seeded group as the other bot API tests

VERSION = "X-Groups-Version"


def version(client: TestClient) -> str:
    response = client.get("/api/v1/bot/outbox", params={"wait": 0})
    assert response.status_code == 200, response.text
    value = response.headers[VERSION]
    assert value
    return value


def check(client: TestClient, *rooms: str) -> dict[str, Any]:
    response = client.post("/api/v1/bot/groups/check", json={"room_ids": list(rooms)})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_check_answers_like_seen_for_many_rooms(api: Any) -> None:
    client, _, _ = api
    client.post("/api/v1/bot/groups/seen", json={"room_id": "new@chatroom", "topic": "新群"})
    body = check(client, ROOM, "new@chatroom", "unknown@chatroom")
    states = {g["room_id"]: g for g in body["groups"]}
    assert set(states) == {ROOM, "new@chatroom"}  # an unknown room is left to /groups/seen
    seen = client.post("/api/v1/bot/groups/seen", json={"room_id": ROOM}).json()
    mine = states[ROOM]
    assert (mine["enabled"], mine["staff_ids"], mine["ask_members"]) == (
        seen["enabled"],
        seen["staff_ids"],
        seen["ask_members"],
    )
    assert mine["staff_ids"] == ["staff1"] and states["new@chatroom"]["enabled"] is False
    assert body["version"] == version(client)


def test_the_version_changes_only_when_a_group_state_does(api: Any) -> None:
    client, admin, session = api
    first = version(client)
    assert version(client) == first
    client.post("/api/v1/bot/wishes", json={**_who("m1"), "text": "想给孩子报名托管班"})
    assert version(client) == first  # a wish changes no group
    group = session.exec(select(Group).where(Group.room_id == ROOM)).one()
    session.commit()
    patched = client.patch(f"/api/v1/groups/{group.id}", json={"enabled": False}, headers=admin)
    assert patched.status_code == 200, patched.text
    disabled = version(client)
    assert disabled != first
    assert check(client, ROOM)["groups"][0]["enabled"] is False
    _add_staff(session, group.office_id)
    assert version(client) != disabled  # who speaks in the group changed


def test_check_refuses_too_many_rooms(api: Any) -> None:
    client, _, _ = api
    response = client.post(
        "/api/v1/bot/groups/check", json={"room_ids": [f"r{i}" for i in range(1001)]}
    )
    assert response.status_code == 422 and "error" in response.json()


def _who(mid: str) -> dict[str, Any]:
    return {"room_id": ROOM, "talker_id": "member1", "talker_name": "李娟", "message_id": mid}


def _add_staff(session: Session, office_id: int | None) -> None:
    office = session.get(Office, office_id)
    assert office is not None
    session.add(Staff(wechat_id="staff2", name="李干事", office_id=office.id or 0))
    session.commit()
