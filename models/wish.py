"""The ledger (心愿台账): wishes, their timeline, matches to resources and fulfilments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from models.clock import utcnow
from models.enums import Category, CloseReason, EventKind, WishKind, WishStatus
from models.inputs import CleanModel

MAX_WISH_TEXT = 2000

# ---- Wish -----------------------------------------------------------------------------------


class WishBase(SQLModel):
    text: str = Field(min_length=1, max_length=MAX_WISH_TEXT, description="原文")
    category: Category = Field(default=Category.other, sa_type=sa.String(20))
    kind: WishKind = Field(default=WishKind.need, sa_type=sa.String(10))
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    planned_date: date | None = Field(default=None, description="When the service is planned")


class WishCreate(WishBase, CleanModel):
    office_id: int | None = Field(
        default=None, description="Owning office; defaults to the source group's office"
    )
    group_id: int | None = None
    submitter_wechat_id: str | None = Field(default=None, max_length=100)
    submitter_name: str | None = Field(default=None, max_length=50)
    source_message_id: str | None = Field(
        default=None,
        max_length=100,
        description="WeChat message id; creating twice with the same id returns the first wish",
    )
    confidence: float | None = Field(default=None, ge=0, le=1)
    keywords: list[str] = Field(default_factory=list)
    sensitive: bool | None = Field(
        default=None,
        description="敏感心愿（家暴、离婚、债务、心理等）：不填则按 api.sensitive_categories / "
        "api.sensitive_words 判断",
    )


class WishUpdate(CleanModel):
    text: str | None = Field(default=None, min_length=1, max_length=MAX_WISH_TEXT)
    category: Category | None = None
    kind: WishKind | None = None
    organisation_id: int | None = None
    planned_date: date | None = None
    sensitive: bool | None = Field(
        default=None,
        description="标记或取消敏感心愿（只有管理员和负责人可以改）",
    )


class Wish(WishBase, table=True):
    __table_args__ = (
        sa.UniqueConstraint("office_id", "seq", name="uq_wish_office_seq"),
        sa.Index("ix_wish_status_created", "status", "created_at"),
        sa.Index("ix_wish_followup", "status", "next_reminder_at"),
        # Range scans of the follow-up engine (api/followup/overdue.py), migration 0002.
        sa.Index("ix_wish_status_claimed", "status", "claimed_at"),
        sa.Index("ix_wish_status_planned", "status", "planned_date"),
        sa.Index("ix_wish_kind_status_created", "kind", "status", "created_at"),
        # Lists at scale (migration 0013): the default sort and the office and category
        # filters, each ending in id for keyset pages. Text search indexes: models/search.py.
        sa.Index("ix_wish_created", "created_at", "id"),
        sa.Index("ix_wish_office_created", "office_id", "created_at", "id"),
        sa.Index("ix_wish_category_created", "category", "created_at", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    seq: int = Field(description="Number unique within the office, shown as #42")
    number: str = Field(max_length=40, index=True, description="e.g. DF-2026-0042")
    status: WishStatus = Field(default=WishStatus.new, sa_type=sa.String(12))
    close_reason: CloseReason | None = Field(default=None, sa_type=sa.String(12))
    group_id: int | None = Field(default=None, foreign_key="wechat_group.id", index=True)
    submitter_wechat_id: str | None = Field(default=None, max_length=100, index=True)
    submitter_name: str | None = Field(default=None, max_length=50)
    source_message_id: str | None = Field(default=None, max_length=100, unique=True)
    assignee_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    confidence: float | None = None
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    # 1 when logged; +1 with each edit of the wish's own fields (one PATCH or one 改类 is one
    # step, however many fields it changes) and each status transition (claim … reopen). Notes
    # (补充), more resources for a wish already matched and the follow-up engine's reminder
    # bookkeeping leave it alone. PATCH /wishes/{id} takes the version the editor saw and
    # answers 409 when it is no longer current, so an edit never overwrites one it never saw.
    version: int = Field(
        default=1,
        description="Revision: +1 per edit or status transition; a stale PATCH gets 409",
    )
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    claimed_at: datetime | None = None
    matched_at: datetime | None = None
    started_at: datetime | None = None
    fulfilled_at: datetime | None = None
    closed_at: datetime | None = None
    # Follow-up engine state: claimed with conditional updates so two schedulers never
    # double-remind (see api/followup).
    next_reminder_at: datetime | None = Field(default=None)
    reminded_at: datetime | None = None
    escalation_level: int = Field(default=0)
    escalated_at: datetime | None = None
    # Sensitive wishes (家暴、离婚、债务、心理 …, api/domain/visibility.py): acknowledged in the
    # group without number or content, never in a 圆梦 post, digest or group reminder; only
    # administrators and the assignee see the text. Migration 0009.
    sensitive: bool = Field(default=False)


WishView = Literal["full", "masked", "restricted"]
WISH_VIEWS = (
    "full：全部内容；masked：原文已打码，不含提交人；restricted：敏感心愿，只显示编号和状态"
)


class WishPublic(WishBase):
    """A wish as the caller may see it (api/domain/visibility.py): administrators and the wish's
    assignee see everything; other staff see masked text and no submitter; of a sensitive wish
    they see only that it exists, its number and status (text, category, keywords: null)."""

    text: str | None = Field(  # type: ignore[assignment]
        default=None, description="原文（masked 时已打码；restricted 时为空）"
    )
    category: Category | None = Field(  # type: ignore[assignment]
        default=None, description="类别（restricted 时为空）"
    )
    sensitive: bool = False
    view: WishView = Field(default="full", description=WISH_VIEWS)
    id: int
    office_id: int
    seq: int
    number: str
    status: WishStatus
    close_reason: CloseReason | None
    group_id: int | None
    submitter_wechat_id: str | None
    submitter_name: str | None
    source_message_id: str | None
    assignee_id: int | None
    confidence: float | None
    keywords: list[str]
    version: int
    created_at: datetime
    updated_at: datetime
    claimed_at: datetime | None
    matched_at: datetime | None
    started_at: datetime | None
    fulfilled_at: datetime | None
    closed_at: datetime | None
    escalation_level: int


# ---- Timeline ---------------------------------------------------------------------------------


class WishEvent(SQLModel, table=True):
    __tablename__ = "wish_event"
    id: int | None = Field(default=None, primary_key=True)
    wish_id: int = Field(foreign_key="wish.id", index=True)
    kind: EventKind = Field(sa_type=sa.String(20))
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=100, description="Who: staff name, 'bot', 'system', 'admin:…'")
    actor_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    from_status: WishStatus | None = Field(default=None, sa_type=sa.String(12))
    to_status: WishStatus | None = Field(default=None, sa_type=sa.String(12))
    note: str = Field(default="", max_length=MAX_WISH_TEXT)


class WishEventPublic(SQLModel):
    id: int
    kind: EventKind
    at: datetime
    actor: str
    actor_staff_id: int | None
    from_status: WishStatus | None
    to_status: WishStatus | None
    note: str


# ---- Repeats (the same member posting the same wish again) ----------------------------------


class WishRepeat(SQLModel, table=True):
    """A message merged into an existing open wish (api/domain/duplicates.py): the member posted
    it again, in another group or a day later. No text is kept: the wish has it already.

    ``message_id`` is unique so a replayed message finds its row and gets the same reply;
    ``acknowledged``: whether that reply was the group's acknowledgement with the number (the
    first time the wish shows up in that group) or a short status reply."""

    __tablename__ = "wish_repeat"
    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=100, unique=True)
    wish_id: int = Field(foreign_key="wish.id", index=True)
    group_id: int | None = Field(default=None, foreign_key="wechat_group.id")
    acknowledged: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)


# ---- Match (wish ⇄ resource) -------------------------------------------------------------------


class MatchBase(SQLModel):
    wish_id: int = Field(foreign_key="wish.id", index=True)
    resource_id: int = Field(foreign_key="resource.id", index=True)
    note: str = Field(default="", max_length=500)


class MatchCreate(MatchBase, CleanModel):
    pass


class MatchUpdate(CleanModel):
    note: str | None = Field(default=None, max_length=500)


class Match(MatchBase, table=True):
    __table_args__ = (sa.UniqueConstraint("wish_id", "resource_id", name="uq_match_pair"),)
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=100)


class MatchPublic(MatchBase):
    id: int
    created_at: datetime
    created_by: str


# ---- Fulfilment (暖心满溢录) --------------------------------------------------------------------


class FulfilmentBase(SQLModel):
    delivered_on: date = Field(description="服务日期")
    beneficiaries: int = Field(default=0, ge=0, le=10_000_000, description="受益人数")
    value_yuan: float = Field(default=0, ge=0, le=1e10, description="价值（元）")
    summary: str = Field(default="", max_length=MAX_WISH_TEXT, description="服务说明")
    feedback: str = Field(default="", max_length=MAX_WISH_TEXT)
    photos: list[str] = Field(default_factory=list, description="Photo references (URLs, ids)")


class FulfilmentCreate(FulfilmentBase, CleanModel):
    public_summary: str | None = Field(
        default=None,
        max_length=200,
        description="公开说明：写了才会出现在群里的圆梦消息里（敏感心愿从不公开）；"
        "不写则圆梦消息只说“又一个心愿实现了”",
    )


class FulfilmentUpdate(CleanModel):
    delivered_on: date | None = None
    beneficiaries: int | None = Field(default=None, ge=0, le=10_000_000)
    value_yuan: float | None = Field(default=None, ge=0, le=1e10)
    summary: str | None = Field(default=None, max_length=MAX_WISH_TEXT)
    feedback: str | None = Field(default=None, max_length=MAX_WISH_TEXT)
    photos: list[str] | None = None


class Fulfilment(FulfilmentBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    wish_id: int = Field(foreign_key="wish.id", unique=True)
    photos: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)
    # What staff chose to say in public (the 圆梦 post, the 圆梦榜); None: a neutral post.
    # Migration 0009.
    public_summary: str | None = Field(default=None, max_length=200)


class FulfilmentPublic(FulfilmentBase):
    id: int
    wish_id: int
    created_at: datetime
    public_summary: str | None = None
