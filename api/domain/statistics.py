"""Statistics of an office's area over a period: speed, fulfilment, breakdowns, 三新 coverage.

Counts are grouped in SQL; only the durations need one row per wish (a median is not a SQL
aggregate both backends share, and working hours need the calendar). The period is whole local
(Asia/Shanghai) dates, both ends included. See models/statistics.py for what each figure means.

Definitions:
- first response: from the wish's logging to the first thing staff did to it (a transition,
  a match, a note, a new category) — the bot's acknowledgement, the follow-up engine's reminders
  and a member's own 补充 or withdrawal are not staff answering;
- to match / to fulfil: from logging to ``matched_at`` / ``fulfilled_at``;
- percentiles: ``statistics.quantiles(method="inclusive")``, linear between order statistics;
- fulfilment rate: fulfilled needs / needs logged, leaving out needs closed as duplicate or
  invalid (they were never wishes to fulfil); offers are resources, not wishes to fulfil;
- coverage at a date: organisations registered by then, and those of them whose branch existed
  by then (``branch_since``; a branch without a date counts from the organisation's start).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import Session, col

from api.domain.auth import Principal
from api.domain.common import ensure_office_allowed, is_staff, scope_clause, subtree_clause
from api.domain.errors import InvalidInput
from models import Fulfilment, Office, Organisation, Wish, WishEvent
from models.clock import SHANGHAI, to_local, utcnow
from models.enums import (
    Category,
    CloseReason,
    EventKind,
    OrganisationKind,
    WishKind,
    WishStatus,
)
from models.statistics import (
    CodeCount,
    Coverage,
    CoverageCount,
    Delivered,
    Duration,
    Durations,
    FulfilmentRate,
    KindCoverage,
    MonthCount,
    OfficeCount,
    OrganisationWishes,
    StatisticsPublic,
    WishesPerOrganisation,
)
from models.wording.staff import STATS_NO_ORGANISATION

MAX_PERIOD_DAYS = 3660  # ten years: bounds the month breakdown and the calendar walks
TOP_ORGANISATIONS = 10
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)  # far from date.max's overflow

# Events that are someone handling the wish (not its logging, reminders or escalations), and
# the actors that are not staff: the bot (api/chat/intake.py), the follow-up engine
# (api/followup/reminders.py) and members using commands (api/chat/context.py: "成员 …").
HANDLING_EVENTS = (
    EventKind.transition,
    EventKind.matched,
    EventKind.note,
    EventKind.category_changed,
)
NON_STAFF_ACTORS = ("bot", "system")
MEMBER_ACTOR_PREFIX = "成员"


class WorkingHours(Protocol):
    """The working-hours arithmetic (api/followup/calendar.py WorkCalendar): the route passes
    the follow-up engine's calendar, so both count the same holidays and office hours."""

    def working_hours_between(self, start: datetime, end: datetime) -> float: ...


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def lower(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time(), SHANGHAI)

    @property
    def upper(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), datetime.min.time(), SHANGHAI)


def default_period(today: date | None = None) -> Period:
    """This month so far (the 台账 of the month)."""
    today = today or to_local(utcnow()).date()
    return Period(today.replace(day=1), today)


def _period(start: date | None, end: date | None) -> Period:
    fallback = default_period()
    period = Period(start or fallback.start, end or fallback.end)
    if start is not None and end is None and start > fallback.end:
        period = Period(start, start)
    if period.start < EARLIEST or period.end > LATEST:
        raise InvalidInput(f"统计日期须在 {EARLIEST.year} 到 {LATEST.year} 年之间")
    if period.end < period.start:
        raise InvalidInput("end：结束日期不能早于开始日期")
    if (period.end - period.start).days > MAX_PERIOD_DAYS:
        raise InvalidInput("统计期间最长十年，请缩短 start 到 end 的范围")
    return period


# ---- durations ----------------------------------------------------------------------------


