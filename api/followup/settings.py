"""Settings of the follow-up (config.yaml section `scheduler`, env WISHPOOL_SCHEDULER__*).

Whether the scheduler runs inside the API is ApiSettings.run_scheduler; everything else is here,
except the quiet hours: the shared ``office.quiet_hours`` (env WISHPOOL_OFFICE__QUIET_HOURS),
the same for the bot's sender. ReminderRules are the follow-up's thresholds, not the
recogniser's rules (nlp/rules.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, computed_field, model_validator

from models.config import DEFAULT_RETENTION_MONTHS, QuietHoursSetting, SectionSettings
from models.quiet import DEFAULT_QUIET_HOURS

Channel = Literal["staff_group", "private"]


class OfficeReminderRules(BaseModel):
    """Per-office overrides (keyed by office code); a field left out keeps the default."""

    # A misspelt key would otherwise be dropped silently and the office keep the default.
    model_config = ConfigDict(extra="forbid")

    unclaimed_working_hours: float | None = Field(default=None, gt=0)
    unmatched_working_days: int | None = Field(default=None, ge=1)
    unfulfilled_working_days: int | None = Field(default=None, ge=1)
    escalate_after_working_days: int | None = Field(default=None, ge=1)
    remind_interval_hours: float | None = Field(default=None, gt=0)
    offer_days: int | None = Field(default=None, ge=1)
    channel: Channel | None = None


class ReminderRules(BaseModel):
    """The follow-up thresholds in force for one office (defaults merged with its overrides)."""

    unclaimed_working_hours: float
    unmatched_working_days: int
    unfulfilled_working_days: int
    escalate_after_working_days: int
    remind_interval_hours: float
    offer_days: int
    channel: Channel


class SchedulerSettings(SectionSettings):
    yaml_section: ClassVar[str] = "scheduler"
    # One value with the bot's sender: the shared `office` section.
    office_fields: ClassVar[frozenset[str]] = frozenset({"quiet_hours", "retention_months"})
    moved_fields: ClassVar[Mapping[str, str]] = {
        "quiet_start": "office.quiet_hours",
        "quiet_end": "office.quiet_hours",
    }

    database_url: str | None = Field(
        default=None, description="None: use the api section's database_url"
    )
    run_interval_minutes: int = Field(default=30, ge=1, le=1440)
    # Thresholds (defaults for every office).
    unclaimed_working_hours: float = Field(default=4, gt=0)
    unmatched_working_days: int = Field(default=3, ge=1)
    unfulfilled_working_days: int = Field(default=10, ge=1)
    escalate_after_working_days: int = Field(default=2, ge=1)
    remind_interval_hours: float = Field(default=24, gt=0)
    offer_days: int = Field(default=7, ge=1)
    channel: Channel = "staff_group"
    offices: dict[str, OfficeReminderRules] = Field(default_factory=dict)
    # Calendar.
    work_start: time = time(9, 0)
    work_end: time = time(17, 30)
    quiet_hours: QuietHoursSetting = Field(
        default=DEFAULT_QUIET_HOURS, description="No ordinary reminders then: office.quiet_hours"
    )
    holidays: list[date] = Field(default_factory=list)
    extra_workdays: list[date] = Field(default_factory=list)
    # Urgency and message size.
    urgent_from_level: int = Field(default=3, ge=1)
    max_items_per_message: int = Field(default=20, ge=1)
    # Digest and monthly summary (Asia/Shanghai wall time).
    digest_time: time = time(8, 30)
    monthly_day: int = Field(default=1, ge=1, le=28)
    monthly_time: time = time(10, 0)
    runs_keep: int = Field(default=1000, ge=10, description="SchedulerRun rows kept per job")
    # Retention of personal data (api/followup/retention.py), daily at retention_time.
    retention_months: int = Field(
        default=DEFAULT_RETENTION_MONTHS,
        ge=1,
        le=240,
        description="office.retention_months: closed/fulfilled wishes are anonymised after this",
    )
    retention_time: time = time(3, 30)
    command_log_days: int = Field(default=90, ge=1, le=3650)
    outbox_retention_days: int = Field(default=90, ge=1, le=3650)
    audit_retention_months: int = Field(default=36, ge=12, le=240)
    # Merged rules per office code: a reminder run asks once per wish, so build each once.
    _rules_cache: dict[str, ReminderRules] = PrivateAttr(default_factory=dict)

    # Read-only views for GET /api/v1/followup/rules (and the admin page's 免打扰 line).
    @computed_field  # type: ignore[prop-decorator]
    @property
    def quiet_start(self) -> time:
        return self.quiet_hours.start

    @computed_field  # type: ignore[prop-decorator]
    @property
    def quiet_end(self) -> time:
        return self.quiet_hours.end

    @model_validator(mode="after")
    def _check_hours(self) -> SchedulerSettings:
        if self.work_start >= self.work_end:
            raise ValueError("work_start must be before work_end")
        return self

    def rules_for(self, office_code: str | None) -> ReminderRules:
        key = office_code or ""
        cached = self._rules_cache.get(key)
        if cached is None:
            cached = self._rules_cache[key] = self._merge_rules(key)
        return cached

    def _merge_rules(self, office_code: str) -> ReminderRules:
        override = self.offices.get(office_code) or OfficeReminderRules()
        merged = {
            name: getattr(override, name) if getattr(override, name) is not None else value
            for name, value in self.default_rules().model_dump().items()
        }
        return ReminderRules(**merged)

    def default_rules(self) -> ReminderRules:
        return ReminderRules(
            unclaimed_working_hours=self.unclaimed_working_hours,
            unmatched_working_days=self.unmatched_working_days,
            unfulfilled_working_days=self.unfulfilled_working_days,
            escalate_after_working_days=self.escalate_after_working_days,
            remind_interval_hours=self.remind_interval_hours,
            offer_days=self.offer_days,
            channel=self.channel,
        )

    def all_rules(self) -> list[ReminderRules]:
        return [self.default_rules(), *(self.rules_for(code) for code in self.offices)]
