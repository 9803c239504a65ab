"""Bot commands: one transaction each, and the same wish rules as the admin API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.chat import commands
from api.http.app import create_app
from api.settings import ApiSettings
from models import BotCommand, Correction, WishEvent
from models.enums import EventKind
from tests.api.apitools import Tree, new_wish
from tests.api.chat.chat_tools import MEMBER, command, who, wish


def _events(session: Session, wish_id: int, kind: EventKind) -> list[WishEvent]:
    session.expire_all()
    found = list(
        session.exec(
            select(WishEvent).where(WishEvent.wish_id == wish_id, WishEvent.kind == kind)
        ).all()
    )
    session.rollback()
    return found


@pytest.fixture
def lenient(db_url: str, engine: Engine) -> Iterator[TestClient]:
    settings = ApiSettings(database_url=db_url, run_scheduler=False, auto_migrate=False)
    with TestClient(create_app(settings, engine=engine), raise_server_exceptions=False) as c:
        yield c


def test_a_command_that_fails_after_writing_leaves_nothing_and_runs_again_once(
    lenient: TestClient,
    bot: dict[str, str],
    tree: Tree,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logged = wish(lenient, bot, "w1")
    body = {
        **who("s1"),
        "command": {"name": "补充", "args": {"seq": logged["seq"], "text": "周六"}},
    }

    def crash(*_: Any) -> str:
        raise RuntimeError("died after the note was written, before the reply was stored")

    with monkeypatch.context() as patch:
        patch.setattr(commands.for_members, "supplemented", crash)
        assert lenient.post("/api/v1/bot/commands", json=body, headers=bot).status_code == 500
    assert _events(session, logged["wish_id"], EventKind.note) == []
    assert session.get(BotCommand, "s1") is None  # the reservation went too: a retry may run
    session.rollback()

    first = lenient.post("/api/v1/bot/commands", json=body, headers=bot).json()
    again = lenient.post("/api/v1/bot/commands", json=body, headers=bot).json()
    assert first == again and "补充" in first["reply"]
    [note] = _events(session, logged["wish_id"], EventKind.note)
    assert note.note == "补充：周六"


def test_a_refused_command_keeps_its_reply_and_undoes_its_writes(
    client: TestClient, bot: dict[str, str], tree: Tree, session: Session
) -> None:
    logged = wish(client, bot, "w1")
    # 开始 needs a matched wish: refused with the workflow's own message, stored for replays.
    refused = command(client, bot, "c1", "开始", seq=logged["seq"])
    assert refused["ok"] is False and "不能开始服务" in refused["reply"]
    assert command(client, bot, "c1", "开始", seq=logged["seq"]) == refused
    assert _events(session, logged["wish_id"], EventKind.transition) == []


def test_recategorising_is_one_rule_in_the_group_and_in_the_admin_api(
    client: TestClient, bot: dict[str, str], admin: dict[str, str], tree: Tree, session: Session
) -> None:
    in_chat = wish(client, bot, "w1", category="other", confidence=0.8)
    by_hand = new_wish(client, admin, office_id=tree.street, category="other", confidence=0.8)
    url = f"/api/v1/wishes/{in_chat['wish_id']}"
    before = client.get(url, headers=admin).json()["wish"]["version"]

    reply = command(client, bot, "k1", "改类", seq=in_chat["seq"], category="legal")
    assert "改为「法律维权」" in reply["reply"]
    patched = client.patch(
        f"/api/v1/wishes/{by_hand['id']}", json={"category": "legal"}, headers=admin
    )
    assert patched.status_code == 200, patched.text

    chat_wish = client.get(url, headers=admin).json()
    assert chat_wish["wish"]["version"] == before + 1
    assert patched.json()["version"] == by_hand["version"] + 1
    notes = [
        [e.note for e in _events(session, w, EventKind.category_changed)]
        for w in (in_chat["wish_id"], by_hand["id"])
    ]
    assert notes == [["其他 → 法律维权"], ["其他 → 法律维权"]]
    corrections = session.exec(select(Correction).order_by(Correction.id)).all()  # type: ignore[arg-type]
    session.rollback()
    assert [(c.wish_id, c.corrected_category) for c in corrections] == [
        (in_chat["wish_id"], "legal"),
        (by_hand["id"], "legal"),
    ]


def test_recategorising_to_the_same_category_says_so_and_writes_nothing(
    client: TestClient, bot: dict[str, str], admin: dict[str, str], tree: Tree, session: Session
) -> None:
    logged = wish(client, bot, "w1", category="family", confidence=0.8)
    reply = command(client, bot, "k1", "改类", seq=logged["seq"], category="family")
    assert reply["ok"] is True and "没有变化" in reply["reply"] and "家庭教育" in reply["reply"]
    url = f"/api/v1/wishes/{logged['wish_id']}"
    unchanged = client.patch(url, json={"category": "family"}, headers=admin).json()
    assert unchanged["version"] == 1
    assert _events(session, logged["wish_id"], EventKind.category_changed) == []
    assert session.exec(select(Correction)).all() == []
    session.rollback()


def test_a_member_supplements_only_her_own_wish(
    client: TestClient, bot: dict[str, str], tree: Tree, session: Session
) -> None:
    logged = wish(client, bot, "w1")
    other = command(client, bot, "s1", "补充", talker="wx_other", seq=logged["seq"], text="嗯")
    assert other["ok"] is False and "没有找到您的心愿" in other["reply"]
    empty = command(client, bot, "s2", "补充", talker=MEMBER, seq=logged["seq"], text="  ")
    assert empty["ok"] is False and "补充的内容" in empty["reply"]
    assert _events(session, logged["wish_id"], EventKind.note) == []
