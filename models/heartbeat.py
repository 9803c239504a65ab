"""One row the API rewrites to prove the ledger can be written (GET /api/v1/health)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.clock import utcnow


class LedgerHeartbeat(SQLModel, table=True):
    __tablename__ = "ledger_heartbeat"
    id: int | None = Field(default=None, primary_key=True)
    beat_at: datetime = Field(default_factory=utcnow)
