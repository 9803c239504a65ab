"""The 圆梦 announcement the ledger queues for a wish's group (wording: models.wording.members).

Public by choice only: the post names the wish by number and says nothing of it, unless staff
wrote a public summary when they recorded the fulfilment (``Fulfilment.public_summary``, the
完成 12 公开：… command); that summary is masked before it is worded. A sensitive wish gets no
post at all: even a neutral one would tell the group that the matter she was privately helped
with is over (api/domain/visibility.py).
"""

from __future__ import annotations

import logging

from sqlmodel import Session, select

from api.domain.outbox import enqueue_message
from models import Fulfilment, Group, Match, Resource, Wish
from models.enums import OutboxTarget
from models.outbox import OutboxCreate
from models.wording.members import fulfilment_announcement

logger = logging.getLogger(__name__)


def fulfilment_text(*, wish: Wish, fulfilment: Fulfilment, providers: list[str]) -> str | None:
    """The 圆梦 post's text; None for a sensitive wish (no post)."""
    from nlp import mask  # masks phone and ID numbers staff may have typed into the summary

    if wish.sensitive:
        return None
    public = (fulfilment.public_summary or "").strip()
    return fulfilment_announcement(
        seq=wish.seq,
        public_summary=mask(public) if public else None,
        beneficiaries=fulfilment.beneficiaries,
        providers=providers,
    )


def queue_fulfilment_announcement(*, session: Session, wish: Wish, fulfilment: Fulfilment) -> None:
    """Queues the 圆梦 message for the source group (once per wish, whatever retries happen)."""
    if wish.group_id is None:
        return
    if wish.sensitive:
        logger.info("wish %s is sensitive: no 圆梦 post", wish.id)
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
    if text is None:
        return
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
