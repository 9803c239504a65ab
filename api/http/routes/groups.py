"""Routes: WeChat groups the bot may work in."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from api.domain import groups as svc
from api.domain.listing import page
from api.http.deps import AdminDep, ListDep, SessionDep, StaffDep
from api.http.schemas import Page
from models.org import GroupCreate, GroupPublic, GroupUpdate

router = APIRouter(prefix="/groups", tags=["微信群 groups"])


@router.get(
    "", response_model=Page[GroupPublic], summary="群列表", description="员工令牌只看到本辖区的群。"
)
def list_groups(
    session: SessionDep,
    principal: StaffDep,
    params: ListDep,
    office_id: int | None = None,
    include_sub: Annotated[bool, Query(description="office_id 是否包括下级妇联")] = True,
    enabled: bool | None = None,
    is_staff_group: bool | None = None,
    q: Annotated[str | None, Query(max_length=100, description="按群名或群 id 搜索")] = None,
) -> Any:
    items, total = svc.list_groups(
        session=session,
        principal=principal,
        params=params,
        office_id=office_id,
        include_sub=include_sub,
        enabled=enabled,
        is_staff_group=is_staff_group,
        q=q,
    )
    return page(items, total, params)


@router.post(
    "",
    response_model=GroupPublic,
    status_code=status.HTTP_201_CREATED,
    summary="登记群（仅管理员）",
)
def create_group(session: SessionDep, _: AdminDep, group_in: GroupCreate) -> Any:
    return svc.create_group(session=session, group_in=group_in)


@router.get("/{group_id}", response_model=GroupPublic, summary="群详情")
def get_group(session: SessionDep, principal: StaffDep, group_id: int) -> Any:
    return svc.get_group(session=session, group_id=group_id, principal=principal)


@router.patch("/{group_id}", response_model=GroupPublic, summary="修改群（仅管理员）")
def update_group(session: SessionDep, _: AdminDep, group_id: int, group_in: GroupUpdate) -> Any:
    return svc.update_group(session=session, group_id=group_id, group_in=group_in)


@router.delete("/{group_id}", status_code=status.HTTP_204_NO_CONTENT, summary="删除群（仅管理员）")
def delete_group(session: SessionDep, _: AdminDep, group_id: int) -> None:
    svc.delete_group(session=session, group_id=group_id)
