"""Time in the ledger: timezone-aware UTC in code and storage; Asia/Shanghai for people."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Aware UTC: the form SQLModel's datetime columns require and return."""
    return datetime.now(UTC)


def to_local(moment: datetime) -> datetime:
    """A timestamp as Asia/Shanghai wall time (naive input is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI)
