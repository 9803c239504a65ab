"""Quiet hours (免打扰时段): when nothing but urgent messages may reach people.

One implementation for the bot's sender (outbox messages wait) and the follow-up engine (ordinary
reminders are not produced), read from one setting: ``office.quiet_hours`` in config.yaml
(env WISHPOOL_OFFICE__QUIET_HOURS), written ``"21:00-08:00"`` in Asia/Shanghai wall time.
A window whose start is after its end spans midnight; equal start and end (or ``"off"``) means
no quiet hours at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from models.clock import SHANGHAI, to_local

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~至到]\s*(\d{1,2}):(\d{2})\s*$")
_OFF = {"", "off", "none", "无"}


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """``"21:00-08:00"``; ``"off"`` (or empty) for no quiet hours."""
        if text.strip().lower() in _OFF:
            return NO_QUIET_HOURS
        found = _RANGE.match(text)
        if found is None:
            raise ValueError(f"quiet hours must look like 21:00-08:00, not {text!r}")
        h1, m1, h2, m2 = (int(part) for part in found.groups())
        try:
            return cls(time(h1, m1), time(h2, m2))
        except ValueError:
            raise ValueError(f"quiet hours: no such time of day in {text!r}") from None

    @property
    def enabled(self) -> bool:
        return self.start != self.end

    def is_quiet(self, moment: datetime) -> bool:
        """Whether `moment` (aware; naive is taken as UTC) falls in the quiet hours, in Shanghai."""
        if not self.enabled:
            return False
        clock = to_local(moment).time()
        if self.start < self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end  # spans midnight, e.g. 21:00–08:00

    def next_end(self, moment: datetime) -> datetime:
        """When the quiet hours `moment` falls in end (Shanghai time); `moment` if not quiet."""
        local = to_local(moment)
        if not self.is_quiet(local):
            return local
        end = datetime.combine(local.date(), self.end, SHANGHAI)
        return end if end > local else end + timedelta(days=1)

    def __str__(self) -> str:
        if not self.enabled:
            return "off"
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    # A settings field of this type accepts "21:00-08:00" (or a QuietHours) and dumps as text.
    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._coerce,
            json_schema_input_schema=core_schema.str_schema(),
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )

    @classmethod
    def _coerce(cls, value: Any) -> QuietHours:
        if isinstance(value, QuietHours):
            return value
        if isinstance(value, str):
            return cls.parse(value)
        raise ValueError("quiet hours must be a text like 21:00-08:00")


NO_QUIET_HOURS = QuietHours(time(0, 0), time(0, 0))
DEFAULT_QUIET_HOURS = QuietHours(time(21, 0), time(8, 0))
