"""Working days and working hours in Asia/Shanghai, following the calendar the admin keeps.

Which days are worked, in order: scheduler.holidays / extra_workdays in config.yaml; the
calendar_day rows (models/calendar_day.py) of a year the admin keeps (a year with at least one
row: its other days follow Monday–Friday); for a year not kept, chinesecalendar when it knows
the year, else the statutory days of the `holidays` package (China's 调休 is in no package, so
those years warn once per calendar until an admin enters them); Monday–Friday for the rest.

CalendarSource holds one WorkCalendar per process and rebuilds it when the table changes (one
small query per job run or statistics request), so an edit on the admin page counts at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

import chinese_calendar
import holidays as holiday_rules
import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from api.domain.errors import Conflict, InvalidInput, NotFound
from api.followup.settings import SchedulerSettings
from models.calendar_day import (
    SOURCE_ADMIN,
    SOURCE_CHINESECALENDAR,
    SOURCE_CONFIG,
    SOURCE_HOLIDAYS,
    CalendarDay,
    CalendarDayCreate,
    CalendarDayPublic,
)
from models.clock import SHANGHAI, to_local
from models.clock import utcnow as _utcnow
from models.enums import CalendarDayKind
from models.quiet import DEFAULT_QUIET_HOURS, QuietHours

logger = logging.getLogger(__name__)

_SEARCH_DAYS = 3660  # bound every walk through the calendar (ten years)
FIRST_YEAR, LAST_YEAR = 2000, 2099  # the years the calendar can be edited for (as statistics)
_CHINESE_NAMES = {h.value: h.chinese for h in chinese_calendar.Holiday}
_KNOWN_YEARS = frozenset(d.year for d in chinese_calendar.workdays) | frozenset(
    d.year for d in chinese_calendar.holidays
)


@dataclass(frozen=True)
class OfficialDay:
    day: date
    kind: CalendarDayKind
    name: str
    source: str


@lru_cache(maxsize=256)
def official_days(year: int) -> tuple[OfficialDay, ...]:
    """What the packages say of `year`: chinesecalendar's holidays and 调休 when it knows the
    year, else the `holidays` package's statutory days (no 调休, no weekend "observed" shifts,
    which are not how China moves days)."""
    if year in _KNOWN_YEARS:
        found = [
            OfficialDay(
                d, CalendarDayKind.holiday, _CHINESE_NAMES.get(n, n), SOURCE_CHINESECALENDAR
            )
            for d, n in chinese_calendar.holidays.items()
            if d.year == year
        ] + [
            OfficialDay(
                d, CalendarDayKind.workday, _CHINESE_NAMES.get(n, n), SOURCE_CHINESECALENDAR
            )
            for d, n in chinese_calendar.workdays.items()
            if d.year == year
        ]
    else:
        rules = holiday_rules.country_holidays("CN", years=year, language="zh_CN", observed=False)
        found = [
            OfficialDay(d, CalendarDayKind.holiday, str(n)[:20], SOURCE_HOLIDAYS)
            for d, n in rules.items()
        ]
    return tuple(sorted(found, key=lambda o: o.day))


def package_has_workdays(year: int) -> bool:
    """Whether a package holds the year's 调休 (chinesecalendar's years only)."""
    return year in _KNOWN_YEARS


class WorkCalendar:
    def __init__(
        self,
        *,
        days: Mapping[date, bool] | None = None,
        kept_years: Iterable[int] = (),
        holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        work_start: time = time(9, 0),
        work_end: time = time(17, 30),
        quiet: QuietHours = DEFAULT_QUIET_HOURS,
    ) -> None:
        self.holidays = frozenset(holidays)  # config.yaml: above everything else
        self.extra_workdays = frozenset(extra_workdays)
        self.days = dict(days or {})  # the admin's table: date → worked
        self.kept_years = frozenset(kept_years)
        self._official: dict[int, dict[date, bool]] = {}
        self.work_start = work_start
        self.work_end = work_end
        self.quiet = quiet
        self._warned_years: set[int] = set()
        # Per-instance cache: the configured holidays are part of the answer.
        self.is_working_day = lru_cache(maxsize=8192)(self._is_working_day)
        # A reminder run asks this for each of tens of thousands of wishes, of a few hundred days.
        self.nth_working_day_after = lru_cache(maxsize=8192)(self._nth_working_day_after)
        self._counts_by_year: dict[int, list[int]] = {}

    # ---- days ------------------------------------------------------------------------------

    def _is_working_day(self, day: date) -> bool:
        if day in self.holidays:
            return False
        if day in self.extra_workdays:
            return True
        worked = self.days.get(day)
        if worked is not None:
            return worked
        if day.year not in self.kept_years:
            worked = self._official_year(day.year).get(day)
            if worked is not None:
                return worked
        return day.weekday() < 5

    def _official_year(self, year: int) -> dict[date, bool]:
        table = self._official.get(year)
        if table is None:
            found = official_days(year) if FIRST_YEAR <= year <= LAST_YEAR else ()
            table = self._official[year] = {o.day: o.kind == CalendarDayKind.workday for o in found}
            if not package_has_workdays(year) and year not in self._warned_years:
                self._warned_years.add(year)
                logger.warning(
                    "no 调休 known for %d: using its statutory holidays and Monday–Friday; "
                    "an administrator should enter that year's schedule (节假日 on the admin page)",
                    year,
                )
        return table

    def _nth_working_day_after(self, day: date, n: int) -> date:
        """The n-th working day strictly after `day`."""
        found = 0
        for offset in range(1, _SEARCH_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                found += 1
                if found >= n:
                    return candidate
        return day + timedelta(days=_SEARCH_DAYS)

    def nth_working_day_back(self, today: date, n: int) -> date:
        """The n-th most recent working day on or before `today` (n >= 1).

        A day d is at least n working days old (the n-th working day after d has come) exactly
        when d is before this date, which gives an index-friendly range predicate.
        """
        found = 0
        for offset in range(_SEARCH_DAYS):
            candidate = today - timedelta(days=offset)
            if self.is_working_day(candidate):
                found += 1
                if found >= n:
                    return candidate
        return today - timedelta(days=_SEARCH_DAYS)

    def working_days_passed(self, since: datetime, n: int, now: datetime) -> bool:
        """Whether n working days have passed since `since` (counted in whole local dates)."""
        return self.nth_working_day_after(to_local(since).date(), n) <= to_local(now).date()

    # ---- hours -----------------------------------------------------------------------------

    def _window(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.work_start, SHANGHAI),
            datetime.combine(day, self.work_end, SHANGHAI),
        )

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` working hours after `start`."""
        left = timedelta(hours=hours)
        local = to_local(start)
        for offset in range(_SEARCH_DAYS):
            day = local.date() + timedelta(days=offset)
            if not self.is_working_day(day):
                continue
            begin, end = self._window(day)
            begin = max(begin, local)
            if begin >= end:
                continue
            if end - begin >= left:
                return begin + left
            left -= end - begin
        return local + timedelta(days=_SEARCH_DAYS)

    def working_hours_cutoff(self, now: datetime, hours: float) -> datetime:
        """The latest moment t with at least `hours` working hours between t and `now`."""
        left = timedelta(hours=hours)
        local = to_local(now)
        for offset in range(_SEARCH_DAYS):
            day = local.date() - timedelta(days=offset)
            if not self.is_working_day(day):
                continue
            begin, end = self._window(day)
            end = min(end, local)
            if end <= begin:
                continue
            if end - begin >= left:
                return end - left
            left -= end - begin
        return local - timedelta(days=_SEARCH_DAYS)

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Working hours from `start` to `end` (0 when end is not after start): the part of
        each working day's window the span covers. The statistics measure staff by it, once
        per wish, so only the two end days are clipped; the days between are counted whole."""
        local_start, local_end = to_local(start), to_local(end)
        if local_end <= local_start:
            return 0.0
        first, last = local_start.date(), local_end.date()
        last = min(last, first + timedelta(days=_SEARCH_DAYS))
        if first == last:
            return self._clipped(first, local_start, local_end) / 3600
        seconds = self._clipped(first, local_start, None) + self._clipped(last, None, local_end)
        whole = (
            datetime.combine(first, self.work_end) - datetime.combine(first, self.work_start)
        ).total_seconds()
        seconds += whole * self._working_days_in(first + timedelta(days=1), last)
        return seconds / 3600

    def _working_days_in(self, begin: date, end: date) -> int:
        """How many working days are in [begin, end), from per-year running counts."""
        total = 0
        for year in range(begin.year, end.year + 1):
            table = self._year_counts(year)
            lo = (begin - date(year, 1, 1)).days if year == begin.year else 0
            hi = (end - date(year, 1, 1)).days if year == end.year else len(table) - 1
            total += table[hi] - table[lo]
        return max(total, 0)

    def _year_counts(self, year: int) -> list[int]:
        """counts[i]: working days among the first i days of `year` (built once per year)."""
        counts = self._counts_by_year.get(year)
        if counts is None:
            counts = [0]
            day = date(year, 1, 1)
            while day.year == year:
                counts.append(counts[-1] + self.is_working_day(day))
                day += timedelta(days=1)
            self._counts_by_year[year] = counts
        return counts

    def _clipped(self, day: date, since: datetime | None, until: datetime | None) -> float:
        """Seconds of `day`'s working window inside [since, until] (None: no bound)."""
        if not self.is_working_day(day):
            return 0.0
        begin, finish = self._window(day)
        if since is not None:
            begin = max(begin, since)
        if until is not None:
            finish = min(finish, until)
        return max((finish - begin).total_seconds(), 0.0)

    # ---- when people may be disturbed --------------------------------------------------------

    def is_quiet(self, now: datetime) -> bool:
        """Quiet hours or a non-working day: only urgent messages are produced then."""
        return not self.is_working_day(to_local(now).date()) or self.quiet.is_quiet(now)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), SHANGHAI)


