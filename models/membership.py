"""The private channel: who is in which group, who was told how her data is kept, and private
wishes waiting for the member to say which office they are for.

Minimum data: a membership is a WeChat id, a group and when she was last seen there (learnt from
her wishes, commands and uncertain messages in an enabled group, never from chatter or member
lists); a notice row is a WeChat id and a time. A waiting private wish holds her words only until
she answers (or, unanswered, until api.triage_lifetime_hours, when it goes to staff as a triage
item of the first office offered).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from models.clock import utcnow


class Membership(SQLModel, table=True):
    __tablename__ = "membership"
    __table_args__ = (sa.UniqueConstraint("wechat_id", "group_id", name="uq_membership"),)
    id: int | None = Field(default=None, primary_key=True)
    wechat_id: str = Field(max_length=100, index=True)
    group_id: int = Field(foreign_key="wechat_group.id")
    last_seen_at: datetime = Field(default_factory=utcnow)


class PrivacyNotice(SQLModel, table=True):
    """The member was sent the privacy notice (once per WeChat id)."""

    __tablename__ = "privacy_notice"
    wechat_id: str = Field(primary_key=True, max_length=100)
    sent_at: datetime = Field(default_factory=utcnow)


class PrivateChoice(SQLModel, table=True):
    """A private wish from a member of several offices, until she answers 「1」 or 「2」."""

    __tablename__ = "private_choice"
    message_id: str = Field(primary_key=True, max_length=100)
    talker_wechat_id: str = Field(max_length=100, index=True)
    talker_name: str | None = Field(default=None, max_length=50)
    text: str = Field(max_length=2000)
    # What the recogniser said (category, kind, confidence, keywords, resource_id), no more.
    fields: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON))
    office_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)