def _percentiles(values: Sequence[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    if len(values) == 1:
        return round(values[0], 2), round(values[0], 2)
    median = statistics.median(values)
    p90 = statistics.quantiles(values, n=10, method="inclusive")[8]
    return round(median, 2), round(p90, 2)


def _duration(
    spans: Iterable[tuple[datetime, datetime | None]], calendar: WorkingHours
) -> Duration:
    elapsed: list[float] = []
    working: list[float] = []
    pending = 0
    for begin, end in spans:
        if end is None:
            pending += 1
            continue
        elapsed.append(max((end - begin).total_seconds(), 0) / 3600)
        working.append(calendar.working_hours_between(begin, end))
    median, p90 = _percentiles(elapsed)
    working_median, working_p90 = _percentiles(working)
    return Duration(
        count=len(elapsed),
        pending=pending,
        median_hours=median,
        p90_hours=p90,
        working_median_hours=working_median,
        working_p90_hours=working_p90,
    )


def _first_staff_action(wishes: Any) -> Any:
    """First handling event by staff per wish, over the events of `wishes` (a subquery of
    ids) only: the timeline of the whole ledger is far larger than one period's."""
    actor = col(WishEvent.actor)
    by_staff = sa.or_(
        col(WishEvent.actor_staff_id).is_not(None),
        sa.and_(
            actor.not_in(NON_STAFF_ACTORS),
            ~actor.startswith(MEMBER_ACTOR_PREFIX, autoescape=True),
        ),
    )
    return (
        sa.select(col(WishEvent.wish_id), sa.func.min(col(WishEvent.at)).label("at"))
        .where(
            col(WishEvent.wish_id).in_(wishes), col(WishEvent.kind).in_(HANDLING_EVENTS), by_staff
        )
        .group_by(col(WishEvent.wish_id))
        .subquery("first_action")
    )


def _durations(session: Session, where: list[Any], calendar: WorkingHours) -> Durations:
    first = _first_staff_action(sa.select(col(Wish.id)).where(*where))
    rows = session.execute(
        sa.select(col(Wish.created_at), first.c.at, col(Wish.matched_at), col(Wish.fulfilled_at))
        .select_from(Wish)
        .outerjoin(first, first.c.wish_id == col(Wish.id))
        .where(*where)
    ).all()
    return Durations(
        first_response=_duration(((r[0], r[1]) for r in rows), calendar),
        to_match=_duration(((r[0], r[2]) for r in rows), calendar),
        to_fulfil=_duration(((r[0], r[3]) for r in rows), calendar),
    )


# ---- counts -------------------------------------------------------------------------------


def _sum_if(condition: sa.ColumnElement[bool], of: Any = 1) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, of), else_=0)), 0)


FULFILLED = col(Wish.status) == WishStatus.fulfilled


def _grouped(
    session: Session, key: Any, where: list[Any], *, join: Any = None
) -> dict[Any, tuple[int, int]]:
    """{key: (posted, fulfilled)} over the period's wishes."""
    stmt = sa.select(key, sa.func.count(), _sum_if(FULFILLED)).select_from(Wish)
    if join is not None:
        stmt = stmt.outerjoin(*join)
    rows = session.execute(stmt.where(*where).group_by(key)).all()
    return {row[0]: (int(row[1]), int(row[2])) for row in rows}


def _labelled(counts: dict[Any, tuple[int, int]], enum: Any) -> list[CodeCount]:
    return [
        CodeCount(
            code=m.value,
            label=m.label,
            posted=counts.get(m.value, (0, 0))[0],
            fulfilled=counts.get(m.value, (0, 0))[1],
        )
        for m in enum
    ]


def _months(period: Period) -> list[tuple[str, datetime]]:
    """(month, its local start) for every month the period touches."""
    months = []
    day = period.start.replace(day=1)
    while day <= period.end:
        months.append((f"{day:%Y-%m}", datetime.combine(day, datetime.min.time(), SHANGHAI)))
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def _by_month(session: Session, period: Period, where: list[Any]) -> list[MonthCount]:
    months = _months(period)
    created = col(Wish.created_at)
    # The month as a CASE over its boundaries: portable, where date functions are not.
    boundaries = [begin for _, begin in months[1:]] + [period.upper]
    whens = [(created < bound, name) for (name, _), bound in zip(months, boundaries, strict=True)]
    key = sa.case(*whens, else_=months[-1][0]).label("month")
    counts = _grouped(session, key, where)
    return [
        MonthCount(
            month=name, posted=counts.get(name, (0, 0))[0], fulfilled=counts.get(name, (0, 0))[1]
        )
        for name, _ in months
    ]


def _fulfilment_rate(session: Session, where: list[Any]) -> FulfilmentRate:
    discarded = sa.and_(
        col(Wish.status) == WishStatus.closed,
        col(Wish.close_reason).in_([CloseReason.duplicate, CloseReason.invalid]),
    )
    row = session.execute(
        sa.select(_sum_if(FULFILLED), _sum_if(~discarded))
        .select_from(Wish)
        .where(*where, col(Wish.kind) == WishKind.need)
    ).one()
    fulfilled, eligible = int(row[0]), int(row[1])
    return FulfilmentRate(
        fulfilled=fulfilled,
        eligible=eligible,
        rate=round(fulfilled / eligible, 4) if eligible else 0.0,
    )


