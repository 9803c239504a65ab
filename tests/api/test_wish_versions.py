"""Wish.version is honest: an edit names the version it was made on, a stale one is refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.apitools import Tree, new_wish

URL = "/api/v1/wishes"


def test_the_second_of_two_editors_gets_409_and_changes_nothing(
    client: TestClient, staff: dict[str, str], admin: dict[str, str], tree: Tree
) -> None:
    wish = new_wish(client, staff, office_id=tree.street)
    url = f"{URL}/{wish['id']}"
    seen = client.get(url, headers=staff).json()["wish"]["version"]  # both editors read N
    first = client.patch(url, json={"category": "legal", "version": seen}, headers=staff)
    assert first.status_code == 200, first.text
    assert first.json()["version"] == seen + 1

    second = client.patch(url, json={"text": "改成另一句话", "version": seen}, headers=admin)
    assert second.status_code == 409, second.text
    error = second.json()["error"]
    assert error["details"]["current_version"] == seen + 1
    assert "刷新" in error["message"]
    now = client.get(url, headers=staff).json()
    assert now["wish"]["text"] == wish["text"] and now["wish"]["category"] == "legal"
    assert now["wish"]["version"] == seen + 1
    assert [e["kind"] for e in now["timeline"]].count("note") == 0  # the lost edit left no trace


def test_a_transition_also_makes_an_older_version_stale(
    client: TestClient, staff: dict[str, str], tree: Tree
) -> None:
    wish = new_wish(client, staff, office_id=tree.street)
    url = f"{URL}/{wish['id']}"
    assert client.post(f"{url}/claim", json={}, headers=staff).status_code == 200
    stale = client.patch(
        url, json={"planned_date": "2026-12-05", "version": wish["version"]}, headers=staff
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["details"]["current_version"] == wish["version"] + 1


@pytest.mark.parametrize("header", ['"{v}"', 'W/"{v}"', "{v}"])
def test_if_match_carries_the_version_too(
    client: TestClient, staff: dict[str, str], tree: Tree, header: str
) -> None:
    wish = new_wish(client, staff, office_id=tree.street)
    url = f"{URL}/{wish['id']}"
    etag = client.get(url, headers=staff).headers["ETag"]
    assert etag == f'"{wish["version"]}"'
    ok = client.patch(
        url,
        json={"category": "health"},
        headers={**staff, "If-Match": header.format(v=wish["version"])},
    )
    assert ok.status_code == 200 and ok.headers["ETag"] == f'"{wish["version"] + 1}"'
    stale = client.patch(
        url,
        json={"category": "legal"},
        headers={**staff, "If-Match": header.format(v=wish["version"])},
    )
    assert stale.status_code == 409


def test_body_and_header_versions_must_agree(
    client: TestClient, staff: dict[str, str], tree: Tree
) -> None:
    wish = new_wish(client, staff, office_id=tree.street)
    url = f"{URL}/{wish['id']}"
    both = client.patch(
        url, json={"category": "legal", "version": 1}, headers={**staff, "If-Match": '"2"'}
    )
    assert both.status_code == 422
    bad = client.patch(url, json={"category": "legal"}, headers={**staff, "If-Match": "abc"})
    assert bad.status_code == 422
    assert client.get(url, headers=staff).json()["wish"]["category"] == wish["category"]


def test_an_edit_without_a_version_still_works(
    client: TestClient, staff: dict[str, str], tree: Tree
) -> None:
    # The version is optional for now (older clients); with it, the edit is safe.
    wish = new_wish(client, staff, office_id=tree.street)
    response = client.patch(f"{URL}/{wish['id']}", json={"kind": "offer"}, headers=staff)
    assert response.status_code == 200 and response.json()["version"] == wish["version"] + 1