# ---- the calendar the jobs and the statistics read -----------------------------------------


def calendar_rows(session: Session) -> list[CalendarDay]:
    return list(session.exec(select(CalendarDay).order_by(col(CalendarDay.day))).all())


def build_calendar(settings: SchedulerSettings, rows: Iterable[CalendarDay] = ()) -> WorkCalendar:
    """The calendar of these settings (SchedulerSettings: hours, quiet hours, config days)
    and the admin's rows."""
    rows = list(rows)
    return WorkCalendar(
        days={r.day: r.kind == CalendarDayKind.workday for r in rows},
        kept_years={r.day.year for r in rows},
        holidays=settings.holidays,
        extra_workdays=settings.extra_workdays,
        work_start=settings.work_start,
        work_end=settings.work_end,
        quiet=settings.quiet_hours,
    )


class CalendarSource:
    """One WorkCalendar per process, rebuilt when the calendar_day table has changed.

    `refresh` costs one aggregate query (row count and last change) when nothing changed, so
    the calendar's caches (day answers, per-year counts) live as long as the data does."""

    def __init__(self, settings: SchedulerSettings) -> None:
        self.settings = settings
        self.current = build_calendar(settings)
        self._fingerprint: tuple[Any, ...] | None = None
        self._lock = threading.Lock()

    def refresh(self, session: Session) -> WorkCalendar:
        fingerprint = tuple(
            session.execute(sa.select(func.count(), func.max(col(CalendarDay.updated_at)))).one()
        )
        with self._lock:
            if fingerprint != self._fingerprint:
                self.current = build_calendar(self.settings, calendar_rows(session))
                self._fingerprint = fingerprint
            return self.current


