"""Routes: the 三新 organisations of the area (新经济组织、新社会组织、新就业群体)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from api.domain import organisations as svc
from api.domain.listing import page
from api.http.deps import AdminDep, ListDep, SessionDep, StaffDep
from api.http.schemas import Page
from models.enums import OrganisationKind
from models.org import OrganisationCreate, OrganisationPublic, OrganisationUpdate

router = APIRouter(prefix="/organisations", tags=["三新组织 organisations"])


@router.get(
    "",
    response_model=Page[OrganisationPublic],
    summary="三新组织列表",
    description="员工令牌只看到本级及下级妇联的组织。",
)
def list_organisations(
    session: SessionDep,
    principal: StaffDep,
    params: ListDep,
    office_id: int | None = None,
    include_sub: Annotated[bool, Query(description="office_id 是否包括下级妇联")] = True,
    kind: OrganisationKind | None = None,
    has_branch: Annotated[bool | None, Query(description="是否已建妇联组织")] = None,
    liaison_staff_id: Annotated[int | None, Query(description="分片联系人")] = None,
    q: Annotated[str | None, Query(max_length=100, description="按名称搜索")] = None,
) -> Any:
    items, total = svc.list_organisations(
        session=session,
        principal=principal,
        params=params,
        office_id=office_id,
        include_sub=include_sub,
        kind=kind,
        has_branch=has_branch,
        liaison_staff_id=liaison_staff_id,
        q=q,
    )
    return page(items, total, params)


@router.post(
    "",
    response_model=OrganisationPublic,
    status_code=status.HTTP_201_CREATED,
    summary="登记组织（仅管理员）",
)
def create_organisation(
    session: SessionDep, _: AdminDep, organisation_in: OrganisationCreate
) -> Any:
    return svc.create_organisation(session=session, organisation_in=organisation_in)


@router.get("/{organisation_id}", response_model=OrganisationPublic, summary="组织详情")
def get_organisation(session: SessionDep, principal: StaffDep, organisation_id: int) -> Any:
    return svc.get_organisation(
        session=session, organisation_id=organisation_id, principal=principal
    )


@router.patch(
    "/{organisation_id}", response_model=OrganisationPublic, summary="修改组织（仅管理员）"
)
def update_organisation(
    session: SessionDep, _: AdminDep, organisation_id: int, organisation_in: OrganisationUpdate
) -> Any:
    return svc.update_organisation(
        session=session, organisation_id=organisation_id, organisation_in=organisation_in
    )


@router.delete(
    "/{organisation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="删除组织（仅管理员）",
)
def delete_organisation(session: SessionDep, _: AdminDep, organisation_id: int) -> None:
    svc.delete_organisation(session=session, organisation_id=organisation_id)
