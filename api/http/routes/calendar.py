"""Routes: the working-day calendar the follow-up counts (holidays and 调休); edits are admin."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, Field

from api.followup import calendar as svc
from api.followup.calendar import FIRST_YEAR, LAST_YEAR
from api.http.deps import AdminDep, SessionDep, StaffDep
from api.http.routes.followup import get_followup
from models.calendar_day import CalendarDayCreate, CalendarDayPublic, CalendarDayWrite
from models.clock import to_local

router = APIRouter(prefix="/calendar", tags=["节假日 calendar"])

Year = Annotated[int, Query(ge=FIRST_YEAR, le=LAST_YEAR, description="年份，默认今年")]


class CalendarYearOut(BaseModel):
    year: int
    kept: bool = Field(description="true：管理员维护的日子；false：来自 chinesecalendar 或法定节日")
    complete: bool = Field(description="这一年的调休上班日已经有了")
    days: list[CalendarDayPublic]


class CalendarStatusOut(BaseModel):
    today: date
    next_year: int
    next_year_complete: bool
    warn: bool = Field(description="已到 12 月，明年的调休还没有录入")


class CalendarDaysIn(BaseModel):
    days: list[CalendarDayCreate] = Field(min_length=1, max_length=400)


@router.get("", summary="某一年的节假日和调休上班日")
def read_year(
    request: Request, session: SessionDep, _staff: StaffDep, year: Year | None = None
) -> CalendarYearOut:
    followup = get_followup(request)
    year = year or to_local(followup.runner.clock()).year
    found = svc.read_year(session=session, settings=followup.settings, year=year)
    return CalendarYearOut(**vars(found))


@router.get("/status", summary="明年的调休是否已录入（12 月起未录入时提醒）")
def read_status(request: Request, session: SessionDep, _staff: StaffDep) -> CalendarStatusOut:
    followup = get_followup(request)
    found = svc.read_status(
        session=session, settings=followup.settings, now=followup.runner.clock()
    )
    return CalendarStatusOut(**vars(found))


@router.post("", summary="录入多天（如一整年的放假和调休安排，仅管理员）")
def save_days(
    request: Request, session: SessionDep, _admin: AdminDep, days_in: CalendarDaysIn
) -> list[CalendarDayPublic]:
    settings = get_followup(request).settings
    return svc.save_days(session=session, settings=settings, days_in=days_in.days)


@router.put("/{day}", summary="设置一天：放假或调休上班（仅管理员）")
def put_day(
    request: Request, session: SessionDep, _admin: AdminDep, day: date, day_in: CalendarDayWrite
) -> CalendarDayPublic:
    settings = get_followup(request).settings
    create = CalendarDayCreate(day=day, **day_in.model_dump())
    return svc.save_days(session=session, settings=settings, days_in=[create])[0]


@router.delete(
    "/{day}", status_code=status.HTTP_204_NO_CONTENT, summary="删除一天，恢复按星期算（仅管理员）"
)
def delete_day(request: Request, session: SessionDep, _admin: AdminDep, day: date) -> None:
    settings = get_followup(request).settings
    svc.delete_day(session=session, settings=settings, day=day)
