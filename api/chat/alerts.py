"""Private alerts to the staff responsible for a group (有求即答): new wishes and triage items.

Who hears of it is api/domain/routing.py's rule (the organisation's liaison, else the zone's staff,
else the office's on-duty staff); nobody found → the office's staff group. Alerts go through the
outbox, so the bot sends them within its long-poll; in quiet hours they wait for the morning unless
an urgent word (api.urgent_words) is in the text. Texts are masked before they leave the ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlmodel import Session, col, select

from api.domain.outbox import enqueue_message
from api.domain.routing import responsible_staff
from api.domain.suggestions import suggest_resources
from api.domain.triage import masked_excerpt, triage_alert_fields
from models import Group, Resource, TriageItem, Wish
from models.enums import Category, OutboxTarget
from models.outbox import OutboxCreate
from models.wording import staff as for_staff

logger = logging.getLogger(__name__)

SUGGESTIONS = 3


def suggested(session: Session, wish: Wish) -> list[for_staff.SuggestedResource]:
    """The top resources for `wish` (api/domain/suggestions), with their providers."""
    found = suggest_resources(session=session, wish=wish, limit=SUGGESTIONS)
    providers = dict(
        session.exec(
            select(Resource.id, Resource.provider).where(
                col(Resource.id).in_([s.resource_id for s in found])
            )
        ).all()
    )
    return [
        for_staff.SuggestedResource(
            s.resource_id, s.name, providers.get(s.resource_id, ""), s.reasons
        )
        for s in found
    ]


def is_urgent(text: str, words: Sequence[str]) -> bool:
    return any(word and word in text for word in words)


def alert_responsible(
    *,
    session: Session,
    office_id: int,
    group: Group | None,
    text: str,
    urgent: bool,
    key: str,
    organisation_id: int | None = None,
    room_text: str | None = None,
) -> int:
    """Queues `text` privately to each responsible staff member; returns how many were queued.

    ``key`` makes the alert idempotent: a replayed request queues nothing new. ``room_text``:
    what the staff group reads instead when nobody responsible was found (a sensitive wish's
    words go to no group)."""
    people = responsible_staff(
        session=session,
        office_id=office_id,
        group_id=group.id if group is not None else None,
        organisation_id=organisation_id,
    )
    targets = [(OutboxTarget.contact, p.wechat_id, f"{key}:staff{p.id}") for p in people]
    if not targets:
        rooms = session.exec(
            select(Group).where(
                Group.office_id == office_id,
                col(Group.is_staff_group).is_(True),
                col(Group.enabled).is_(True),
            )
        ).all()
        targets = [(OutboxTarget.room, g.room_id, f"{key}:group{g.id}") for g in rooms]
        text = room_text if room_text is not None else text
    if not targets:
        logger.warning("office %s has nobody to alert (no staff, no staff group)", office_id)
    for kind, target, dedupe in targets:
        enqueue_message(
            session=session,
            message_in=OutboxCreate(
                target_kind=kind,
                target_id=target,
                text=text,
                urgent=urgent,
                kind="alert",
                dedupe_key=dedupe,
            ),
        )
    return len(targets)


def alert_new_wish(
    *,
    session: Session,
    wish: Wish,
    group: Group | None,
    original: str,
    urgent_words: Sequence[str],
    unknown_organisation: str | None = None,
) -> int:
    from nlp import mask

    text = for_staff.new_wish_alert(
        seq=wish.seq,
        category=Category(wish.category),
        text=masked_excerpt(wish.text),
        group_topic=group.topic if group is not None else "",
        talker=mask(wish.submitter_name or "")[:20],
        suggestions=suggested(session, wish),
    )
    if unknown_organisation:
        text += "\n" + for_staff.organisation_proposed(mask(unknown_organisation))
    return alert_responsible(
        session=session,
        office_id=wish.office_id,
        group=group,
        text=text,
        urgent=is_urgent(original, urgent_words),
        key=f"alert:wish:{wish.id}",
        organisation_id=wish.organisation_id,
        room_text=for_staff.sensitive_wish_alert(wish.seq) if wish.sensitive else None,
    )


def alert_triage(
    *,
    session: Session,
    item: TriageItem,
    group: Group | None,
    original: str,
    urgent_words: Sequence[str],
) -> int:
    fields = triage_alert_fields(item, group)
    text = for_staff.triage_alert(
        label=str(fields["label"]),
        text=str(fields["text"]),
        group_topic=str(fields.get("group_topic") or ""),
        talker=str(fields.get("talker_name") or ""),
    )
    return alert_responsible(
        session=session,
        office_id=item.office_id,
        group=group,
        text=text,
        urgent=is_urgent(original, urgent_words),
        key=f"alert:triage:{item.id}",
    )
