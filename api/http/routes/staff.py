"""Routes: staff (妇联干部、执委、志愿者) and the zones they look after (分片联系)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from api.domain import staff as svc
from api.domain.listing import page
from api.http.deps import AdminDep, ListDep, SessionDep, StaffDep
from api.http.schemas import Page
from models.enums import StaffRole
from models.org import StaffCreate, StaffPublic, StaffUpdate

router = APIRouter(prefix="/staff", tags=["工作人员 staff"])


@router.get(
    "",
    response_model=Page[StaffPublic],
    summary="工作人员列表",
    description="员工令牌只看到本级及下级妇联的工作人员。",
)
def list_staff(
    session: SessionDep,
    principal: StaffDep,
    params: ListDep,
    office_id: int | None = None,
    include_sub: Annotated[bool, Query(description="office_id 是否包括下级妇联")] = True,
    role: StaffRole | None = None,
    active: bool | None = None,
    q: Annotated[str | None, Query(max_length=100, description="按姓名或微信号搜索")] = None,
) -> Any:
    items, total = svc.list_staff(
        session=session,
        principal=principal,
        params=params,
        office_id=office_id,
        include_sub=include_sub,
        role=role,
        active=active,
        q=q,
    )
    return page(items, total, params)


@router.post(
    "",
    response_model=StaffPublic,
    status_code=status.HTTP_201_CREATED,
    summary="登记工作人员（仅管理员）",
)
def create_staff(session: SessionDep, _: AdminDep, staff_in: StaffCreate) -> Any:
    return svc.create_staff(session=session, staff_in=staff_in)


@router.get("/{staff_id}", response_model=StaffPublic, summary="工作人员详情")
def get_staff(session: SessionDep, principal: StaffDep, staff_id: int) -> Any:
    return svc.get_staff(session=session, staff_id=staff_id, principal=principal)


@router.patch("/{staff_id}", response_model=StaffPublic, summary="修改工作人员（仅管理员）")
def update_staff(session: SessionDep, _: AdminDep, staff_id: int, staff_in: StaffUpdate) -> Any:
    return svc.update_staff(session=session, staff_id=staff_id, staff_in=staff_in)


@router.delete(
    "/{staff_id}", status_code=status.HTTP_204_NO_CONTENT, summary="删除工作人员（仅管理员）"
)
def delete_staff(session: SessionDep, _: AdminDep, staff_id: int) -> None:
    svc.delete_staff(session=session, staff_id=staff_id)
