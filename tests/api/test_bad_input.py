"""Bad input gets a 4xx with a clear message, and nothing stored changes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.api.apitools import Tree, new_wish, table_counts

BIG = "愿" * 100_000  # 100 KB+ of text
W = "{wish}"  # replaced by an existing wish's id

CASES: list[tuple[str, str, Any, int, str]] = [
    # (method, url, json body, expected status, text the message/details must contain)
    ("post", "/api/v1/wishes", {"category": "family", "office_id": "{street}"}, 422, "text"),
    ("post", "/api/v1/wishes", {"text": BIG, "office_id": "{street}"}, 422, "text"),
    ("post", "/api/v1/wishes", {"text": "", "office_id": "{street}"}, 422, "text"),
    (
        "post",
        "/api/v1/wishes",
        {"text": "x", "category": "food", "office_id": "{street}"},
        422,
        "legal",
    ),
    ("post", "/api/v1/wishes", {"text": "x", "office_id": 9999}, 422, "9999"),
    ("post", "/api/v1/wishes", {"text": "x", "office_id": "东区"}, 422, "office_id"),
    ("post", "/api/v1/wishes", {"text": "x", "group_id": 9999}, 422, "9999"),
    ("post", "/api/v1/wishes", {"text": "x"}, 422, "office_id"),
    (
        "post",
        "/api/v1/wishes",
        {"text": "x", "office_id": "{street}", "organisation_id": 9999},
        422,
        "9999",
    ),
    (
        "post",
        "/api/v1/wishes",
        {"text": "x", "office_id": "{street}", "confidence": 7},
        422,
        "confidence",
    ),
    ("post", "/api/v1/wishes", ["not", "an", "object"], 422, "body"),
    ("patch", f"/api/v1/wishes/{W}", {"category": "food"}, 422, "legal"),
    ("patch", f"/api/v1/wishes/{W}", {"text": BIG}, 422, "text"),
    ("patch", f"/api/v1/wishes/{W}", {"text": None}, 422, "text"),
    ("patch", f"/api/v1/wishes/{W}", {"organisation_id": 9999}, 422, "9999"),
    ("patch", f"/api/v1/wishes/{W}", {"planned_date": "下周"}, 422, "planned_date"),
    ("patch", "/api/v1/wishes/9999", {"category": "legal"}, 404, "9999"),
    ("post", f"/api/v1/wishes/{W}/claim", {"assignee_id": 9999}, 422, "9999"),
    ("post", f"/api/v1/wishes/{W}/claim", {"assignee_id": "李红"}, 422, "assignee_id"),
    ("post", "/api/v1/wishes/9999/claim", {}, 404, "9999"),
    ("post", "/api/v1/wishes/abc/claim", {}, 422, "wish_id"),
    ("post", f"/api/v1/wishes/{W}/match", {"resource_ids": [9999]}, 422, "9999"),
    ("post", f"/api/v1/wishes/{W}/match", {"resource_ids": []}, 422, "resource_ids"),
    ("post", f"/api/v1/wishes/{W}/match", {"resource_ids": "1"}, 422, "resource_ids"),
    ("post", f"/api/v1/wishes/{W}/fulfil", {"beneficiaries": 3}, 422, "delivered_on"),
    (
        "post",
        f"/api/v1/wishes/{W}/fulfil",
        {"delivered_on": "2026-05-01", "beneficiaries": -1},
        422,
        "beneficiaries",
    ),
    ("post", f"/api/v1/wishes/{W}/fulfil", {"delivered_on": "2026-05-01"}, 409, "认领"),
    ("post", f"/api/v1/wishes/{W}/close", {"reason": "bored"}, 422, "reason"),
    ("post", f"/api/v1/wishes/{W}/reopen", {}, 409, "重新打开"),
    ("post", "/api/v1/offices", {"name": "x", "level": "community"}, 422, "code"),
    ("post", "/api/v1/offices", {"name": "x", "code": "A B", "level": "community"}, 422, "code"),
    ("post", "/api/v1/offices", {"name": "x", "code": "AB", "level": "province"}, 422, "level"),
    (
        "post",
        "/api/v1/offices",
        {"name": "x", "code": "AB", "level": "street", "parent_id": 9999},
        422,
        "9999",
    ),
    ("post", "/api/v1/offices", {"name": BIG, "code": "AB", "level": "street"}, 422, "name"),
    ("patch", "/api/v1/offices/9999", {"name": "x"}, 404, "9999"),
    ("post", "/api/v1/groups", {"room_id": "r@chatroom", "office_id": 9999}, 422, "9999"),
    ("post", "/api/v1/groups", {"room_id": "df@chatroom"}, 409, "df@chatroom"),
    ("post", "/api/v1/staff", {"wechat_id": "w", "name": "n", "office_id": 9999}, 422, "9999"),
    (
        "post",
        "/api/v1/staff",
        {"wechat_id": "w", "name": "n", "office_id": "{street}", "zones": "一片"},
        422,
        "zones",
    ),
    ("patch", "/api/v1/staff/{staff}", {"office_id": None}, 422, "office_id"),
    (
        "post",
        "/api/v1/organisations",
        {"name": "o", "kind": "new_economic", "office_id": "{street}", "women_count": -1},
        422,
        "women_count",
    ),
    (
        "post",
        "/api/v1/organisations",
        {"name": "o", "kind": "factory", "office_id": "{street}"},
        422,
        "kind",
    ),
    (
        "post",
        "/api/v1/resources",
        {"name": "r", "provider": "p", "categories": ["food"]},
        422,
        "categories",
    ),
    ("post", "/api/v1/resources", {"name": "r", "provider": "p", "office_id": 9999}, 422, "9999"),
    ("post", "/api/v1/matches", {"wish_id": 9999, "resource_id": "{resource}"}, 422, "9999"),
    ("post", "/api/v1/fulfilments", {"wish_id": 9999, "delivered_on": "2026-05-01"}, 422, "9999"),
    (
        "post",
        "/api/v1/corrections",
        {"wish_id": 9999, "predicted_is_wish": True, "corrected_is_wish": False},
        422,
        "9999",
    ),
    ("post", "/api/v1/outbox", {"target_kind": "room", "target_id": "r", "text": ""}, 422, "text"),
    ("post", "/api/v1/tokens", {"name": "x", "role": "root"}, 422, "role"),
    ("post", "/api/v1/tokens", {"name": "x", "role": "staff", "office_id": 9999}, 422, "9999"),
]


def fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str):
        for key, number in ids.items():
            if value == "{" + key + "}":
                return number
            value = value.replace("{" + key + "}", str(number))
        return value
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


@pytest.mark.parametrize(("method", "url", "body", "expected", "mentions"), CASES)
def test_bad_input_changes_nothing(
    client: TestClient,
    admin: dict[str, str],
    tree: Tree,
    session: Session,
    method: str,
    url: str,
    body: Any,
    expected: int,
    mentions: str,
) -> None:
    wish = new_wish(client, admin, office_id=tree.street)
    ids = {
        "wish": wish["id"],
        "street": tree.street,
        "staff": tree.staff,
        "resource": tree.resource,
    }
    before = table_counts(session)
    response = client.request(method, fill(url, ids), json=fill(body, ids), headers=admin)
    assert response.status_code == expected, response.text
    error = response.json()["error"]
    assert error["message"] and error["code"]
    assert mentions in response.text
    assert table_counts(session) == before
    after = client.get(f"/api/v1/wishes/{wish['id']}", headers=admin).json()
    assert after["wish"]["version"] == wish["version"]
    assert after["wish"]["status"] == "new"


def test_not_json_is_422(client: TestClient, admin: dict[str, str], tree: Tree) -> None:
    response = client.post(
        "/api/v1/wishes",
        content=b"text=hello",
        headers={**admin, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "请求内容有误" in response.json()["error"]["message"]
