"""Quiet hours: one implementation, across midnight and within a day, in Shanghai time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from models.clock import SHANGHAI
from models.quiet import DEFAULT_QUIET_HOURS, NO_QUIET_HOURS, QuietHours

NIGHT = QuietHours(time(21, 0), time(8, 0))


def sh(hour: int, minute: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (sh(20, 59), False),
        (sh(21, 0), True),
        (sh(23, 59), True),
        (sh(0, 0), True),
        (sh(7, 59), True),
        (sh(8, 0), False),
        (sh(12, 0), False),
        # UTC input: 13:30 UTC is 21:30 in Shanghai, 01:00 UTC is 09:00.
        (datetime(2026, 11, 23, 13, 30, tzinfo=UTC), True),
        (datetime(2026, 11, 23, 1, 0, tzinfo=UTC), False),
        (datetime(2026, 11, 23, 13, 30), True),  # naive is taken as UTC
    ],
)
def test_quiet_across_midnight(moment: datetime, quiet: bool) -> None:
    assert NIGHT.is_quiet(moment) is quiet


@pytest.mark.parametrize(
    ("moment", "end"),
    [
        (sh(23, 0), sh(8, 0, day=24)),  # before midnight: tomorrow morning
        (sh(2, 0), sh(8, 0)),  # after midnight: this morning
        (sh(21, 0), sh(8, 0, day=24)),
        (sh(10, 0), sh(10, 0)),  # not quiet: now
    ],
)
def test_next_end(moment: datetime, end: datetime) -> None:
    assert NIGHT.next_end(moment) == end
    assert not NIGHT.is_quiet(NIGHT.next_end(moment))
    assert NIGHT.is_quiet(moment) is (NIGHT.next_end(moment) > moment)


def test_next_end_of_a_utc_moment_is_in_shanghai_time() -> None:
    end = NIGHT.next_end(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai
    assert end.utcoffset() == timedelta(hours=8) and end == sh(8, 0, day=24)


def test_a_window_within_the_day() -> None:
    lunch = QuietHours.parse("12:00-13:30")
    assert lunch.is_quiet(sh(12, 0)) and lunch.is_quiet(sh(13, 29))
    assert not lunch.is_quiet(sh(13, 30)) and not lunch.is_quiet(sh(23, 0))
    assert lunch.next_end(sh(12, 15)) == sh(13, 30)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("21:00-08:00", DEFAULT_QUIET_HOURS),
        (" 22:00 - 7:30 ", QuietHours(time(22, 0), time(7, 30))),
        ("off", NO_QUIET_HOURS),
        ("", NO_QUIET_HOURS),
        ("09:00-09:00", QuietHours(time(9), time(9))),
    ],
)
def test_parse(text: str, parsed: QuietHours) -> None:
    assert QuietHours.parse(text) == parsed
    assert QuietHours.parse(str(parsed)) == parsed or not parsed.enabled


@pytest.mark.parametrize("text", ["21:00", "21-08", "25:00-08:00", "21:00-08:61", "夜里"])
def test_parse_refuses_what_is_not_a_window(text: str) -> None:
    with pytest.raises(ValueError, match="quiet hours"):
        QuietHours.parse(text)


def test_no_quiet_hours_is_never_quiet() -> None:
    assert not any(NO_QUIET_HOURS.is_quiet(sh(h)) for h in range(24))
    assert not any(QuietHours(time(9), time(9)).is_quiet(sh(h)) for h in range(24))
    assert str(NO_QUIET_HOURS) == "off" and str(DEFAULT_QUIET_HOURS) == "21:00-08:00"
