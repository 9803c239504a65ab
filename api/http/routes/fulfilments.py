"""Routes: the fulfilment record (暖心满溢录)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import Field

from api.domain import matches as svc
from api.domain.listing import page
from api.domain.visibility import fulfilments_out
from api.http.deps import ListDep, SessionDep, StaffDep
from api.http.schemas import Page
from models.wish import FulfilmentCreate, FulfilmentPublic, FulfilmentUpdate

router = APIRouter(prefix="/fulfilments", tags=["暖心满溢录 fulfilments"])


class FulfilmentForWish(FulfilmentCreate):
    wish_id: int = Field(description="服务中的心愿")


@router.get(
    "",
    response_model=Page[FulfilmentPublic],
    summary="圆梦记录列表",
    description="员工令牌只看到本辖区心愿的记录；不是心愿负责人时说明和反馈已打码，"
    "敏感心愿的记录不含说明、反馈、公开说明和照片。",
)
def list_fulfilments(
    session: SessionDep,
    principal: StaffDep,
    params: ListDep,
    wish_id: int | None = None,
    office_id: Annotated[int | None, Query(description="心愿所属妇联（含下级）")] = None,
    delivered_from: date | None = None,
    delivered_to: date | None = None,
) -> Any:
    items, total = svc.list_fulfilments(
        session=session,
        principal=principal,
        params=params,
        wish_id=wish_id,
        office_id=office_id,
        delivered_from=delivered_from,
        delivered_to=delivered_to,
    )
    return page(fulfilments_out(session, principal, items), total, params)


@router.post(
    "",
    response_model=FulfilmentPublic,
    status_code=status.HTTP_201_CREATED,
    summary="记录圆梦（等同 POST /wishes/{id}/fulfil）",
    responses={409: {"description": "心愿不在「服务中」"}},
)
def create_fulfilment(session: SessionDep, principal: StaffDep, body: FulfilmentForWish) -> Any:
    fulfilment_in = FulfilmentCreate.model_validate(body.model_dump(exclude={"wish_id"}))
    record = svc.create_fulfilment(
        session=session, wish_id=body.wish_id, fulfilment_in=fulfilment_in, principal=principal
    )
    return fulfilments_out(session, principal, [record])[0]


@router.get("/{fulfilment_id}", response_model=FulfilmentPublic, summary="圆梦记录详情")
def get_fulfilment(session: SessionDep, principal: StaffDep, fulfilment_id: int) -> Any:
    record = svc.get_fulfilment(session=session, fulfilment_id=fulfilment_id, principal=principal)
    return fulfilments_out(session, principal, [record])[0]


@router.patch(
    "/{fulfilment_id}",
    response_model=FulfilmentPublic,
    summary="更正圆梦记录（受益人数、价值、照片等）",
)
def update_fulfilment(
    session: SessionDep, principal: StaffDep, fulfilment_id: int, body: FulfilmentUpdate
) -> Any:
    record = svc.update_fulfilment(
        session=session, fulfilment_id=fulfilment_id, fulfilment_in=body, principal=principal
    )
    return fulfilments_out(session, principal, [record])[0]
