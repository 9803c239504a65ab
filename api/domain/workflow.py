"""The wish status workflow: which actions move a wish from which status to which.

new (已登记) → claimed (已认领) → matched (已对接) → in_service (服务中) → fulfilled (已圆梦);
any open status → closed (已关闭, with a reason); closed → new (reopen).
The Action codes and every label live in models.enums; the refusal's wording in models.wording.
"""

from __future__ import annotations

from models.enums import OPEN_STATUSES, Action, WishStatus
from models.wording.staff import transition_refused

# action → (statuses it may start from, status it leads to)
TRANSITIONS: dict[Action, tuple[tuple[WishStatus, ...], WishStatus]] = {
    Action.claim: ((WishStatus.new,), WishStatus.claimed),
    Action.match: ((WishStatus.claimed,), WishStatus.matched),
    Action.start: ((WishStatus.matched,), WishStatus.in_service),
    Action.fulfil: ((WishStatus.in_service,), WishStatus.fulfilled),
    Action.close: (OPEN_STATUSES, WishStatus.closed),
    Action.reopen: ((WishStatus.closed,), WishStatus.new),
}

# The timestamp column each target status stamps.
STAMPS: dict[WishStatus, str] = {
    WishStatus.claimed: "claimed_at",
    WishStatus.matched: "matched_at",
    WishStatus.in_service: "started_at",
    WishStatus.fulfilled: "fulfilled_at",
    WishStatus.closed: "closed_at",
}


def allowed_actions(status: WishStatus) -> list[Action]:
    return [action for action, (sources, _) in TRANSITIONS.items() if status in sources]


def target_of(action: Action, status: WishStatus) -> WishStatus | None:
    """The status `action` leads to from `status`, or None if it is not allowed."""
    sources, target = TRANSITIONS[action]
    return target if status in sources else None


def refusal_message(action: Action, status: WishStatus) -> str:
    """Why `action` is refused from `status`, naming what is allowed (wording: models.wording)."""
    return transition_refused(action, status, allowed_actions(status))
