"""The data model shared by the API, the follow-up engine and the migrations.

Table classes load lazily (``from models import Wish`` works) so that light users such as the
recogniser, which only needs ``models.enums``, do not pay for importing SQLModel.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_TABLES = {
    "ApiToken": "models.auth",
    "AuditEntry": "models.audit",
    "BotCommand": "models.botlog",
    "DeadLetter": "models.dead_letter",
    "SchedulerRun": "models.followup",
    "LedgerHeartbeat": "models.heartbeat",
    "CalendarDay": "models.calendar_day",
    "Correction": "models.learning",
    "Group": "models.org",
    "Membership": "models.membership",
    "Office": "models.org",
    "Organisation": "models.org",
    "Staff": "models.org",
    "Outbox": "models.outbox",
    "PrivacyNotice": "models.membership",
    "PrivateChoice": "models.membership",
    "Resource": "models.resource",
    "TriageItem": "models.triage",
    "Fulfilment": "models.wish",
    "Match": "models.wish",
    "Wish": "models.wish",
    "WishEvent": "models.wish",
    "WishRepeat": "models.wish",
}

__all__ = [
    "ApiToken",
    "AuditEntry",
    "BotCommand",
    "CalendarDay",
    "Correction",
    "DeadLetter",
    "Fulfilment",
    "Group",
    "LedgerHeartbeat",
    "Match",
    "Membership",
    "Office",
    "Organisation",
    "Outbox",
    "PrivacyNotice",
    "PrivateChoice",
    "Resource",
    "SchedulerRun",
    "Staff",
    "TriageItem",
    "Wish",
    "WishEvent",
    "WishRepeat",
    "load_all",
]

if TYPE_CHECKING:
    from models.audit import AuditEntry
    from models.auth import ApiToken
    from models.botlog import BotCommand
    from models.calendar_day import CalendarDay
    from models.dead_letter import DeadLetter
    from models.followup import SchedulerRun
    from models.heartbeat import LedgerHeartbeat
    from models.learning import Correction
    from models.membership import Membership, PrivacyNotice, PrivateChoice
    from models.org import Group, Office, Organisation, Staff
    from models.outbox import Outbox
    from models.resource import Resource
    from models.triage import TriageItem
    from models.wish import Fulfilment, Match, Wish, WishEvent, WishRepeat


def __getattr__(name: str) -> Any:
    if name in _TABLES:
        return getattr(import_module(_TABLES[name]), name)
    raise AttributeError(f"module 'models' has no attribute {name!r}")


def load_all() -> None:
    """Imports every table module, registering all tables on SQLModel.metadata."""
    for module in set(_TABLES.values()):
        import_module(module)
