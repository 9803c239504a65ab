"""The outbox: messages the bot delivers to WeChat. Jobs and services only ever write here.

Delivery is at-least-once up to the acknowledgement and never repeated after it: the bot leases a
batch, sends, and acknowledges each entry with the sent message id; an entry whose lease runs out
unacknowledged is offered again.

These functions only flush: the entry point calling them (an admin request, a bot request, a
follow-up run) commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.domain.errors import Conflict, NotFound
from models import Outbox
from models.clock import utcnow
from models.enums import OutboxStatus
from models.outbox import OutboxCreate

MAX_ATTEMPTS = 10


def enqueue_message(*, session: Session, message_in: OutboxCreate) -> Outbox:
    """Adds a message; with a dedupe_key already used, returns the existing entry instead."""
    key = message_in.dedupe_key
    if key:
        existing = _by_key(session, key)
        if existing is not None:
            return existing
    message = Outbox.model_validate(message_in)
    if not key:
        session.add(message)
        session.flush()
    else:
        try:
            # A savepoint: if another scheduler instance stored the same key meanwhile, only this
            # insert is undone, not the caller's transaction.
            with session.begin_nested():
                session.add(message)
        except IntegrityError:
            existing = _by_key(session, key)
            if existing is None:
                raise
            return existing
    session.refresh(message)  # as stored, as a read would return it
    return message


def enqueue_messages(*, session: Session, messages: Sequence[OutboxCreate]) -> int:
    """enqueue_message for many at once, in a few multi-row INSERTs: a message whose
    dedupe_key is stored already (an earlier run, another instance meanwhile) or repeats one
    earlier in the batch is skipped (ON CONFLICT DO NOTHING, no savepoint per message).
    Returns how many were added."""
    keyed: dict[str, dict[str, Any]] = {}
    plain: list[dict[str, Any]] = []
    for message_in in messages:
        row = Outbox.model_validate(message_in).model_dump(exclude={"id"})
        if message_in.dedupe_key:
            keyed.setdefault(message_in.dedupe_key, row)
        else:
            plain.append(row)
    table = cast(sa.Table, Outbox.__table__)  # type: ignore[attr-defined]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    connection = session.connection()
    # With RETURNING, SQLAlchemy sends each executemany as multi-row INSERTs ("insertmanyvalues");
    # a row skipped by ON CONFLICT returns nothing, so the rows returned are the rows added.
    added = 0
    if keyed:
        stmt = dialect.insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
        added += len(connection.execute(stmt.returning(table.c.id), list(keyed.values())).all())
    if plain:
        added += len(connection.execute(table.insert().returning(table.c.id), plain).all())
    return added


def _by_key(session: Session, key: str) -> Outbox | None:
    return session.exec(select(Outbox).where(Outbox.dedupe_key == key)).first()


def lease_messages(
    *, session: Session, limit: int, lease_seconds: int, urgent_only: bool = False
) -> list[Outbox]:
    """Hands out up to `limit` pending messages, oldest first, each leased for a while.

    The caller commits at once: until then other bots cannot see the lease (and on SQLite the
    transaction holds the write lock).
    `urgent_only`: in quiet hours the bot asks only for messages marked urgent.
    """
    now = utcnow()
    free = sa.and_(
        col(Outbox.status) == OutboxStatus.pending,
        sa.or_(col(Outbox.lease_until).is_(None), col(Outbox.lease_until) < now),
    )
    query = select(Outbox.id).where(free).order_by(col(Outbox.id)).limit(limit)
    if urgent_only:
        query = query.where(col(Outbox.urgent).is_(True))
    leased: list[Outbox] = []
    until = now + timedelta(seconds=lease_seconds)
    for message_id in session.exec(query).all():
        # Conditional update: of two bots (or a bot and a stale retry) only one gets the entry.
        result = session.execute(
            sa.update(Outbox)
            .where(col(Outbox.id) == message_id, free)
            .values(lease_until=until, attempts=Outbox.attempts + 1)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            message = session.get(Outbox, message_id)
            if message is not None:
                session.refresh(message)  # the lease columns the UPDATE just wrote
                leased.append(message)
    return leased


def ack_message(*, session: Session, message_id: int, sent_message_id: str | None) -> Outbox:
    """Marks a message sent. Acknowledging twice is harmless; it is never offered again."""
    message = session.get(Outbox, message_id)
    if message is None:
        raise NotFound(f"没有找到编号为 {message_id} 的待发消息")
    if message.status == OutboxStatus.sent:
        return message
    message.status = OutboxStatus.sent
    message.sent_at = utcnow()
    message.sent_message_id = sent_message_id
    message.lease_until = None
    session.add(message)
    session.flush()
    session.refresh(message)
    return message


def fail_message(*, session: Session, message_id: int, error: str) -> Outbox:
    """Records a failed send: offered again at once, until MAX_ATTEMPTS."""
    message = session.get(Outbox, message_id)
    if message is None:
        raise NotFound(f"没有找到编号为 {message_id} 的待发消息")
    if message.status == OutboxStatus.sent:
        raise Conflict("这条消息已经发送，不能再标记为失败")
    message.last_error = error[:500]
    message.lease_until = None
    if message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.failed
    session.add(message)
    session.flush()
    session.refresh(message)
    return message
