"""The data model shared by the API, the follow-up engine and the migrations."""

from models.auth import ApiToken
from models.followup import SchedulerRun
from models.learning import Correction
from models.org import Group, Office, Organisation, Staff
from models.outbox import Outbox
from models.resource import Resource
from models.wish import Fulfilment, Match, Wish, WishEvent

__all__ = [
    "ApiToken",
    "Correction",
    "Fulfilment",
    "Group",
    "Match",
    "Office",
    "Organisation",
    "Outbox",
    "Resource",
    "SchedulerRun",
    "Staff",
    "Wish",
    "WishEvent",
]
