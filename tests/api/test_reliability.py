"""Reliability of the API side: dead letters (report, list in scope, replay into the outbox),
health that proves the ledger can be written, a read-only ledger that still starts and serves
reads, and hostile payloads to every bot endpoint answered 4xx with a polite message."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.http.app import create_app
from api.settings import ApiSettings
from models import Outbox, Wish
from models.db import make_engine
from models.wording import members
from models.wording import staff as for_staff
from tests.api.apitools import Tree


def _dead(room: str = "df@chatroom", mid: str = "dead-1", **payload: Any) -> dict[str, Any]:
    body = {
        "room_id": room,
        "talker_id": "wx_member",
        "talker_name": "李娟",
        "message_id": mid,
        "text": "希望社区组织一次亲子阅读活动",
        **payload,
    }
    return {"message_id": mid, "kind": "wish", "attempts": 5, "error": "HTTP 500", "payload": body}


def test_a_dead_letter_is_reported_once_listed_in_scope_and_replayed(
    client: TestClient,
    bot: dict[str, str],
    admin: dict[str, str],
    staff: dict[str, str],
    west_staff: dict[str, str],
    session: Session,
    tree: Tree,
) -> None:
    first = client.post("/api/v1/bot/dead-letters", json=_dead(), headers=bot)
    assert first.status_code == 200, first.text
    again = client.post("/api/v1/bot/dead-letters", json=_dead(), headers=bot)
    assert again.json()["id"] == first.json()["id"]  # idempotent on the message id
    letter = first.json()
    assert letter["office_id"] == tree.street and letter["text"].startswith("希望社区")
    # Staff of the group's office (and above) see it; another district's staff do not.
    listed = client.get("/api/v1/dead-letters", headers=staff).json()
    assert [x["id"] for x in listed["items"]] == [letter["id"]] and listed["total"] == 1
    assert client.get("/api/v1/dead-letters", headers=west_staff).json()["total"] == 0
    assert client.get("/api/v1/dead-letters", headers=bot).status_code == 403
    # Another district's staff cannot replay it (404, as if it did not exist).
    refused = client.post(f"/api/v1/dead-letters/{letter['id']}/replay", headers=west_staff)
    assert refused.status_code == 404
    # Replay: the wish is logged now and the member's reply is queued for the bot.
    replayed = client.post(f"/api/v1/dead-letters/{letter['id']}/replay", headers=admin)
    assert replayed.status_code == 200, replayed.text
    body = replayed.json()
    assert body["replay_count"] == 1 and body["replayed_at"] is not None
    assert "已收到您的心愿 #" in body["replay_reply"]
    session.expire_all()
    wish = session.exec(select(Wish).where(Wish.source_message_id == "dead-1")).one()
    queued = session.exec(select(Outbox).where(Outbox.kind == "reply")).all()
    assert [(o.target_id, o.mention_ids, o.urgent) for o in queued] == [
        ("df@chatroom", ["wx_member"], True)
    ]
    assert f"#{wish.seq}" in queued[0].text
    session.rollback()
    pending = client.get("/api/v1/dead-letters?replayed=false", headers=admin).json()
    assert pending["total"] == 0


def test_a_private_dead_letter_is_replayed_as_a_private_wish(
    client: TestClient, bot: dict[str, str], admin: dict[str, str], session: Session
) -> None:
    # She is known from a wish in her group; the one she then sent privately died in the spool.
    seen = client.post("/api/v1/bot/wishes", json=_dead(mid="seen-1")["payload"], headers=bot)
    assert seen.json()["created"], seen.text
    private = _dead(room=None, mid="dead-private", text="孩子放学后没人照看，想找托管班")  # type: ignore[arg-type]
    private["payload"]["room_id"] = None
    letter = client.post("/api/v1/bot/dead-letters", json=private, headers=bot).json()
    replayed = client.post(f"/api/v1/dead-letters/{letter['id']}/replay", headers=admin)
    assert replayed.status_code == 200, replayed.text
    session.expire_all()
    wish = session.exec(select(Wish).where(Wish.source_message_id == "dead-private")).one()
    assert wish.group_id is None  # logged as the private wish it was, not dropped
    queued = session.exec(
        select(Outbox).where(Outbox.kind == "reply", Outbox.target_id == "wx_member")
    ).all()
    assert [(o.target_kind, o.mention_ids) for o in queued] == [("contact", [])]
    assert f"#{wish.seq}" in queued[0].text
    session.rollback()


def test_a_replay_that_fails_again_is_a_polite_409(
    client: TestClient, bot: dict[str, str], admin: dict[str, str]
) -> None:
    broken = _dead(mid="dead-2")
    del broken["payload"]["talker_id"]  # an incomplete payload cannot be replayed
    letter = client.post("/api/v1/bot/dead-letters", json=broken, headers=bot).json()
    response = client.post(f"/api/v1/dead-letters/{letter['id']}/replay", headers=admin)
    assert response.status_code == 422
    assert response.json()["error"]["message"] == for_staff.REPLAY_BAD_PAYLOAD


def test_health_proves_the_ledger_is_writable(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "ledger_writable": True}


def test_a_read_only_ledger_starts_serves_reads_and_refuses_writes_politely(
    tmp_path: Path, _sqlite_template: Path
) -> None:
    path = tmp_path / "ro.db"
    shutil.copy(_sqlite_template, path)
    rw = make_engine(f"sqlite:///{path}")
    from api.domain.auth import create_token
    from models.enums import Role

    with Session(rw) as s:
        _, token = create_token(session=s, name="admin", role=Role.admin)
        s.commit()
    rw.dispose()
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    settings = ApiSettings(database_url=url, run_scheduler=False, auto_migrate=True)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(settings)) as client:  # the lifespan (start-up) runs
        health = client.get("/api/v1/health")
        assert health.status_code == 503
        assert health.json()["ledger_writable"] is False
        assert health.json()["message"] == for_staff.LEDGER_READ_ONLY
        assert client.get("/api/v1/wishes", headers=headers).status_code == 200
        assert client.get("/admin").status_code == 200
        write = client.post(
            "/api/v1/offices", json={"name": "新妇联", "code": "NEW", "level": "city"},
            headers=headers,
        )  # fmt: skip
        assert write.status_code == 503
        assert write.json()["error"] == {
            "code": "ledger_read_only",
            "message": for_staff.LEDGER_READ_ONLY,
        }


# Hostile values for every field of every bot endpoint: huge ints, control characters, NUL,
# nulls, wrong types, deep/odd shapes. Each must be a 4xx JSON error with a Chinese message.
HOSTILE = [
    -(10**30),
    "a\x00\x07\x1b[31m",
    None,
    [],
    True,
    "x" * 30000,
    {"nested": [None, {"x": 10**40}]},
]
BOT_BODIES = {
    "/api/v1/bot/groups/seen": {"room_id": "df@chatroom", "topic": "东风"},
    "/api/v1/bot/wishes": _dead()["payload"],
    "/api/v1/bot/triage": _dead(mid="t-1")["payload"],
    "/api/v1/bot/commands": {
        **{k: v for k, v in _dead(mid="c-1")["payload"].items() if k != "text"},
        "command": {"name": "完成", "args": {"seq": 1, "beneficiaries": 1}},
    },
    "/api/v1/bot/dead-letters": _dead(mid="d-9"),
    "/api/v1/bot/outbox/1/ack": {"sent_message_id": "m1"},
    "/api/v1/bot/outbox/1/fail": {"error": "x"},
}


def _mutations(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for key in body:
        for value in HOSTILE:
            out.append((key, {**body, key: value}))
    if "command" in body:
        for value in HOSTILE:
            args = {"seq": value, "beneficiaries": value}
            out.append(("command.args", {**body, "command": {"name": "完成", "args": args}}))
            out.append(("command.name", {**body, "command": {"name": value, "args": {}}}))
    return out


def test_hostile_bot_payloads_never_answer_5xx(client: TestClient, bot: dict[str, str]) -> None:
    # One test walks every bot endpoint: a fresh database per endpoint would cost more than
    # the requests themselves.
    failures = []
    for path, good in sorted(BOT_BODIES.items()):
        for field, body in _mutations(good):
            response = client.post(path, json=body, headers=bot)
            if response.status_code >= 500:
                failures.append((path, field, response.status_code, response.text[:200]))
                continue
            if response.status_code >= 400:
                message = response.json()["error"]["message"]
                chinese = any("\u4e00" <= ch <= "\u9fff" for ch in message)
                assert message and chinese, (path, field, message)
        for raw in (b"{", b"null", b"[1,2]", "\ud800".encode("utf-8", "surrogatepass")):
            headers = {**bot, "Content-Type": "application/json"}
            response = client.post(path, content=raw, headers=headers)
            if response.status_code >= 500:
                failures.append((path, "raw", response.status_code, response.text[:200]))
    assert failures == []
    assert members.DEAD_LETTER  # the bot's polite words for what still fails


def test_the_admin_page_has_the_read_only_banner_and_the_dead_letter_panel(
    client: TestClient,
) -> None:
    html = client.get("/admin").text
    assert 'id="ledger-banner"' in html and "处理不了的消息" in html and 'id="dead-rows"' in html
    js = client.get("/admin/static/admin.js").text
    assert "ledger_writable === false" in js and "PATHS.deadLetterReplay" in js
