"""Record of follow-up engine runs, for the admin API ("last runs with counts")."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import JSON, Column, Field, SQLModel

from models.clock import utcnow


class SchedulerRun(SQLModel, table=True):
    __tablename__ = "scheduler_run"
    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=100, index=True)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON))
    error: str | None = Field(default=None, max_length=500)
