"""The staff triage queue (待确认): messages the recogniser did not dare to acknowledge publicly.

A triage item keeps the member's words only while staff decide, and never longer than its
lifetime: accepting it makes a wish (which then holds the text), ignoring it or letting it expire
blanks the text, the talker and the tokens. What stays is the recogniser's view (category, kind,
confidence, keywords, rules) and the outcome, so chatter is never kept.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from models.clock import utcnow
from models.enums import Category, WishKind

MAX_TRIAGE_TEXT = 2000
DEFAULT_LIFETIME_HOURS = 48


class TriageStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    ignored = "ignored"
    expired = "expired"

    @property
    def label(self) -> str:
        return TRIAGE_STATUS_LABELS[self]


TRIAGE_STATUS_LABELS: dict[TriageStatus, str] = {
    TriageStatus.pending: "待确认",
    TriageStatus.accepted: "已登记",
    TriageStatus.ignored: "已忽略",
    TriageStatus.expired: "已过期",
}


class TriageBase(SQLModel):
    category: Category = Field(default=Category.other, sa_type=sa.String(20))
    kind: WishKind = Field(default=WishKind.need, sa_type=sa.String(10))
    confidence: float | None = Field(default=None, ge=0, le=1)
    keywords: list[str] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)


class TriageItem(TriageBase, table=True):
    __tablename__ = "triage_item"
    __table_args__ = (
        sa.UniqueConstraint("office_id", "seq", name="uq_triage_office_seq"),
        # The purge selects pending items past their lifetime with one range scan.
        sa.Index("ix_triage_status_expires", "status", "expires_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    # No index of its own: uq_triage_office_seq starts with office_id.
    office_id: int = Field(foreign_key="office.id")
    seq: int = Field(description="Number unique within the office, shown to staff as T12")
    group_id: int | None = Field(default=None, foreign_key="wechat_group.id", index=True)
    message_id: str = Field(max_length=100, unique=True)
    # Personal data: kept only while pending (needed to acknowledge her if accepted).
    talker_wechat_id: str | None = Field(default=None, max_length=100)
    talker_name: str | None = Field(default=None, max_length=50)
    text: str | None = Field(default=None, max_length=MAX_TRIAGE_TEXT)
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    rules: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    status: TriageStatus = Field(default=TriageStatus.pending, sa_type=sa.String(12))
    decided_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    decided_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    wish_id: int | None = Field(default=None, foreign_key="wish.id")

    @property
    def label(self) -> str:
        return f"T{self.seq}"


class TriagePublic(TriageBase):
    id: int
    office_id: int
    seq: int
    group_id: int | None
    message_id: str
    talker_name: str | None
    text: str | None
    status: TriageStatus
    decided_by_staff_id: int | None
    decided_at: datetime | None
    created_at: datetime
    expires_at: datetime
    wish_id: int | None
