"""The ledger as the admin API sees it: scoped lookups, lists, detail, edits and transitions.

Wraps api/domain/wishes.py (which owns the wish rules) with the checks a request needs before
anything is written: referenced ids exist (422) and lie in the caller's scope (403/404). Like
every domain function these flush and never commit: the request owns the transaction.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.domain.auth import Principal
from api.domain.common import (
    ensure_office_allowed,
    get_visible,
    is_staff,
    office_clause,
    require_ref,
    scope_clause,
    search_clause,
    visible,
)
from api.domain.errors import Forbidden, InvalidInput
from api.domain.listing import ListParams, paginate
from api.domain.resources import refuse_unseen_resources
from api.domain.visibility import RESTRICTED, SensitiveRule, content_clause, view_of
from api.domain.wish_search import wish_search_clause
from api.domain.wishes import (
    Actor,
    create_wish,
    edit_wish,
    fulfil_wish,
    match_wish,
    transition_wish,
)
from api.domain.workflow import Action, allowed_actions
from models import Fulfilment, Group, Match, Organisation, Resource, Staff, Wish, WishEvent
from models.clock import SHANGHAI
from models.enums import Category, CloseReason, WishStatus
from models.wish import FulfilmentCreate, WishCreate, WishUpdate

logger = logging.getLogger(__name__)

SORTABLE: dict[str, Any] = {
    "id": col(Wish.id),
    "seq": col(Wish.seq),
    "number": col(Wish.number),
    "status": col(Wish.status),
    "category": col(Wish.category),
    "office_id": col(Wish.office_id),
    "created_at": col(Wish.created_at),
    "updated_at": col(Wish.updated_at),
    "planned_date": col(Wish.planned_date),
}


def actor_for(principal: Principal) -> Actor:
    # Tokens are not linked to staff records, so the timeline names the token holder.
    return Actor(name=principal.name)


def get_scoped_wish(*, session: Session, wish_id: int, principal: Principal) -> Wish:
    return get_visible(session, principal, Wish, wish_id)


def _check_organisation(session: Session, principal: Principal, org_id: int | None) -> None:
    org = require_ref(session, Organisation, org_id, "organisation_id")
    if org is not None and not visible(session, principal, org.office_id):
        raise Forbidden(f"组织 {org_id} 不在您的管辖范围内")


def create_wish_checked(
    *,
    session: Session,
    wish_in: WishCreate,
    principal: Principal,
    sensitive_rule: SensitiveRule | None = None,
) -> tuple[Wish, bool]:
    """Logs a wish by hand; every reference is checked before the insert."""
    office_id = wish_in.office_id
    group = require_ref(session, Group, wish_in.group_id, "group_id")
    if office_id is None and group is not None:
        office_id = group.office_id
    if office_id is None:
        raise InvalidInput(
            "请指定心愿所属的妇联（office_id），或一个已归属妇联的来源群（group_id）"
        )
    if (
        group is not None
        and group.office_id is not None
        and not visible(session, principal, group.office_id)
    ):
        raise Forbidden(f"群 {group.id} 不在您的管辖范围内")
    _check_organisation(session, principal, wish_in.organisation_id)
    wish_in = wish_in.model_copy(update={"office_id": office_id})
    # The office's existence and scope are checked by the number allocation itself (one
    # statement for the office, not a read and then an update).
    return create_wish(
        session=session,
        wish_in=wish_in,
        actor=actor_for(principal),
        sensitive_rule=sensitive_rule,
        scope_path=(principal.office_path or "//none//") if is_staff(principal) else None,
    )


def _day_start(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
    return datetime.combine(value, time.min, tzinfo=SHANGHAI)


def _day_end(value: date | datetime) -> datetime:
    """Exclusive upper bound: a bare date includes that whole day (Asia/Shanghai)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
    return datetime.combine(value + timedelta(days=1), time.min, tzinfo=SHANGHAI)


