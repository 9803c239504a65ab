"""Personal-data rights through the admin API: export one person's data, erase it (statistics
stay, identity goes: no text, id or name left in any column of any table), and the audit log."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, SQLModel, func, select

from models import Fulfilment, Office, Outbox, Wish
from models.audit import AuditEntry
from models.enums import AuditAction
from models.wording.staff import ERASED_TEXT
from tests.api.apitools import Tree
from tests.api.chat.chat_tools import MEMBER, ROOM, command, who, wish

NAME = "李娟"  # the talker name chat_tools gives MEMBER
OTHER, OTHER_NAME = "wx_other", "王芳芳"
HER_TEXT = "想请律师咨询劳动合同，我叫李娟，电话13912345678"
OTHER_TEXT = "希望社区组织一次亲子阅读活动"


def _other_wish(client: TestClient, bot: dict[str, str]) -> dict[str, Any]:
    body = {
        "room_id": ROOM,
        "talker_id": OTHER,
        "talker_name": OTHER_NAME,
        "message_id": "o1",
        "text": OTHER_TEXT,
        "category": "family",
    }
    response = client.post("/api/v1/bot/wishes", json=body, headers=bot)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def her_trail(
    client: TestClient, bot: dict[str, str], tree: Tree, session: Session
) -> dict[str, Any]:
    """Everything a member leaves behind: wishes (one fulfilled with her name in the summary,
    one closed), a note, a triage item, commands, staff alerts and the 圆梦 announcement."""
    office = session.get(Office, tree.street)
    assert office is not None
    office.on_duty_staff_id = tree.staff  # new wishes and triage items alert 李红 privately
    session.add(office)
    session.commit()
    first = wish(client, bot, "w1", HER_TEXT, category="legal")
    second = wish(client, bot, "w2", "孩子暑假想参加夏令营，李娟", category="family")
    assert first["created"] and second["created"]
    command(client, bot, "c1", "补充", talker=MEMBER, seq=first["seq"], text="李娟周六下午有空")
    command(client, bot, "c2", "查询", talker=MEMBER, seq=first["seq"])
    command(client, bot, "c3", "匹配", seq=first["seq"], resource_ids=[tree.resource])
    command(client, bot, "c4", "开始", seq=first["seq"])
    summary = "为李娟提供咨询"
    done = command(
        client,
        bot,
        "c5",
        "完成",
        seq=first["seq"],
        beneficiaries=1,
        summary=summary,
        public_summary=summary,  # staff chose to say it in the group: the post names her
    )
    assert done["ok"], done
    command(client, bot, "c6", "撤回", talker=MEMBER, seq=second["seq"])
    body = {**who("t1"), "text": "有没有人知道哪里能问法律问题，李娟", "category": "legal"}
    assert client.post("/api/v1/bot/triage", json=body, headers=bot).status_code == 200
    other = _other_wish(client, bot)
    return {"first": first, "second": second, "other": other}


def statistics(session: Session) -> list[tuple[Any, ...]]:
    """What reports count: wishes per office, category, kind and status; fulfilment sums."""
    session.expire_all()
    rows = session.exec(
        select(Wish.office_id, Wish.category, Wish.kind, Wish.status, func.count())
        .group_by(Wish.office_id, Wish.category, Wish.kind, Wish.status)
        .order_by(Wish.office_id, Wish.category, Wish.kind, Wish.status)
    ).all()
    sums = session.exec(select(func.count(), func.sum(Fulfilment.beneficiaries))).one()
    session.rollback()
    return [tuple(r) for r in rows] + [tuple(sums)]


def occurrences(session: Session, *needles: str) -> list[str]:
    """Every table.column whose value contains one of `needles`, in the whole database."""
    session.expire_all()
    found = []
    for name, table in SQLModel.metadata.tables.items():
        for row in session.execute(sa.select(table)).mappings():
            for column, value in row.items():
                if value is None or isinstance(value, (int, float, bool)):
                    continue
                text = value if isinstance(value, str) else json.dumps(value, default=str)
                text += json.dumps(value, ensure_ascii=False, default=str)
                if any(n in text for n in needles):
                    found.append(f"{name}.{column}")
    session.rollback()
    return sorted(set(found))


def test_erase_leaves_statistics_but_no_identity(
    client: TestClient, bot: dict[str, str], admin: dict[str, str], tree: Tree, session: Session
) -> None:
    trail = her_trail(client, bot, tree, session)
    before = statistics(session)
    where = occurrences(session, MEMBER, NAME, "13912345678")
    # The trail really left her everywhere the erasure must reach.
    for place in ("wish.text", "wish.submitter_wechat_id", "wish.submitter_name"):
        assert place in where
    for place in ("wish_event.note", "wish_event.actor", "fulfilment.summary", "outbox.text"):
        assert place in where
    assert {"triage_item.text", "bot_command.talker_wechat_id"} <= set(where)
    session.expire_all()
    kinds = {m.kind for m in session.exec(select(Outbox)).all()}
    session.rollback()
    assert {"alert", "announcement"} <= kinds

    response = client.post(
        "/api/v1/people/erase", json={"wechat_id": MEMBER, "confirm": True}, headers=admin
    )
    assert response.status_code == 200, response.text
    counts = response.json()["counts"]
    assert counts["wishes"] == 2 and counts["triage_items"] == 1 and counts["commands"] >= 3

    assert statistics(session) == before
    assert occurrences(session, MEMBER, NAME, "13912345678") == []
    session.expire_all()
    mine = session.get(Wish, trail["first"]["wish_id"])
    other = session.get(Wish, trail["other"]["wish_id"])
    assert mine is not None and other is not None
    assert (mine.text, mine.submitter_wechat_id, mine.submitter_name) == (ERASED_TEXT, None, None)
    assert mine.number and mine.status == "fulfilled" and mine.category == "legal"
    assert (other.text, other.submitter_wechat_id, other.submitter_name) == (
        OTHER_TEXT,
        OTHER,
        OTHER_NAME,
    )
    session.rollback()

    # Erasing again finds nothing more to take.
    again = client.post(
        "/api/v1/people/erase", json={"wechat_id": MEMBER, "confirm": True}, headers=admin
    ).json()["counts"]
    assert again["wishes"] == 0 and again["triage_items"] == 0 and again["commands"] == 0


def test_export_is_a_file_with_everything_kept_and_is_audited(
    client: TestClient, bot: dict[str, str], admin: dict[str, str], tree: Tree, session: Session
) -> None:
    trail = her_trail(client, bot, tree, session)
    response = client.post("/api/v1/people/export", json={"wechat_id": MEMBER}, headers=admin)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    document = response.json()
    assert document["person"] == {"wechat_id": MEMBER, "names": [NAME]}
    numbers = [w["number"] for w in document["wishes"]]
    assert numbers == [trail["first"]["number"], trail["second"]["number"]]
    first = document["wishes"][0]
    assert first["text"] == HER_TEXT and first["submitter_wechat_id"] == MEMBER
    assert any(e["note"].endswith("李娟周六下午有空") for e in first["timeline"])
    assert first["fulfilment"]["summary"] == "为李娟提供咨询"
    assert [t["text"] for t in document["triage_items"]] == ["有没有人知道哪里能问法律问题，李娟"]
    assert {"补充", "查询", "撤回"} <= {c["command"] for c in document["commands"]}
    assert document["messages"], "her alerts and acknowledgements are part of what is kept"
    assert OTHER_TEXT not in response.text and OTHER not in response.text

    entries = client.get("/api/v1/audit", headers=admin).json()
    assert entries["total"] == 1
    entry = entries["items"][0]
    assert entry["action"] == AuditAction.person_export
    assert entry["actor"] == "测试admin" and entry["actor_kind"] == "admin"
    assert entry["subject"] == "wx***er" and MEMBER not in json.dumps(entry)
    assert entry["counts"]["wishes"] == 2 and entry["rows"] == sum(entry["counts"].values())


def test_a_wish_registered_by_name_only_is_erased_by_name(
    client: TestClient, bot: dict[str, str], admin: dict[str, str], tree: Tree, session: Session
) -> None:
    command(client, bot, "r1", "代登记", member_name="张秀英", text="想学直播带货")
    other = _other_wish(client, bot)
    response = client.post(
        "/api/v1/people/erase", json={"name": "张秀英", "confirm": True}, headers=admin
    )
    assert response.status_code == 200, response.text
    assert response.json()["counts"]["wishes"] == 1
    assert occurrences(session, "张秀英", "想学直播带货") == []
    session.expire_all()
    kept = session.get(Wish, other["wish_id"])
    assert kept is not None and kept.text == OTHER_TEXT
    session.rollback()


def test_only_admins_may_export_or_erase_and_erasing_needs_confirmation(
    client: TestClient,
    bot: dict[str, str],
    admin: dict[str, str],
    staff: dict[str, str],
    tree: Tree,
    session: Session,
) -> None:
    her_trail(client, bot, tree, session)
    body = {"wechat_id": MEMBER, "confirm": True}
    for path in ("/api/v1/people/erase", "/api/v1/people/export"):
        refused = client.post(path, json=body, headers=staff)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/audit", headers=staff).status_code == 403
    unconfirmed = client.post("/api/v1/people/erase", json={"wechat_id": MEMBER}, headers=admin)
    assert unconfirmed.status_code == 422
    nobody = client.post("/api/v1/people/erase", json={"confirm": True}, headers=admin)
    assert nobody.status_code == 422 and nobody.json()["error"]["message"]
    assert "wish.submitter_wechat_id" in occurrences(session, MEMBER)  # nothing was erased
    session.expire_all()
    assert session.exec(select(func.count()).select_from(AuditEntry)).one() == 0
    session.rollback()


def test_an_admin_ledger_export_is_audited_a_staff_one_is_not(
    client: TestClient,
    bot: dict[str, str],
    admin: dict[str, str],
    staff: dict[str, str],
    tree: Tree,
) -> None:
    wish(client, bot, "w1")
    assert client.get("/api/v1/export/ledger.xlsx", headers=staff).status_code == 200
    assert client.get("/api/v1/audit", headers=admin).json()["total"] == 0
    assert client.get("/api/v1/export/ledger.xlsx", headers=admin).status_code == 200
    entries = client.get("/api/v1/audit", params={"action": "ledger_export"}, headers=admin).json()
    assert entries["total"] == 1 and entries["items"][0]["actor"] == "测试admin"


def test_messages_naming_her_lose_the_name_and_keep_going(
    client: TestClient, bot: dict[str, str], admin: dict[str, str], tree: Tree, session: Session
) -> None:
    her_trail(client, bot, tree, session)
    session.expire_all()
    announcement = session.exec(select(Outbox).where(Outbox.kind == "announcement")).one()
    assert NAME in announcement.text
    announcement_id = announcement.id
    session.rollback()
    client.post("/api/v1/people/erase", json={"wechat_id": MEMBER, "confirm": True}, headers=admin)
    session.expire_all()
    kept = session.get(Outbox, announcement_id)
    assert kept is not None and kept.status == "pending"
    assert NAME not in kept.text and ERASED_TEXT in kept.text
    session.rollback()


def test_the_admin_page_has_the_personal_data_panel(client: TestClient) -> None:
    html = client.get("/admin").text
    assert 'data-tab="privacy"' in html and 'id="person-form"' in html
    js = client.get("/admin/static/admin.js").text
    for path in ("/api/v1/people/export", "/api/v1/people/erase", "/api/v1/audit"):
        assert f"'{path}'" in js
    assert "window.confirm(" in js  # erasing asks first


def test_sqlite_zeroes_what_an_erasure_overwrites(tmp_path: Any) -> None:
    # Free pages would otherwise keep the old bytes for a byte scan of the file to find.
    from models.db import make_engine

    path = tmp_path / "erase.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        conn.exec_driver_sql("CREATE TABLE w (id INTEGER PRIMARY KEY, who TEXT)")
        for i in range(200):
            conn.exec_driver_sql("INSERT INTO w (who) VALUES (?)", (f"wx_member_{i % 5}",))
        conn.exec_driver_sql("UPDATE w SET who = NULL WHERE who = 'wx_member_3'")
        conn.commit()
    raw = engine.raw_connection()  # outside any transaction, as SQLite's checkpoints run
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    engine.dispose()
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert b"wx_member_3" not in data and b"wx_member_2" in data
