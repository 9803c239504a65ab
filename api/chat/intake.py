"""What the bot sees arrive: groups, and wishes posted in them (including 点单 of a resource).

Each function adds to the bot request's one transaction (api/http/routes/bot.py) and flushes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.chat.arrival import BOT, follow_new_wish, ordered_resource, ordered_wish, wish_reply
from api.chat.context import find_group
from api.chat.private import record_membership
from api.chat.schemas import BotReply, BotWishIn, GroupSeenOut
from api.domain.duplicates import (
    DEFAULT_WINDOW_DAYS,
    find_duplicate,
    group_acknowledged,
    record_repeat,
    repeat_for_message,
)
from api.domain.visibility import SensitiveRule
from api.domain.wishes import create_wish
from models import Group, Office, Resource, Staff, Wish
from models.enums import Category, WishKind
from models.wish import MAX_WISH_TEXT, WishCreate
from models.wording import members as for_members

logger = logging.getLogger(__name__)


def group_seen(*, session: Session, room_id: str, topic: str) -> GroupSeenOut:
    """The group, registered disabled when the bot sees it for the first time."""
    group = find_group(session, room_id)
    created = False
    if group is None:
        group = Group(room_id=room_id, topic=topic[:200], enabled=False)
        try:
            with session.begin_nested():
                session.add(group)
            created = True
            logger.info("new WeChat group registered (disabled): %s", room_id)
        except IntegrityError:  # the same group reported twice at once: the other one won
            group = find_group(session, room_id)
            if group is None:
                raise
    elif topic and group.topic != topic:
        group.topic = topic[:200]
        session.add(group)
        session.flush()
    assert group.id is not None
    return GroupSeenOut(
        group_id=group.id,
        enabled=group.enabled,
        office_id=group.office_id,
        is_staff_group=group.is_staff_group,
        created=created,
        ask_members=group.ask_members,
        staff_ids=speaking_staff(session, group.office_id),
    )


def speaking_staff(session: Session, office_id: int | None) -> list[str]:
    """Staff who may speak in a group of this office: its own, its parents' and its children's
    (a street cadre answers in a community group). The bot never logs them automatically."""
    if office_id is None:
        return []
    office = session.get(Office, office_id)
    if office is None:
        return []
    ancestors = [int(part) for part in office.path.strip("/").split("/") if part]
    rows = session.exec(
        select(Staff.wechat_id)
        .join(Office, col(Office.id) == col(Staff.office_id))
        .where(
            col(Staff.active).is_(True),
            sa.or_(col(Office.id).in_(ancestors), col(Office.path).startswith(office.path)),
        )
    ).all()
    return sorted(set(rows))


def submit_wish(
    *,
    session: Session,
    wish_in: BotWishIn,
    urgent_words: Sequence[str] = (),
    duplicate_window_days: float = DEFAULT_WINDOW_DAYS,
    sensitive_rule: SensitiveRule | None = None,
    now: datetime | None = None,
    privacy_notice: str = "",
) -> BotReply:
    """Logs a wish posted in a group; idempotent on the WeChat message id.

    A 点单 (``resource_id``) logs the wish and links the resource in the same transaction, so
    a failure between the two leaves neither, and a replay logs both, once.

    The same member repeating an open wish of hers (another group, a day later; within
    ``duplicate_window_days``, 0 = never merge) gets no new wish: the message is merged into it
    (api/domain/duplicates.py), staff are not alerted again, and the group hears the number
    once, then a short status reply.

    A sensitive wish (``sensitive_rule``, api/domain/visibility.py) is acknowledged without
    number, category or content, and she is invited to go on in a private chat."""

    group = find_group(session, wish_in.room_id) if wish_in.room_id else None
    if group is None or not group.enabled or group.office_id is None:
        if group is not None and group.enabled:
            logger.warning("group %s is enabled but has no office: wish not logged", group.id)
        return BotReply(ok=False, ignored=True)
    office = session.get(Office, group.office_id)
    assert office is not None
    record_membership(session=session, wechat_id=wish_in.talker_id, group=group)
    resource: Resource | None = None
    category = wish_in.category or Category.other
    text = wish_in.text
    if wish_in.resource_id is not None:
        resource = ordered_resource(session=session, resource_id=wish_in.resource_id, office=office)
        if resource is None:
            return BotReply(ok=False, reply=for_members.resource_not_found(wish_in.resource_id))
        text, category = ordered_wish(text, category, resource)
    else:
        merged = _merge_repeat(session, wish_in, group, duplicate_window_days, now)
        if merged is not None:
            return merged
    wish, created = create_wish(
        session=session,
        wish_in=WishCreate(
            text=text[:MAX_WISH_TEXT],
            category=category,
            kind=wish_in.kind or WishKind.need,
            group_id=group.id,
            submitter_wechat_id=wish_in.talker_id,
            submitter_name=wish_in.talker_name[:50] or None,
            source_message_id=wish_in.message_id,
            confidence=wish_in.confidence,
            keywords=wish_in.keywords[:50],
        ),
        actor=BOT,
        sensitive_rule=sensitive_rule,
    )
    if created:
        follow_new_wish(
            session=session,
            wish=wish,
            group=group,
            original=text,
            resource=resource,
            urgent_words=urgent_words,
            privacy_notice=privacy_notice,
        )
    if resource is not None:
        reply = (
            for_members.SENSITIVE_RECEIVED
            if wish.sensitive
            else for_members.resource_wish_received(wish.seq, resource.name)
        )
    else:
        reply = _acknowledgement(wish, wish_in)
    return wish_reply(wish, reply, created=created)


def _merge_repeat(
    session: Session,
    wish_in: BotWishIn,
    group: Group,
    window_days: float,
    now: datetime | None,
) -> BotReply | None:
    """The reply when this message repeats an open wish of the same member; None: log it."""
    repeat = repeat_for_message(session, wish_in.message_id)
    if repeat is not None:  # a replay of a merged message: the same reply as the first time
        wish = session.get(Wish, repeat.wish_id)
        assert wish is not None
        return _repeat_reply(wish, wish_in, acknowledged=repeat.acknowledged)
    original = session.exec(
        select(Wish.id).where(Wish.source_message_id == wish_in.message_id)
    ).first()
    if original is not None:  # a replay of the message that logged a wish: create_wish's case
        return None
    assert group.office_id is not None
    wish = find_duplicate(
        session=session,
        office_id=group.office_id,
        submitter_wechat_id=wish_in.talker_id,
        text=wish_in.text,
        window_days=window_days,
        now=now,
    )
    if wish is None:
        return None
    acknowledged = not group_acknowledged(session, wish, group.id)
    repeat = record_repeat(
        session=session,
        wish=wish,
        group=group,
        message_id=wish_in.message_id,
        acknowledged=acknowledged,
        actor=BOT,
    )
    logger.info("message in group %s merged into wish %s", group.id, wish.id)
    return _repeat_reply(wish, wish_in, acknowledged=repeat.acknowledged)


def _repeat_reply(wish: Wish, wish_in: BotWishIn, *, acknowledged: bool) -> BotReply:
    if acknowledged or wish.sensitive:  # as for a new one (a sensitive wish: never a number)
        reply = _acknowledgement(wish, wish_in)
    else:
        reply = for_members.already_logged(wish.seq)
    return wish_reply(wish, reply, created=False)


def _acknowledgement(wish: Wish, wish_in: BotWishIn) -> str:
    """已收到您的心愿 #N (the number only), noting (masked) any phone or ID number she wrote
    in the group; a sensitive wish: 已收到，工作人员会私下联系您 (no number, no category)."""
    from nlp import mask

    if wish.sensitive:
        return for_members.SENSITIVE_RECEIVED
    masked = mask(wish_in.text)
    contact = _masked_numbers(masked) if masked != wish_in.text else None
    return for_members.wish_received(wish.seq, masked_contact=contact)


def _masked_numbers(masked: str) -> str:
    """The masked phone/ID numbers of a text, e.g. "138****5678"."""
    found = re.findall(r"[0-9A-Za-z]*\*{4,}[0-9A-Za-z]*", masked)
    return "、".join(found[:2])
