"""Routes: the follow-up (reminder rules in force, jobs, last runs, a manual or dry run); admin."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, WithJsonSchema
from sqlmodel import col, func, select

from api.followup.jobs import RunReport
from api.followup.scheduler import FollowUpScheduler
from api.followup.settings import ReminderRules, SchedulerSettings
from api.http.deps import AdminDep, SessionDep
from models import Office, SchedulerRun
from models.outbox import OutboxCreate

router = APIRouter(prefix="/followup", tags=["followup"])

# A wall-clock time in Beijing (09:00:00): JSON Schema's "time" format is RFC 3339 full-time,
# which requires an offset these settings never carry.
LocalTime = Annotated[
    time,
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d{2}:\d{2}:\d{2}(\.\d+)?$", "description": "北京时间"}
    ),
]


def get_followup(request: Request) -> FollowUpScheduler:
    """The API's scheduler (started in the lifespan when run_scheduler), or an idle one."""
    followup: FollowUpScheduler | None = getattr(request.app.state, "followup", None)
    if followup is None:
        followup = FollowUpScheduler(request.app.state.engine, SchedulerSettings())
        request.app.state.followup = followup
    return followup


class OfficeReminderRulesOut(BaseModel):
    office_id: int | None
    code: str
    name: str
    rules: ReminderRules


class ReminderRulesOut(BaseModel):
    defaults: ReminderRules
    offices: list[OfficeReminderRulesOut]
    run_interval_minutes: int
    work_start: LocalTime
    work_end: LocalTime
    quiet_start: LocalTime
    quiet_end: LocalTime
    holidays: list[date]
    extra_workdays: list[date]
    urgent_from_level: int
    max_items_per_message: int
    digest_time: LocalTime
    monthly_day: int
    monthly_time: LocalTime


class JobOut(BaseModel):
    id: str
    next_run_time: datetime | None


class JobsOut(BaseModel):
    running: bool
    timezone: str = "Asia/Shanghai"
    jobs: list[JobOut]


class RunOut(BaseModel):
    id: int
    job_id: str
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, int]
    error: str | None


class RunsOut(BaseModel):
    total: int
    items: list[RunOut]


class Job(StrEnum):
    reminders = "reminders"
    digest = "digest"
    monthly = "monthly"


class RunResult(BaseModel):
    job_id: str
    dry_run: bool
    now: datetime
    counts: dict[str, int]
    messages: list[OutboxCreate]


@router.get("/rules", summary="查看生效的跟进规则（含各妇联的单独设置）")
def read_rules(request: Request, session: SessionDep, _admin: AdminDep) -> ReminderRulesOut:
    settings = get_followup(request).settings
    offices = {o.code: o for o in session.exec(select(Office)).all()}
    per_office = [
        OfficeReminderRulesOut(
            office_id=offices[code].id if code in offices else None,
            code=code,
            name=offices[code].name if code in offices else "（未找到该妇联代码）",
            rules=settings.rules_for(code),
        )
        for code in sorted(settings.offices)
    ]
    shared = set(ReminderRulesOut.model_fields) - {"defaults", "offices"}
    return ReminderRulesOut(
        defaults=settings.default_rules(),
        offices=per_office,
        **settings.model_dump(include=shared),
    )


@router.get("/jobs", summary="查看定时任务及下次运行时间")
def read_jobs(request: Request, _admin: AdminDep) -> JobsOut:
    followup = get_followup(request)
    return JobsOut(
        running=followup.running,
        jobs=[JobOut(id=k, next_run_time=v) for k, v in sorted(followup.next_runs().items())],
    )


@router.get("/runs", summary="查看最近的运行记录及计数")
def read_runs(
    session: SessionDep,
    _admin: AdminDep,
    job_id: str | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> RunsOut:
    where = [col(SchedulerRun.job_id) == job_id] if job_id else []
    total = session.exec(select(func.count()).select_from(SchedulerRun).where(*where)).one()
    rows = session.exec(
        select(SchedulerRun)
        .where(*where)
        .order_by(col(SchedulerRun.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return RunsOut(
        total=int(total),
        items=[RunOut.model_validate(row, from_attributes=True) for row in rows],
    )


@router.post("/run", summary="立即运行一次（dry_run=true 时只预览将发送的消息，不写入）")
def run_now(
    request: Request,
    session: SessionDep,
    _admin: AdminDep,
    job: Job = Job.reminders,
    dry_run: bool = True,
) -> RunResult:
    # End the request's read transaction: on SQLite it holds the write lock the job needs.
    # The job is an entry point of its own: it commits its writes itself.
    session.rollback()
    runner = get_followup(request).runner
    report: RunReport
    if job == Job.reminders:
        report = runner.plan() if dry_run else runner.run_reminders()
    elif job == Job.digest:
        report = runner.plan_digest() if dry_run else runner.run_digest()
    else:
        report = runner.plan_monthly() if dry_run else runner.run_monthly()
    return RunResult(
        job_id=report.job_id,
        dry_run=dry_run,
        now=report.now,
        counts=report.counts,
        messages=report.messages,
    )
