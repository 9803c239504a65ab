"""The staff triage queue (待确认): messages the recogniser was unsure of, decided by staff.

Every function here adds to the caller's transaction and flushes; the entry point (a bot request,
an admin route, the follow-up run) commits. The member's words live on a triage item only while
it is pending and at most `lifetime_hours`: accepting moves them into a wish, ignoring or
expiring blanks them (and the talker) and keeps only the recogniser's view and the outcome.

Decisions teach the recogniser (`rules suggest`) through corrections that keep features, never
text: an ignored item is a false alarm, an accepted one and a wish staff register by hand
(`record_missed_wish`) are wishes it did not dare to acknowledge.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from api.domain.corrections import features_of
from api.domain.errors import Conflict, InvalidInput, NotFound
from api.domain.visibility import SensitiveRule
from api.domain.wishes import Actor, add_event, create_wish
from models import Correction, Group, Office, Staff, TriageItem, Wish
from models.enums import Category, EventKind, WishKind
from models.triage import DEFAULT_LIFETIME_HOURS, MAX_TRIAGE_TEXT, TriageStatus
from models.wish import MAX_WISH_TEXT, WishCreate

logger = logging.getLogger(__name__)

ALERT_TEXT_CHARS = 60
_SEQ_ATTEMPTS = 5  # concurrent inserts in one office race for the next T-number
_FORGET: dict[str, Any] = {"text": None, "talker_wechat_id": None, "talker_name": None}


# ---- intake -------------------------------------------------------------------------------


def create_triage_item(
    *,
    session: Session,
    office_id: int,
    room_id: str | None,
    message_id: str,
    talker_id: str | None,
    talker_name: str | None,
    text: str,
    category: Category = Category.other,
    kind: WishKind = WishKind.need,
    confidence: float | None = None,
    keywords: Sequence[str] = (),
    rules: Sequence[str] = (),
    now: datetime,
    lifetime_hours: float = DEFAULT_LIFETIME_HOURS,
) -> tuple[TriageItem, bool]:
    """Queues an uncertain message for staff. Returns (item, created); the same WeChat message
    never makes two items (a replay returns the first, also when two deliveries race)."""
    existing = _by_message(session, message_id)
    if existing is not None:
        return existing, False
    if not text.strip():
        raise InvalidInput("消息内容为空，无需确认")
    if lifetime_hours <= 0:
        raise InvalidInput("待确认消息的保留时间必须大于 0 小时")
    if session.get(Office, office_id) is None:
        raise NotFound(f"没有找到编号为 {office_id} 的妇联")
    group = _group(session, room_id) if room_id else None
    if room_id and group is None:
        raise NotFound("没有找到这个群，请先在后台登记")
    for _ in range(_SEQ_ATTEMPTS):
        item = TriageItem(
            office_id=office_id,
            seq=_next_seq(session, office_id),
            group_id=group.id if group else None,
            message_id=message_id,
            talker_wechat_id=talker_id or None,
            talker_name=(talker_name or "")[:50] or None,
            text=text[:MAX_TRIAGE_TEXT],
            category=category,
            kind=kind,
            confidence=confidence,
            keywords=list(keywords)[:50],
            rules=list(rules)[:50],
            status=TriageStatus.pending,
            created_at=now,
            expires_at=now + timedelta(hours=lifetime_hours),
        )
        # A savepoint, so losing a race undoes only this insert, not the caller's transaction.
        savepoint = session.begin_nested()
        session.add(item)
        try:
            session.flush()
        except IntegrityError:
            savepoint.rollback()
            existing = _by_message(session, message_id)
            if existing is not None:
                return existing, False
            continue  # another item took this T-number: take the next one
        savepoint.commit()
        logger.info("triage item T%s queued in office %s", item.seq, office_id)
        return item, True
    raise Conflict("待确认消息太多人同时提交，请稍后再试")


def _next_seq(session: Session, office_id: int) -> int:
    last = session.exec(
        select(func.max(TriageItem.seq)).where(TriageItem.office_id == office_id)
    ).one()
    return int(last or 0) + 1


def _by_message(session: Session, message_id: str) -> TriageItem | None:
    return session.exec(select(TriageItem).where(TriageItem.message_id == message_id)).first()


def _group(session: Session, room_id: str) -> Group | None:
    return session.exec(select(Group).where(Group.room_id == room_id)).first()


def get_triage_item(*, session: Session, office_id: int, seq: int) -> TriageItem:
    item = session.exec(
        select(TriageItem).where(TriageItem.office_id == office_id, TriageItem.seq == seq)
    ).first()
    if item is None:
        raise NotFound(f"没有找到待确认消息 T{seq}")
    return item


def list_pending_triage(*, session: Session, office_id: int, now: datetime) -> list[TriageItem]:
    """The office's open queue, oldest first (items past their lifetime are left out)."""
    return list(
        session.exec(
            select(TriageItem)
            .where(
                TriageItem.office_id == office_id,
                TriageItem.status == TriageStatus.pending,
                col(TriageItem.expires_at) > now,
            )
            .order_by(col(TriageItem.seq))
        ).all()
    )


