"""Routes: the statistics of an office's area over a period (speed, fulfilment, coverage)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.domain.statistics import office_statistics
from api.followup.calendar import CalendarSource, WorkCalendar
from api.http.deps import SessionDep, StaffDep
from api.http.routes.followup import get_followup
from models.statistics import StatisticsPublic

router = APIRouter(prefix="/statistics", tags=["统计 statistics"])


def _calendar(request: Request, session: SessionDep) -> WorkCalendar:
    """The follow-up engine's calendar (same holidays, 调休 and office hours), rebuilt only
    when the admin's calendar has changed."""
    source: CalendarSource = get_followup(request).runner.context.calendars
    return source.refresh(session)


@router.get(
    "",
    response_model=StatisticsPublic,
    summary="统计：响应速度、圆梦率、分类与分月、三新覆盖率 Statistics of an office's area",
    description=(
        "本妇联及下级在期间内（北京时间，含首尾两天；默认本月至今）登记的心愿："
        "首次响应、对接、圆梦的时长（中位数和 90% 分位数，自然小时和工作小时）、圆梦率、"
        "按状态、类别、类型、组织类型、妇联和月份的数量；期间完成的服务人数和价值（按服务日期）；"
        "三新组织建会覆盖率（期初、期末及变化，按组织类型和妇联）；各组织的心愿数。"
        "员工令牌默认统计本妇联，只能查本级及下级；管理员不指定 office_id 时统计全部。\n\n"
        "Wishes posted in [start, end] (Beijing dates) under the office: durations, fulfilment "
        "rate, breakdowns; fulfilments delivered in the period; 三新 branch coverage."
    ),
)
def read_statistics(
    request: Request,
    session: SessionDep,
    principal: StaffDep,
    office_id: Annotated[int | None, Query(description="妇联（含下级）")] = None,
    start: Annotated[date | None, Query(description="开始日期（含），默认本月 1 日")] = None,
    end: Annotated[date | None, Query(description="结束日期（含），默认今天")] = None,
) -> StatisticsPublic:
    return office_statistics(
        session=session,
        principal=principal,
        calendar=_calendar(request, session),
        office_id=office_id,
        start=start,
        end=end,
    )
