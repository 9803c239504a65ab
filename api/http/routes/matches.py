"""Routes: matches linking wishes to resources (派单/点单)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from api.domain import matches as svc
from api.domain.listing import page
from api.http.deps import ListDep, SessionDep, StaffDep
from api.http.schemas import Page
from models.wish import MatchCreate, MatchPublic, MatchUpdate

router = APIRouter(prefix="/matches", tags=["资源对接 matches"])


@router.get(
    "",
    response_model=Page[MatchPublic],
    summary="对接记录列表（按心愿或资源筛选）",
    description="员工令牌只看到本辖区心愿的对接记录。",
)
def list_matches(
    session: SessionDep,
    principal: StaffDep,
    params: ListDep,
    wish_id: int | None = None,
    resource_id: int | None = None,
) -> Any:
    items, total = svc.list_matches(
        session=session,
        principal=principal,
        params=params,
        wish_id=wish_id,
        resource_id=resource_id,
    )
    return page(items, total, params)


@router.post(
    "",
    response_model=MatchPublic,
    status_code=status.HTTP_201_CREATED,
    summary="为心愿对接一个资源",
    description="与 POST /wishes/{id}/match 相同：心愿状态随之推进；已圆梦或已关闭的心愿返回 409。",
)
def create_match(session: SessionDep, principal: StaffDep, match_in: MatchCreate) -> Any:
    return svc.create_match(session=session, match_in=match_in, principal=principal)


@router.get("/{match_id}", response_model=MatchPublic, summary="对接记录详情")
def get_match(session: SessionDep, principal: StaffDep, match_id: int) -> Any:
    return svc.get_match(session=session, match_id=match_id, principal=principal)


@router.patch("/{match_id}", response_model=MatchPublic, summary="修改对接备注")
def update_match(
    session: SessionDep, principal: StaffDep, match_id: int, match_in: MatchUpdate
) -> Any:
    return svc.update_match(
        session=session, match_id=match_id, match_in=match_in, principal=principal
    )


@router.delete(
    "/{match_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="取消对接（心愿状态不变，时间线留记录）",
)
def delete_match(session: SessionDep, principal: StaffDep, match_id: int) -> None:
    svc.delete_match(session=session, match_id=match_id, principal=principal)
