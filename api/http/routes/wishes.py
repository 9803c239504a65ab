"""Routes: the ledger (心愿台账) — list, detail, hand entry, edits and the status workflow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Response, status
from pydantic import BaseModel, Field

from api.domain import wish_admin as ledger
from api.domain.auth import Principal
from api.domain.duplicates import repeats_of
from api.domain.errors import InvalidInput
from api.domain.listing import page
from api.domain.resources import draft_resource_from_offer
from api.domain.suggestions import suggest_resources
from api.domain.visibility import detail_out, require_full, rule_of, view_of, wish_out, wishes_out
from api.domain.workflow import Action
from api.http.deps import ListDep, SessionDep, SettingsDep, StaffDep
from api.http.schemas import (
    ClaimIn,
    CloseIn,
    MatchIn,
    NoteIn,
    Page,
    WishDetail,
    WishEdit,
    WishRepeatOut,
)
from models.enums import Category, CloseReason, WishStatus
from models.resource import ResourcePublic
from models.wish import FulfilmentCreate, Wish, WishCreate, WishPublic
from models.wording import staff as for_staff

router = APIRouter(prefix="/wishes", tags=["心愿台账 wishes"])
F = TypeVar("F", bound=Callable[..., Any])

SCOPE_NOTE = "员工令牌只能看到本级及下级妇联的心愿；范围外的心愿按不存在处理（404）。"
VIEW_NOTE = (
    "管理员和心愿的负责人（令牌关联了该工作人员）看到全部内容（view=full）；其他员工令牌看到"
    "打码的原文、不含提交人（view=masked）；敏感心愿（sensitive=true）只显示编号、状态和时间，"
    "原文、类别、关键词为空（view=restricted），按内容或类别搜索也搜不到它。"
)
TRANSITION_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "心愿不存在或不在管辖范围内"},
    409: {"description": "当前状态不允许此操作；message 说明可以进行的操作"},
}


def wish_filters(
    session: SessionDep,
    principal: StaffDep,
    status: Annotated[list[WishStatus] | None, Query(description="状态，可多选")] = None,
    category: Annotated[list[Category] | None, Query(description="类别代码，可多选")] = None,
    office_id: Annotated[int | None, Query(description="所属妇联")] = None,
    include_sub: Annotated[bool, Query(description="office_id 是否包括下级妇联")] = True,
    group_id: int | None = None,
    organisation_id: int | None = None,
    assignee_id: int | None = None,
    created_from: Annotated[
        date | datetime | None, Query(description="提交时间起（日期按北京时间整天计）")
    ] = None,
    created_to: Annotated[date | datetime | None, Query(description="提交时间止（含当天）")] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="在内容和编号中搜索（不区分大小写，% 和 _ 按原样）；"
            "3 个字以上用全文索引，更短的逐条查找",
        ),
    ] = None,
) -> list[Any]:
    return ledger.wish_filters(
        session=session,
        principal=principal,
        status=status,
        category=category,
        office_id=office_id,
        include_sub=include_sub,
        group_id=group_id,
        organisation_id=organisation_id,
        assignee_id=assignee_id,
        created_from=created_from,
        created_to=created_to,
        q=q,
    )


WishFilters = Annotated[list[Any], Depends(wish_filters)]


@router.get(
    "",
    response_model=Page[WishPublic],
    summary="心愿列表（筛选、排序、分页）",
    description=(
        "翻页两种方式：offset（跳过的条数，越往后越慢），或把上一页的 next_cursor 放进 cursor"
        "（按同一排序接着取，翻得再深也快）。total 默认只数到上限（total_capped 为 true 表示"
        "实际更多），count=true 时数出准确条数。" + VIEW_NOTE
    ),
)
def list_wishes(
    session: SessionDep, principal: StaffDep, params: ListDep, clauses: WishFilters
) -> Any:
    items, total = ledger.list_wishes(session=session, params=params, clauses=clauses)
    return page(wishes_out(principal, items), total, params)


@router.post(
    "",
    response_model=WishPublic,
    status_code=status.HTTP_201_CREATED,
    summary="手工登记心愿",
    description="同一 source_message_id 再次提交时返回第一次登记的心愿（200）。"
    "不填 sensitive 时按敏感类别和敏感词判断。" + SCOPE_NOTE,
)
def create_wish(
    session: SessionDep,
    principal: StaffDep,
    settings: SettingsDep,
    wish_in: WishCreate,
    response: Response,
) -> Any:
    wish, created = ledger.create_wish_checked(
        session=session, wish_in=wish_in, principal=principal, sensitive_rule=rule_of(settings)
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return _out(principal, wish)


def _out(principal: Principal, wish: Wish) -> dict[str, Any]:
    return wish_out(wish, view_of(principal, wish))


def _wish(session: SessionDep, principal: StaffDep, wish_id: int) -> Any:
    return ledger.get_scoped_wish(session=session, wish_id=wish_id, principal=principal)


def _etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


def _if_match(value: str | None) -> int | None:
    """The version in an If-Match header: "3", W/"3" or 3; "*" or none: no condition."""
    if value is None or value.strip() == "*":
        return None
    digits = value.strip().removeprefix("W/").strip('"')
    if not digits.isdigit():
        raise InvalidInput('If-Match 应为心愿的版本号，如 "3"')
    return int(digits)


@router.get(
    "/{wish_id}",
    response_model=WishDetail,
    summary="心愿详情：时间线、对接资源、圆梦记录",
    description=SCOPE_NOTE
    + "响应头 ETag 是心愿的版本号，修改时可放进 If-Match。"
    + VIEW_NOTE
    + "masked 时时间线备注也打码；restricted 时备注、对接资源和圆梦记录都不显示。",
    responses={404: {"description": "心愿不存在或不在管辖范围内"}},
)
def get_wish(session: SessionDep, principal: StaffDep, wish_id: int, response: Response) -> Any:
    wish = _wish(session, principal, wish_id)
    _etag(response, wish.version)
    detail = ledger.wish_detail(session=session, wish=wish)
    repeats = repeats_of(session, wish)  # the member's repeated posts merged into it
    detail.update(
        repeat_count=repeats.times,
        repeat_groups=repeats.groups,
        repeats=[
            WishRepeatOut(
                group_id=repeat.group_id,
                group_topic=group.topic if group is not None else "",
                at=repeat.created_at,
                acknowledged=repeat.acknowledged,
            )
            for repeat, group in repeats.items
        ],
    )
    return detail_out(detail, view_of(principal, wish))


@router.patch(
    "/{wish_id}",
    response_model=WishPublic,
    summary="修改心愿（内容、类别、类型、组织、计划日期）",
    description=(
        "每次修改都写入时间线；改类别记为 category_changed。请带上您看到的版本"
        "（请求体的 version 或 If-Match 头）：心愿此后被别人改过或办理过时返回 409，"
        "details.current_version 是现在的版本，您的修改不会写入。"
        "敏感心愿的内容、类别和类型只有管理员和负责人可以改（否则 403）；任何人都可以标记敏感"
        "（sensitive=true），只有管理员和负责人可以取消。"
    ),
    responses={409: {"description": "心愿已被修改：请刷新后再改"}},
)
def update_wish(
    session: SessionDep,
    principal: StaffDep,
    wish_id: int,
    body: WishEdit,
    response: Response,
    if_match: Annotated[str | None, Header(description="心愿版本号（ETag）")] = None,
) -> Any:
    header_version = _if_match(if_match)
    if None not in (body.version, header_version) and body.version != header_version:
        raise InvalidInput("请求体的 version 和 If-Match 头不一致")
    wish = _wish(session, principal, wish_id)
    wish = ledger.update_wish(
        session=session,
        wish=wish,
        wish_in=body.update(),
        principal=principal,
        expected_version=body.version if body.version is not None else header_version,
    )
    _etag(response, wish.version)
    return _out(principal, wish)


def transition_route(path: str, summary: str) -> Callable[[F], F]:
    """POST /wishes/{wish_id}/<action>: answers with the wish; 404 out of scope, 409 refused."""
    return router.post(
        path, response_model=WishPublic, summary=summary, responses=TRANSITION_RESPONSES
    )


def _transition(
    session: SessionDep,
    principal: Principal,
    wish_id: int,
    action: Action,
    note: str,
    close_reason: CloseReason | None = None,
) -> Any:
    wish = _wish(session, principal, wish_id)
    wish = ledger.simple_transition(
        session=session,
        wish=wish,
        principal=principal,
        action=action,
        note=note,
        close_reason=close_reason,
    )
    return _out(principal, wish)


@transition_route("/{wish_id}/claim", "认领（已登记 → 已认领）")
def claim_wish(
    session: SessionDep, principal: StaffDep, wish_id: int, body: ClaimIn | None = None
) -> Any:
    body = body or ClaimIn()
    wish = _wish(session, principal, wish_id)
    wish = ledger.claim(
        session=session,
        wish=wish,
        principal=principal,
        assignee_id=body.assignee_id,
        note=body.note,
    )
    return _out(principal, wish)


@transition_route("/{wish_id}/match", "对接资源（已认领 → 已对接；已登记的心愿先自动认领）")
def match_wish(session: SessionDep, principal: StaffDep, wish_id: int, body: MatchIn) -> Any:
    wish = _wish(session, principal, wish_id)
    wish = ledger.match(
        session=session,
        wish=wish,
        principal=principal,
        resource_ids=body.resource_ids,
        note=body.note,
    )
    return _out(principal, wish)


@transition_route("/{wish_id}/start", "开始服务（已对接 → 服务中）")
def start_wish(
    session: SessionDep, principal: StaffDep, wish_id: int, body: NoteIn | None = None
) -> Any:
    return _transition(session, principal, wish_id, Action.start, (body or NoteIn()).note)


@transition_route("/{wish_id}/fulfil", "圆梦（服务中 → 已圆梦），同时写入暖心满溢录并通知来源群")
def fulfil_wish(
    session: SessionDep, principal: StaffDep, wish_id: int, body: FulfilmentCreate
) -> Any:
    wish = _wish(session, principal, wish_id)
    wish = ledger.fulfil(session=session, wish=wish, principal=principal, fulfilment_in=body)
    return _out(principal, wish)


@transition_route("/{wish_id}/close", "关闭（任何未完成状态 → 已关闭，需说明原因）")
def close_wish(session: SessionDep, principal: StaffDep, wish_id: int, body: CloseIn) -> Any:
    return _transition(session, principal, wish_id, Action.close, body.note, body.reason)


@transition_route("/{wish_id}/reopen", "重新打开（已关闭 → 已登记）")
def reopen_wish(
    session: SessionDep, principal: StaffDep, wish_id: int, body: NoteIn | None = None
) -> Any:
    return _transition(session, principal, wish_id, Action.reopen, (body or NoteIn()).note)


@router.post(
    "/{wish_id}/resource-draft",
    response_model=ResourcePublic,
    status_code=status.HTTP_201_CREATED,
    summary="转资源：把爱心提供类心愿转为资源草稿（停用状态，管理员完善后启用）",
    description=(
        "只适用于类型为「提供」或类别为「公益参与」的心愿；其他心愿返回 422。"
        "已经转过的心愿返回原来的草稿（200）。" + SCOPE_NOTE
    ),
    responses={
        200: {"model": ResourcePublic, "description": "已经转过：原来的草稿"},
        404: {"description": "心愿不存在或不在管辖范围内"},
    },
)
def draft_resource(
    session: SessionDep, principal: StaffDep, wish_id: int, response: Response
) -> Any:
    wish = _wish(session, principal, wish_id)
    require_full(principal, wish)  # the draft is made of the wish's words
    resource, created = draft_resource_from_offer(session=session, wish=wish)
    if not created:
        response.status_code = status.HTTP_200_OK
    return resource


class SuggestionOut(BaseModel):
    resource_id: int
    name: str
    score: float
    reasons: list[str] = Field(
        description="原因代码：category、keywords:…、history:n、capacity:full"
    )
    why: list[str] = Field(description="原因（中文）")


@router.get(
    "/{wish_id}/suggestions",
    response_model=list[SuggestionOut],
    summary="推荐资源：最可能帮到这条心愿的资源（最多 3 个，按匹配程度排序）",
    description=SCOPE_NOTE + "敏感心愿只有管理员和负责人可以查看推荐（否则 403）。",
    responses={
        403: {"description": "敏感心愿：只有管理员和负责人可以查看"},
        404: {"description": "心愿不存在或不在管辖范围内"},
    },
)
def wish_suggestions(session: SessionDep, principal: StaffDep, wish_id: int) -> Any:
    wish = _wish(session, principal, wish_id)
    require_full(principal, wish)  # what would help a sensitive wish says what it is about
    return [
        SuggestionOut(
            resource_id=s.resource_id,
            name=s.name,
            score=s.score,
            reasons=list(s.reasons),
            why=[w for w in (for_staff.suggestion_reason(r) for r in s.reasons) if w],
        )
        for s in suggest_resources(session=session, wish=wish)
    ]
