"""The working-day calendar as data the administrator keeps: holidays and adjusted working
days (调休), one row per date that differs from, or is named within, the Monday–Friday rule.

A year with no row at all is not kept yet: the follow-up reads it from chinesecalendar when
that package knows the year, else the statutory days of the `holidays` package (China has
no 调休 there). The first edit of such a year stores those days first (api/domain/calendar.py),
so adding the 调休 never drops the holidays.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.clock import utcnow
from models.enums import CalendarDayKind
from models.inputs import CleanModel

# Where a row came from: a package's data stored on the year's first edit, or the admin.
SOURCE_CHINESECALENDAR = "chinesecalendar"
SOURCE_HOLIDAYS = "holidays"
SOURCE_ADMIN = "admin"
SOURCE_CONFIG = "config"  # scheduler.holidays / extra_workdays in config.yaml (read-only here)


class CalendarDayBase(SQLModel):
    kind: CalendarDayKind = Field(
        sa_type=sa.String(10), description="holiday 放假 / workday 调休上班"
    )
    name: str = Field(default="", max_length=20, description="节日名称，如「春节」（可不填）")


class CalendarDayWrite(CalendarDayBase, CleanModel):
    """PUT /calendar/{day}: the day's kind and name."""


class CalendarDayCreate(CalendarDayWrite):
    day: date


class CalendarDay(CalendarDayBase, table=True):
    __tablename__ = "calendar_day"
    day: date = Field(primary_key=True)
    source: str = Field(default=SOURCE_ADMIN, max_length=20)
    updated_at: datetime = Field(default_factory=utcnow)


class CalendarDayPublic(CalendarDayBase):
    day: date
    source: str
