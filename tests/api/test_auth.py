"""Authentication on every route: walks the OpenAPI route list instead of trusting a list."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.api.apitools import Tree

PUBLIC = {("get", "/api/v1/health")}
BOT_PREFIX = "/api/v1/bot"


def routes(client: TestClient) -> list[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    found = [
        (method, path)
        for path, operations in spec["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(found) > 40  # the walk must see the whole API, not an empty spec
    return found


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_route_refuses_missing_and_wrong_tokens(client: TestClient, tree: Tree) -> None:
    checked = 0
    for method, path in routes(client):
        if (method, path) in PUBLIC:
            continue
        url = concrete(path)
        missing = client.request(method, url, json={})
        assert missing.status_code == 401, (method, path, missing.text)
        assert missing.json()["error"]["code"] == "unauthorized"
        assert missing.headers.get("www-authenticate") == "Bearer"
        wrong = client.request(method, url, json={}, headers={"Authorization": "Bearer wp_nope"})
        assert wrong.status_code == 401, (method, path, wrong.text)
        checked += 1
    assert checked > 40


def test_bot_token_is_refused_on_admin_routes(
    client: TestClient, tree: Tree, bot: dict[str, str]
) -> None:
    for method, path in routes(client):
        if (method, path) in PUBLIC or path.startswith(BOT_PREFIX):
            continue
        response = client.request(method, concrete(path), json={}, headers=bot)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["error"]["message"]


ADMIN_ONLY = [
    ("post", "/api/v1/offices"),
    ("patch", "/api/v1/offices/1"),
    ("delete", "/api/v1/offices/1"),
    ("post", "/api/v1/groups"),
    ("post", "/api/v1/staff"),
    ("post", "/api/v1/organisations"),
    ("post", "/api/v1/resources"),
    ("get", "/api/v1/outbox"),
    ("post", "/api/v1/outbox"),
    ("get", "/api/v1/tokens"),
    ("post", "/api/v1/tokens"),
]


@pytest.mark.parametrize(("method", "url"), ADMIN_ONLY)
def test_staff_token_is_refused_on_admin_routes(
    client: TestClient, staff: dict[str, str], method: str, url: str
) -> None:
    response = client.request(method, url, json={}, headers=staff)
    assert response.status_code == 403, response.text


def test_health_needs_no_token(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_revoked_token_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    issued = client.post("/api/v1/tokens", json={"name": "临时", "role": "admin"}, headers=admin)
    token = issued.json()
    headers = {"Authorization": f"Bearer {token['clear']}"}
    assert client.get("/api/v1/wishes", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/tokens/{token['token']['id']}", headers=admin).status_code == 204
    assert client.get("/api/v1/wishes", headers=headers).status_code == 401
