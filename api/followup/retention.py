"""Retention of personal data: the daily job that forgets what is no longer needed.

- A closed or fulfilled wish keeps its text, name and WeChat id ``office.retention_months``
  (default 24) after it was closed or fulfilled; then it is anonymised as an erasure would
  (api/domain/privacy.anonymise_wishes): the statistics stay, the person goes.
- Triage items: the words of an undecided message already end with its lifetime
  (api.triage_lifetime_hours, api/domain/triage.purge_expired_triage); run here too, so the
  promise holds even where reminders are switched off.
- The bot command log (bot_command: who sent which command, the reply) is kept
  ``scheduler.command_log_days``; sent and failed outbox messages (alerts name the member and
  quote her words, masked) ``scheduler.outbox_retention_days``; pending messages always stay.
- The audit log, which holds no personal data, is kept ``scheduler.audit_retention_months``.

Idempotent against the database: a second run at the same moment changes nothing, and
several schedulers running it at once only repeat the same updates. When anything changed, one
audit entry (系统, 到期自动清理) records the counts.
"""

from __future__ import annotations

import calendar
import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.domain.audit import SYSTEM, record_audit
from api.domain.privacy import ERASED, anonymise_wishes
from api.domain.triage import purge_expired_triage
from api.followup.jobs import JOB_RETENTION, RunReport
from api.followup.settings import SchedulerSettings
from models import BotCommand, Outbox, Wish
from models.audit import AuditEntry
from models.clock import SHANGHAI, to_local
from models.enums import AuditAction, OutboxStatus, WishStatus

logger = logging.getLogger(__name__)

BATCH = 500
SYSTEM_ACTOR = "系统"


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock moment `months` calendar months earlier, in Shanghai (31 March
    minus one month is 28/29 February)."""
    local = to_local(moment)
    index = local.year * 12 + (local.month - 1) - months
    year, month = divmod(index, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day).astimezone(SHANGHAI)


def _before(stamp: Any, cutoff: datetime) -> sa.ColumnElement[bool]:
    """`stamp` before `cutoff`, or — for rows from before it was stamped — updated_at. Plain
    column comparisons: the datetime type must process the bound value (no COALESCE)."""
    return sa.or_(
        sa.and_(stamp.is_not(None), stamp < cutoff),
        sa.and_(stamp.is_(None), col(Wish.updated_at) < cutoff),
    )


def expired_wishes_clause(cutoff: datetime) -> sa.ColumnElement[bool]:
    """Closed or fulfilled before `cutoff` and still holding something personal."""
    closed = sa.and_(col(Wish.status) == WishStatus.closed, _before(col(Wish.closed_at), cutoff))
    fulfilled = sa.and_(
        col(Wish.status) == WishStatus.fulfilled, _before(col(Wish.fulfilled_at), cutoff)
    )
    personal = sa.or_(
        col(Wish.submitter_wechat_id).is_not(None),
        col(Wish.submitter_name).is_not(None),
        col(Wish.text) != ERASED,
    )
    return sa.and_(sa.or_(closed, fulfilled), personal)


def run_retention(*, session: Session, settings: SchedulerSettings, now: datetime) -> RunReport:
    """One retention pass (flushes; the runner commits). Returns the counts."""
    report = RunReport(job_id=JOB_RETENTION, now=now)
    counts = report.counts
    cutoff = months_before(now, settings.retention_months)
    counts["wishes_anonymised"] = 0
    while True:
        # Each batch leaves the clause behind, so the next select finds the rest.
        batch = session.exec(
            select(Wish).where(expired_wishes_clause(cutoff)).order_by(col(Wish.id)).limit(BATCH)
        ).all()
        if not batch:
            break
        done = anonymise_wishes(session=session, wishes=batch, messages=False)
        counts["wishes_anonymised"] += done["wishes"]
        if len(batch) < BATCH:
            break
    counts["triage_blanked"] = purge_expired_triage(session=session, now=now)
    counts["commands_deleted"] = _delete(
        session,
        sa.delete(BotCommand).where(
            col(BotCommand.created_at) < now - timedelta(days=settings.command_log_days)
        ),
    )
    counts["messages_deleted"] = _delete(
        session,
        sa.delete(Outbox).where(
            col(Outbox.status).in_([OutboxStatus.sent, OutboxStatus.failed]),
            col(Outbox.created_at) < now - timedelta(days=settings.outbox_retention_days),
        ),
    )
    counts["audit_deleted"] = _delete(
        session,
        sa.delete(AuditEntry).where(
            col(AuditEntry.at) < months_before(now, settings.audit_retention_months)
        ),
    )
    if any(counts.values()):
        record_audit(
            session=session,
            action=AuditAction.retention,
            actor_kind=SYSTEM,
            actor=SYSTEM_ACTOR,
            counts=counts,
            now=now,
        )
        logger.info("retention: %s", counts)
    session.flush()
    return report


def _delete(session: Session, statement: sa.Delete) -> int:
    result = session.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
