"""Lists at scale: the text index (Chinese, numbers, short terms), keyset pages, capped counts.

Runs on SQLite (FTS5 trigram table kept by triggers) and PostgreSQL (pg_trgm), each through
the real API.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.http.app import create_app
from api.settings import ApiSettings
from tests.api.apitools import Tree, new_wish

TEXTS = [
    "我想咨询法律援助，公司拖欠工资三个月了",
    "希望有人教我做短视频，想学直播带货",
    "孩子放暑假没人带，希望社区办亲子阅读",
    "家里老人需要法律咨询，关于房屋继承",
    "100% 想参加 50_50 公益跑",
    'He said "help" at the Library',
]


def _search(client: TestClient, headers: dict[str, str], q: str, **params: Any) -> list[str]:
    response = client.get(
        "/api/v1/wishes", params={"q": q, "limit": 200, **params}, headers=headers
    )
    assert response.status_code == 200, response.text
    return sorted(item["text"] for item in response.json()["items"])


@pytest.fixture
def ledger(client: TestClient, admin: dict[str, str], tree: Tree) -> list[dict[str, Any]]:
    return [new_wish(client, admin, text=text, office_id=tree.street) for text in TEXTS]


def test_search_finds_substrings_in_chinese_and_numbers(
    client: TestClient, admin: dict[str, str], ledger: list[dict[str, Any]]
) -> None:
    expected = {
        "法律援助": [TEXTS[0]],  # 4 characters: the trigram index
        "直播带货": [TEXTS[1]],
        "法律": [TEXTS[0], TEXTS[3]],  # 2 characters: no trigram, the scan
        "带": [TEXTS[1], TEXTS[2]],  # 1 character
        "100%": [TEXTS[4]],  # % and _ are literal, not wildcards
        "50_50": [TEXTS[4]],
        "1_0": [],  # as a LIKE wildcard it would match "100"
        '"help"': [TEXTS[5]],  # quotes do not break the FTS5 phrase
        "library": [TEXTS[5]],  # case-insensitive
        "火星移民": [],
    }
    for q, texts in expected.items():
        assert _search(client, admin, q) == sorted(texts), q
    # The wish number: whole, in part (3+ characters) and its last digits.
    number = ledger[2]["number"]
    assert _search(client, admin, number) == [TEXTS[2]]
    assert _search(client, admin, number.lower()) == [TEXTS[2]]
    assert TEXTS[2] in _search(client, admin, number[-4:])


def test_search_follows_edits_and_deletes(
    client: TestClient, admin: dict[str, str], ledger: list[dict[str, Any]], engine: Engine
) -> None:
    wish = ledger[1]
    edited = client.patch(
        f"/api/v1/wishes/{wish['id']}",
        json={"text": "想学做电商，开网店", "version": wish["version"]},
        headers=admin,
    )
    assert edited.status_code == 200, edited.text
    assert _search(client, admin, "直播带货") == []
    assert _search(client, admin, "开网店") == ["想学做电商，开网店"]
    with engine.begin() as conn:  # erasure removes the row; the index must forget it too
        conn.execute(sa.text("DELETE FROM wish_event WHERE wish_id = :id"), {"id": ledger[0]["id"]})
        conn.execute(sa.text("DELETE FROM wish WHERE id = :id"), {"id": ledger[0]["id"]})
    assert _search(client, admin, "法律援助") == []
    assert _search(client, admin, "法律") == [TEXTS[3]]


def test_keyset_pages_walk_every_row_once(
    client: TestClient, admin: dict[str, str], tree: Tree
) -> None:
    for i in range(23):
        new_wish(client, admin, text=f"第{i}个心愿", office_id=tree.street)
    for sort in (None, "created_at", "-seq", "status,-created_at", "category,seq"):
        base = {"limit": 5, **({"sort": sort} if sort else {})}
        everything = client.get("/api/v1/wishes", params={**base, "limit": 200}, headers=admin)
        expected = [item["id"] for item in everything.json()["items"]]
        seen: list[int] = []
        params: dict[str, Any] = dict(base)
        while True:
            body = client.get("/api/v1/wishes", params=params, headers=admin).json()
            seen += [item["id"] for item in body["items"]]
            if body["next_cursor"] is None:
                break
            params = {**base, "cursor": body["next_cursor"]}
        assert seen == expected, sort
        assert len(seen) == 23


def test_a_cursor_belongs_to_its_sort(
    client: TestClient, admin: dict[str, str], tree: Tree
) -> None:
    for i in range(3):
        new_wish(client, admin, text=f"心愿{i}", office_id=tree.street)
    first = client.get("/api/v1/wishes", params={"limit": 1}, headers=admin).json()
    cursor = first["next_cursor"]
    assert cursor
    for params in (
        {"cursor": cursor, "sort": "seq"},  # another sort
        {"cursor": "not-a-cursor"},
        {"cursor": cursor, "offset": 5},
        {"cursor": cursor[:-3] + "xyz"},
    ):
        response = client.get("/api/v1/wishes", params={"limit": 1, **params}, headers=admin)
        assert response.status_code == 422, (params, response.text)
        assert response.json()["error"]["code"] == "invalid_input"
    # planned_date may be empty: such a sort pages by offset only.
    nullable = client.get(
        "/api/v1/wishes", params={"sort": "planned_date", "limit": 1}, headers=admin
    ).json()
    assert nullable["next_cursor"] is None
    refused = client.get(
        "/api/v1/wishes", params={"sort": "planned_date", "cursor": cursor}, headers=admin
    )
    assert refused.status_code == 422


def test_total_is_capped_unless_asked(
    db_url: str, engine: Engine, admin: dict[str, str], tree: Tree
) -> None:
    settings = ApiSettings(
        database_url=db_url, run_scheduler=False, auto_migrate=False, list_count_cap=4
    )
    with TestClient(create_app(settings, engine=engine)) as client:
        for i in range(6):
            new_wish(client, admin, text=f"数数{i}", office_id=tree.street)
        capped = client.get("/api/v1/wishes", params={"limit": 2}, headers=admin).json()
        assert (capped["total"], capped["total_capped"]) == (4, True)
        exact = client.get("/api/v1/wishes", params={"limit": 2, "count": "true"}, headers=admin)
        assert (exact.json()["total"], exact.json()["total_capped"]) == (6, False)
        few = client.get("/api/v1/wishes", params={"q": "数数1"}, headers=admin).json()
        assert (few["total"], few["total_capped"], few["next_cursor"]) == (1, False, None)