# ---- the admin's edits (GET/PUT/POST/DELETE /api/v1/calendar) ------------------------------


@dataclass
class CalendarYear:
    year: int
    kept: bool  # the admin's rows (else what the packages say)
    complete: bool  # the year's 调休 is known (entered, or from chinesecalendar)
    days: list[CalendarDayPublic]


@dataclass
class CalendarStatus:
    today: date
    next_year: int
    next_year_complete: bool
    warn: bool  # December and next year's 调休 not entered yet


def check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(f"只能设置 {FIRST_YEAR}—{LAST_YEAR} 年的日子")


def _stored(session: Session, year: int) -> list[CalendarDay]:
    return list(
        session.exec(
            select(CalendarDay)
            .where(
                col(CalendarDay.day) >= date(year, 1, 1), col(CalendarDay.day) <= date(year, 12, 31)
            )
            .order_by(col(CalendarDay.day))
        ).all()
    )


def read_year(*, session: Session, settings: SchedulerSettings, year: int) -> CalendarYear:
    """The year's holidays and 调休 as the follow-up counts them, config.yaml's days included."""
    check_year(year)
    rows = _stored(session, year)
    days = {
        r.day: CalendarDayPublic(day=r.day, kind=r.kind, name=r.name, source=r.source) for r in rows
    }
    if not rows:
        for o in official_days(year):
            days[o.day] = CalendarDayPublic(day=o.day, kind=o.kind, name=o.name, source=o.source)
    for day in settings.holidays:
        if day.year == year:
            days[day] = CalendarDayPublic(
                day=day, kind=CalendarDayKind.holiday, source=SOURCE_CONFIG
            )
    for day in settings.extra_workdays:
        if day.year == year:
            days[day] = CalendarDayPublic(
                day=day, kind=CalendarDayKind.workday, source=SOURCE_CONFIG
            )
    complete = any(d.kind == CalendarDayKind.workday for d in days.values())
    complete = complete or (not rows and package_has_workdays(year))
    return CalendarYear(
        year=year, kept=bool(rows), complete=complete, days=[days[d] for d in sorted(days)]
    )


