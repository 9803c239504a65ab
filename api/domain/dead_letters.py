"""Dead letters: messages the bot could not get handled after several tries.

The bot reports each one once it gives up (idempotent on the WeChat message id); staff of the
group's office see them (with the member's words: staff only, never in a public message) and
can replay one through the chat service (api/chat/replay.py) once the cause is fixed.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.domain.auth import Principal
from api.domain.common import ensure_visible, get_or_404, scope_clause
from api.domain.listing import ListParams, paginate
from models import DeadLetter, Group
from models.clock import utcnow
from models.dead_letter import DeadLetterCreate, DeadLetterPublic

logger = logging.getLogger(__name__)

SORTABLE = {"id": col(DeadLetter.id), "created_at": col(DeadLetter.created_at)}


def record_dead_letter(*, session: Session, letter_in: DeadLetterCreate) -> DeadLetter:
    """Stores the bot's report; the same message reported again returns the first row."""
    existing = _by_message(session, letter_in.message_id)
    if existing is not None:
        return existing
    payload = dict(letter_in.payload)
    room_id = _text(payload.get("room_id"))
    group = session.exec(select(Group).where(Group.room_id == room_id)).first() if room_id else None
    letter = DeadLetter(
        message_id=letter_in.message_id,
        kind=letter_in.kind,
        attempts=letter_in.attempts,
        error=letter_in.error,
        payload=payload,
        room_id=room_id,
        talker_id=_text(payload.get("talker_id")),
        office_id=group.office_id if group is not None else None,
    )
    try:
        with session.begin_nested():
            session.add(letter)
    except IntegrityError:  # reported twice at once: the other one won
        existing = _by_message(session, letter_in.message_id)
        if existing is None:
            raise
        return existing
    logger.warning("dead letter %s recorded (%s, %d attempts)", letter.id, letter.kind,
                   letter.attempts)  # fmt: skip
    return letter


def list_dead_letters(
    *, session: Session, principal: Principal, params: ListParams, replayed: bool | None = None
) -> tuple[list[DeadLetterPublic], int]:
    stmt = select(DeadLetter)
    scope = scope_clause(principal, col(DeadLetter.office_id))
    if scope is not None:
        stmt = stmt.where(scope)
    if replayed is not None:
        column = col(DeadLetter.replayed_at)
        stmt = stmt.where(column.is_not(None) if replayed else column.is_(None))
    rows, total = paginate(
        session=session,
        stmt=stmt,
        params=params,
        sortable=SORTABLE,
        default_sort="-id",
    )
    return [public(row) for row in rows], total


def get_dead_letter(*, session: Session, principal: Principal, letter_id: int) -> DeadLetter:
    letter = get_or_404(session, DeadLetter, letter_id)
    ensure_visible(session, principal, letter.office_id, f"编号为 {letter_id} 的待处理消息")
    return letter


def mark_replayed(*, session: Session, letter: DeadLetter, reply: str) -> DeadLetter:
    letter.replayed_at = utcnow()
    letter.replay_count += 1
    letter.replay_reply = reply[:2000]
    session.add(letter)
    session.flush()
    return letter


def public(letter: DeadLetter) -> DeadLetterPublic:
    payload: dict[str, Any] = letter.payload or {}
    text = payload.get("text")
    if not isinstance(text, str):
        command = payload.get("command")
        text = str(command.get("name", "")) if isinstance(command, dict) else ""
    assert letter.id is not None
    return DeadLetterPublic(
        id=letter.id,
        message_id=letter.message_id,
        kind=letter.kind,
        attempts=letter.attempts,
        error=letter.error,
        room_id=letter.room_id,
        talker_id=letter.talker_id,
        office_id=letter.office_id,
        text=text,
        created_at=letter.created_at,
        replayed_at=letter.replayed_at,
        replay_count=letter.replay_count,
        replay_reply=letter.replay_reply,
    )


def _by_message(session: Session, message_id: str) -> DeadLetter | None:
    return session.exec(select(DeadLetter).where(DeadLetter.message_id == message_id)).first()


def _text(value: Any) -> str | None:
    return str(value)[:100] if isinstance(value, str) and value else None
