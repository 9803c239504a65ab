"""The outbox as administrators see it: list, inspect, queue a manual notice, retry a failure.

Delivery itself (lease/ack/fail) lives in api/domain/outbox.py and the bot routes. These
functions only flush; the admin request commits.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session, col, select

from api.domain.common import get_or_404
from api.domain.errors import Conflict
from api.domain.listing import ListParams, paginate
from models import Outbox
from models.enums import OutboxStatus, OutboxTarget

logger = logging.getLogger(__name__)

SORTABLE: dict[str, Any] = {
    "id": col(Outbox.id),
    "status": col(Outbox.status),
    "kind": col(Outbox.kind),
    "created_at": col(Outbox.created_at),
    "sent_at": col(Outbox.sent_at),
    "attempts": col(Outbox.attempts),
}


def list_outbox(
    *,
    session: Session,
    params: ListParams,
    status: OutboxStatus | None = None,
    kind: str | None = None,
    target_kind: OutboxTarget | None = None,
    target_id: str | None = None,
) -> tuple[list[Outbox], int]:
    stmt = select(Outbox)
    if status is not None:
        stmt = stmt.where(col(Outbox.status) == status)
    if kind:
        stmt = stmt.where(col(Outbox.kind) == kind)
    if target_kind is not None:
        stmt = stmt.where(col(Outbox.target_kind) == target_kind)
    if target_id:
        stmt = stmt.where(col(Outbox.target_id) == target_id)
    return paginate(
        session=session, stmt=stmt, params=params, sortable=SORTABLE, default_sort="-id"
    )


def get_outbox(*, session: Session, message_id: int) -> Outbox:
    return get_or_404(session, Outbox, message_id, "待发消息")


def retry_outbox(*, session: Session, message_id: int) -> Outbox:
    """A failed message goes back to pending with a fresh attempt count."""
    message = get_outbox(session=session, message_id=message_id)
    if message.status != OutboxStatus.failed:
        raise Conflict(f"只有发送失败的消息才能重试，这条消息的状态是「{message.status}」")
    message.status = OutboxStatus.pending
    message.attempts = 0
    message.lease_until = None
    session.add(message)
    session.flush()
    session.refresh(message)
    logger.info("outbox %s queued again by an administrator", message_id)
    return message
