"""Routes: the resource library (暖新资源库)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from api.domain import resources as svc
from api.domain.listing import page
from api.http.deps import AdminDep, ListDep, SessionDep, StaffDep
from api.http.schemas import Page
from models.enums import Category
from models.resource import ResourceCreate, ResourcePublic, ResourceUpdate

router = APIRouter(prefix="/resources", tags=["暖新资源库 resources"])


@router.get(
    "",
    response_model=Page[ResourcePublic],
    summary="资源列表",
    description="员工令牌看到全市通用的、上级妇联的和本辖区的资源。",
)
def list_resources(
    session: SessionDep,
    principal: StaffDep,
    params: ListDep,
    office_id: Annotated[int | None, Query(description="服务范围（妇联）")] = None,
    include_sub: Annotated[bool, Query(description="office_id 是否包括下级妇联")] = True,
    category: Category | None = None,
    active: bool | None = None,
    q: Annotated[str | None, Query(max_length=100, description="按名称、提供方、说明搜索")] = None,
) -> Any:
    items, total = svc.list_resources(
        session=session,
        principal=principal,
        params=params,
        office_id=office_id,
        include_sub=include_sub,
        category=category,
        active=active,
        q=q,
    )
    return page(items, total, params)


@router.post(
    "",
    response_model=ResourcePublic,
    status_code=status.HTTP_201_CREATED,
    summary="新增资源（仅管理员）",
)
def create_resource(session: SessionDep, _: AdminDep, resource_in: ResourceCreate) -> Any:
    return svc.create_resource(session=session, resource_in=resource_in)


@router.get("/{resource_id}", response_model=ResourcePublic, summary="资源详情")
def get_resource(session: SessionDep, principal: StaffDep, resource_id: int) -> Any:
    return svc.get_resource(session=session, resource_id=resource_id, principal=principal)


@router.patch("/{resource_id}", response_model=ResourcePublic, summary="修改资源（仅管理员）")
def update_resource(
    session: SessionDep, _: AdminDep, resource_id: int, resource_in: ResourceUpdate
) -> Any:
    return svc.update_resource(session=session, resource_id=resource_id, resource_in=resource_in)


@router.delete(
    "/{resource_id}", status_code=status.HTTP_204_NO_CONTENT, summary="删除资源（仅管理员）"
)
def delete_resource(session: SessionDep, _: AdminDep, resource_id: int) -> None:
    svc.delete_resource(session=session, resource_id=resource_id)
