"""The audit log (审计日志): who looked at, exported or erased whose personal data, and when.

An entry never holds the personal data it is about: the person is named by a masked reference
(``wx***23``), enough to match an entry to a written request, not to find her; the counts say
how many rows the action touched. Entries are kept ``scheduler.audit_retention_months``.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from models.clock import utcnow
from models.enums import AuditAction


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_at", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    action: AuditAction = Field(sa_type=sa.String(20))
    # "member" (the person herself, by the bot), "admin" (an API token), "system" (retention).
    actor_kind: str = Field(max_length=10)
    actor: str = Field(default="", max_length=100, description="Token name, or 成员本人 / 系统")
    actor_token_id: int | None = Field(default=None, description="The API token, for admins")
    subject: str = Field(default="", max_length=40, description="Masked person reference")
    rows: int = Field(default=0, description="Rows read, exported, anonymised or deleted")
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON))


class AuditEntryPublic(SQLModel):
    id: int
    at: datetime
    action: AuditAction
    actor_kind: str
    actor: str
    actor_token_id: int | None
    subject: str
    rows: int
    counts: dict[str, int]
