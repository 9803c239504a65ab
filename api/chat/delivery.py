"""Outbox delivery for the bot: the messages it should send next."""

from __future__ import annotations

from sqlmodel import Session

from api.chat.schemas import BotOutboxItem
from api.domain.outbox import lease_messages


def lease_for_bot(
    *, session: Session, limit: int, lease_seconds: int, urgent_only: bool
) -> list[BotOutboxItem]:
    """Leases pending outbox messages; during quiet hours the bot asks for urgent ones only."""
    leased = lease_messages(
        session=session, limit=limit, lease_seconds=lease_seconds, urgent_only=urgent_only
    )
    return [
        BotOutboxItem(
            id=m.id or 0,
            target_kind=str(m.target_kind),
            target_id=m.target_id,
            text=m.text,
            mention_ids=list(m.mention_ids),
            urgent=m.urgent,
            kind=m.kind,
        )
        for m in leased
    ]
