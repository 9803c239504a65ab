"""The resource library (暖新资源库)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.domain.auth import Principal
from api.domain.common import (
    delete,
    get_or_404,
    is_staff,
    office_clause,
    office_path,
    require_ref,
    save,
    scope_clause,
    search_clause,
    update_checked,
)
from api.domain.errors import InvalidInput, NotFound
from api.domain.listing import ListParams, paginate
from models import Office, Organisation, Resource, Wish
from models.enums import Category, WishKind
from models.resource import ResourceCreate, ResourceUpdate
from models.wording import staff as for_staff
from nlp.entities import mask

SORTABLE: dict[str, Any] = {
    "id": col(Resource.id),
    "name": col(Resource.name),
    "provider": col(Resource.provider),
    "office_id": col(Resource.office_id),
    "capacity": col(Resource.capacity),
    "created_at": col(Resource.created_at),
    "updated_at": col(Resource.updated_at),
}


def _ancestor_ids(path: str | None) -> list[int]:
    """The offices on a materialised path, the office itself included ("/1/4/9/" → 1, 4, 9)."""
    return [int(part) for part in (path or "").strip("/").split("/") if part]


# Who may see a resource: THE rule, for the admin API, the export and the chat service alike.
# A resource serves the members of its office and of every office below it (a district's
# lawyers serve every community under it); one without an office serves everyone. Staff also
# see the resources of the offices below them, which they manage.


def serving_clause(office_path: str) -> sa.ColumnElement[bool]:
    """Resources serving the members of an office: city-wide, its own and its ancestors'."""
    return sa.or_(
        col(Resource.office_id).is_(None),
        col(Resource.office_id).in_(_ancestor_ids(office_path)),
    )


def serves(resource: Resource, office_path: str) -> bool:
    """serving_clause for one resource already loaded."""
    return resource.office_id is None or resource.office_id in _ancestor_ids(office_path)


def resource_scope_clause(principal: Principal) -> sa.ColumnElement[bool] | None:
    """The resources a caller may see: for staff the ones serving their office plus their own
    subtree's. None: no restriction (admin)."""
    subtree = scope_clause(principal, col(Resource.office_id))
    if subtree is None:
        return None
    return sa.or_(serving_clause(principal.office_path or ""), subtree)


def resource_visible(session: Session, principal: Principal, resource: Resource) -> bool:
    """resource_scope_clause for one resource already loaded."""
    return not is_staff(principal) or seen_by_staff_of(session, principal.office_path, resource)


def seen_by_staff_of(session: Session, path: str | None, resource: Resource) -> bool:
    """Whether staff of the office at `path` see `resource` (in the admin API or in a group)."""
    if serves(resource, path or ""):
        return True
    own = office_path(session, resource.office_id)
    return bool(path and own and own.startswith(path))


def refuse_unseen_resources(
    session: Session, resource_ids: list[int], *, staff_of: str | None
) -> None:
    """A resource a staff member of `staff_of` may not see is refused as if it did not exist
    (422, like any unknown id in a request); None: an administrator, who sees them all. Whether
    each resource exists and is active is match_wish's check."""
    if staff_of is None:
        return
    for resource_id in dict.fromkeys(resource_ids):
        resource = session.get(Resource, resource_id)
        if resource is not None and not seen_by_staff_of(session, staff_of, resource):
            raise InvalidInput(f"没有找到资源{resource_id}")


def create_resource(*, session: Session, resource_in: ResourceCreate) -> Resource:
    require_ref(session, Office, resource_in.office_id, "office_id")
    resource = Resource.model_validate(resource_in)
    return save(session, resource, "保存失败：数据与现有记录冲突")


def get_resource(*, session: Session, resource_id: int, principal: Principal) -> Resource:
    resource = get_or_404(session, Resource, resource_id)
    if not resource_visible(session, principal, resource):
        raise NotFound(f"没有找到编号为 {resource_id} 的资源")
    return resource


def list_resources(
    *,
    session: Session,
    principal: Principal,
    params: ListParams,
    office_id: int | None = None,
    include_sub: bool = True,
    category: Category | None = None,
    active: bool | None = None,
    q: str | None = None,
) -> tuple[list[Resource], int]:
    stmt = select(Resource)
    scope = resource_scope_clause(principal)
    if scope is not None:
        stmt = stmt.where(scope)
    if office_id is not None:
        stmt = stmt.where(office_clause(session, col(Resource.office_id), office_id, include_sub))
    if active is not None:
        stmt = stmt.where(col(Resource.active) == active)
    if q:
        stmt = stmt.where(
            search_clause(q, col(Resource.name), col(Resource.provider), col(Resource.description))
        )
    if category is not None:
        # Categories live in a JSON list; filtering in Python keeps one query for both
        # databases and the library is small (hundreds of rows, not millions).
        rows = [r for r in session.exec(stmt).all() if category in (r.categories or [])]
        ids = [r.id for r in rows]
        stmt = select(Resource).where(col(Resource.id).in_(ids))
    return paginate(session=session, stmt=stmt, params=params, sortable=SORTABLE)


def update_resource(*, session: Session, resource_id: int, resource_in: ResourceUpdate) -> Resource:
    resource = get_or_404(session, Resource, resource_id)
    return update_checked(session, resource, resource_in, refs={"office_id": Office}, touch=True)


def delete_resource(*, session: Session, resource_id: int) -> None:
    resource = get_or_404(session, Resource, resource_id)
    delete(
        session,
        resource,
        f"资源「{resource.name}」已经对接过心愿，不能删除；可以把「active」设为 false 停用",
    )


# Categories that say what an offer is (giving), not whom a resource serves: a draft made from
# such an offer leaves its categories to the administrator.
_NOT_SERVING = (Category.volunteer, Category.other, Category.organization)


def is_offer(wish: Wish) -> bool:
    """An offer to give (爱心提供): its kind says so, or staff filed it under 公益参与."""
    return wish.kind == WishKind.offer or wish.category == Category.volunteer


def offer_resource(session: Session, wish: Wish) -> Resource | None:
    return session.exec(select(Resource).where(col(Resource.source_wish_id) == wish.id)).first()


def draft_resource_from_offer(*, session: Session, wish: Wish) -> tuple[Resource, bool]:
    """转资源: an offer becomes a resource DRAFT of the wish's office, inactive until an
    administrator completes and activates it. (the draft, True) when made now; (the draft made
    earlier, False) when the offer was turned already — by a second 转资源, or the admin page at
    the same moment (the unique index on source_wish_id decides; the loser reads the winner's).
    The description is the wish text masked; no contact details are copied. Flushes."""
    if not is_offer(wish):
        raise InvalidInput(for_staff.not_an_offer(wish.seq))
    existing = offer_resource(session, wish)
    if existing is not None:
        return existing, False
    organisation = session.get(Organisation, wish.organisation_id) if wish.organisation_id else None
    category = Category(wish.category)
    draft = Resource(
        name=for_staff.draft_resource_name(wish.seq, category, wish.keywords or [])[:200],
        provider=(organisation.name if organisation else for_staff.MEMBER_PROVIDER)[:200],
        categories=[] if category in _NOT_SERVING else [category],
        description=mask(wish.text)[:2000],
        office_id=wish.office_id,
        active=False,
        source_wish_id=wish.id,
    )
    try:
        with session.begin_nested():
            session.add(draft)
    except IntegrityError:
        existing = offer_resource(session, wish)
        if existing is None:
            raise
        return existing, False
    return draft, True