def wish_filters(
    *,
    session: Session,
    principal: Principal,
    status: list[WishStatus] | None = None,
    category: list[Category] | None = None,
    office_id: int | None = None,
    include_sub: bool = True,
    group_id: int | None = None,
    organisation_id: int | None = None,
    assignee_id: int | None = None,
    created_from: date | datetime | None = None,
    created_to: date | datetime | None = None,
    q: str | None = None,
) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses shared by the wish list and the Excel export."""
    clauses: list[sa.ColumnElement[bool]] = []
    scope = scope_clause(principal, col(Wish.office_id))
    if scope is not None:
        clauses.append(scope)
    if status:
        clauses.append(col(Wish.status).in_(status))
    # A search by category or content must not tell a caller which wishes are sensitive (a
    # search for 家暴): those rows match only for whoever may read them; their number still does.
    readable = content_clause(principal)
    if category:
        by_category = col(Wish.category).in_(category)
        clauses.append(by_category if readable is None else sa.and_(by_category, readable))
    if office_id is not None:
        ensure_office_allowed(session, principal, office_id)
        clauses.append(office_clause(session, col(Wish.office_id), office_id, include_sub))
    if group_id is not None:
        clauses.append(col(Wish.group_id) == group_id)
    if organisation_id is not None:
        clauses.append(col(Wish.organisation_id) == organisation_id)
    if assignee_id is not None:
        clauses.append(col(Wish.assignee_id) == assignee_id)
    if created_from is not None:
        clauses.append(col(Wish.created_at) >= _day_start(created_from))
    if created_to is not None:
        clauses.append(col(Wish.created_at) < _day_end(created_to))
    if (
        created_from is not None
        and created_to is not None
        and _day_start(created_from) >= _day_end(created_to)
    ):
        raise InvalidInput("created_from 必须早于 created_to")
    if q:
        found = wish_search_clause(session, q)
        if readable is not None:  # a wish the caller may not read is found by its number only
            found = sa.or_(sa.and_(found, readable), search_clause(q, col(Wish.number)))
        clauses.append(found)
    return clauses


def list_wishes(
    *, session: Session, params: ListParams, clauses: list[sa.ColumnElement[bool]]
) -> tuple[list[Wish], int]:
    return paginate(
        session=session,
        stmt=select(Wish).where(*clauses),
        params=params,
        sortable=SORTABLE,
        default_sort="-created_at",
        tiebreak=col(Wish.id).desc(),
    )


def wish_detail(*, session: Session, wish: Wish) -> dict[str, Any]:
    timeline = session.exec(
        select(WishEvent).where(WishEvent.wish_id == wish.id).order_by(col(WishEvent.id))
    ).all()
    rows = session.exec(
        select(Match, Resource)
        .join(Resource, col(Resource.id) == col(Match.resource_id))
        .where(Match.wish_id == wish.id)
        .order_by(col(Match.id))
    ).all()
    matches = [
        {**match.model_dump(), "resource_name": res.name, "resource_provider": res.provider}
        for match, res in rows
    ]
    fulfilment = session.exec(select(Fulfilment).where(Fulfilment.wish_id == wish.id)).first()
    return {
        "wish": wish,
        "timeline": list(timeline),
        "matches": matches,
        "fulfilment": fulfilment,
        "allowed_actions": allowed_actions(WishStatus(wish.status)),
    }


def update_wish(
    *,
    session: Session,
    wish: Wish,
    wish_in: WishUpdate,
    principal: Principal,
    expected_version: int | None = None,
) -> Wish:
    """Edits text, category, kind, organisation or planned date (edit_wish: one version, each
    edit on the timeline). ``expected_version``: the version the editor saw (409 if stale)."""
    changes = wish_in.model_dump(exclude_unset=True)
    for field in ("text", "category", "kind", "sensitive"):
        if field in changes and changes[field] is None:
            raise InvalidInput(f"{field}：不能为空")
    # Anyone in scope may make a wish more private; its content and the unmarking are for
    # those who may read it (an administrator, its assignee).
    view = view_of(principal, wish)
    if view == "restricted" and set(changes) & {"text", "category", "kind"}:
        raise Forbidden(RESTRICTED)
    if view != "full" and changes.get("sensitive") is False and wish.sensitive:
        raise Forbidden("只有管理员和负责人可以取消敏感标记")
    if "organisation_id" in changes:
        _check_organisation(session, principal, changes["organisation_id"])
    return edit_wish(
        session=session,
        wish=wish,
        changes=changes,
        actor=actor_for(principal),
        expected_version=expected_version,
    )


def claim(
    *, session: Session, wish: Wish, principal: Principal, assignee_id: int | None, note: str = ""
) -> Wish:
    if assignee_id is not None:
        person = require_ref(session, Staff, assignee_id, "assignee_id")
        assert person is not None
        if not person.active:
            raise InvalidInput(f"assignee_id：工作人员「{person.name}」已停用")
        if not visible(session, principal, person.office_id):
            raise Forbidden(f"工作人员 {assignee_id} 不在您的管辖范围内")
    return transition_wish(
        session=session,
        wish=wish,
        action=Action.claim,
        actor=actor_for(principal),
        assignee_id=assignee_id,
        note=note,
    )


def match(
    *, session: Session, wish: Wish, principal: Principal, resource_ids: list[int], note: str
) -> Wish:
    staff_of = principal.office_path or "" if is_staff(principal) else None
    refuse_unseen_resources(session, resource_ids, staff_of=staff_of)
    return match_wish(
        session=session, wish=wish, resource_ids=resource_ids, actor=actor_for(principal), note=note
    )


def simple_transition(
    *,
    session: Session,
    wish: Wish,
    principal: Principal,
    action: Action,
    note: str = "",
    close_reason: CloseReason | None = None,
) -> Wish:
    return transition_wish(
        session=session,
        wish=wish,
        action=action,
        actor=actor_for(principal),
        note=note,
        close_reason=close_reason,
    )


def fulfil(
    *, session: Session, wish: Wish, principal: Principal, fulfilment_in: FulfilmentCreate
) -> Wish:
    return fulfil_wish(
        session=session, wish=wish, fulfilment_in=fulfilment_in, actor=actor_for(principal)
    )
