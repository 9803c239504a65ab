"""Working days and hours: the official calendar with 调休, the 2027 fallback, quiet hours."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from api.followup.calendar import WorkCalendar
from tests.api.followup.fu_world import at

CAL = WorkCalendar()


def test_weekdays_and_weekends() -> None:
    assert CAL.is_working_day(date(2026, 3, 2))  # Monday
    assert not CAL.is_working_day(date(2026, 3, 7))  # Saturday
    assert not CAL.is_working_day(date(2026, 3, 8))  # Sunday


def test_real_adjusted_dates() -> None:
    assert date(2026, 2, 14).weekday() == 5
    assert CAL.is_working_day(date(2026, 2, 14))  # 调休: a working Saturday
    assert not CAL.is_working_day(date(2026, 10, 1))  # National Day


def test_2027_falls_back_to_monday_friday_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    cal = WorkCalendar(holidays=[date(2027, 1, 1)], extra_workdays=[date(2027, 2, 6)])
    with caplog.at_level(logging.WARNING, logger="api.followup.calendar"):
        assert cal.is_working_day(date(2027, 1, 4))  # Monday
        assert not cal.is_working_day(date(2027, 1, 9))  # Saturday
        assert not cal.is_working_day(date(2027, 1, 1))  # configured holiday (a Friday)
        assert cal.is_working_day(date(2027, 2, 6))  # configured working Saturday
    warnings = [r for r in caplog.records if "2027" in r.getMessage()]
    assert len(warnings) == 1  # once per year, not once per call


def test_working_hours_skip_nights_and_weekends() -> None:
    # Friday 16:00 + 4 working hours (09:00–17:30) = 1.5 h on Friday + 2.5 h on Monday.
    assert CAL.add_working_hours(at(2026, 3, 6, 16), 4) == at(2026, 3, 9, 11, 30)
    # The cutoff is the inverse: the latest moment with 4 working hours before now.
    assert CAL.working_hours_cutoff(at(2026, 3, 9, 11, 30), 4) == at(2026, 3, 6, 16)


def test_working_hours_use_the_adjusted_saturday() -> None:
    # Friday 2026-02-13 15:00 + 4 h: 2.5 h on Friday, then Saturday the 14th is a working day.
    assert CAL.add_working_hours(at(2026, 2, 13, 15), 4) == at(2026, 2, 14, 10, 30)


def test_working_days_count_whole_dates() -> None:
    # Claimed Monday: the 3rd working day after is Thursday.
    assert CAL.nth_working_day_after(date(2026, 3, 2), 3) == date(2026, 3, 5)
    # Claimed Thursday: Friday, Monday, Tuesday.
    assert CAL.nth_working_day_after(date(2026, 3, 5), 3) == date(2026, 3, 10)
    assert CAL.nth_working_day_back(date(2026, 3, 10), 3) == date(2026, 3, 6)


def test_quiet_hours_and_non_working_days() -> None:
    assert CAL.is_quiet(at(2026, 3, 2, 21, 0))
    assert CAL.is_quiet(at(2026, 3, 3, 7, 59))
    assert not CAL.is_quiet(at(2026, 3, 3, 8, 0))
    assert CAL.is_quiet(at(2026, 3, 7, 10, 0))  # Saturday
    assert not CAL.is_quiet(at(2026, 2, 14, 10, 0))  # working Saturday
    assert CAL.is_quiet(at(2026, 10, 1, 10, 0))  # holiday
