"""The follow-up runner: the entry point of every follow-up job (reminders, daily digest,
monthly summary), run by the scheduler, `wishpool remind` or an administrator's manual run.

Transactions: each job run is an entry point, like an admin request or a bot request. It commits
its SchedulerRun row first, on its own, so a run that fails or hangs is still visible in
/followup/runs; then the job's work (claims, events, messages) commits as one transaction, so a
second instance sees all of it or none; then the finish (counts or error) commits. The jobs
themselves (reminders.py, digest.py) and the outbox only flush.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.followup.calendar import WorkCalendar
from api.followup.digest import daily_digest, monthly_summary
from api.followup.jobs import (
    JOB_DIGEST,
    JOB_MONTHLY,
    JOB_REMINDERS,
    JOB_RETENTION,
    JobContext,
    RunReport,
)
from api.followup.overdue import Selector
from api.followup.reminders import remind
from api.followup.retention import run_retention
from api.followup.settings import SchedulerSettings
from models import SchedulerRun
from models.clock import utcnow
from models.logsafe import scrub_exceptions

logger = logging.getLogger(__name__)
scrub_exceptions(logger)  # tracebacks without exception messages (they quote input)

Work = Callable[[Session], RunReport]


class FollowUpRunner:
    """Runs the follow-up jobs against one database (`db`), on a clock tests can set."""

    def __init__(
        self,
        db: Engine,
        settings: SchedulerSettings,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.context = JobContext.build(db, settings)
        self.clock = clock

    @property
    def db(self) -> Engine:
        return self.context.db

    @property
    def settings(self) -> SchedulerSettings:
        return self.context.settings

    @property
    def calendar(self) -> WorkCalendar:
        return self.context.calendar

    @property
    def selector(self) -> Selector:
        return self.context.selector

    # ---- public jobs ------------------------------------------------------------------------

    def run_reminders(self, now: datetime | None = None) -> RunReport:
        moment = now or self.clock()
        return self._recorded(JOB_REMINDERS, moment, self._reminders_work(moment, write=True))

    def plan(self, now: datetime | None = None) -> RunReport:
        """What a reminder run would send now, without writing anything (dry run)."""
        return self._once(self._reminders_work(now or self.clock(), write=False), write=False)

    def run_digest(self, now: datetime | None = None) -> RunReport:
        moment = now or self.clock()
        return self._recorded(JOB_DIGEST, moment, self._digest_work(moment, write=True))

    def plan_digest(self, now: datetime | None = None) -> RunReport:
        """The daily digest as it would go out now, without writing anything."""
        return self._once(self._digest_work(now or self.clock(), write=False), write=False)

    def run_monthly(self, now: datetime | None = None) -> RunReport:
        moment = now or self.clock()
        return self._recorded(JOB_MONTHLY, moment, self._monthly_work(moment, write=True))

    def plan_monthly(self, now: datetime | None = None) -> RunReport:
        """The monthly summary as it would go out now, without writing anything."""
        return self._once(self._monthly_work(now or self.clock(), write=False), write=False)

    def run_retention(self, now: datetime | None = None) -> RunReport:
        """Personal-data retention (retention.py): anonymise and delete what has run out."""
        moment = now or self.clock()
        work: Work = lambda session: run_retention(  # noqa: E731
            session=session, settings=self.settings, now=moment
        )
        return self._recorded(JOB_RETENTION, moment, work)

    def _digest_work(self, now: datetime, *, write: bool) -> Work:
        return lambda session: daily_digest(
            session=session, context=self.context, now=now, write=write
        )

    def _monthly_work(self, now: datetime, *, write: bool) -> Work:
        return lambda session: monthly_summary(
            session=session, context=self.context, now=now, write=write
        )

    def _reminders_work(self, now: datetime, *, write: bool) -> Work:
        return lambda session: remind(session=session, context=self.context, now=now, write=write)

    def _once(self, work: Work, *, write: bool) -> RunReport:
        """One job's work in one transaction: committed when it writes, else rolled back."""
        with Session(self.db, expire_on_commit=False) as session:
            # The admin may have changed the holidays since the last run (a tiny query).
            self.context.calendars.refresh(session)
            report = work(session)
            if write:
                session.commit()
        return report

    # ---- run records -------------------------------------------------------------------------

    def _recorded(self, job_id: str, now: datetime, work: Work) -> RunReport:
        """Runs `work` in its own transaction between two commits of its SchedulerRun row."""
        began = time.monotonic()
        with Session(self.db, expire_on_commit=False) as session:
            run = SchedulerRun(job_id=job_id, started_at=now)
            session.add(run)
            session.commit()  # visible while the job runs, and kept if it fails
            try:
                report = self._once(work, write=True)
            except Exception as exc:
                logger.exception("follow-up job %s failed", job_id)
                run.error = f"{type(exc).__name__}: {exc}"[:500]
                run.finished_at = now + timedelta(seconds=time.monotonic() - began)
                session.add(run)
                session.commit()
                raise
            elapsed = time.monotonic() - began
            report.counts["duration_ms"] = round(elapsed * 1000)
            run.counts = dict(report.counts)
            # The runner's "now" plus real elapsed time, so injected clocks stay coherent.
            run.finished_at = now + timedelta(seconds=elapsed)
            session.add(run)
            self._prune(session, job_id)
            session.commit()
        return report

    def _prune(self, session: Session, job_id: str) -> None:
        keep = self.settings.runs_keep
        oldest_kept = session.exec(
            select(SchedulerRun.id)
            .where(SchedulerRun.job_id == job_id)
            .order_by(col(SchedulerRun.id).desc())
            .offset(keep)
            .limit(1)
        ).first()
        if oldest_kept is not None:
            session.execute(
                sa.delete(SchedulerRun).where(
                    col(SchedulerRun.job_id) == job_id, col(SchedulerRun.id) <= oldest_kept
                )
            )
