"""The ledger over HTTP: every transition, detail view, edits, filters, sorting and pagination."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.domain.workflow import TRANSITIONS, Action, allowed_actions
from models import Wish
from models.clock import utcnow
from models.enums import WishStatus
from tests.api.apitools import Tree, new_wish

URL = "/api/v1/wishes"
FULFILMENT = {
    "delivered_on": "2026-05-10",
    "beneficiaries": 30,
    "value_yuan": 5000,
    "summary": "暖心包",
}


def act(client: TestClient, headers: dict, wish_id: int, action: Action, tree: Tree) -> Any:
    body: dict[str, Any] | None = {
        Action.claim: {"assignee_id": tree.staff},
        Action.match: {"resource_ids": [tree.resource], "note": "律师对接"},
        Action.start: {"note": "开始"},
        Action.fulfil: FULFILMENT,
        Action.close: {"reason": "duplicate", "note": "重复提交"},
        Action.reopen: None,
    }[action]
    return client.post(f"{URL}/{wish_id}/{action.value}", json=body, headers=headers)


MATCH_EXTRA = (WishStatus.new, WishStatus.matched, WishStatus.in_service)
PATH = [Action.claim, Action.match, Action.start, Action.fulfil]
STEPS = {
    WishStatus.new: [],
    WishStatus.claimed: PATH[:1],
    WishStatus.matched: PATH[:2],
    WishStatus.in_service: PATH[:3],
    WishStatus.fulfilled: PATH,
    WishStatus.closed: [Action.close],
}


def wish_in(client: TestClient, headers: dict, tree: Tree, status: WishStatus) -> dict:
    wish = new_wish(client, headers, office_id=tree.street, group_id=tree.group)
    for action in STEPS[status]:
        response = act(client, headers, wish["id"], action, tree)
        assert response.status_code == 200, response.text
    return client.get(f"{URL}/{wish['id']}", headers=headers).json()["wish"]


@pytest.mark.parametrize("status", list(WishStatus))
@pytest.mark.parametrize("action", list(Action))
def test_every_transition_over_http(
    client: TestClient, staff: dict, tree: Tree, status: WishStatus, action: Action
) -> None:
    wish = wish_in(client, staff, tree, status)
    response = act(client, staff, wish["id"], action, tree)
    sources, target = TRANSITIONS[action]
    detail = client.get(f"{URL}/{wish['id']}", headers=staff).json()
    expected = target
    if action == Action.match:
        # The match service also claims a new wish first, and lets a matched or in-service
        # wish gain resources without moving (documented in api/domain/wishes.py).
        sources = (*MATCH_EXTRA, *sources)
        expected = WishStatus.in_service if status == WishStatus.in_service else target
    if status in sources:
        assert response.status_code == 200, response.text
        assert response.json()["status"] == expected
        transitions = [e for e in detail["timeline"] if e["kind"] == "transition"]
        assert transitions[-1]["to_status"] == expected
    else:
        assert response.status_code == 409, response.text
        error = response.json()["error"]
        assert error["code"] == "invalid_transition"
        assert status.label in error["message"]
        for allowed in allowed_actions(status):
            assert allowed.label in error["message"]
        assert detail["wish"]["status"] == status
        assert detail["wish"]["version"] == wish["version"]


def test_detail_has_timeline_matches_and_fulfilment(
    client: TestClient, staff: dict, tree: Tree
) -> None:
    wish = wish_in(client, staff, tree, WishStatus.fulfilled)
    detail = client.get(f"{URL}/{wish['id']}", headers=staff).json()
    assert [e["to_status"] for e in detail["timeline"] if e["kind"] != "matched"] == [
        "new",
        "claimed",
        "matched",
        "in_service",
        "fulfilled",
    ]
    assert all(e["actor"] == "测试staff" for e in detail["timeline"])
    assert detail["matches"][0]["resource_name"] == "法律援助"
    assert detail["matches"][0]["resource_provider"] == "市律师协会"
    assert detail["fulfilment"]["beneficiaries"] == 30
    assert detail["allowed_actions"] == []
    assert detail["wish"]["assignee_id"] == tree.staff
    assert detail["wish"]["fulfilled_at"] is not None
    outbox = client.get("/api/v1/outbox", headers=staff)
    assert outbox.status_code == 403


def test_fulfil_queues_announcement(
    client: TestClient, staff: dict, admin: dict, tree: Tree
) -> None:
    wish_in(client, staff, tree, WishStatus.fulfilled)
    queued = client.get("/api/v1/outbox", params={"kind": "announcement"}, headers=admin).json()
    assert queued["total"] == 1
    assert queued["items"][0]["target_id"] == "df@chatroom"


def test_close_needs_a_valid_reason(client: TestClient, staff: dict, tree: Tree) -> None:
    wish = new_wish(client, staff, office_id=tree.street)
    response = client.post(f"{URL}/{wish['id']}/close", json={"reason": "bored"}, headers=staff)
    assert response.status_code == 422
    response = client.post(f"{URL}/{wish['id']}/close", json={}, headers=staff)
    assert response.status_code == 422


def test_patch_category_writes_event(client: TestClient, staff: dict, tree: Tree) -> None:
    wish = new_wish(client, staff, office_id=tree.street)
    response = client.patch(
        f"{URL}/{wish['id']}",
        json={"category": "legal", "organisation_id": tree.org},
        headers=staff,
    )
    assert response.status_code == 200, response.text
    assert response.json()["category"] == "legal"
    assert response.json()["version"] == wish["version"] + 1
    timeline = client.get(f"{URL}/{wish['id']}", headers=staff).json()["timeline"]
    kinds = [e["kind"] for e in timeline]
    assert "category_changed" in kinds and "note" in kinds
    changed = next(e for e in timeline if e["kind"] == "category_changed")
    assert changed["note"] == "家庭教育 → 法律维权"


def test_numbers_are_per_office(client: TestClient, admin: dict, tree: Tree) -> None:
    a = new_wish(client, admin, office_id=tree.street)
    b = new_wish(client, admin, office_id=tree.west)
    c = new_wish(client, admin, group_id=tree.group)  # office from the group
    assert (a["seq"], b["seq"], c["seq"]) == (1, 1, 2)
    assert c["office_id"] == tree.street and c["number"].startswith("DF-")


def test_same_message_id_returns_first(client: TestClient, admin: dict, tree: Tree) -> None:
    first = new_wish(client, admin, office_id=tree.street, source_message_id="m1")
    body = {"text": "again", "office_id": tree.street, "source_message_id": "m1"}
    again = client.post(URL, json=body, headers=admin)
    assert again.status_code == 200 and again.json()["id"] == first["id"]


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [w["id"] for w in response.json()["items"]]


def test_filters(client: TestClient, admin: dict, tree: Tree) -> None:
    street = new_wish(client, admin, office_id=tree.street, group_id=tree.group)
    community = new_wish(
        client,
        admin,
        office_id=tree.community,
        text="快递小哥需要法律咨询",
        category="legal",
        organisation_id=tree.org,
    )
    west = new_wish(client, admin, office_id=tree.west, text="想学直播带货", category="career")
    claimed = act(client, admin, street["id"], Action.claim, tree).json()

    def get(**params: Any) -> list[int]:
        return sorted(_ids(client.get(URL, params=params, headers=admin)))

    assert get(office_id=tree.east) == sorted([street["id"], community["id"]])
    assert get(office_id=tree.street, include_sub=False) == [street["id"]]
    assert get(office_id=tree.city) == sorted([street["id"], community["id"], west["id"]])
    assert get(status="claimed") == [claimed["id"]]
    assert get(status=["new", "claimed"]) == sorted([street["id"], community["id"], west["id"]])
    assert get(category="legal") == [community["id"]]
    assert get(group_id=tree.group) == [street["id"]]
    assert get(organisation_id=tree.org) == [community["id"]]
    assert get(assignee_id=tree.staff) == [street["id"]]
    assert get(q="直播") == [west["id"]]
    assert get(q=west["number"]) == [west["id"]]
    assert get(q="100%") == []


def test_date_range(client: TestClient, admin: dict, tree: Tree, session: Session) -> None:
    old = new_wish(client, admin, office_id=tree.street)
    recent = new_wish(client, admin, office_id=tree.street)
    session.execute(
        sa.update(Wish).where(Wish.id == old["id"]).values(created_at=utcnow() - timedelta(days=10))  # type: ignore[arg-type]
    )
    session.commit()
    today = (utcnow() + timedelta(hours=8)).date()
    week_ago = (today - timedelta(days=7)).isoformat()

    def get(**params: Any) -> list[int]:
        return _ids(client.get(URL, params=params, headers=admin))

    assert get(created_from=week_ago) == [recent["id"]]
    assert get(created_to=week_ago) == [old["id"]]
    assert sorted(
        get(created_from=(today - timedelta(days=30)).isoformat(), created_to=today.isoformat())
    ) == sorted([old["id"], recent["id"]])
    assert get(created_from=f"{week_ago}T00:00:00+08:00") == [recent["id"]]
    bad = client.get(
        URL, params={"created_from": today.isoformat(), "created_to": week_ago}, headers=admin
    )
    assert bad.status_code == 422
    assert client.get(URL, params={"created_from": "昨天"}, headers=admin).status_code == 422


def test_pagination_and_sort(client: TestClient, admin: dict, tree: Tree) -> None:
    made = [new_wish(client, admin, office_id=tree.street, text=f"心愿{i}") for i in range(7)]
    first = client.get(URL, params={"limit": 3}, headers=admin).json()
    assert first["total"] == 7 and len(first["items"]) == 3
    assert [w["id"] for w in first["items"]] == [w["id"] for w in made[::-1][:3]]  # newest first
    seen = []
    for offset in range(0, 7, 3):
        seen += _ids(
            client.get(URL, params={"limit": 3, "offset": offset, "sort": "seq"}, headers=admin)
        )
    assert seen == [w["id"] for w in made]
    by_seq_desc = _ids(client.get(URL, params={"sort": "-seq", "limit": 2}, headers=admin))
    assert by_seq_desc == [made[-1]["id"], made[-2]["id"]]
    bad = client.get(URL, params={"sort": "password"}, headers=admin)
    assert bad.status_code == 422 and "created_at" in bad.json()["error"]["message"]
    assert client.get(URL, params={"limit": 0}, headers=admin).status_code == 422
    assert client.get(URL, params={"limit": 201}, headers=admin).status_code == 422
    assert client.get(URL, params={"offset": -1}, headers=admin).status_code == 422


def test_staff_scope(client: TestClient, admin: dict, staff: dict, tree: Tree) -> None:
    mine = new_wish(client, admin, office_id=tree.community)
    theirs = new_wish(client, admin, office_id=tree.west)
    assert _ids(client.get(URL, headers=staff)) == [mine["id"]]
    assert client.get(f"{URL}/{theirs['id']}", headers=staff).status_code == 404
    assert act(client, staff, theirs["id"], Action.claim, tree).status_code == 404
    outside = client.post(URL, json={"text": "x", "office_id": tree.west}, headers=staff)
    assert outside.status_code == 403
    assert client.get(URL, params={"office_id": tree.west}, headers=staff).status_code == 403
    # assigning a staff member from another district is refused too
    response = client.post(
        f"{URL}/{mine['id']}/claim", json={"assignee_id": tree.west_staff}, headers=staff
    )
    assert response.status_code == 403


def test_matches_and_fulfilments_endpoints(
    client: TestClient, admin: dict, staff: dict, tree: Tree
) -> None:
    wish = new_wish(client, staff, office_id=tree.street)
    created = client.post(
        "/api/v1/matches",
        json={"wish_id": wish["id"], "resource_id": tree.resource, "note": "点单"},
        headers=staff,
    )
    assert created.status_code == 201, created.text
    match_id = created.json()["id"]
    listed = client.get("/api/v1/matches", params={"wish_id": wish["id"]}, headers=staff).json()
    assert listed["total"] == 1
    patched = client.patch(f"/api/v1/matches/{match_id}", json={"note": "改备注"}, headers=staff)
    assert patched.json()["note"] == "改备注"
    assert act(client, staff, wish["id"], Action.start, tree).status_code == 200
    body = {"wish_id": wish["id"], **FULFILMENT}
    record = client.post("/api/v1/fulfilments", json=body, headers=staff)
    assert record.status_code == 201, record.text
    again = client.post("/api/v1/fulfilments", json=body, headers=staff)
    assert again.status_code == 409
    fid = record.json()["id"]
    fixed = client.patch(f"/api/v1/fulfilments/{fid}", json={"beneficiaries": 42}, headers=staff)
    assert fixed.json()["beneficiaries"] == 42
    listed = client.get("/api/v1/fulfilments", params={"office_id": tree.east}, headers=staff)
    assert listed.json()["total"] == 1
    assert client.delete(f"/api/v1/matches/{match_id}", headers=staff).status_code == 204
    timeline = client.get(f"{URL}/{wish['id']}", headers=staff).json()["timeline"]
    assert "取消对接" in timeline[-1]["note"]


def test_outbox_retry_and_tokens(client: TestClient, admin: dict, tree: Tree) -> None:
    message = client.post(
        "/api/v1/outbox",
        json={"target_kind": "room", "target_id": "df@chatroom", "text": "通知：周六活动"},
        headers=admin,
    )
    assert message.status_code == 201, message.text
    retry = client.post(f"/api/v1/outbox/{message.json()['id']}/retry", headers=admin)
    assert retry.status_code == 409
    issued = client.post(
        "/api/v1/tokens",
        json={"name": "东区小李", "role": "staff", "office_id": tree.east},
        headers=admin,
    )
    assert issued.status_code == 201, issued.text
    clear = issued.json()["clear"]
    mine = {"Authorization": f"Bearer {clear}"}
    assert client.get(URL, headers=mine).status_code == 200
    token_id = issued.json()["token"]["id"]
    listed = client.get("/api/v1/tokens", headers=admin).json()
    assert token_id in [t["id"] for t in listed]
    assert not [key for t in listed for key in t if "hash" in key]
    assert client.post(f"/api/v1/tokens/{token_id}/revoke", headers=admin).status_code == 200
    assert client.get(URL, headers=mine).status_code == 401
    no_office = client.post("/api/v1/tokens", json={"name": "x", "role": "staff"}, headers=admin)
    assert no_office.status_code == 422


def test_corrections(client: TestClient, staff: dict, tree: Tree) -> None:
    wish = new_wish(client, staff, office_id=tree.street)
    body = {
        "wish_id": wish["id"],
        "predicted_is_wish": True,
        "predicted_category": "family",
        "corrected_is_wish": True,
        "corrected_category": "legal",
        "features": {"keywords": ["律师"]},
    }
    created = client.post("/api/v1/corrections", json=body, headers=staff)
    assert created.status_code == 201, created.text
    listed = client.get("/api/v1/corrections", headers=staff).json()
    assert listed["total"] == 1 and listed["items"][0]["corrected_category"] == "legal"


def test_match_refuses_missing_inactive_and_out_of_scope_resources(
    client: TestClient, admin: dict, staff: dict, tree: Tree
) -> None:
    wish = new_wish(client, staff, office_id=tree.street)
    match = f"{URL}/{wish['id']}/match"
    missing = client.post(match, json={"resource_ids": [9999]}, headers=staff)
    assert missing.status_code == 422 and "资源9999" in missing.json()["error"]["message"]
    client.patch(f"/api/v1/resources/{tree.resource}", json={"active": False}, headers=admin)
    inactive = client.post(match, json={"resource_ids": [tree.resource]}, headers=staff)
    assert inactive.status_code == 422 and "已停用" in inactive.json()["error"]["message"]
    elsewhere = client.post(match, json={"resource_ids": [tree.west_resource]}, headers=staff)
    assert elsewhere.status_code == 422
    assert client.get(f"{URL}/{wish['id']}", headers=staff).json()["matches"] == []