def read_status(*, session: Session, settings: SchedulerSettings, now: datetime) -> CalendarStatus:
    today = to_local(now).date()
    following = today.year + 1
    complete = read_year(session=session, settings=settings, year=following).complete
    return CalendarStatus(
        today=today,
        next_year=following,
        next_year_complete=complete,
        warn=today.month == 12 and not complete,
    )


def _keep_year(session: Session, year: int) -> None:
    """Before the first edit of a year: store what the packages say of it, so one added day
    does not drop the rest (a kept year's other days follow Monday–Friday)."""
    if _stored(session, year):
        return
    for o in official_days(year):
        session.add(CalendarDay(day=o.day, kind=o.kind, name=o.name, source=o.source))
    session.flush()


def _check_day(settings: SchedulerSettings, day_in: CalendarDayCreate) -> None:
    day = day_in.day
    check_year(day.year)
    if day in settings.holidays or day in settings.extra_workdays:
        raise Conflict(
            f"{day.isoformat()} 已在配置文件 config.yaml（scheduler.holidays / extra_workdays）"
            "里设置，请在那里修改或删除"
        )
    if day_in.kind == CalendarDayKind.workday and day.weekday() < 5:
        raise InvalidInput(
            f"{day.isoformat()} 是星期{'一二三四五'[day.weekday()]}，本来就上班，不用设为调休上班"
        )


def save_days(
    *, session: Session, settings: SchedulerSettings, days_in: Iterable[CalendarDayCreate]
) -> list[CalendarDayPublic]:
    """Adds or changes days (one request may enter a whole year's schedule); all or nothing."""
    wanted = {d.day: d for d in days_in}  # the last entry of a date wins
    for day_in in wanted.values():
        _check_day(settings, day_in)
    for year in sorted({day.year for day in wanted}):
        _keep_year(session, year)
    now = _utcnow()
    saved = []
    for day, day_in in sorted(wanted.items()):
        row = session.get(CalendarDay, day)
        if row is None:
            row = CalendarDay(day=day, kind=day_in.kind)
        row.kind = day_in.kind
        row.name = day_in.name.strip()
        row.source = SOURCE_ADMIN
        row.updated_at = now
        session.add(row)
        saved.append(CalendarDayPublic(day=day, kind=row.kind, name=row.name, source=row.source))
    session.flush()
    return saved


def delete_day(*, session: Session, settings: SchedulerSettings, day: date) -> None:
    """The day follows Monday–Friday again."""
    check_year(day.year)
    if day in settings.holidays or day in settings.extra_workdays:
        raise Conflict(
            f"{day.isoformat()} 在配置文件 config.yaml（scheduler.holidays / extra_workdays）"
            "里设置，请在那里删除"
        )
    _keep_year(session, day.year)
    row = session.get(CalendarDay, day)
    if row is None:
        raise NotFound(f"{day.isoformat()} 不是节假日也不是调休上班日")
    session.delete(row)
    session.flush()