# ---- decisions ----------------------------------------------------------------------------


def accept_triage_item(
    *,
    session: Session,
    office_id: int,
    seq: int,
    staff: Staff | Actor,
    now: datetime,
    category: Category | None = None,
    sensitive_rule: SensitiveRule | None = None,
) -> Wish:
    """Staff say "this is a wish": it is logged (from the stored words, submitted by the member)
    and the item forgets the words. Accepting again returns the same wish."""
    item = get_triage_item(session=session, office_id=office_id, seq=seq)
    if item.status == TriageStatus.accepted and item.wish_id is not None:
        return _wish(session, item.wish_id)
    _ensure_open(item, now)
    assert item.text is not None  # pending items always hold their words
    actor = _actor(staff)
    features = _features(item.text)
    wish, created = create_wish(
        session=session,
        wish_in=WishCreate(
            text=item.text[:MAX_WISH_TEXT],
            category=category or item.category,
            kind=item.kind,
            office_id=item.office_id,
            group_id=item.group_id,
            submitter_wechat_id=item.talker_wechat_id,
            submitter_name=item.talker_name,
            # The wish's source is the triaged message: a replay of it finds this wish.
            source_message_id=item.message_id,
            confidence=item.confidence,
            keywords=list(item.keywords or []),
        ),
        actor=actor,
        sensitive_rule=sensitive_rule,
    )
    if not _decide(session, item, TriageStatus.accepted, actor, now, wish_id=wish.id):
        session.refresh(item)
        if item.status == TriageStatus.accepted and item.wish_id == wish.id:
            return wish  # a colleague accepted it at the same moment
        _ensure_open(item, now)
    session.expire(item)  # reload the settled row: the words are gone
    if created:
        add_event(session, wish, actor, EventKind.note, note=f"由待确认消息 T{seq} 登记")
        # A wish it did not dare to acknowledge: taught like a miss.
        _learn(session, features, False, item.category, wish.category, wish.id, actor.staff_id)
    session.flush()
    logger.info("triage item T%s of office %s accepted as wish %s", seq, office_id, wish.id)
    return wish


def ignore_triage_item(
    *, session: Session, office_id: int, seq: int, staff: Staff | Actor, now: datetime
) -> TriageItem:
    """Staff say "not a wish": a false-alarm correction (features only) and the words are
    forgotten. Ignoring twice, or an item already expired, changes nothing."""
    item = get_triage_item(session=session, office_id=office_id, seq=seq)
    if item.status in (TriageStatus.ignored, TriageStatus.expired):
        return item
    if item.status == TriageStatus.accepted:
        raise Conflict(_refusal(session, item))
    if item.expires_at <= now:
        return item  # past its lifetime: the words are no longer ours to learn from
    assert item.text is not None
    actor = _actor(staff)
    features = _features(item.text)
    if not _decide(session, item, TriageStatus.ignored, actor, now):
        session.refresh(item)
        if item.status == TriageStatus.accepted:
            raise Conflict(_refusal(session, item))
        return item
    _learn(session, features, True, item.category, None, None, actor.staff_id)  # false alarm
    session.flush()
    session.refresh(item)
    logger.info("triage item T%s of office %s ignored", seq, office_id)
    return item


