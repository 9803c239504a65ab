"""Wish intake from the bot: 点单 follows the resource library's rule and is one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.chat import arrival
from api.http.app import create_app
from api.settings import ApiSettings
from models import Match, Wish, WishEvent
from models.enums import EventKind
from models.wording import members as for_members
from tests.api.apitools import Tree
from tests.api.chat.chat_tools import command, who, wish


def _rows(session: Session) -> tuple[list[Wish], list[Match], list[WishEvent]]:
    session.expire_all()
    found = (
        list(session.exec(select(Wish)).all()),
        list(session.exec(select(Match)).all()),
        list(session.exec(select(WishEvent).where(WishEvent.kind == EventKind.matched)).all()),
    )
    session.rollback()  # SQLite: do not hold the write lock beside the app
    return found


def test_a_member_cannot_order_another_offices_resource(
    client: TestClient, bot: dict[str, str], tree: Tree, session: Session
) -> None:
    # 西区's parent-child class does not serve 东风街道 (under 东区): as if it did not exist.
    refused = wish(client, bot, "o1", "我要 资源", resource_id=tree.west_resource)
    assert refused["ok"] is False
    assert refused["reply"] == for_members.resource_not_found(tree.west_resource)
    assert _rows(session) == ([], [], [])
    # Nor is it on her menu, while the city-wide legal aid is, and can be ordered.
    menu = command(client, bot, "m1", "资源", talker="wx_member")["reply"]
    assert "法律援助" in menu and "西区亲子课堂" not in menu
    ordered = wish(client, bot, "o2", "我要 资源", resource_id=tree.resource)
    assert ordered["ok"] is True and "法律援助" in ordered["reply"]


@pytest.fixture
def lenient(db_url: str, engine: Engine) -> Iterator[TestClient]:
    """The app answering a crash with its polite 500 instead of raising it into the test."""
    settings = ApiSettings(database_url=db_url, run_scheduler=False, auto_migrate=False)
    app = create_app(settings, engine=engine)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_an_order_is_one_transaction_and_a_replay_links_it_once(
    lenient: TestClient,
    bot: dict[str, str],
    tree: Tree,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body: dict[str, Any] = {**who("order-1"), "text": "我要 资源", "resource_id": tree.resource}

    def crash(*_: Any, **__: Any) -> None:
        raise RuntimeError("the API process died between the wish and its match")

    with monkeypatch.context() as patch:
        patch.setattr(arrival, "link_ordered_resource", crash)
        failed = lenient.post("/api/v1/bot/wishes", json=body, headers=bot)
    assert failed.status_code == 500
    assert "the API process died" not in failed.text
    assert _rows(session) == ([], [], [])  # the wish went with its match: nothing half-done

    for _ in range(2):  # the bot replays the spooled message, maybe twice
        replayed = lenient.post("/api/v1/bot/wishes", json=body, headers=bot)
        assert replayed.status_code == 200, replayed.text
    wishes, matches, events = _rows(session)
    assert len(wishes) == 1 and wishes[0].source_message_id == "order-1"
    assert [(m.wish_id, m.resource_id) for m in matches] == [(wishes[0].id, tree.resource)]
    assert len(events) == 1