def _delivered(session: Session, period: Period, office_where: list[Any]) -> Delivered:
    row = session.execute(
        sa.select(
            sa.func.count(col(Fulfilment.id)),
            sa.func.coalesce(sa.func.sum(col(Fulfilment.beneficiaries)), 0),
            sa.func.coalesce(sa.func.sum(col(Fulfilment.value_yuan)), 0),
        )
        .select_from(Fulfilment)
        .join(Wish, col(Wish.id) == col(Fulfilment.wish_id))
        .where(
            *office_where,
            col(Fulfilment.delivered_on) >= period.start,
            col(Fulfilment.delivered_on) <= period.end,
        )
    ).one()
    return Delivered(
        fulfilments=int(row[0]), beneficiaries=int(row[1]), value_yuan=round(float(row[2]), 2)
    )


# ---- coverage -----------------------------------------------------------------------------


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


@dataclass
class _Tally:
    organisations: int = 0
    with_branch: int = 0
    organisations_at_start: int = 0
    with_branch_at_start: int = 0
    new_branches: int = 0

    def add(self, other: _Tally) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def fields(self) -> dict[str, Any]:
        rate = _rate(self.with_branch, self.organisations)
        rate_at_start = _rate(self.with_branch_at_start, self.organisations_at_start)
        return {
            **vars(self),
            "rate": rate,
            "rate_at_start": rate_at_start,
            "rate_change": round(rate - rate_at_start, 4),
        }

    def public(self) -> CoverageCount:
        return CoverageCount(**self.fields())


def _coverage_rows(
    session: Session, period: Period, org_where: list[Any]
) -> dict[tuple[int, str], _Tally]:
    """{(office_id, kind): tally}: one grouped query; offices × three kinds rows at most."""
    created = col(Organisation.created_at)
    since = col(Organisation.branch_since)
    branch = col(Organisation.has_branch).is_(True)

    def branch_by(day: date) -> sa.ColumnElement[bool]:
        return sa.and_(branch, sa.or_(since.is_(None), since <= day))

    day_before = period.start - timedelta(days=1)
    at_end = created < period.upper
    at_start = created < period.lower
    rows = session.execute(
        sa.select(
            col(Organisation.office_id),
            col(Organisation.kind),
            _sum_if(at_end),
            _sum_if(sa.and_(at_end, branch_by(period.end))),
            _sum_if(at_start),
            _sum_if(sa.and_(at_start, branch_by(day_before))),
            _sum_if(sa.and_(branch, since >= period.start, since <= period.end)),
        )
        .where(*org_where)
        .group_by(col(Organisation.office_id), col(Organisation.kind))
    ).all()
    return {(int(r[0]), str(r[1])): _Tally(*(int(n) for n in r[2:])) for r in rows}


def _coverage(rows: dict[tuple[int, str], _Tally]) -> Coverage:
    overall = _Tally()
    by_kind: dict[str, _Tally] = defaultdict(_Tally)
    for (_, kind), tally in rows.items():
        overall.add(tally)
        by_kind[kind].add(tally)
    return Coverage(
        **overall.fields(),
        by_kind=[
            KindCoverage(code=k.value, label=k.label, **by_kind[k.value].fields())
            for k in OrganisationKind
        ],
    )


# ---- offices ------------------------------------------------------------------------------


def _offices(session: Session, office_id: int | None, principal: Principal) -> list[Office]:
    stmt = sa.select(Office)
    if office_id is not None:
        stmt = stmt.where(subtree_clause(session, col(Office.id), office_id))
    scope = scope_clause(principal, col(Office.id))
    if scope is not None:
        stmt = stmt.where(scope)
    return list(session.scalars(stmt.order_by(col(Office.path))).all())


