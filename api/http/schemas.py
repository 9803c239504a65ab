"""Request and response shapes of the admin API that are not tables' own schema families."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from api.domain.workflow import Action
from models.auth import ApiTokenPublic
from models.enums import CloseReason, Role
from models.inputs import CleanBody
from models.wish import (
    MAX_WISH_TEXT,
    FulfilmentPublic,
    MatchPublic,
    WishEventPublic,
    WishPublic,
    WishUpdate,
)

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: `total` counts every row matching the filters."""

    items: list[T]
    total: int = Field(description="符合条件的总条数")
    limit: int
    offset: int


class MatchDetail(MatchPublic):
    resource_name: str = Field(description="资源名称")
    resource_provider: str = Field(description="提供方")


class WishDetail(BaseModel):
    wish: WishPublic
    timeline: list[WishEventPublic] = Field(description="时间线，按时间先后")
    matches: list[MatchDetail]
    fulfilment: FulfilmentPublic | None
    allowed_actions: list[Action] = Field(description="当前状态下可以进行的操作")


class WishEdit(WishUpdate):
    """PATCH /wishes/{id}: the fields to change and the version the editor saw."""

    version: int | None = Field(
        default=None,
        ge=1,
        description=(
            "您看到的心愿版本（wish.version）。心愿此后被改过则返回 409，"
            "不会覆盖别人的修改；也可以用 If-Match 请求头传递"
        ),
    )

    def update(self) -> WishUpdate:
        """The fields to change, as sent (without the version)."""
        return WishUpdate.model_validate(self.model_dump(exclude_unset=True, exclude={"version"}))


class ClaimIn(CleanBody):
    assignee_id: int | None = Field(default=None, description="负责人（工作人员编号）")
    note: str = Field(default="", max_length=500)


class MatchIn(CleanBody):
    resource_ids: list[int] = Field(min_length=1, max_length=50, description="资源编号")
    note: str = Field(default="", max_length=500)


class NoteIn(CleanBody):
    note: str = Field(default="", max_length=MAX_WISH_TEXT)


class CloseIn(CleanBody):
    reason: CloseReason = Field(
        description="duplicate 重复 / withdrawn 撤回 / invalid 无效 / cannot_help 无法帮助"
    )
    note: str = Field(default="", max_length=MAX_WISH_TEXT)


class TokenCreate(CleanBody):
    name: str = Field(min_length=1, max_length=100, description="令牌持有人")
    role: Role
    office_id: int | None = Field(default=None, description="员工令牌必填：可见的妇联范围")
    expires_in_days: int | None = Field(
        default=None, ge=1, le=3650, description="有效天数；不填则长期有效（可随时停用）"
    )


class TokenRotate(CleanBody):
    expires_in_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="新令牌的有效天数；不填则沿用旧令牌的有效期长度（旧令牌长期有效则新令牌也是）",
    )


class TokenCreated(BaseModel):
    token: ApiTokenPublic
    clear: str = Field(description="令牌明文：只显示这一次，请妥善保存")
