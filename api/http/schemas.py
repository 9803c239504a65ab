"""Request and response shapes of the admin API that are not tables' own schema families."""

from __future__ import annotations

from datetime import date, datetime
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
    """One page of a list. `total` counts the rows matching the filters up to the server's
    cap (`total_capped` then true; `?count=true` counts them all); `next_cursor`, when set,
    fetches the next page by keyset (`?cursor=…`), fast however deep the scroll."""

    items: list[T]
    total: int = Field(
        description="符合条件的总条数；超过上限（list_count_cap）且未要求 count=true 时为该上限"
    )
    total_capped: bool = Field(
        default=False, description="true：实际条数超过 total（没有全部数完）"
    )
    limit: int
    offset: int
    next_cursor: str | None = Field(
        default=None, description="下一页的游标（放进 ?cursor=）；null 表示没有下一页"
    )


class MatchDetail(MatchPublic):
    resource_name: str = Field(description="资源名称")
    resource_provider: str = Field(description="提供方")


class WishRepeatOut(BaseModel):
    """A message merged into the wish: where and when, never its text."""

    group_id: int | None
    group_topic: str = Field(description="群名称")
    at: datetime
    acknowledged: bool = Field(description="这次是否在该群回复了心愿编号")


class WishDetail(BaseModel):
    wish: WishPublic
    timeline: list[WishEventPublic] = Field(description="时间线，按时间先后")
    matches: list[MatchDetail]
    fulfilment: FulfilmentPublic | None
    allowed_actions: list[Action] = Field(description="当前状态下可以进行的操作")
    repeat_count: int = Field(default=0, description="同一成员重复提出、已合并进来的次数")
    repeat_groups: int = Field(default=0, description="重复提出涉及的群数")
    repeats: list[WishRepeatOut] = Field(
        default_factory=list, description="合并进来的重复消息（群、时间；不含原文）"
    )


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
    staff_id: int | None = Field(
        default=None,
        description="员工令牌可关联持有人的工作人员编号：分配给她的心愿她能看到全文和提交人；"
        "不关联时只能看到打码的原文",
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


class QualityWeek(BaseModel):
    """GET /corrections/quality: one ISO week (Asia/Shanghai) of recogniser corrections."""

    week: str = Field(description="ISO 周，如 2025-W03（北京时间）")
    starts_on: date = Field(description="这一周的星期一")
    wishes_logged: int = Field(description="这一周登记的心愿数")
    false_alarms: int = Field(
        description="误报：识别为心愿，工作人员认定不是（不是心愿、忽略 T12）"
    )
    false_alarms_triaged: int = Field(description="其中在待确认队列里拦下的误报（没有打扰群成员）")
    misses: int = Field(description="漏识别：没有识别出（或只进了待确认），工作人员认定是心愿")
    recategorised: int = Field(description="改类：是心愿，但类别被工作人员改了")
    false_alarm_rate: float | None = Field(description="误报率：每 100 条登记心愿的误报数")
    miss_rate: float | None = Field(description="漏识别率：每 100 条登记心愿的漏识别数")
    recategorised_rate: float | None = Field(description="改类率：每 100 条登记心愿的改类数")
