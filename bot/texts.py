"""Temporary: re-exports models.wording; deleted when callers move.

Every sentence now lives in models/wording/members.py (what members read) or
models/wording/staff.py (what staff read). Only api/chat/service.py and bot/handlers.py still
import this module; import from models.wording instead.
"""

from __future__ import annotations

from models.wording.members import (
    COMMAND_ALREADY_TAKEN,
    COMMAND_HELD,
    GENERIC_ERROR,
    GREY_QUESTION,
    GROUP_WITHOUT_OFFICE,
    MEMBER_HELP,
    NEXT_STEP,
    PRIVATE_MEMBERS,
    WISH_HELD,
    command_error,
    my_wishes,
    not_your_wish,
    resource_list,
    resource_not_found,
    resource_wish_received,
    staff_only,
    supplemented,
    wish_not_found,
    wish_received,
    wish_status,
    withdrawn,
)
from models.wording.staff import (
    NOT_IN_OFFICE_SCOPE,
    STAFF_HELP,
    claimed,
    closed,
    fulfilled,
    ledger,
    matched,
    not_a_wish,
    recategorised,
    started,
    todo,
)

__all__ = [
    "COMMAND_ALREADY_TAKEN",
    "COMMAND_HELD",
    "GENERIC_ERROR",
    "GREY_QUESTION",
    "GROUP_WITHOUT_OFFICE",
    "MEMBER_HELP",
    "NEXT_STEP",
    "NOT_IN_OFFICE_SCOPE",
    "PRIVATE_MEMBERS",
    "STAFF_HELP",
    "WISH_HELD",
    "claimed",
    "closed",
    "command_error",
    "fulfilled",
    "ledger",
    "matched",
    "my_wishes",
    "not_a_wish",
    "not_your_wish",
    "recategorised",
    "resource_list",
    "resource_not_found",
    "resource_wish_received",
    "staff_only",
    "started",
    "supplemented",
    "todo",
    "wish_not_found",
    "wish_received",
    "wish_status",
    "withdrawn",
]
