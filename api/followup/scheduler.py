"""APScheduler wrapper: the follow-up jobs with deterministic ids, in Asia/Shanghai time.

Runs embedded in the API (ApiSettings.run_scheduler) or as its own process (`wishpool
scheduler`). Several instances may run at once (one per API worker): the jobs are idempotent
against the database, so that only costs some duplicate reads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from api.followup.jobs import JOB_DIGEST, JOB_MONTHLY, JOB_REMINDERS, JOB_RETENTION
from api.followup.runner import FollowUpRunner
from api.followup.settings import SchedulerSettings
from models.clock import SHANGHAI, utcnow

logger = logging.getLogger(__name__)

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 600}


def job_triggers(settings: SchedulerSettings) -> dict[str, BaseTrigger]:
    """The job id → trigger table; ids are fixed so a restart replaces, never duplicates."""
    step = settings.run_interval_minutes
    reminders: BaseTrigger
    if 60 % step == 0:
        # Aligned to the clock (:00, :30 …) so every instance shares one dedupe slot.
        reminders = CronTrigger(minute=f"*/{step}", timezone=SHANGHAI)
    else:
        reminders = IntervalTrigger(minutes=step, timezone=SHANGHAI)
    digest = settings.digest_time
    monthly = settings.monthly_time
    return {
        JOB_REMINDERS: reminders,
        JOB_DIGEST: CronTrigger(hour=digest.hour, minute=digest.minute, timezone=SHANGHAI),
        # Daily: the job itself waits for the first working day on or after monthly_day.
        JOB_MONTHLY: CronTrigger(hour=monthly.hour, minute=monthly.minute, timezone=SHANGHAI),
        JOB_RETENTION: CronTrigger(
            hour=settings.retention_time.hour,
            minute=settings.retention_time.minute,
            timezone=SHANGHAI,
        ),
    }


class FollowUpScheduler:
    """Owns one FollowUpRunner and, once started, a BackgroundScheduler running its jobs."""

    def __init__(
        self,
        db: Engine,
        settings: SchedulerSettings | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings or SchedulerSettings()
        self.runner = FollowUpRunner(db, self.settings, clock)
        self.scheduler = BackgroundScheduler(timezone=SHANGHAI, job_defaults=JOB_DEFAULTS)
        self._lock = threading.Lock()
        self.add_jobs()

    def add_jobs(self) -> None:
        if not self.scheduler.running:
            # Before start APScheduler only queues jobs and replace_existing is not applied yet.
            self.scheduler.remove_all_jobs()
        jobs: dict[str, Callable[[], Any]] = {
            JOB_REMINDERS: self.runner.run_reminders,
            JOB_DIGEST: self.runner.run_digest,
            JOB_MONTHLY: self.runner.run_monthly,
            JOB_RETENTION: self.runner.run_retention,
        }
        for job_id, trigger in job_triggers(self.settings).items():
            self.scheduler.add_job(
                jobs[job_id], trigger=trigger, id=job_id, name=job_id, replace_existing=True
            )

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    def start(self) -> None:
        with self._lock:
            if not self.scheduler.running:
                self.scheduler.start()
                logger.info("follow-up scheduler started: %s", self.next_runs())

    def stop(self) -> None:
        with self._lock:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=True)
                logger.info("follow-up scheduler stopped")

    def next_runs(self) -> dict[str, datetime | None]:
        """Next fire time per job: the scheduler's when running, else computed from triggers."""
        if self.scheduler.running:
            return {job.id: job.next_run_time for job in self.scheduler.get_jobs()}
        now = datetime.now(SHANGHAI)
        return {
            job_id: trigger.get_next_fire_time(None, now)
            for job_id, trigger in job_triggers(self.settings).items()
        }


def start_in_api(db: Engine) -> FollowUpScheduler:
    """The embedded default: one scheduler inside the API process, started now."""
    scheduler = FollowUpScheduler(db)
    scheduler.start()
    return scheduler
