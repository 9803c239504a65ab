"""Commands the bot has handed to the ledger, by WeChat message id (at most once each)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import JSON, Column, Field, SQLModel

from models.clock import utcnow


class BotCommand(SQLModel, table=True):
    __tablename__ = "bot_command"
    message_id: str = Field(primary_key=True, max_length=100)
    name: str = Field(max_length=20)
    # Who sent it (migration 0011), so erasing a person removes her command log too and
    # 确认删除 finds her own 删除我的信息; kept as long as the row (scheduler.command_log_days).
    talker_wechat_id: str | None = Field(default=None, max_length=100, index=True)
    # None while the command runs; the reply the member or staff member was given afterwards.
    reply: dict[str, object] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)
