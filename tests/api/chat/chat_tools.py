"""Helpers for the chat service tests: bot requests on behalf of a group member or staff."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

ROOM = "df@chatroom"  # the enabled group of 东风街道 in tests/api/conftest.py
STAFF = "wx_li"  # 李红, staff of 东风街道
MEMBER = "wx_member"


def who(mid: str, talker: str = MEMBER, room: str | None = ROOM) -> dict[str, Any]:
    return {"room_id": room, "talker_id": talker, "talker_name": "李娟", "message_id": mid}


def command(
    client: TestClient,
    bot: dict[str, str],
    mid: str,
    name: str,
    talker: str = STAFF,
    room: str | None = ROOM,
    **args: Any,
) -> dict[str, Any]:
    body = {**who(mid, talker, room), "command": {"name": name, "args": args}}
    response = client.post("/api/v1/bot/commands", json=body, headers=bot)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def wish(
    client: TestClient, bot: dict[str, str], mid: str, text: str = "希望组织亲子阅读", **fields: Any
) -> dict[str, Any]:
    body = {**who(mid), "text": text, "category": "family", **fields}
    response = client.post("/api/v1/bot/wishes", json=body, headers=bot)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
