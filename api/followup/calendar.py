"""Working days and working hours in Asia/Shanghai, following the official calendar.

chinesecalendar knows holidays and adjusted working weekends (调休) only for the years it was
released with; for a later year it raises NotImplementedError. Then we fall back to Monday–Friday
plus the administrator's configured holidays and extra working days, with a warning (once per year
per calendar) so the gap is noticed, and never crash.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import chinese_calendar

from models.clock import SHANGHAI, to_local
from models.quiet import DEFAULT_QUIET_HOURS, QuietHours

logger = logging.getLogger(__name__)

_SEARCH_DAYS = 3660  # bound every walk through the calendar (ten years)


class WorkCalendar:
    def __init__(
        self,
        *,
        holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        work_start: time = time(9, 0),
        work_end: time = time(17, 30),
        quiet: QuietHours = DEFAULT_QUIET_HOURS,
    ) -> None:
        self.holidays = frozenset(holidays)
        self.extra_workdays = frozenset(extra_workdays)
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
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if day.year not in self._warned_years:
                self._warned_years.add(day.year)
                logger.warning(
                    "chinesecalendar has no data for %d: using Monday–Friday plus configured "
                    "holidays; add that year's 调休 to scheduler.holidays/extra_workdays",
                    day.year,
                )
            return day.weekday() < 5

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
