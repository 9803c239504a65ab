"""The outbox lease: each message goes to one bot at a time; quiet hours take urgent ones only."""

from __future__ import annotations

from sqlmodel import Session

from api.domain.outbox import ack_message, enqueue_message, lease_messages
from models.enums import OutboxStatus, OutboxTarget
from models.outbox import OutboxCreate


def _queue(session: Session, text: str, *, urgent: bool = False, key: str | None = None) -> int:
    message = enqueue_message(
        session=session,
        message_in=OutboxCreate(
            target_kind=OutboxTarget.room,
            target_id="room@chatroom",
            text=text,
            urgent=urgent,
            dedupe_key=key,
        ),
    )
    assert message.id is not None
    return message.id


def test_urgent_only_leases_skip_ordinary_messages(session: Session) -> None:
    ordinary = _queue(session, "日报")
    urgent = _queue(session, "三级督办", urgent=True)
    assert [m.id for m in lease_messages(session=session, limit=10, lease_seconds=60,
                                         urgent_only=True)] == [urgent]  # fmt: skip
    assert [m.id for m in lease_messages(session=session, limit=10, lease_seconds=60)] == [ordinary]
    # Both are leased now: nobody else gets them until the lease runs out or they are acked.
    assert lease_messages(session=session, limit=10, lease_seconds=60) == []
    sent = ack_message(session=session, message_id=ordinary, sent_message_id="wx-1")
    assert sent.status == OutboxStatus.sent and sent.attempts == 1


def test_a_dedupe_key_queues_once(session: Session) -> None:
    first = _queue(session, "圆梦啦", key="fulfilled:7")
    again = _queue(session, "圆梦啦", key="fulfilled:7")
    assert first == again
    assert len(lease_messages(session=session, limit=10, lease_seconds=60)) == 1
