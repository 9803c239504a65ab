"""Messages the bot will deliver to WeChat: fulfilment announcements, reminders, digests."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from models.clock import utcnow
from models.enums import OutboxStatus, OutboxTarget


class OutboxBase(SQLModel):
    target_kind: OutboxTarget = Field(sa_type=sa.String(10))
    target_id: str = Field(min_length=1, max_length=100, description="Room id or WeChat id")
    text: str = Field(min_length=1, max_length=20000)
    mention_ids: list[str] = Field(default_factory=list)
    urgent: bool = Field(default=False, description="Urgent messages ignore quiet hours")
    kind: str = Field(default="notice", max_length=30, description="announcement, reminder, …")


class OutboxCreate(OutboxBase):
    dedupe_key: str | None = Field(
        default=None, max_length=200, description="Creating twice with one key keeps the first"
    )


class Outbox(OutboxBase, table=True):
    __table_args__ = (sa.Index("ix_outbox_status_id", "status", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    mention_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    status: OutboxStatus = Field(default=OutboxStatus.pending, sa_type=sa.String(10))
    attempts: int = 0
    lease_until: datetime | None = Field(
        default=None, description="Handed to a bot until then; re-offered after it expires"
    )
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    sent_message_id: str | None = Field(default=None, max_length=100)
    last_error: str | None = Field(default=None, max_length=500)


class OutboxPublic(OutboxBase):
    id: int
    dedupe_key: str | None
    status: OutboxStatus
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    sent_message_id: str | None
    last_error: str | None
