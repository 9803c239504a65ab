"""The shapes of the statistics (GET /api/v1/statistics): what offices are judged on, as numbers.

Wish figures are about the wishes *posted* in the period (a cohort: their current status, how
long they waited); ``delivered`` is about the fulfilments *delivered* in it; ``coverage`` is the
三新 ledger at the period's start and end. Codes come with their labels (models/enums.py), so a
chart needs no second request.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class Duration(BaseModel):
    """How long wishes waited for something, over the wishes for which it has happened."""

    count: int = Field(description="有这一步的心愿数")
    pending: int = Field(description="还没有这一步的心愿数（不计入时长）")
    median_hours: float | None = Field(description="中位数（小时，自然时间）")
    p90_hours: float | None = Field(description="90% 分位数（小时，自然时间）")
    working_median_hours: float | None = Field(
        description="中位数（工作小时：只算工作日的上班时间，节假日和周末不算）"
    )
    working_p90_hours: float | None = Field(description="90% 分位数（工作小时）")


class Durations(BaseModel):
    first_response: Duration = Field(
        description="首次响应：登记 → 工作人员第一次处理（认领、对接、备注、改类…）"
    )
    to_match: Duration = Field(description="登记 → 对接资源")
    to_fulfil: Duration = Field(description="登记 → 圆梦")


class FulfilmentRate(BaseModel):
    fulfilled: int = Field(description="已圆梦的需求")
    eligible: int = Field(description="登记的需求，不含因重复或无效关闭的")
    rate: float = Field(description="圆梦率 fulfilled / eligible（0–1，无需求时为 0）")


class CodeCount(BaseModel):
    code: str | None = Field(description="代码（未关联组织时为 null）")
    label: str
    posted: int = Field(description="期间登记的心愿数")
    fulfilled: int = Field(description="其中已圆梦的")


class MonthCount(BaseModel):
    month: str = Field(description="月份（北京时间），如 2026-11")
    posted: int
    fulfilled: int


class CoverageCount(BaseModel):
    """三新 coverage: organisations with a federation branch among those in the ledger."""

    organisations: int = Field(description="期末的组织数")
    with_branch: int = Field(description="期末已建妇联的组织数")
    rate: float = Field(description="期末覆盖率（0–1）")
    organisations_at_start: int = Field(description="期初的组织数")
    with_branch_at_start: int = Field(description="期初已建妇联的组织数")
    rate_at_start: float = Field(description="期初覆盖率（0–1）")
    rate_change: float = Field(description="覆盖率变化（期末 − 期初）")
    new_branches: int = Field(description="期间新建妇联的组织数")


class KindCoverage(CoverageCount):
    code: str
    label: str


class Coverage(CoverageCount):
    by_kind: list[KindCoverage]


class OfficeCount(BaseModel):
    """One office of the subtree: its own figures and, in *_total, those of its subtree."""

    office_id: int
    name: str
    level: str
    parent_id: int | None
    posted: int
    fulfilled: int
    posted_total: int
    fulfilled_total: int
    coverage: CoverageCount = Field(description="本妇联自己的组织")
    coverage_total: CoverageCount = Field(description="本妇联及下级的组织")


class OrganisationWishes(BaseModel):
    organisation_id: int
    name: str
    kind: str
    posted: int
    fulfilled: int


class WishesPerOrganisation(BaseModel):
    organisations: int = Field(description="期末辖区内的组织数")
    organisations_with_wishes: int = Field(description="期间提过心愿的组织数")
    wishes_with_organisation: int = Field(description="期间关联了组织的心愿数")
    average: float = Field(description="提过心愿的组织平均每家的心愿数")
    top: list[OrganisationWishes] = Field(description="心愿最多的组织（最多 10 家）")


class Delivered(BaseModel):
    fulfilments: int = Field(description="期间完成的服务（按服务日期）")
    beneficiaries: int = Field(description="受益人数")
    value_yuan: float = Field(description="价值（元）")


class StatisticsPublic(BaseModel):
    office_id: int | None = Field(description="统计的妇联（含下级）；null：全部")
    start: date = Field(description="期间第一天（北京时间，含）")
    end: date = Field(description="期间最后一天（北京时间，含）")
    posted: int = Field(description="期间登记的心愿数")
    durations: Durations
    fulfilment_rate: FulfilmentRate
    by_status: list[CodeCount]
    by_category: list[CodeCount]
    by_kind: list[CodeCount]
    by_organisation_kind: list[CodeCount]
    by_office: list[OfficeCount]
    by_month: list[MonthCount]
    delivered: Delivered
    coverage: Coverage
    wishes_per_organisation: WishesPerOrganisation