def purge_expired_triage(*, session: Session, now: datetime) -> int:
    """Ends the lifetime of pending items past `expires_at` (status expired, words and talker
    blanked) and blanks any decided item still holding words. Returns how many rows changed;
    a second run at the same moment changes none."""
    expired = session.execute(
        sa.update(TriageItem)
        .where(
            col(TriageItem.status) == TriageStatus.pending,
            col(TriageItem.expires_at) <= now,
        )
        .values(status=TriageStatus.expired, **_FORGET)
        .execution_options(synchronize_session=False)
    )
    leftovers = session.execute(
        sa.update(TriageItem)
        .where(
            col(TriageItem.status) != TriageStatus.pending,
            sa.or_(
                col(TriageItem.text).is_not(None),
                col(TriageItem.talker_wechat_id).is_not(None),
                col(TriageItem.talker_name).is_not(None),
            ),
        )
        .values(**_FORGET)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    count = int(expired.rowcount or 0) + int(leftovers.rowcount or 0)  # type: ignore[attr-defined]
    session.expire_all()  # objects in the session must not keep the blanked words
    if count:
        logger.info("triage purge: %d item(s) expired or blanked", count)
    return count


def record_missed_wish(
    *,
    session: Session,
    wish: Wish,
    staff_id: int | None,
    now: datetime,
    message_id: str | None = None,
) -> Correction:
    """A wish staff registered by hand (quote + 登记, or 登记 @成员 内容) that the recogniser
    did not acknowledge: a "missed" correction (features only) for `rules suggest`. When the
    message was waiting in the triage queue, that item is settled as accepted with this wish."""
    features = _features(wish.text, source="missed")
    correction = _learn(session, features, False, None, wish.category, wish.id, staff_id)
    item = _by_message(session, message_id) if message_id else None
    if item is not None and item.status == TriageStatus.pending:
        actor = Actor(name="staff", staff_id=staff_id)
        _decide(session, item, TriageStatus.accepted, actor, now, wish_id=wish.id)
        session.expire(item)
    session.flush()
    return correction


# ---- alert fields -------------------------------------------------------------------------


def masked_excerpt(text: str) -> str:
    """What a private staff alert may quote of a member's words: masked, one line, cut short."""
    from nlp import mask

    words = " ".join(mask(text).split())
    return words if len(words) <= ALERT_TEXT_CHARS else words[: ALERT_TEXT_CHARS - 1] + "…"


def triage_alert_fields(item: TriageItem, group: Group | None = None) -> dict[str, object]:
    """What a staff alert about this item may say: its T-number, the words masked (phone and ID
    numbers) and cut short, the group's topic and the talker's display name (masked too)."""
    from nlp import mask

    words = masked_excerpt(item.text or "")
    return {
        "seq": item.seq,
        "label": f"T{item.seq}",
        "text": words,
        "group_topic": group.topic if group is not None else "",
        "talker_name": mask(item.talker_name or ""),
        "category": Category(item.category).label,
        "expires_at": item.expires_at,
    }


# ---- helpers ------------------------------------------------------------------------------


def _actor(staff: Staff | Actor) -> Actor:
    if isinstance(staff, Actor):
        return staff
    return Actor(name=staff.name, staff_id=staff.id)


def _wish(session: Session, wish_id: int) -> Wish:
    wish = session.get(Wish, wish_id)
    if wish is None:
        raise NotFound(f"没有找到编号为 {wish_id} 的心愿")
    return wish


def _ensure_open(item: TriageItem, now: datetime) -> None:
    label = f"T{item.seq}"
    if item.status == TriageStatus.ignored:
        raise Conflict(
            f"{label} 已忽略，原话已删除，不能再登记；如确是心愿，请引用原消息回复「登记」"
        )
    if item.status == TriageStatus.expired or item.expires_at <= now:
        raise Conflict(
            f"{label} 已过期，原话已删除，不能再登记；如确是心愿，请引用原消息回复「登记」"
        )
    if item.status == TriageStatus.accepted:
        raise Conflict(f"{label} 已登记为心愿")


def _refusal(session: Session, item: TriageItem) -> str:
    wish = session.get(Wish, item.wish_id) if item.wish_id else None
    number = f" #{wish.seq}" if wish is not None else ""
    return f"T{item.seq} 已登记为心愿{number}，不能再忽略；如登记错了，请对心愿回复「不是心愿」"


def _decide(
    session: Session,
    item: TriageItem,
    status: TriageStatus,
    actor: Actor,
    now: datetime,
    *,
    wish_id: int | None = None,
) -> bool:
    """Settles a pending item with a conditional update: of two staff deciding at once exactly
    one wins (True); the words and the talker are forgotten either way."""
    result = session.execute(
        sa.update(TriageItem)
        .where(col(TriageItem.id) == item.id, col(TriageItem.status) == TriageStatus.pending)
        .values(
            status=status,
            wish_id=wish_id,
            decided_by_staff_id=actor.staff_id,
            decided_at=now,
            **_FORGET,
        )
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _features(text: str, *, source: str = "triage") -> dict[str, object]:
    """The recogniser's view of the words, and how staff came to correct it (triage or miss)."""
    return {**features_of(text), "source": source}


def _learn(
    session: Session,
    features: dict[str, object],
    predicted_is_wish: bool,
    predicted: Category | str | None,
    corrected: Category | str | None,
    wish_id: int | None,
    staff_id: int | None,
) -> Correction:
    """Adds a correction (`corrected` None: "not a wish") to the caller's transaction."""
    correction = Correction(
        wish_id=wish_id,
        predicted_is_wish=predicted_is_wish,
        predicted_category=Category(predicted) if predicted else None,
        corrected_is_wish=corrected is not None,
        corrected_category=Category(corrected) if corrected else None,
        features=features,
        staff_id=staff_id,
    )
    session.add(correction)
    return correction