def _by_office(
    offices: list[Office],
    counts: dict[Any, tuple[int, int]],
    coverage: dict[tuple[int, str], _Tally],
) -> list[OfficeCount]:
    own_tally: dict[int, _Tally] = defaultdict(_Tally)
    for (owner, _), tally in coverage.items():
        own_tally[owner].add(tally)
    result = []
    for office in offices:
        below = [o for o in offices if o.path.startswith(office.path)]
        total = _Tally()
        for other in below:
            total.add(own_tally[int(other.id or 0)])
        posted, fulfilled = counts.get(office.id, (0, 0))
        result.append(
            OfficeCount(
                office_id=int(office.id or 0),
                name=office.name,
                level=str(office.level),
                parent_id=office.parent_id,
                posted=posted,
                fulfilled=fulfilled,
                posted_total=sum(counts.get(o.id, (0, 0))[0] for o in below),
                fulfilled_total=sum(counts.get(o.id, (0, 0))[1] for o in below),
                coverage=own_tally[int(office.id or 0)].public(),
                coverage_total=total.public(),
            )
        )
    return result


# ---- organisations ------------------------------------------------------------------------


def _by_organisation_kind(session: Session, where: list[Any]) -> list[CodeCount]:
    counts = _grouped(
        session,
        col(Organisation.kind),
        where,
        join=(Organisation, col(Organisation.id) == col(Wish.organisation_id)),
    )
    result = _labelled(counts, OrganisationKind)
    posted, fulfilled = counts.get(None, (0, 0))
    result.append(
        CodeCount(code=None, label=STATS_NO_ORGANISATION, posted=posted, fulfilled=fulfilled)
    )
    return result


def _wishes_per_organisation(
    session: Session, where: list[Any], organisations: int
) -> WishesPerOrganisation:
    posted = sa.func.count(col(Wish.id)).label("posted")
    stmt = (
        sa.select(
            col(Organisation.id),
            col(Organisation.name),
            col(Organisation.kind),
            posted,
            _sum_if(FULFILLED),
        )
        .select_from(Wish)
        .join(Organisation, col(Organisation.id) == col(Wish.organisation_id))
        .where(*where)
        .group_by(col(Organisation.id), col(Organisation.name), col(Organisation.kind))
    )
    per_org = stmt.subquery()
    summary = session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(per_org.c.posted), 0))
    ).one()
    with_wishes, wishes = int(summary[0]), int(summary[1])
    top = session.execute(
        stmt.order_by(posted.desc(), col(Organisation.id)).limit(TOP_ORGANISATIONS)
    ).all()
    return WishesPerOrganisation(
        organisations=organisations,
        organisations_with_wishes=with_wishes,
        wishes_with_organisation=wishes,
        average=round(wishes / with_wishes, 2) if with_wishes else 0.0,
        top=[
            OrganisationWishes(
                organisation_id=int(r[0]),
                name=r[1],
                kind=str(r[2]),
                posted=int(r[3]),
                fulfilled=int(r[4]),
            )
            for r in top
        ],
    )


# ---- the whole ----------------------------------------------------------------------------


def office_statistics(
    *,
    session: Session,
    principal: Principal,
    calendar: WorkingHours,
    office_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> StatisticsPublic:
    """The statistics of an office and everything under it (staff: their own office when none
    is named; admins: every office) over [start, end] (default: this month so far)."""
    if office_id is None and is_staff(principal):
        office_id = principal.office_id
    if office_id is not None or is_staff(principal):
        ensure_office_allowed(session, principal, office_id)
    period = _period(start, end)

    office_where: list[Any] = []
    org_where: list[Any] = []
    if office_id is not None:
        office_where.append(subtree_clause(session, col(Wish.office_id), office_id))
        org_where.append(subtree_clause(session, col(Organisation.office_id), office_id))
    created = col(Wish.created_at)
    where = [*office_where, created >= period.lower, created < period.upper]

    coverage_rows = _coverage_rows(session, period, org_where)
    coverage = _coverage(coverage_rows)
    kinds = _grouped(session, col(Wish.kind), where)
    return StatisticsPublic(
        office_id=office_id,
        start=period.start,
        end=period.end,
        posted=sum(n for n, _ in kinds.values()),
        durations=_durations(session, where, calendar),
        fulfilment_rate=_fulfilment_rate(session, where),
        by_status=_labelled(_grouped(session, col(Wish.status), where), WishStatus),
        by_category=_labelled(_grouped(session, col(Wish.category), where), Category),
        by_kind=_labelled(kinds, WishKind),
        by_organisation_kind=_by_organisation_kind(session, where),
        by_office=_by_office(
            _offices(session, office_id, principal),
            _grouped(session, col(Wish.office_id), where),
            coverage_rows,
        ),
        by_month=_by_month(session, period, where),
        delivered=_delivered(session, period, office_where),
        coverage=coverage,
        wishes_per_organisation=_wishes_per_organisation(session, where, coverage.organisations),
    )
