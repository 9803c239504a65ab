"""What every follow-up job shares: its id, its report and the context it reads.

The runner (runner.py) and the digests (digest.py) both need these; keeping them here lets the
imports run one way only: runner → digest → jobs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine

from api.followup.calendar import CalendarSource, WorkCalendar
from api.followup.overdue import Selector
from api.followup.settings import SchedulerSettings
from models.outbox import OutboxCreate

# Fixed ids: APScheduler replaces a job of the same id on restart, and SchedulerRun rows use them.
JOB_REMINDERS = "followup.reminders"
JOB_DIGEST = "followup.digest"
JOB_MONTHLY = "followup.monthly"
JOB_RETENTION = "privacy.retention"  # personal-data retention (retention.py), daily


@dataclass
class RunReport:
    """What one job did (or, in a dry run, would do): counts and the messages it queued."""

    job_id: str
    now: datetime
    counts: dict[str, int] = field(default_factory=dict)
    messages: list[OutboxCreate] = field(default_factory=list)


@dataclass(frozen=True)
class JobContext:
    """What a job reads, built once per runner: the database, the settings, the working-day
    calendar (refreshed from the calendar_day table at the start of each run) and the
    selector of overdue wishes."""

    db: Engine
    settings: SchedulerSettings
    calendars: CalendarSource
    selector: Selector

    @property
    def calendar(self) -> WorkCalendar:
        return self.calendars.current

    @classmethod
    def build(cls, db: Engine, settings: SchedulerSettings) -> JobContext:
        calendars = CalendarSource(settings)
        selector = Selector(settings, calendars)
        return cls(db=db, settings=settings, calendars=calendars, selector=selector)
