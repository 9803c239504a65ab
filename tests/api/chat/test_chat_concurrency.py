"""The same command delivered twice at once (two API workers): applied once, answered twice."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.chat.commands import run_command_once
from api.chat.schemas import BotCommandIn, BotReply
from models import WishEvent
from models.enums import EventKind
from tests.api.apitools import Tree
from tests.api.chat.chat_tools import MEMBER, who, wish


def _someone_waits_for_a_lock(engine: Engine) -> bool:
    with engine.connect() as conn:
        waiting = conn.execute(
            sa.text("SELECT count(*) FROM pg_locks WHERE NOT granted")
        ).scalar_one()
    return int(waiting) > 0


def test_a_duplicate_racing_in_gets_the_first_reply(
    client: TestClient, bot: dict[str, str], tree: Tree, engine: Engine
) -> None:
    logged = wish(client, bot, "w1")
    body = BotCommandIn.model_validate(
        {
            **who("dup", MEMBER),
            "command": {"name": "补充", "args": {"seq": logged["seq"], "text": "周六"}},
        }
    )
    second: list[BotReply] = []

    def worker_two() -> None:
        with Session(engine, expire_on_commit=False) as other, other.begin():
            second.append(run_command_once(session=other, command_in=body))

    with Session(engine, expire_on_commit=False) as one, one.begin():
        first = run_command_once(session=one, command_in=body)
        thread = threading.Thread(target=worker_two)
        thread.start()
        if engine.dialect.name == "postgresql":
            # Worker two must be stuck behind our uncommitted reservation before we commit.
            deadline = threading.Event()
            timer = threading.Timer(20, deadline.set)
            timer.start()
            while not _someone_waits_for_a_lock(engine):
                assert not deadline.is_set(), "the duplicate never waited for the reservation"
            timer.cancel()
    thread.join(timeout=30)
    assert second == [first] and first.ok and "补充" in first.reply
    with Session(engine) as check:
        notes = check.exec(
            select(WishEvent).where(
                WishEvent.wish_id == logged["wish_id"], WishEvent.kind == EventKind.note
            )
        ).all()
    assert len(notes) == 1
