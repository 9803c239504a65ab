"""Uncertain messages (triage items): the bot's report of one, and staff's 登记 / 忽略 / 代登记.

Nothing about a triage item is said in the group: the responsible staff are told privately, and
only when they accept it is the member acknowledged in her group, with her number. The words are
kept until staff decide, at most api.triage_lifetime_hours (api/domain/triage.py deletes them).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlmodel import Session, col, select

from api.chat.alerts import alert_triage
from api.chat.arrival import send_privacy_notice
from api.chat.context import CommandContext, Refusal, find_group
from api.chat.private import record_membership
from api.chat.schemas import BotReply, BotWishIn
from api.domain.outbox import enqueue_message
from api.domain.triage import (
    accept_triage_item,
    create_triage_item,
    ignore_triage_item,
    purge_expired_triage,
    record_missed_wish,
)
from api.domain.wishes import Actor, create_wish
from models import Group, Office, TriageItem, Wish
from models.clock import utcnow
from models.enums import Category, OutboxTarget, WishKind
from models.outbox import OutboxCreate
from models.wish import MAX_WISH_TEXT, WishCreate
from models.wording import members as for_members
from models.wording import staff as for_staff

logger = logging.getLogger(__name__)


def submit_triage(
    *,
    session: Session,
    triage_in: BotWishIn,
    urgent_words: Sequence[str],
    lifetime_hours: float,
) -> BotReply:
    """Queues an uncertain group message for staff; idempotent on the message id. No reply."""
    group = find_group(session, triage_in.room_id) if triage_in.room_id else None
    if group is None or not group.enabled or group.office_id is None:
        return BotReply(ok=False, ignored=True)
    record_membership(session=session, wechat_id=triage_in.talker_id, group=group)
    now = utcnow()
    purge_expired_triage(session=session, now=now)  # cheap and idempotent: keeps words short-lived
    item, created = create_triage_item(
        session=session,
        office_id=group.office_id,
        room_id=group.room_id,
        message_id=triage_in.message_id,
        talker_id=triage_in.talker_id,
        talker_name=triage_in.talker_name[:50] or None,
        text=triage_in.text[:MAX_WISH_TEXT],
        category=triage_in.category or Category.other,
        kind=triage_in.kind or WishKind.need,
        confidence=triage_in.confidence,
        keywords=triage_in.keywords[:50],
        now=now,
        lifetime_hours=lifetime_hours,
    )
    if created:
        alert_triage(
            session=session,
            item=item,
            group=group,
            original=triage_in.text,
            urgent_words=urgent_words,
        )
        logger.info("triage item T%s queued in office %s", item.seq, item.office_id)
    return BotReply(ok=True, reply="", created=created)


# ---- staff commands ------------------------------------------------------------------------


def _item_office(ctx: CommandContext, seq: int) -> int:
    """The office of T<seq> among the offices this command reaches (T-numbers are per office)."""
    office = ctx.office
    rows = ctx.session.exec(
        select(TriageItem.office_id)
        .join(Office, col(Office.id) == col(TriageItem.office_id))
        .where(TriageItem.seq == seq, col(Office.path).startswith(office.path))
    ).all()
    offices = set(rows)
    if office.id in offices:
        return office.id  # the group's own office first
    if len(offices) == 1:
        return offices.pop()
    if offices:
        raise Refusal(for_staff.TRIAGE_AMBIGUOUS)
    return office.id or 0  # not found: the domain says so politely


def _tell_member(session: Session, wish: Wish, privacy_notice: str = "") -> bool:
    """The member hears her number in her group, once (a replayed 登记 queues nothing new);
    a message she sent privately is answered privately (api/chat/private.py)."""
    group = session.get(Group, wish.group_id) if wish.group_id else None
    if wish.submitter_wechat_id:
        send_privacy_notice(
            session=session, wechat_id=wish.submitter_wechat_id, text=privacy_notice
        )
    if group is None and wish.submitter_wechat_id:
        enqueue_message(
            session=session,
            message_in=OutboxCreate(
                target_kind=OutboxTarget.contact,
                target_id=wish.submitter_wechat_id,
                text=for_members.private_wish_accepted(wish.seq, sensitive=wish.sensitive),
                urgent=True,
                kind="ack",
                dedupe_key=f"ack:wish:{wish.id}",
            ),
        )
        return True
    if group is None or not group.enabled:
        return False
    mention = [wish.submitter_wechat_id] if wish.submitter_wechat_id else []
    if wish.sensitive and not mention:
        return False  # her name beside "we will contact you privately" says too much
    if wish.sensitive:
        text = for_members.SENSITIVE_RECEIVED
    elif mention:
        text = for_members.wish_received(wish.seq)
    else:
        text = for_members.wish_received_for(wish.submitter_name or "", wish.seq)
    enqueue_message(
        session=session,
        message_in=OutboxCreate(
            target_kind=OutboxTarget.room,
            target_id=group.room_id,
            text=text,
            mention_ids=mention,
            urgent=True,  # an answer to what she said: not held for quiet hours
            kind="ack",
            dedupe_key=f"ack:wish:{wish.id}",
        ),
    )
    return True


def accept(ctx: CommandContext) -> str:
    staff = ctx.staff
    assert staff is not None
    seq = ctx.seq()
    wish = accept_triage_item(
        session=ctx.session,
        office_id=_item_office(ctx, seq),
        seq=seq,
        staff=staff,
        now=utcnow(),
        sensitive_rule=ctx.sensitive_rule,
    )
    told = _tell_member(ctx.session, wish, ctx.privacy_notice)
    return for_staff.triage_accepted(f"T{seq}", wish.seq, told)


def ignore(ctx: CommandContext) -> str:
    staff = ctx.staff
    assert staff is not None
    seq = ctx.seq()
    ignore_triage_item(
        session=ctx.session,
        office_id=_item_office(ctx, seq),
        seq=seq,
        staff=staff,
        now=utcnow(),
    )
    return for_staff.triage_ignored(f"T{seq}")


def register_for_member(ctx: CommandContext) -> str:
    """`登记 @成员 内容` or a quote + 登记: a wish the recogniser missed, logged by staff."""
    staff = ctx.staff
    assert staff is not None
    name = str(ctx.args.get("member_name") or "")[:50]
    text = str(ctx.args.get("text") or "").strip()
    if not text:
        raise Refusal(for_members.command_error("请写上心愿内容，例如「登记 @成员 想学直播带货」"))
    from nlp import classify

    group = find_group(ctx.session, ctx.cmd.room_id) if ctx.cmd.room_id else None
    seen = classify(text)  # staff say it is a wish; the recogniser still names its category
    wish, created = create_wish(
        session=ctx.session,
        wish_in=WishCreate(
            text=text[:MAX_WISH_TEXT],
            office_id=ctx.office.id,
            group_id=group.id if group is not None and group.office_id == ctx.office.id else None,
            submitter_name=name or None,
            source_message_id=ctx.cmd.message_id,  # a replay of the command logs nothing new
            category=seen.category,
            kind=seen.kind,
            keywords=list(seen.keywords)[:50],
        ),
        actor=Actor(name=staff.name, staff_id=staff.id),
        sensitive_rule=ctx.sensitive_rule,
    )
    if created:
        record_missed_wish(session=ctx.session, wish=wish, staff_id=staff.id, now=utcnow())
        _tell_member(ctx.session, wish)
    return for_staff.registered_for_member(wish.seq, name)


TRIAGE_HANDLERS = {"登记": accept, "忽略": ignore, "代登记": register_for_member}
