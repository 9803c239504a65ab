"""A reminder run's statements do not grow with the overdue set; batched outbox writes dedupe."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, func, select

from api.domain.outbox import enqueue_messages
from api.followup.runner import FollowUpRunner
from models import Outbox, WishEvent
from models.enums import OutboxTarget
from models.outbox import OutboxCreate
from tests.api.followup.fu_world import World, at

OVERDUE = 60


def _statements(followup: FollowUpRunner, run: Any) -> int:
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    sa.event.listen(followup.db, "before_cursor_execute", count)
    try:
        run()
    finally:
        sa.event.remove(followup.db, "before_cursor_execute", count)
    return len(seen)


def _rows(session: Session, model: Any) -> int:
    total = session.exec(select(func.count()).select_from(model)).one()
    session.commit()
    return int(total)


def test_a_run_sends_a_few_statements_for_many_overdue_wishes(
    world: World, followup: FollowUpRunner
) -> None:
    for n in range(OVERDUE):
        # Two days old (overdue for a reminder and due to escalate), half of them through an
        # organisation's liaison, the others to the office's on-duty staff.
        world.wish(created_at=at(2026, 3, 2, 9, n % 60), org="with_liaison" if n % 2 else None)
    now = at(2026, 3, 4, 10)
    statements = _statements(followup, lambda: followup.run_reminders(now))
    report = followup.plan(now)  # nothing left to do: everything was claimed
    assert report.counts["overdue"] == 0
    events = _rows(world.session, WishEvent)
    assert events >= OVERDUE  # every wish got its timeline event(s)…
    # …from a handful of statements, not a few per wish.
    assert statements < OVERDUE // 2, statements
    messages = _rows(world.session, Outbox)
    # Run again at the same moment: claimed wishes are not due, nothing is added.
    followup.run_reminders(now)
    assert (_rows(world.session, WishEvent), _rows(world.session, Outbox)) == (events, messages)


def _message(key: str | None, text: str = "提醒") -> OutboxCreate:
    return OutboxCreate(
        target_kind=OutboxTarget.contact, target_id="wx_duty", text=text, dedupe_key=key
    )


def test_batched_enqueue_skips_stored_and_repeated_keys(world: World) -> None:
    session = world.session
    assert enqueue_messages(session=session, messages=[_message("k1", "第一次")]) == 1
    session.commit()
    batch = [
        _message("k1", "已经存过"),
        _message("k2", "新的"),
        _message("k2", "同一批里重复"),
        _message(None, "没有键一"),
        _message(None, "没有键二"),
    ]
    assert enqueue_messages(session=session, messages=batch) == 3
    session.commit()
    texts = {(m.dedupe_key, m.text) for m in session.exec(select(Outbox).order_by(Outbox.id)).all()}
    session.commit()
    assert texts == {("k1", "第一次"), ("k2", "新的"), (None, "没有键一"), (None, "没有键二")}
    assert enqueue_messages(session=session, messages=[]) == 0
