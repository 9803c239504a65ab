"""推荐, 转资源 and what 完成 and staff's 查询 say in WeChat; the admin API's 转资源 route."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from models import Resource
from models.enums import Category, WishStatus
from models.wording import members as for_members
from models.wording import staff as for_staff
from tests.api.apitools import Tree
from tests.api.chat.chat_tools import MEMBER, command, wish

OFFER = "我们公司想捐赠一批儿童图书给社区，联系电话13812345678"


def _resources_from(session: Session, wish_id: int) -> list[Resource]:
    session.expire_all()
    rows = list(session.exec(select(Resource).where(col(Resource.source_wish_id) == wish_id)))
    session.expunge_all()  # keep what was read; a later refresh would hold SQLite's write lock
    session.rollback()
    return rows


def _fulfil(client: TestClient, bot: dict[str, str], tree: Tree, **args: Any) -> dict[str, Any]:
    logged = wish(client, bot, "w1", "劳动合同签得不明白，想请律师帮忙", category="legal")
    seq = logged["seq"]
    command(client, bot, "m1", "匹配", seq=seq, resource_ids=[tree.resource])
    command(client, bot, "s1", "开始", seq=seq)
    return command(client, bot, "d1", "完成", seq=seq, **args)


@pytest.mark.parametrize(
    ("args", "record"),
    [
        (
            {"beneficiaries": 3, "value_yuan": 600, "summary": "心理咨询师上门"},
            "记录：受益 3 人，价值 600 元，说明已记下",
        ),
        ({"beneficiaries": 30}, "记录：受益 30 人，价值未填"),
        ({}, "记录：受益人数未填，价值未填"),
    ],
)
def test_complete_echoes_what_was_recorded(
    client: TestClient, bot: dict[str, str], tree: Tree, args: dict[str, Any], record: str
) -> None:
    done = _fulfil(client, bot, tree, **args)
    assert done["ok"] is True and record in done["reply"].splitlines()
    assert "心理咨询师" not in done["reply"]  # the summary is kept, not echoed to the group


def test_suggest_lists_the_resources_with_their_numbers_and_reasons(
    client: TestClient, bot: dict[str, str], tree: Tree
) -> None:
    logged = wish(client, bot, "w1", "劳动合同签得不明白，想请律师帮忙维权", category="legal")
    reply = command(client, bot, "r1", "推荐", seq=logged["seq"])
    assert reply["ok"] is True
    lines = reply["reply"].splitlines()
    assert lines[0] == f"心愿 #{logged['seq']} 推荐资源："
    assert lines[1].startswith(f"资源{tree.resource} 法律援助（市律师协会）— 类别相符")
    assert f"资源{tree.west_resource}" not in reply["reply"]  # 西区's library is not 东风's
    assert lines[-1] == f"对接请发：匹配 {logged['seq']} 资源{tree.resource}"


def test_suggest_without_any_fitting_resource_says_so(
    client: TestClient, bot: dict[str, str], tree: Tree, session: Session
) -> None:
    for resource in session.exec(select(Resource)).all():
        resource.active = False
        session.add(resource)
    session.commit()
    logged = wish(client, bot, "w1", "想学做蛋糕", category="career")
    reply = command(client, bot, "r1", "推荐", seq=logged["seq"])
    assert reply["reply"] == for_staff.suggestions(logged["seq"], [])


def test_staff_query_adds_suggestions_until_the_wish_is_matched(
    client: TestClient, bot: dict[str, str], tree: Tree
) -> None:
    logged = wish(client, bot, "w1", "劳动合同签得不明白，想请律师帮忙维权", category="legal")
    seq = logged["seq"]
    status = for_members.wish_status(seq, Category.legal, WishStatus.new)
    staff_view = command(client, bot, "q1", "查询", seq=seq)["reply"]
    assert staff_view.startswith(status + "\n可对接的资源：")
    assert f"资源{tree.resource} 法律援助（市律师协会）" in staff_view
    member_view = command(client, bot, "q2", "查询", talker=MEMBER, seq=seq)["reply"]
    assert member_view == status  # members' 查询 unchanged
    command(client, bot, "m1", "匹配", seq=seq, resource_ids=[tree.resource])
    matched = command(client, bot, "q3", "查询", seq=seq)["reply"]
    assert matched == for_members.wish_status(seq, Category.legal, WishStatus.matched)


def test_to_resource_makes_one_inactive_draft_of_an_offer(
    client: TestClient, bot: dict[str, str], tree: Tree, session: Session
) -> None:
    offer = wish(client, bot, "w1", OFFER, category="volunteer", kind="offer")
    first = command(client, bot, "t1", "转资源", seq=offer["seq"])
    [draft] = _resources_from(session, offer["wish_id"])
    assert first["ok"] is True
    assert first["reply"] == for_staff.resource_drafted(
        offer["seq"], draft.id or 0, draft.name, True
    )
    assert draft.active is False and draft.office_id == tree.street
    assert draft.provider == "成员提供" and draft.categories == []
    assert "138****5678" in draft.description and "13812345678" not in draft.description
    again = command(client, bot, "t2", "转资源", seq=offer["seq"])
    assert "已经转过资源" in again["reply"] and f"资源{draft.id}" in again["reply"]
    assert [r.id for r in _resources_from(session, offer["wish_id"])] == [draft.id]


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("想请律师讲讲劳动合同", {"category": "legal"}),
        ("希望组织亲子阅读", {"category": "family", "kind": "need"}),
    ],
)
def test_to_resource_refuses_a_wish_that_is_no_offer(
    client: TestClient,
    bot: dict[str, str],
    tree: Tree,
    session: Session,
    text: str,
    fields: dict[str, str],
) -> None:
    need = wish(client, bot, "w1", text, **fields)
    refused = command(client, bot, "t1", "转资源", seq=need["seq"])
    assert (refused["ok"], refused["reply"]) == (False, for_staff.not_an_offer(need["seq"]))
    assert _resources_from(session, need["wish_id"]) == []


def test_an_offer_of_a_serving_category_keeps_it_and_names_its_organisation(
    client: TestClient, bot: dict[str, str], tree: Tree, session: Session
) -> None:
    offer = wish(client, bot, "w1", "我们律所可以免费提供法律咨询", category="legal", kind="offer")
    client.patch(  # staff link the wish to its organisation
        f"/api/v1/wishes/{offer['wish_id']}",
        json={"organisation_id": tree.org},
        headers=_admin(client, session),
    ).raise_for_status()
    command(client, bot, "t1", "转资源", seq=offer["seq"])
    [draft] = _resources_from(session, offer["wish_id"])
    assert draft.categories == [Category.legal] and draft.provider == "幸福快递站"


def _admin(client: TestClient, session: Session) -> dict[str, str]:
    from api.domain.auth import create_token
    from models.enums import Role
    from tests.api.apitools import bearer

    _, clear = create_token(session=session, name="测试管理员", role=Role.admin)
    session.commit()
    return bearer(clear)


def test_the_resource_draft_route(
    client: TestClient,
    bot: dict[str, str],
    staff: dict[str, str],
    west_staff: dict[str, str],
    tree: Tree,
) -> None:
    offer = wish(client, bot, "w1", OFFER, category="volunteer", kind="offer")
    url = f"/api/v1/wishes/{offer['wish_id']}/resource-draft"
    assert client.post(url, headers=west_staff).status_code == 404  # not in 西区's scope
    made = client.post(url, headers=staff)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["source_wish_id"] == offer["wish_id"] and body["active"] is False
    again = client.post(url, headers=staff)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    need = wish(client, bot, "w2", "希望组织亲子阅读")
    refused = client.post(f"/api/v1/wishes/{need['wish_id']}/resource-draft", headers=staff)
    assert refused.status_code == 422
    assert for_staff.not_an_offer(need["seq"]) in refused.text


def test_the_suggestions_route(
    client: TestClient,
    bot: dict[str, str],
    staff: dict[str, str],
    west_staff: dict[str, str],
    tree: Tree,
) -> None:
    logged = wish(client, bot, "w1", "劳动合同签得不明白，想请律师帮忙维权", category="legal")
    url = f"/api/v1/wishes/{logged['wish_id']}/suggestions"
    assert client.get(url, headers=west_staff).status_code == 404
    found = client.get(url, headers=staff)
    assert found.status_code == 200, found.text
    first = found.json()[0]
    assert first["resource_id"] == tree.resource and "category" in first["reasons"]
    assert first["why"][0] == "类别相符"
