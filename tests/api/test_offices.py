"""Offices: the tree's materialised paths, level rules, cycles and scope."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.apitools import Tree

URL = "/api/v1/offices"


def test_create_sets_path_under_parent(client: TestClient, admin: dict, tree: Tree) -> None:
    body = {"name": "和平社区妇联", "code": "HP", "level": "community", "parent_id": tree.street}
    response = client.post(URL, json=body, headers=admin)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["path"] == f"/{tree.city}/{tree.east}/{tree.street}/{created['id']}/"


def test_level_must_be_below_parent(client: TestClient, admin: dict, tree: Tree) -> None:
    body = {"name": "错层区妇联", "code": "CC", "level": "district", "parent_id": tree.street}
    response = client.post(URL, json=body, headers=admin)
    assert response.status_code == 422
    assert "层级" in response.json()["error"]["message"]


def test_duplicate_code_is_409(client: TestClient, admin: dict, tree: Tree) -> None:
    body = {"name": "重复", "code": "DF", "level": "community", "parent_id": tree.street}
    response = client.post(URL, json=body, headers=admin)
    assert response.status_code == 409
    assert "DF" in response.json()["error"]["message"]


def test_moving_a_subtree_rewrites_descendant_paths(
    client: TestClient, admin: dict, tree: Tree
) -> None:
    response = client.patch(f"{URL}/{tree.street}", json={"parent_id": tree.west}, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["path"] == f"/{tree.city}/{tree.west}/{tree.street}/"
    community = client.get(f"{URL}/{tree.community}", headers=admin).json()
    assert community["path"] == f"/{tree.city}/{tree.west}/{tree.street}/{tree.community}/"
    east_subtree = client.get(URL, params={"within_id": tree.east}, headers=admin).json()
    assert [o["id"] for o in east_subtree["items"]] == [tree.east]


def test_cycles_are_refused(client: TestClient, admin: dict, tree: Tree) -> None:
    response = client.patch(f"{URL}/{tree.east}", json={"parent_id": tree.community}, headers=admin)
    assert response.status_code == 422
    assert "循环" in response.json()["error"]["message"]
    response = client.patch(f"{URL}/{tree.east}", json={"parent_id": tree.east}, headers=admin)
    assert response.status_code == 422


def test_delete_refused_while_children_exist(client: TestClient, admin: dict, tree: Tree) -> None:
    response = client.delete(f"{URL}/{tree.east}", headers=admin)
    assert response.status_code == 409
    assert "下级" in response.json()["error"]["message"]


def test_staff_see_only_their_subtree(client: TestClient, staff: dict, tree: Tree) -> None:
    listed = client.get(URL, headers=staff).json()
    assert {o["id"] for o in listed["items"]} == {tree.east, tree.street, tree.community}
    assert listed["total"] == 3
    assert client.get(f"{URL}/{tree.west}", headers=staff).status_code == 404
    assert client.get(f"{URL}/{tree.street}", headers=staff).status_code == 200


def test_staff_cannot_write_offices(client: TestClient, staff: dict, tree: Tree) -> None:
    body = {"name": "新社区", "code": "XS", "level": "community", "parent_id": tree.street}
    assert client.post(URL, json=body, headers=staff).status_code == 403
    assert (
        client.patch(f"{URL}/{tree.street}", json={"name": "x"}, headers=staff).status_code == 403
    )


def test_pagination_and_sort(client: TestClient, admin: dict, tree: Tree) -> None:
    first = client.get(URL, params={"limit": 2, "sort": "code"}, headers=admin).json()
    assert first["total"] == 5 and first["limit"] == 2 and first["offset"] == 0
    assert [o["code"] for o in first["items"]] == ["DF", "DQ"]
    rest = client.get(URL, params={"limit": 2, "offset": 4, "sort": "code"}, headers=admin).json()
    assert [o["code"] for o in rest["items"]] == ["XQ"]
    desc = client.get(URL, params={"sort": "-code"}, headers=admin).json()
    assert desc["items"][0]["code"] == "XQ"
    bad = client.get(URL, params={"sort": "secret"}, headers=admin)
    assert bad.status_code == 422 and "排序" in bad.json()["error"]["message"]
    too_big = client.get(URL, params={"limit": 10_000}, headers=admin)
    assert too_big.status_code == 422


def test_groups_staff_orgs_crud(client: TestClient, admin: dict, staff: dict, tree: Tree) -> None:
    group = client.post(
        "/api/v1/groups",
        json={"room_id": "new@chatroom", "topic": "新群", "office_id": tree.community},
        headers=admin,
    )
    assert group.status_code == 201, group.text
    gid = group.json()["id"]
    patched = client.patch(f"/api/v1/groups/{gid}", json={"enabled": True}, headers=admin)
    assert patched.json()["enabled"] is True
    dup = client.post("/api/v1/groups", json={"room_id": "new@chatroom"}, headers=admin)
    assert dup.status_code == 409
    listed = client.get("/api/v1/groups", params={"office_id": tree.east}, headers=staff).json()
    assert {g["id"] for g in listed["items"]} == {tree.group, gid}

    person = client.post(
        "/api/v1/staff",
        json={
            "wechat_id": "wx_zhao",
            "name": "赵敏",
            "office_id": tree.community,
            "zones": ["一片"],
        },
        headers=admin,
    )
    assert person.status_code == 201, person.text
    assert person.json()["zones"] == ["一片"]
    assert client.get(f"/api/v1/staff/{tree.west_staff}", headers=staff).status_code == 404

    org = client.post(
        "/api/v1/organisations",
        json={
            "name": "巧手家政公司",
            "kind": "new_economic",
            "industry": "家政",
            "women_count": 35,
            "office_id": tree.street,
            "liaison_staff_id": tree.staff,
        },
        headers=admin,
    )
    assert org.status_code == 201, org.text
    found = client.get(
        "/api/v1/organisations", params={"q": "家政", "has_branch": False}, headers=staff
    ).json()
    assert [o["name"] for o in found["items"]] == ["巧手家政公司"]
    assert (
        client.delete(f"/api/v1/organisations/{org.json()['id']}", headers=admin).status_code == 204
    )


def test_resources_visible_to_staff(
    client: TestClient, staff: dict, admin: dict, tree: Tree
) -> None:
    listed = client.get("/api/v1/resources", headers=staff).json()
    assert {r["id"] for r in listed["items"]} == {tree.resource}
    assert client.get(f"/api/v1/resources/{tree.west_resource}", headers=staff).status_code == 404
    legal = client.get("/api/v1/resources", params={"category": "legal"}, headers=admin).json()
    assert [r["id"] for r in legal["items"]] == [tree.resource]
    body = {"name": "x", "provider": "y"}
    assert client.post("/api/v1/resources", json=body, headers=staff).status_code == 403
