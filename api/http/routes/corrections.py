"""Routes: corrections of the wish recogniser by staff."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from api.domain import corrections as svc
from api.domain.listing import page
from api.http.deps import ListDep, SessionDep, StaffDep
from api.http.schemas import Page
from models.enums import Category
from models.learning import CorrectionCreate, CorrectionPublic

router = APIRouter(prefix="/corrections", tags=["识别纠正 corrections"])


@router.get("", response_model=Page[CorrectionPublic], summary="识别纠正记录列表")
def list_corrections(
    session: SessionDep,
    principal: StaffDep,
    params: ListDep,
    wish_id: int | None = None,
    corrected_category: Category | None = None,
) -> Any:
    items, total = svc.list_corrections(
        session=session,
        principal=principal,
        params=params,
        wish_id=wish_id,
        corrected_category=corrected_category,
    )
    return page(items, total, params)


@router.post(
    "",
    response_model=CorrectionPublic,
    status_code=status.HTTP_201_CREATED,
    summary="记录一次识别纠正（是否心愿、类别）",
)
def create_correction(
    session: SessionDep, principal: StaffDep, correction_in: CorrectionCreate
) -> Any:
    return svc.create_correction(session=session, correction_in=correction_in, principal=principal)


@router.get("/{correction_id}", response_model=CorrectionPublic, summary="识别纠正详情")
def get_correction(session: SessionDep, principal: StaffDep, correction_id: int) -> Any:
    return svc.get_correction(session=session, correction_id=correction_id, principal=principal)
