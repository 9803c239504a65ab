"""The private channel: wishes and commands a member sends to the bot privately.

Which office a private message is for comes from the groups she belongs to, as the ledger knows
them: a membership (models/membership.py) is recorded whenever a wish, a command or an uncertain
message of hers arrives from an enabled group. One office: the wish is logged there and answered
privately. Several: she is asked privately which one (「回复 1 或 2」) and the wish waits for her
answer (at most api.triage_lifetime_hours, then it goes to the first office's staff as a triage
item). None known: it goes to staff as a triage item of the first top-level office, and she is told
politely; it is never dropped.

The first time a member's wish is logged (in a group or privately) she is sent the privacy notice
privately (api.privacy_notice), once; an undeliverable notice (not a friend of the bot account)
blocks nothing: it is an outbox message like any other.

Every function adds to the bot request's one transaction and flushes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.chat.alerts import alert_triage
from api.chat.arrival import BOT, follow_new_wish, ordered_resource, ordered_wish, wish_reply
from api.chat.context import find_staff
from api.chat.schemas import BotCommandIn, BotReply, BotWishIn
from api.domain.triage import create_triage_item
from api.domain.visibility import SensitiveRule
from api.domain.wishes import create_wish
from models import Group, Office, Resource, Wish
from models.clock import utcnow
from models.enums import Category, WishKind
from models.membership import Membership, PrivateChoice
from models.wish import MAX_WISH_TEXT, WishCreate
from models.wording import members as for_members

logger = logging.getLogger(__name__)


# ---- who belongs where -----------------------------------------------------------------------


def record_membership(*, session: Session, wechat_id: str, group: Group) -> None:
    """She spoke (a wish, a command, an uncertain message) in this enabled group."""
    if not wechat_id or group.id is None or not group.enabled or group.office_id is None:
        return
    row = session.exec(
        select(Membership).where(Membership.wechat_id == wechat_id, Membership.group_id == group.id)
    ).first()
    if row is not None:
        row.last_seen_at = utcnow()
        session.add(row)
        session.flush()
        return
    try:
        with session.begin_nested():
            session.add(Membership(wechat_id=wechat_id, group_id=group.id))
    except IntegrityError:  # the same member seen twice at once: the other request recorded it
        pass


def member_offices(session: Session, wechat_id: str) -> list[Office]:
    """The offices of the enabled groups she was seen in, most recently seen first."""
    rows = session.exec(
        select(Office, sa.func.max(Membership.last_seen_at))
        .join(Group, col(Group.office_id) == col(Office.id))
        .join(Membership, col(Membership.group_id) == col(Group.id))
        .where(Membership.wechat_id == wechat_id, col(Group.enabled).is_(True))
        .group_by(col(Office.id))
        .order_by(sa.func.max(Membership.last_seen_at).desc(), col(Office.id))
    ).all()
    return [office for office, _ in rows]


def command_office(session: Session, command_in: BotCommandIn) -> Office | None:
    """The office a member's private command is for; None: she is not known (refused).

    Several offices: a command naming a wish number goes to the office where that number is
    her wish; any other to the office she was seen in most recently."""
    offices = member_offices(session, command_in.talker_id)
    if len(offices) <= 1:
        return offices[0] if offices else None
    seq = command_in.command.args.get("seq")
    if isinstance(seq, int) and not isinstance(seq, bool):
        owning = session.exec(
            select(Wish.office_id).where(
                Wish.seq == seq,
                Wish.submitter_wechat_id == command_in.talker_id,
                col(Wish.office_id).in_([o.id for o in offices]),
            )
        ).all()
        if len(set(owning)) == 1:
            return next(o for o in offices if o.id == owning[0])
    return offices[0]


# ---- private wishes --------------------------------------------------------------------------


def _fields(wish_in: BotWishIn) -> dict[str, Any]:
    return {
        "category": wish_in.category.value if wish_in.category else None,
        "kind": wish_in.kind.value if wish_in.kind else None,
        "confidence": wish_in.confidence,
        "keywords": wish_in.keywords[:50],
        "resource_id": wish_in.resource_id,
    }


def submit_private_wish(
    *,
    session: Session,
    wish_in: BotWishIn,
    urgent_words: Sequence[str] = (),
    lifetime_hours: float,
    privacy_notice: str = "",
    sensitive_rule: SensitiveRule | None = None,
) -> BotReply:
    """A wish sent privately; idempotent on the WeChat message id (a replay gets the same reply)."""
    settle_stale_choices(session=session, lifetime_hours=lifetime_hours, urgent_words=urgent_words)
    waiting = session.get(PrivateChoice, wish_in.message_id)
    if waiting is not None:
        return BotReply(reply=_choice_question(session, waiting.office_ids))
    offices = _wish_offices(session, wish_in.talker_id)
    if len(offices) == 1 or _logged(session, wish_in.message_id):
        office = offices[0] if offices else None
        return log_private_wish(
            session=session,
            office=office,
            message_id=wish_in.message_id,
            talker_id=wish_in.talker_id,
            talker_name=wish_in.talker_name,
            text=wish_in.text,
            fields=_fields(wish_in),
            urgent_words=urgent_words,
            privacy_notice=privacy_notice,
            sensitive_rule=sensitive_rule,
        )
    if offices:
        choice = PrivateChoice(
            message_id=wish_in.message_id,
            talker_wechat_id=wish_in.talker_id,
            talker_name=wish_in.talker_name[:50] or None,
            text=wish_in.text[:MAX_WISH_TEXT],
            fields=_fields(wish_in),
            office_ids=[o.id or 0 for o in offices],
        )
        try:
            with session.begin_nested():
                session.add(choice)
        except IntegrityError:  # the same message delivered twice at once: asked once already
            pass
        return BotReply(reply=for_members.private_choose_office([o.name for o in offices]))
    return _to_triage(
        session=session,
        office=fallback_office(session),
        message_id=wish_in.message_id,
        talker_id=wish_in.talker_id,
        talker_name=wish_in.talker_name,
        text=wish_in.text,
        fields=_fields(wish_in),
        urgent_words=urgent_words,
        lifetime_hours=lifetime_hours,
    )


def _wish_offices(session: Session, wechat_id: str) -> list[Office]:
    offices = member_offices(session, wechat_id)
    if offices:
        return offices
    staff = find_staff(session, wechat_id)  # staff writing privately: their own office
    office = session.get(Office, staff.office_id) if staff is not None else None
    return [office] if office is not None else []


def _logged(session: Session, message_id: str) -> Wish | None:
    return session.exec(select(Wish).where(Wish.source_message_id == message_id)).first()


def fallback_office(session: Session) -> Office | None:
    """Where a private message of an unknown member goes: the first top-level office."""
    return session.exec(
        select(Office).where(col(Office.parent_id).is_(None)).order_by(col(Office.id))
    ).first()


def log_private_wish(
    *,
    session: Session,
    office: Office | None,
    message_id: str,
    talker_id: str,
    talker_name: str | None,
    text: str,
    fields: dict[str, Any],
    urgent_words: Sequence[str] = (),
    privacy_notice: str = "",
    sensitive_rule: SensitiveRule | None = None,
) -> BotReply:
    """Logs a private wish for ``office`` (a replay returns the first wish whatever ``office``)."""
    existing = _logged(session, message_id)
    if existing is not None:
        office = session.get(Office, existing.office_id)
    assert office is not None and office.id is not None
    category = Category(fields.get("category") or Category.other)
    resource: Resource | None = None
    resource_id = fields.get("resource_id")
    if resource_id is not None:
        resource = ordered_resource(session=session, resource_id=int(resource_id), office=office)
        if resource is None:
            return BotReply(ok=False, reply=for_members.resource_not_found(int(resource_id)))
        text, category = ordered_wish(text, category, resource)
    wish, created = create_wish(
        session=session,
        wish_in=WishCreate(
            text=text[:MAX_WISH_TEXT],
            category=category,
            kind=WishKind(fields.get("kind") or WishKind.need),
            office_id=office.id,
            submitter_wechat_id=talker_id,
            submitter_name=(talker_name or "")[:50] or None,
            source_message_id=message_id,
            confidence=fields.get("confidence"),
            keywords=list(fields.get("keywords") or [])[:50],
        ),
        actor=BOT,
        sensitive_rule=sensitive_rule,
    )
    if created:
        follow_new_wish(
            session=session,
            wish=wish,
            group=None,
            original=text,
            resource=resource,
            urgent_words=urgent_words,
            privacy_notice=privacy_notice,
        )
        logger.info("private wish %s logged in office %s", wish.id, office.id)
    if resource is not None:
        reply = for_members.resource_wish_received(wish.seq, resource.name)
    else:
        reply = for_members.private_wish_received(wish.seq, Category(wish.category), office.name)
    return wish_reply(wish, reply, created=created)


def _to_triage(
    *,
    session: Session,
    office: Office | None,
    message_id: str,
    talker_id: str,
    talker_name: str | None,
    text: str,
    fields: dict[str, Any],
    urgent_words: Sequence[str],
    lifetime_hours: float,
) -> BotReply:
    """Staff decide about a private message whose office is unknown (never dropped)."""
    if office is None or office.id is None:
        logger.warning("private message %s: the ledger has no office to route it to", message_id)
        return BotReply(ok=False, reply=for_members.PRIVATE_UNKNOWN_MEMBER)
    item, created = create_triage_item(
        session=session,
        office_id=office.id,
        room_id=None,
        message_id=message_id,
        talker_id=talker_id,
        talker_name=(talker_name or "")[:50] or None,
        text=text[:MAX_WISH_TEXT],
        category=Category(fields.get("category") or Category.other),
        kind=WishKind(fields.get("kind") or WishKind.need),
        confidence=fields.get("confidence"),
        keywords=list(fields.get("keywords") or [])[:50],
        now=utcnow(),
        lifetime_hours=lifetime_hours,
    )
    if created:
        alert_triage(
            session=session, item=item, group=None, original=text, urgent_words=urgent_words
        )
        logger.info("private message of an unknown member queued as T%s", item.seq)
    return BotReply(reply=for_members.PRIVATE_UNKNOWN_MEMBER, created=created)


# ---- 「回复 1 或 2」 ---------------------------------------------------------------------------


def _choice_question(session: Session, office_ids: Sequence[int]) -> str:
    names = [office.name for i in office_ids if (office := session.get(Office, i)) is not None]
    return for_members.private_choose_office(names)


def choose_office(
    *,
    session: Session,
    command_in: BotCommandIn,
    urgent_words: Sequence[str] = (),
    privacy_notice: str = "",
    sensitive_rule: SensitiveRule | None = None,
) -> BotReply:
    """Her answer to the question: every private wish of hers waiting for it is logged there."""
    try:
        choice = int(command_in.command.args.get("choice", 0))
    except (TypeError, ValueError):
        choice = 0
    waiting = session.exec(
        select(PrivateChoice)
        .where(PrivateChoice.talker_wechat_id == command_in.talker_id)
        .order_by(col(PrivateChoice.created_at), col(PrivateChoice.message_id))
    ).all()
    if not waiting:
        return BotReply(ok=False, reply=for_members.PRIVATE_NO_CHOICE)
    if not 1 <= choice <= len(waiting[0].office_ids):
        return BotReply(
            ok=False, reply=for_members.private_choice_out_of_range(len(waiting[0].office_ids))
        )
    office = session.get(Office, waiting[0].office_ids[choice - 1])
    replies: list[str] = []
    last = BotReply(ok=False)
    for pending in waiting:
        last = log_private_wish(
            session=session,
            office=office,
            message_id=pending.message_id,
            talker_id=pending.talker_wechat_id,
            talker_name=pending.talker_name,
            text=pending.text,
            fields=dict(pending.fields or {}),
            urgent_words=urgent_words,
            privacy_notice=privacy_notice,
            sensitive_rule=sensitive_rule,
        )
        replies.append(last.reply)
        session.delete(pending)
    session.flush()
    return last.model_copy(update={"reply": "\n".join(replies)})


def settle_stale_choices(
    *, session: Session, lifetime_hours: float, urgent_words: Sequence[str] = ()
) -> int:
    """Unanswered questions older than the lifetime: the wish goes to staff of the first office
    offered as a triage item (its words then follow the triage lifetime). Returns how many."""
    cutoff = utcnow() - timedelta(hours=lifetime_hours)
    stale = session.exec(select(PrivateChoice).where(col(PrivateChoice.created_at) < cutoff)).all()
    for pending in stale:
        office = session.get(Office, pending.office_ids[0]) if pending.office_ids else None
        _to_triage(
            session=session,
            office=office or fallback_office(session),
            message_id=pending.message_id,
            talker_id=pending.talker_wechat_id,
            talker_name=pending.talker_name,
            text=pending.text,
            fields=dict(pending.fields or {}),
            urgent_words=urgent_words,
            lifetime_hours=lifetime_hours,
        )
        session.delete(pending)
    if stale:
        session.flush()
    return len(stale)
