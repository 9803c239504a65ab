"""Sensitive wishes and who sees what: the group hears nothing of them, staff views are masked.

A sensitive wish (家暴、离婚、债务、心理 …) is acknowledged without number, category or content,
gets no 圆梦 post, and only administrators and its assignee read it; other staff see masked text
and no submitter of any wish."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from api.domain.auth import create_token
from api.domain.visibility import SensitiveRule, default_rule
from models import Group, Outbox, Wish
from models.enums import Category, OutboxTarget, Role
from models.wording import members as for_members
from models.wording import staff as for_staff
from tests.api.apitools import Tree, bearer
from tests.api.chat.chat_tools import command, wish

URL = "/api/v1/wishes"
PHONE = "13812345678"

SENSITIVE = [
    "老公经常家暴我，不知道该找谁",
    "想离婚，孩子的抚养权怎么争取",
    "借了网贷还不上，每天被催收",
    "最近心情很抑郁，晚上睡不着",
    "有时候真的不想活了",
    "单位领导总是对我性骚扰",
    "老板拖欠工资三个月了，想讨薪",
    "家里欠债太多，压力很大",
]
PLAIN = [
    "希望社区组织一次亲子阅读活动",
    "想学直播带货，有没有培训",
    "希望有免费的两癌筛查",
    "劳动合同签得不明白，想请律师看看",
]


@pytest.mark.parametrize("text", SENSITIVE)
def test_sensitive_words_mark_a_wish(text: str) -> None:
    assert default_rule().applies(text, Category.legal)


@pytest.mark.parametrize("text", PLAIN)
def test_everyday_wishes_are_not_sensitive(text: str) -> None:
    assert not default_rule().applies(text, Category.family)


def test_a_sensitive_category_marks_a_wish_whatever_its_words() -> None:
    assert default_rule().applies("想参加单身联谊活动", Category.marriage)
    configured = SensitiveRule.of([Category.care], ["赌博"])
    assert configured.applies("老公赌博输光了钱", Category.family)
    assert configured.applies("想申请困难补助", Category.care)
    assert not configured.applies("想离婚", Category.family)  # the office chose other words


# ---- the group hears nothing of a sensitive wish ------------------------------------------


def _outbox(session: Session) -> list[Outbox]:
    session.expire_all()
    rows = [
        Outbox.model_validate(r.model_dump())
        for r in session.exec(select(Outbox).order_by(col(Outbox.id))).all()
    ]
    session.rollback()
    return rows


def _stored(session: Session, wish_id: int) -> Wish:
    """A detached copy (a rollback would expire it, and reading it would lock SQLite again)."""
    session.expire_all()
    found = session.get(Wish, wish_id)
    assert found is not None
    copy = Wish.model_validate(found.model_dump())
    session.rollback()
    return copy


def test_a_plain_wish_is_acknowledged_by_number_only(
    client: TestClient, bot: dict[str, str], tree: Tree, session: Session
) -> None:
    logged = wish(client, bot, "p1", "希望社区组织一次亲子阅读活动")
    reply = logged["reply"]
    assert reply == for_members.wish_received(logged["seq"])
    assert f"#{logged['seq']}" in reply
    assert not any(c.label in reply for c in Category) and "亲子阅读" not in reply
    assert "李娟" not in reply  # her name is the mention WeChat adds, never the text
    assert _stored(session, logged["wish_id"]).sensitive is False


def test_a_sensitive_wish_is_acknowledged_without_number_or_content(
    client: TestClient, bot: dict[str, str], tree: Tree, session: Session
) -> None:
    staff_group = Group(
        room_id="df-staff@chatroom",
        topic="东风工作群",
        office_id=tree.street,
        enabled=True,
        is_staff_group=True,
    )
    session.add(staff_group)
    session.commit()
    text = f"老公经常家暴我，想咨询怎么离婚，电话{PHONE}"
    logged = wish(client, bot, "s1", text, category="legal")
    assert logged["ok"] is True and logged["created"] is True
    assert logged["reply"] == for_members.SENSITIVE_RECEIVED
    for said in ("#", "法律", "家暴", "离婚", "李娟", PHONE):
        assert said not in logged["reply"]
    assert _stored(session, logged["wish_id"]).sensitive is True
    # A replay, and the same wish posted again, hear the same: never the number.
    assert wish(client, bot, "s1", text, category="legal")["reply"] == logged["reply"]
    again = wish(client, bot, "s2", text, category="legal")
    assert again["created"] is False and again["wish_id"] == logged["wish_id"]
    assert again["reply"] == for_members.SENSITIVE_RECEIVED
    # Nobody is responsible for 东风街道, so the alert falls back to its staff group: there it
    # says a sensitive wish came in, and nothing of what it is.
    [alert] = [r for r in _outbox(session) if r.kind == "alert"]
    assert alert.target_kind == OutboxTarget.room and alert.target_id == "df-staff@chatroom"
    assert alert.text == for_staff.sensitive_wish_alert(logged["seq"])
    for said in ("法律", "家暴", "离婚", "李娟", PHONE):
        assert said not in alert.text


def _to_service(client: TestClient, bot: dict[str, str], tree: Tree, seq: int, tag: str) -> None:
    for name, args in (
        ("认领", {}),
        ("匹配", {"resource_ids": [tree.resource]}),
        ("开始", {}),
    ):
        assert command(client, bot, f"{tag}-{name}", name, seq=seq, **args)["ok"] is True


def _announcements(session: Session) -> list[str]:
    return [r.text for r in _outbox(session) if r.kind == "announcement"]


def test_the_yuanmeng_post_is_neutral_unless_staff_write_a_public_summary(
    client: TestClient, bot: dict[str, str], tree: Tree, session: Session
) -> None:
    first = wish(client, bot, "y1", "希望社区组织一次亲子阅读活动")
    second = wish(client, bot, "y2", "想学直播带货，有没有培训", category="career")
    _to_service(client, bot, tree, first["seq"], "a")
    _to_service(client, bot, tree, second["seq"], "b")
    done = command(client, bot, "c1", "完成", seq=first["seq"], summary="在图书馆办了亲子阅读")
    assert "公开：" in done["reply"]  # staff learn how to say more
    command(
        client,
        bot,
        "c2",
        "完成",
        seq=second["seq"],
        beneficiaries=20,
        public_summary="开办了直播带货培训班",
    )
    neutral, public = _announcements(session)
    assert neutral.startswith(f"🎉 圆梦啦！心愿 #{first['seq']} 已经实现")
    assert "亲子阅读" not in neutral and "市律师协会" not in neutral and "家庭教育" not in neutral
    assert "服务内容：开办了直播带货培训班" in public and "受益 20 人" in public
    assert "感谢市律师协会的支持" in public


def test_a_sensitive_wish_gets_no_yuanmeng_post(
    client: TestClient, bot: dict[str, str], tree: Tree, session: Session
) -> None:
    logged = wish(client, bot, "z1", "老板拖欠工资三个月了", category="legal")
    _to_service(client, bot, tree, logged["seq"], "z")
    done = command(
        client, bot, "z-done", "完成", seq=logged["seq"], public_summary="帮她讨回了工资"
    )
    assert done["ok"] is True and "不发圆梦消息" in done["reply"]
    assert _announcements(session) == []
    # Her own 查询 in the group names no category.
    status = command(client, bot, "z-q", "查询", talker="wx_member", seq=logged["seq"])
    assert status["reply"] == for_members.wish_status(logged["seq"], None, _status(session, logged))


def _status(session: Session, logged: dict[str, Any]) -> Any:
    return _stored(session, logged["wish_id"]).status


# ---- who sees what over the API -----------------------------------------------------------


@pytest.fixture
def assignee(session: Session, tree: Tree) -> dict[str, str]:
    """A staff token of 东区 held by 李红 (tree.staff): her assigned wishes are hers to read."""
    _, clear = create_token(
        session=session, name="李红", role=Role.staff, office_id=tree.east, staff_id=tree.staff
    )
    session.commit()
    return bearer(clear)


def _create(client: TestClient, admin: dict[str, str], tree: Tree, text: str) -> dict[str, Any]:
    body = {
        "text": text,
        "category": "legal",
        "office_id": tree.street,
        "group_id": tree.group,
        "submitter_name": "李娟",
        "submitter_wechat_id": "wx_member",
    }
    made = client.post(URL, json=body, headers=admin)
    assert made.status_code == 201, made.text
    result: dict[str, Any] = made.json()
    return result


def _get(client: TestClient, headers: dict[str, str], wish_id: int) -> dict[str, Any]:
    found = client.get(f"{URL}/{wish_id}", headers=headers)
    assert found.status_code == 200, found.text
    result: dict[str, Any] = found.json()
    return result


def _listed(client: TestClient, headers: dict[str, str], **query: Any) -> dict[int, Any]:
    found = client.get(URL, params=query, headers=headers)
    assert found.status_code == 200, found.text
    return {item["id"]: item for item in found.json()["items"]}


def test_staff_see_masked_text_and_no_submitter_admins_see_all(
    client: TestClient,
    admin: dict[str, str],
    staff: dict[str, str],
    bot: dict[str, str],
    tree: Tree,
) -> None:
    plain = _create(client, admin, tree, f"劳动合同签得不明白，电话{PHONE}")
    # She adds a note in the group: her name is on the timeline, for those who may read it.
    added = command(
        client, bot, "b1", "补充", talker="wx_member", seq=plain["seq"], text=f"我的电话{PHONE}"
    )
    assert added["ok"] is True, added
    assert plain["sensitive"] is False and plain["view"] == "full"
    full = _get(client, admin, plain["id"])["wish"]
    assert PHONE in full["text"] and full["submitter_name"] == "李娟"
    seen = _get(client, staff, plain["id"])
    assert seen["wish"]["view"] == "masked"
    assert PHONE not in seen["wish"]["text"] and "138****5678" in seen["wish"]["text"]
    assert seen["wish"]["submitter_name"] is None and seen["wish"]["submitter_wechat_id"] is None
    assert "李娟" not in str(seen) and PHONE not in str(seen)
    assert "李娟" in str(_get(client, admin, plain["id"])["timeline"])
    item = _listed(client, staff)[plain["id"]]
    assert PHONE not in item["text"] and item["submitter_name"] is None


def test_a_sensitive_wish_is_restricted_to_admins_and_its_assignee(
    client: TestClient,
    admin: dict[str, str],
    staff: dict[str, str],
    assignee: dict[str, str],
    tree: Tree,
) -> None:
    secret = _create(client, admin, tree, "想离婚，老公经常动手")
    assert secret["sensitive"] is True
    for headers in (staff, assignee):  # not hers yet: only that it exists
        seen = _get(client, headers, secret["id"])
        assert seen["wish"]["view"] == "restricted" and seen["wish"]["status"] == "new"
        assert seen["wish"]["number"] == secret["number"]
        assert seen["wish"]["text"] is None and seen["wish"]["category"] is None
        assert seen["wish"]["submitter_name"] is None
        assert "离婚" not in str(seen)
        listed = _listed(client, headers)[secret["id"]]
        assert listed["text"] is None and listed["category"] is None
    # A search by content or category does not tell which wish it is; its number still finds it.
    assert secret["id"] not in _listed(client, staff, q="离婚")
    assert secret["id"] not in _listed(client, staff, category="legal")
    assert secret["id"] in _listed(client, staff, q=secret["number"])
    assert secret["id"] in _listed(client, admin, q="离婚")
    suggestions = client.get(f"{URL}/{secret['id']}/suggestions", headers=staff)
    assert suggestions.status_code == 403
    # Only those who may read it may unmark it.
    unmark = client.patch(f"{URL}/{secret['id']}", json={"sensitive": False}, headers=staff)
    assert unmark.status_code == 403, unmark.text
    claimed = client.post(
        f"{URL}/{secret['id']}/claim", json={"assignee_id": tree.staff}, headers=admin
    )
    assert claimed.status_code == 200, claimed.text
    hers = _get(client, assignee, secret["id"])["wish"]
    assert hers["view"] == "full" and hers["text"] == "想离婚，老公经常动手"
    assert hers["submitter_name"] == "李娟"
    assert _get(client, staff, secret["id"])["wish"]["view"] == "restricted"
    assert secret["id"] in _listed(client, assignee, q="离婚")


def test_staff_may_mark_a_wish_sensitive(
    client: TestClient, admin: dict[str, str], staff: dict[str, str], tree: Tree
) -> None:
    plain = _create(client, admin, tree, "劳动合同签得不明白")
    marked = client.patch(f"{URL}/{plain['id']}", json={"sensitive": True}, headers=staff)
    assert marked.status_code == 200, marked.text
    assert marked.json()["sensitive"] is True and marked.json()["view"] == "restricted"
    assert marked.json()["text"] is None
    unmarked = client.patch(f"{URL}/{plain['id']}", json={"sensitive": False}, headers=admin)
    assert unmarked.status_code == 200 and unmarked.json()["sensitive"] is False


def test_a_token_names_a_staff_record_of_its_own_office_tree(
    client: TestClient, admin: dict[str, str], tree: Tree
) -> None:
    body = {"name": "李红", "role": "staff", "office_id": tree.east, "staff_id": tree.staff}
    made = client.post("/api/v1/tokens", json=body, headers=admin)
    assert made.status_code == 201, made.text
    assert made.json()["token"]["staff_id"] == tree.staff
    elsewhere = {**body, "staff_id": tree.west_staff}  # 王芳 works in 西区
    assert client.post("/api/v1/tokens", json=elsewhere, headers=admin).status_code == 403
