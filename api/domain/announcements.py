"""The 圆梦 announcement the ledger queues for a wish's group (wording: models.wording.members).

It never carries members' personal data: the summary staff typed is masked before it is worded.
"""

from __future__ import annotations

from sqlmodel import Session, select

from api.domain.outbox import enqueue_message
from models import Fulfilment, Group, Match, Resource, Wish
from models.enums import OutboxTarget
from models.outbox import OutboxCreate
from models.wording.members import fulfilment_announcement


def fulfilment_text(*, wish: Wish, fulfilment: Fulfilment, providers: list[str]) -> str:
    from nlp import mask  # masks phone and ID numbers staff may have typed into the summary

    return fulfilment_announcement(
        seq=wish.seq,
        category=wish.category,
        summary=mask(fulfilment.summary.strip()),
        beneficiaries=fulfilment.beneficiaries,
        providers=providers,
    )


def queue_fulfilment_announcement(*, session: Session, wish: Wish, fulfilment: Fulfilment) -> None:
    """Queues the 圆梦 message for the source group (once per wish, whatever retries happen)."""
    if wish.group_id is None:
        return
    group = session.get(Group, wish.group_id)
    if group is None or not group.enabled:
        return
    providers = list(
        dict.fromkeys(
            session.exec(
                select(Resource.provider)
                .join(Match, Match.resource_id == Resource.id)  # type: ignore[arg-type]
                .where(Match.wish_id == wish.id)
            ).all()
        )
    )
    text = fulfilment_text(wish=wish, fulfilment=fulfilment, providers=providers)
    enqueue_message(
        session=session,
        message_in=OutboxCreate(
            target_kind=OutboxTarget.room,
            target_id=group.room_id,
            text=text,
            kind="announcement",
            dedupe_key=f"fulfilled:{wish.id}",
        ),
    )
