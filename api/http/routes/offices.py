"""Routes: offices (妇联), a city → district → street → community tree."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from api.domain import offices as svc
from api.domain.listing import page
from api.http.deps import AdminDep, ListDep, SessionDep, StaffDep
from api.http.schemas import Page
from models.enums import OfficeLevel
from models.org import OfficeCreate, OfficePublic, OfficeUpdate

router = APIRouter(prefix="/offices", tags=["妇联 offices"])


@router.get(
    "",
    response_model=Page[OfficePublic],
    summary="妇联列表",
    description="员工令牌只看到本级及下级妇联。默认按层级路径排序。",
)
def list_offices(
    session: SessionDep,
    principal: StaffDep,
    params: ListDep,
    parent_id: Annotated[int | None, Query(description="直属上级")] = None,
    within_id: Annotated[int | None, Query(description="此妇联及其全部下级")] = None,
    level: OfficeLevel | None = None,
    q: Annotated[str | None, Query(max_length=100, description="按名称或简码搜索")] = None,
) -> Any:
    items, total = svc.list_offices(
        session=session,
        principal=principal,
        params=params,
        parent_id=parent_id,
        within_id=within_id,
        level=level,
        q=q,
    )
    return page(items, total, params)


@router.post(
    "",
    response_model=OfficePublic,
    status_code=status.HTTP_201_CREATED,
    summary="新建妇联（仅管理员）",
    description="上级的层级必须高于下级（市 → 区 → 街道 → 社区）。",
)
def create_office(session: SessionDep, _: AdminDep, office_in: OfficeCreate) -> Any:
    return svc.create_office(session=session, office_in=office_in)


@router.get("/{office_id}", response_model=OfficePublic, summary="妇联详情")
def get_office(session: SessionDep, principal: StaffDep, office_id: int) -> Any:
    return svc.get_office(session=session, office_id=office_id, principal=principal)


@router.patch(
    "/{office_id}",
    response_model=OfficePublic,
    summary="修改妇联（仅管理员）",
    description="修改上级时，整棵下级树随之移动；不允许形成循环或层级颠倒。",
)
def update_office(session: SessionDep, _: AdminDep, office_id: int, office_in: OfficeUpdate) -> Any:
    return svc.update_office(session=session, office_id=office_id, office_in=office_in)


@router.delete(
    "/{office_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="删除妇联（仅管理员；有下级或数据时拒绝）",
)
def delete_office(session: SessionDep, _: AdminDep, office_id: int) -> None:
    svc.delete_office(session=session, office_id=office_id)
