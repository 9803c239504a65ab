"""Messages the bot could not get handled: a spool entry that failed ``max_attempts`` times while
the API answered others (a poison message). Kept so staff see them and can replay them; the
member was told politely. The payload is the bot's spool entry as it was (the member's text)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from models.clock import utcnow
from models.inputs import CleanModel


class DeadLetterBase(SQLModel):
    message_id: str = Field(min_length=1, max_length=100, description="WeChat message id")
    kind: str = Field(max_length=20, description="wish, triage or command")
    attempts: int = Field(default=0, ge=0, le=1000)
    error: str = Field(default="", max_length=500, description="The last failure (no user text)")


class DeadLetterCreate(DeadLetterBase, CleanModel):
    """What the bot reports (POST /api/v1/bot/dead-letters)."""

    payload: dict[str, Any] = Field(default_factory=dict)


class DeadLetter(DeadLetterBase, table=True):
    __tablename__ = "dead_letter"
    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=100, unique=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    room_id: str | None = Field(default=None, max_length=100)
    talker_id: str | None = Field(default=None, max_length=100)
    office_id: int | None = Field(default=None, foreign_key="office.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    replayed_at: datetime | None = None
    replay_count: int = 0
    replay_reply: str | None = Field(default=None, sa_type=sa.Text)


class DeadLetterPublic(DeadLetterBase):
    id: int
    room_id: str | None
    talker_id: str | None
    office_id: int | None
    text: str = Field(default="", description="The member's words (staff only)")
    created_at: datetime
    replayed_at: datetime | None
    replay_count: int
    replay_reply: str | None
