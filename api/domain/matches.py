"""Matches (wish ⇄ resource) and fulfilment records (暖心满溢录), scoped by the wish's office.

These flush and never commit: the request owns the transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from api.domain.auth import Principal
from api.domain.common import (
    ensure_office_allowed,
    get_or_404,
    visible,
    within_office,
)
from api.domain.errors import InvalidInput, NotFound
from api.domain.listing import ListParams, paginate
from api.domain.wish_admin import actor_for, fulfil, match
from api.domain.wishes import add_event
from models import Fulfilment, Match, Resource, Wish
from models.enums import EventKind
from models.wish import FulfilmentCreate, FulfilmentUpdate, MatchCreate, MatchUpdate

MATCH_SORTABLE: dict[str, Any] = {
    "id": col(Match.id),
    "wish_id": col(Match.wish_id),
    "resource_id": col(Match.resource_id),
    "created_at": col(Match.created_at),
}
FULFILMENT_SORTABLE: dict[str, Any] = {
    "id": col(Fulfilment.id),
    "wish_id": col(Fulfilment.wish_id),
    "delivered_on": col(Fulfilment.delivered_on),
    "beneficiaries": col(Fulfilment.beneficiaries),
    "value_yuan": col(Fulfilment.value_yuan),
    "created_at": col(Fulfilment.created_at),
}


def _visible_wish(session: Session, principal: Principal, wish_id: int) -> Wish | None:
    """The wish, when it exists and lies in the caller's scope."""
    wish = session.get(Wish, wish_id)
    return wish if wish is not None and visible(session, principal, wish.office_id) else None


def _body_wish(session: Session, principal: Principal, wish_id: int) -> Wish:
    """A wish named in a request body: unknown or out of scope answers 422, like any body id."""
    wish = _visible_wish(session, principal, wish_id)
    if wish is None:
        raise InvalidInput(f"wish_id：没有编号为 {wish_id} 的心愿")
    return wish


# ---- matches -------------------------------------------------------------------------------


def list_matches(
    *,
    session: Session,
    principal: Principal,
    params: ListParams,
    wish_id: int | None = None,
    resource_id: int | None = None,
) -> tuple[list[Match], int]:
    stmt = within_office(
        select(Match).join(Wish, col(Wish.id) == col(Match.wish_id)),
        session=session,
        principal=principal,
        column=col(Wish.office_id),
        office_id=None,
    )
    if wish_id is not None:
        stmt = stmt.where(col(Match.wish_id) == wish_id)
    if resource_id is not None:
        stmt = stmt.where(col(Match.resource_id) == resource_id)
    return paginate(session=session, stmt=stmt, params=params, sortable=MATCH_SORTABLE)


def get_match(*, session: Session, match_id: int, principal: Principal) -> Match:
    found = get_or_404(session, Match, match_id, "对接记录")
    if _visible_wish(session, principal, found.wish_id) is None:
        raise NotFound(f"没有找到编号为 {match_id} 的对接记录")
    return found


def create_match(*, session: Session, match_in: MatchCreate, principal: Principal) -> Match:
    """One resource for one wish; moves the wish along like POST /wishes/{id}/match."""
    match(
        session=session,
        wish=_body_wish(session, principal, match_in.wish_id),
        principal=principal,
        resource_ids=[match_in.resource_id],
        note=match_in.note,
    )
    return session.exec(
        select(Match).where(
            Match.wish_id == match_in.wish_id, Match.resource_id == match_in.resource_id
        )
    ).one()


def update_match(
    *, session: Session, match_id: int, match_in: MatchUpdate, principal: Principal
) -> Match:
    found = get_match(session=session, match_id=match_id, principal=principal)
    if match_in.note is not None:
        found.note = match_in.note
    session.add(found)
    session.flush()
    return found


def delete_match(*, session: Session, match_id: int, principal: Principal) -> None:
    """Unlinks a resource (a mistaken 派单); the wish keeps its status, the timeline notes it."""
    found = get_match(session=session, match_id=match_id, principal=principal)
    wish = session.get(Wish, found.wish_id)  # loaded (and scope-checked) by get_match
    assert wish is not None
    resource = session.get(Resource, found.resource_id)
    name = resource.name if resource else str(found.resource_id)
    add_event(
        session,
        wish,
        actor_for(principal),
        EventKind.note,
        note=f"取消对接资源{found.resource_id} {name}",
    )
    session.delete(found)
    session.flush()


# ---- fulfilments -------------------------------------------------------------------------------


def list_fulfilments(
    *,
    session: Session,
    principal: Principal,
    params: ListParams,
    wish_id: int | None = None,
    office_id: int | None = None,
    delivered_from: date | None = None,
    delivered_to: date | None = None,
) -> tuple[list[Fulfilment], int]:
    if office_id is not None:
        ensure_office_allowed(session, principal, office_id)
    stmt = within_office(
        select(Fulfilment).join(Wish, col(Wish.id) == col(Fulfilment.wish_id)),
        session=session,
        principal=principal,
        column=col(Wish.office_id),
        office_id=office_id,
    )
    if wish_id is not None:
        stmt = stmt.where(col(Fulfilment.wish_id) == wish_id)
    if delivered_from is not None:
        stmt = stmt.where(col(Fulfilment.delivered_on) >= delivered_from)
    if delivered_to is not None:
        stmt = stmt.where(col(Fulfilment.delivered_on) <= delivered_to)
    return paginate(
        session=session,
        stmt=stmt,
        params=params,
        sortable=FULFILMENT_SORTABLE,
        default_sort="-delivered_on",
    )


def create_fulfilment(
    *, session: Session, wish_id: int, fulfilment_in: FulfilmentCreate, principal: Principal
) -> Fulfilment:
    """Same as POST /wishes/{id}/fulfil, answering with the record rather than the wish."""
    wish = _body_wish(session, principal, wish_id)
    fulfil(session=session, wish=wish, principal=principal, fulfilment_in=fulfilment_in)
    return session.exec(select(Fulfilment).where(Fulfilment.wish_id == wish_id)).one()


def get_fulfilment(*, session: Session, fulfilment_id: int, principal: Principal) -> Fulfilment:
    found = get_or_404(session, Fulfilment, fulfilment_id, "圆梦记录")
    if _visible_wish(session, principal, found.wish_id) is None:
        raise NotFound(f"没有找到编号为 {fulfilment_id} 的圆梦记录")
    return found


def update_fulfilment(
    *,
    session: Session,
    fulfilment_id: int,
    fulfilment_in: FulfilmentUpdate,
    principal: Principal,
) -> Fulfilment:
    """Later corrections (beneficiaries counted again, photos added); noted on the timeline."""
    found = get_fulfilment(session=session, fulfilment_id=fulfilment_id, principal=principal)
    changes = fulfilment_in.model_dump(exclude_unset=True)
    if changes.get("delivered_on", date.min) is None:
        raise InvalidInput("delivered_on：服务日期不能为空")
    changes = {k: v for k, v in changes.items() if v is not None and getattr(found, k) != v}
    if not changes:
        return found
    for key, value in changes.items():
        setattr(found, key, value)
    wish = session.get(Wish, found.wish_id)  # loaded (and scope-checked) by get_fulfilment
    assert wish is not None
    add_event(
        session,
        wish,
        actor_for(principal),
        EventKind.note,
        note="修改了圆梦记录：" + "、".join(sorted(changes)),
    )
    session.add(found)
    session.flush()
    return found
