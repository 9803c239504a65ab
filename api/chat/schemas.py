"""The /api/v1/bot wire format: what the bot sends and what it gets back."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from models.enums import Category, WishKind
from models.inputs import CleanBody


class GroupSeenIn(CleanBody):
    room_id: str = Field(min_length=1, max_length=100)
    topic: str = Field(default="", max_length=200)


class GroupSeenOut(BaseModel):
    group_id: int
    enabled: bool
    office_id: int | None
    is_staff_group: bool
    created: bool
    ask_members: bool = Field(
        default=False, description="Uncertain messages: ask the member in the group (else staff)"
    )
    staff_ids: list[str] = Field(
        default_factory=list,
        description="WeChat ids of federation staff who speak in this group (never auto-logged)",
    )


class _FromMessage(CleanBody):
    room_id: str | None = Field(default=None, max_length=100)
    talker_id: str = Field(min_length=1, max_length=100)
    talker_name: str = Field(default="", max_length=200)
    message_id: str = Field(min_length=1, max_length=100)


class BotWishIn(_FromMessage):
    text: str = Field(min_length=1, max_length=20000)
    category: Category | None = None
    kind: WishKind | None = None
    confidence: float | None = Field(default=None, ge=0, le=1)
    keywords: list[str] = Field(default_factory=list)
    resource_id: int | None = None


class CommandIn(CleanBody):
    """A parsed command as nlp.commands made it: its name and its fields. A wish is named by
    ``seq``, the office's number (#42), never by its row id."""

    name: str = Field(min_length=1, max_length=20)
    args: dict[str, Any] = Field(default_factory=dict)


class BotCommandIn(_FromMessage):
    command: CommandIn


class BotReply(BaseModel):
    """What the bot says back. ``ignored``: say nothing (the group is not enabled)."""

    ok: bool = True
    ignored: bool = False
    reply: str = ""
    wish_id: int | None = None
    seq: int | None = None
    number: str | None = None
    category: Category | None = None
    created: bool | None = None


class BotOutboxItem(BaseModel):
    id: int
    target_kind: str
    target_id: str
    text: str
    mention_ids: list[str]
    urgent: bool
    kind: str


# ---- Group states in batches (the bot refreshes its group cache when the version changes) ----


class GroupsCheckIn(CleanBody):
    room_ids: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        min_length=1, max_length=1000, description="Room ids the bot knows (at most 1,000 a call)"
    )


class BotGroupState(BaseModel):
    room_id: str
    group_id: int
    enabled: bool
    office_id: int | None
    is_staff_group: bool
    ask_members: bool
    staff_ids: list[str]


class GroupsCheckOut(BaseModel):
    version: str = Field(description="Groups version these states are at least as new as")
    groups: list[BotGroupState] = Field(description="Registered groups among the room ids")
