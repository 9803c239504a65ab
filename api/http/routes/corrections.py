"""Routes: corrections of the wish recogniser by staff."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from api.domain import corrections as svc
from api.domain.listing import page
from api.http.deps import ListDep, SessionDep, StaffDep
from api.http.schemas import Page, QualityWeek
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


@router.get(
    "/quality",
    response_model=list[QualityWeek],
    summary="识别质量：按周统计误报、漏识别和改类",
    description=(
        "最近若干周（北京时间，ISO 周，最早的在前）工作人员对识别结果的纠正："
        "误报（不是心愿、忽略待确认消息）、漏识别（登记待确认消息、代登记、引用登记）、"
        "改类，以及当周登记的心愿数和每 100 条心愿的比率。员工令牌只统计本级及下级妇联。"
    ),
)
def recognition_quality(
    session: SessionDep,
    principal: StaffDep,
    weeks: Annotated[int, Query(ge=1, le=svc.MAX_QUALITY_WEEKS, description="周数")] = 12,
    until: Annotated[date | None, Query(description="统计到哪一天所在的周（默认今天）")] = None,
) -> Any:
    return svc.recognition_quality(session=session, principal=principal, weeks=weeks, until=until)


@router.get("/{correction_id}", response_model=CorrectionPublic, summary="识别纠正详情")
def get_correction(session: SessionDep, principal: StaffDep, correction_id: int) -> Any:
    return svc.get_correction(session=session, correction_id=correction_id, principal=principal)
