"""CLI entry points, registered by api/cli/main.py as `wishpool scheduler` and `wishpool remind`."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Annotated, Any

import typer
from sqlalchemy.engine import Engine

from api.followup.settings import SchedulerSettings
from models.logformat import configure_logging

logger = logging.getLogger(__name__)


def _db(settings: SchedulerSettings) -> Engine:
    from api.settings import ApiSettings
    from models.db import make_engine

    return make_engine(settings.database_url or ApiSettings().database_url)


def scheduler_command() -> None:
    """Run the follow-up scheduler as its own process until SIGTERM or Ctrl-C.

    Use it with api.run_scheduler=false when several API workers run.
    """
    from api.followup.scheduler import FollowUpScheduler

    configure_logging("INFO")  # office.log_format; tracebacks without exception messages
    settings = SchedulerSettings()
    db = _db(settings)
    scheduler = FollowUpScheduler(db, settings)
    stop = threading.Event()

    def _stop(signum: int, _frame: Any) -> None:
        logger.info("signal %d: stopping the scheduler", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    scheduler.start()
    for job_id, when in scheduler.next_runs().items():
        typer.echo(f"{job_id}: next run {when}")
    try:
        while not stop.wait(1.0):
            pass
    finally:
        scheduler.stop()
        db.dispose()


def remind_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be sent now; write nothing")
    ] = False,
) -> None:
    """Run the reminder job once now (or, with --dry-run, only print what it would send)."""
    from api.followup.runner import FollowUpRunner

    settings = SchedulerSettings()
    db = _db(settings)
    try:
        runner = FollowUpRunner(db, settings)
        report = runner.plan() if dry_run else runner.run_reminders()
    finally:
        db.dispose()
    heading = "将要发送" if dry_run else "已写入待发消息"
    typer.echo(f"{heading}：{len(report.messages)} 条（{report.now.isoformat()}）")
    for message in report.messages:
        urgent = "【紧急】" if message.urgent else ""
        mentions = f" @{','.join(message.mention_ids)}" if message.mention_ids else ""
        typer.echo(f"--- {urgent}{message.target_kind} {message.target_id}{mentions}")
        typer.echo(message.text)
    typer.echo(f"统计：{report.counts}")
