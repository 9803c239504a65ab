"""The audit log: one entry per look at, export or erasure of personal data (PIPL 个人信息).

Entries name the person by ``subject_ref`` only: a masked form of her WeChat id, not a hash of
it. A hash of an id would be reversible by trying the ids of a group's members one by one; a
mask keeps at most four characters, enough to match an entry to a written request and no more.
Flushes only; the caller's entry point commits the entry together with what it records, so an
export that fails records nothing and an erasure is never done without its entry.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session, col, select

from api.domain.auth import Principal
from api.domain.listing import ListParams, paginate
from models.audit import AuditEntry
from models.clock import utcnow
from models.enums import AuditAction

logger = logging.getLogger(__name__)

MEMBER = "member"
ADMIN = "admin"
SYSTEM = "system"
SORTABLE = {"id": col(AuditEntry.id), "at": col(AuditEntry.at)}


def subject_ref(wechat_id: str | None, name: str | None = None) -> str:
    """``wxid_abc123`` → ``wx***23``; a short id keeps only its first character. A person known
    by name alone (a wish staff registered for her) is ``姓名 *``-style: her first character."""
    ident = (wechat_id or "").strip()
    if ident:
        return f"{ident[:2]}***{ident[-2:]}" if len(ident) > 6 else f"{ident[:1]}***"
    label = (name or "").strip()
    return f"{label[:1]}*（姓名）" if label else ""


def record_audit(
    *,
    session: Session,
    action: AuditAction,
    actor_kind: str,
    actor: str = "",
    actor_token_id: int | None = None,
    subject: str = "",
    counts: Mapping[str, int] | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Adds one entry to the caller's transaction; ``rows`` is the sum of ``counts``."""
    tally = {key: int(value) for key, value in (counts or {}).items()}
    entry = AuditEntry(
        at=now or utcnow(),
        action=action,
        actor_kind=actor_kind,
        actor=actor[:100],
        actor_token_id=actor_token_id,
        subject=subject[:40],
        rows=sum(tally.values()),
        counts=tally,
    )
    session.add(entry)
    session.flush()
    logger.info("audit: %s by %s (%d rows)", action.value, actor_kind, entry.rows)
    return entry


def record_admin_audit(
    *,
    session: Session,
    principal: Principal,
    action: AuditAction,
    subject: str = "",
    counts: Mapping[str, int] | None = None,
) -> AuditEntry:
    """An entry for what an API token did (its name and id, never the token)."""
    return record_audit(
        session=session,
        action=action,
        actor_kind=ADMIN,
        actor=principal.name,
        actor_token_id=principal.token_id,
        subject=subject,
        counts=counts,
    )


def record_ledger_export(*, session: Session, principal: Principal) -> AuditEntry | None:
    """The Excel export of the ledger: audited when it goes to an administrator, the one
    caller who gets submitters' names (staff get them masked, nothing personal to record)."""
    if not principal.is_admin:
        return None
    return record_admin_audit(
        session=session, principal=principal, action=AuditAction.ledger_export
    )


def list_audit(
    *, session: Session, params: ListParams, action: AuditAction | None = None
) -> tuple[list[AuditEntry], int]:
    stmt = select(AuditEntry)
    if action is not None:
        stmt = stmt.where(col(AuditEntry.action) == action)
    return paginate(
        session=session, stmt=stmt, params=params, sortable=SORTABLE, default_sort="-at"
    )
