"""Sensitive wishes and who sees what of a wish.

A wish is sensitive (家暴、离婚、债务、心理、轻生、性骚扰、欠薪 …) when its category is one of
api.sensitive_categories or its text contains one of api.sensitive_words; it is decided when the
wish is logged (chat intake, staff 登记, the admin API) and staff with full view may change it.

Who sees what (the one rule; the API's views, the chat 查询 and the export follow it):
- an administrator, and the staff member the wish is assigned to, see everything (``full``);
- other staff in scope see the text masked (nlp.mask) and no submitter (``masked``);
- of a sensitive wish they see only that it exists: number, status, dates (``restricted``).
Public texts (group acknowledgements, 圆梦 posts, the 圆梦榜, group reminders) never carry a
sensitive wish's category or content: see models/wording/members.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.domain.auth import Principal
from api.domain.errors import Forbidden
from models import Fulfilment, Wish
from models.enums import Category
from models.wish import WishView

if TYPE_CHECKING:
    from api.settings import ApiSettings

# How the chat service names a member acting on her wish (api/chat/context.py: "成员 李娟").
MEMBER_ACTOR = "成员 "
RESTRICTED = "敏感心愿只有管理员和负责人可以查看和修改内容"


@dataclass(frozen=True)
class SensitiveRule:
    categories: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()

    @classmethod
    def of(cls, categories: Iterable[str], words: Iterable[str]) -> SensitiveRule:
        return cls(
            frozenset(Category(c).value for c in categories),
            tuple(w.strip() for w in words if w.strip()),
        )

    def applies(self, text: str, category: str | None) -> bool:
        if category is not None and Category(category).value in self.categories:
            return True
        return any(word in text for word in self.words)


def rule_of(settings: ApiSettings) -> SensitiveRule:
    """The configured rule (api.sensitive_categories, api.sensitive_words)."""
    return SensitiveRule.of(settings.sensitive_categories, settings.sensitive_words)


def default_rule() -> SensitiveRule:
    """The rule of the settings' defaults, for callers that were handed no settings."""
    from api.settings import ApiSettings

    fields = ApiSettings.model_fields
    return SensitiveRule.of(
        fields["sensitive_categories"].get_default(call_default_factory=True),
        fields["sensitive_words"].get_default(call_default_factory=True),
    )


# ---- who sees what ----------------------------------------------------------------------------


def view_of(principal: Principal, wish: Wish) -> WishView:
    """full, masked or restricted (module docstring) for an API caller."""
    if principal.is_admin:
        return "full"
    return staff_view(principal.staff_id, wish)


def staff_view(staff_id: int | None, wish: Wish) -> WishView:
    """The same rule for a staff member known by her record (chat commands)."""
    if staff_id is not None and staff_id == wish.assignee_id:
        return "full"
    return "restricted" if wish.sensitive else "masked"


def is_restricted(principal: Principal, *, sensitive: bool, assignee_id: int | None) -> bool:
    """view_of(...) == "restricted" from two columns, for row-wise readers (the export)."""
    if principal.is_admin or not sensitive:
        return False
    return principal.staff_id is None or principal.staff_id != assignee_id


def require_full(principal: Principal, wish: Wish) -> None:
    """Refuses what only a full view may do with a sensitive wish (read suggestions, edit)."""
    if view_of(principal, wish) == "restricted":
        raise Forbidden(RESTRICTED)


def _mask(text: str) -> str:
    from nlp import mask

    return mask(text)


def wish_out(wish: Wish, view: WishView) -> dict[str, Any]:
    """The fields of WishPublic for this view."""
    data = wish.model_dump()
    data["view"] = view
    if view == "full":
        return data
    data.update(submitter_wechat_id=None, submitter_name=None)
    if view == "masked":
        data["text"] = _mask(wish.text)
        return data
    data.update(text=None, category=None, keywords=[], confidence=None)
    return data


def wishes_out(principal: Principal, wishes: Sequence[Wish]) -> list[dict[str, Any]]:
    return [wish_out(w, view_of(principal, w)) for w in wishes]


def detail_out(detail: dict[str, Any], view: WishView) -> dict[str, Any]:
    """GET /wishes/{id}'s body for this view: notes masked (masked) or blanked, and matches
    and the fulfilment record left out (restricted: a legal-aid lawyer says what it was)."""
    wish: Wish = detail["wish"]
    out = dict(detail, wish=wish_out(wish, view))
    if view == "full":
        return out
    timeline = []
    for event in detail["timeline"]:
        row = event.model_dump()
        if event.actor_staff_id is None and row["actor"].startswith(MEMBER_ACTOR):
            row["actor"] = MEMBER_ACTOR.strip()  # her 补充 or 撤回 is named, not by her name
        # Of a sensitive wish every note goes (a staff note on a claim tells as much as the
        # text); elsewhere notes are masked like the text.
        row["note"] = "" if view == "restricted" else _mask(row["note"])
        timeline.append(row)
    out["timeline"] = timeline
    fulfilment = detail.get("fulfilment")
    if view == "restricted":
        out.update(matches=[], fulfilment=None)
    elif fulfilment is not None:
        out["fulfilment"] = fulfilment_out(fulfilment, view)
    return out


def fulfilment_out(fulfilment: Fulfilment, view: WishView) -> dict[str, Any]:
    """A 暖心满溢录 record for this view of its wish: texts masked, or left out (restricted)."""
    record = fulfilment.model_dump()
    if view == "masked":
        record.update(summary=_mask(record["summary"]), feedback=_mask(record["feedback"]))
    elif view == "restricted":
        record.update(summary="", feedback="", public_summary=None, photos=[])
    return record


def fulfilments_out(
    session: Session, principal: Principal, records: Sequence[Fulfilment]
) -> list[dict[str, Any]]:
    ids = sorted({r.wish_id for r in records})
    wishes = {w.id: w for w in session.exec(select(Wish).where(col(Wish.id).in_(ids))).all()}
    return [fulfilment_out(r, view_of(principal, wishes[r.wish_id])) for r in records]


def content_clause(principal: Principal) -> sa.ColumnElement[bool] | None:
    """Rows a search by content or category may match for this caller: a sensitive wish only
    for those who may read it (a search for 家暴 must not reveal which wishes are)."""
    if principal.is_admin:
        return None
    if principal.staff_id is None:
        return col(Wish.sensitive).is_(False)
    return sa.or_(col(Wish.sensitive).is_(False), col(Wish.assignee_id) == principal.staff_id)
