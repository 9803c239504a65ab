"""The boundary validates: null lists, numbers beyond the INTEGER columns and control
characters are dealt with at intake (422 or stripped), never a 500 or a poisoned row."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from models import Resource, Staff, Wish
from tests.api.apitools import Tree, new_wish
from tests.api.chat.chat_tools import MEMBER, command, wish

HUGE = 99999999999999999999999  # beyond 64 bits


@pytest.mark.parametrize(
    ("url", "field"),
    [("/api/v1/staff/{staff}", "zones"), ("/api/v1/resources/{resource}", "categories")],
)
def test_null_list_is_refused_and_nothing_breaks(
    client: TestClient,
    admin: dict[str, str],
    bot: dict[str, str],
    tree: Tree,
    session: Session,
    url: str,
    field: str,
) -> None:
    path = url.format(staff=tree.staff, resource=tree.resource)
    before = client.get(path, headers=admin).json()[field]

    response = client.patch(path, json={field: None}, headers=admin)

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert field in error["message"] and "null" in error["message"]
    row = session.get(Staff if field == "zones" else Resource, int(path.rsplit("/", 1)[1]))
    assert row is not None and getattr(row, field) == before
    session.commit()
    assert client.get("/api/v1/staff", headers=admin).status_code == 200
    assert client.get("/api/v1/resources", headers=admin).status_code == 200
    reply = command(client, bot, "m-res", "资源", talker=MEMBER, keyword="法律")
    assert "法律援助" in reply["reply"]


def test_empty_list_still_clears(client: TestClient, admin: dict[str, str], tree: Tree) -> None:
    path = f"/api/v1/staff/{tree.staff}"
    assert client.patch(path, json={"zones": ["一片"]}, headers=admin).json()["zones"] == ["一片"]
    assert client.patch(path, json={"zones": []}, headers=admin).json()["zones"] == []


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", f"/api/v1/wishes/{HUGE}", None),
        ("get", "/api/v1/wishes/2147483648", None),
        ("get", f"/api/v1/staff/{HUGE}", None),
        ("patch", f"/api/v1/resources/{HUGE}", {"name": "新名字"}),
        ("get", f"/api/v1/wishes?offset={HUGE}", None),
        ("get", f"/api/v1/wishes?limit={HUGE}", None),
        ("get", f"/api/v1/wishes?office_id={HUGE}", None),
        ("get", f"/api/v1/resources?office_id={2**31}", None),
        ("post", "/api/v1/wishes", {"text": "希望有人帮忙", "office_id": HUGE}),
        (
            "post",
            "/api/v1/wishes",
            {"text": "希望有人帮忙", "office_id": "{street}", "group_id": 2**31},
        ),
        ("patch", "/api/v1/staff/{staff}", {"office_id": HUGE}),
        ("post", "/api/v1/wishes/{wish}/match", {"resource_ids": [HUGE]}),
    ],
)
def test_numbers_beyond_the_columns_are_422(
    client: TestClient,
    admin: dict[str, str],
    tree: Tree,
    method: str,
    url: str,
    body: dict[str, Any] | None,
) -> None:
    wish_id = new_wish(client, admin, office_id=tree.street)["id"]
    url = url.format(staff=tree.staff, wish=wish_id)
    if body is not None:
        body = {k: (tree.street if v == "{street}" else v) for k, v in body.items()}
    response = client.request(method, url, json=body, headers=admin)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["message"] and "Input" not in error["message"]  # Chinese, not pydantic's


def test_a_value_the_database_refuses_is_422(client: TestClient, admin: dict[str, str]) -> None:
    # Past the validators (a query filter they do not bound): the driver's own refusal.
    response = client.get(f"/api/v1/groups?office_id={HUGE}", headers=admin)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_input"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("希望\x00有人\x07帮忙", "希望有人帮忙"),
        ("孩子\x1b[31m放学\x7f没人接", "孩子[31m放学没人接"),
        ("第一行\n第二行\t有制表符\r\n", "第一行\n第二行\t有制表符\r\n"),
    ],
)
def test_control_characters_are_removed_at_intake(
    client: TestClient,
    admin: dict[str, str],
    bot: dict[str, str],
    tree: Tree,
    session: Session,
    sent: str,
    kept: str,
) -> None:
    by_admin = new_wish(client, admin, office_id=tree.street, text=sent)
    assert by_admin["text"] == kept
    by_bot = wish(client, bot, "m-ctl", text=sent, talker_name="李\x00娟")
    stored = session.get(Wish, by_bot["wish_id"])
    assert stored is not None
    assert stored.text == kept
    assert stored.submitter_name in ("李娟", None)
    session.commit()


def test_only_control_characters_is_an_empty_text(
    client: TestClient, admin: dict[str, str], tree: Tree
) -> None:
    response = client.post(
        "/api/v1/wishes", json={"text": "\x00\x01\x02", "office_id": tree.street}, headers=admin
    )
    assert response.status_code == 422
    assert "text" in response.json()["error"]["message"]


def test_command_arguments_lose_control_characters(
    client: TestClient, bot: dict[str, str], tree: Tree
) -> None:
    reply = command(client, bot, "m-res2", "资源", talker=MEMBER, keyword="法\x00律")
    assert "法律援助" in reply["reply"]
