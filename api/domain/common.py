"""Helpers every entity service shares: lookups with Chinese 404s, scope checks, saving.

Scope rules (documented in the OpenAPI description too):
- an object addressed by id that lies outside a staff token's office subtree answers 404, as if
  it did not exist, so staff cannot probe other offices' data;
- an office named in a request body or filter outside the subtree answers 403;
- ids in a request body that do not exist answer 422 before anything is written.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col

from api.domain.auth import Principal
from api.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from models import Group, Office, Organisation, Resource, Staff, Wish
from models.clock import utcnow
from models.enums import Role
from models.logsafe import scrub_exceptions

logger = logging.getLogger(__name__)
scrub_exceptions(logger)  # tracebacks without exception messages (they quote input)

M = TypeVar("M", bound=SQLModel)

LABELS: dict[type[Any], str] = {
    Office: "妇联",
    Group: "群",
    Staff: "工作人员",
    Organisation: "组织",
    Resource: "资源",
    Wish: "心愿",
}


def label_of(model: type[Any]) -> str:
    return LABELS.get(model, "记录")


def get_or_404(session: Session, model: type[M], obj_id: int, label: str | None = None) -> M:
    obj = session.get(model, obj_id)
    if obj is None:
        raise NotFound(f"没有找到编号为 {obj_id} 的{label or label_of(model)}")
    return obj


def require_ref(session: Session, model: type[M], obj_id: int | None, field: str) -> M | None:
    """A foreign id from a request body: None passes, unknown ids are refused with 422."""
    if obj_id is None:
        return None
    obj = session.get(model, obj_id)
    if obj is None:
        raise InvalidInput(f"{field}：没有编号为 {obj_id} 的{label_of(model)}")
    return obj


def office_path(session: Session, office_id: int | None) -> str | None:
    if office_id is None:
        return None
    office = session.get(Office, office_id)
    return office.path if office else None


def is_staff(principal: Principal) -> bool:
    return principal.role == Role.staff


def visible(session: Session, principal: Principal, office_id: int | None) -> bool:
    """Whether an object owned by `office_id` is inside the caller's scope."""
    if not is_staff(principal):
        return True
    return principal.covers(office_path(session, office_id))


def ensure_visible(
    session: Session, principal: Principal, office_id: int | None, what: str
) -> None:
    if not visible(session, principal, office_id):
        raise NotFound(f"没有找到{what}")


def get_visible(session: Session, principal: Principal, model: type[M], obj_id: int) -> M:
    """By id; one outside a staff token's subtree answers 404 as if it did not exist.
    An office is owned by itself, everything else by its `office_id`."""
    obj = get_or_404(session, model, obj_id)
    owner = obj.id if model is Office else obj.office_id  # type: ignore[attr-defined]
    ensure_visible(session, principal, owner, f"编号为 {obj_id} 的{label_of(model)}")
    return obj


def ensure_unique(session: Session, column: Any, value: Any, conflict_message: str) -> None:
    """Refuses (409) a value `column` already holds, before the insert hits the constraint."""
    if session.execute(sa.select(column).where(column == value).limit(1)).first() is not None:
        raise Conflict(conflict_message)


def ensure_office_allowed(session: Session, principal: Principal, office_id: int | None) -> None:
    """An office named in a body or filter: must exist (422) and lie in scope (403)."""
    if office_id is None:
        if is_staff(principal):
            raise Forbidden("员工令牌只能操作本级及下级妇联的数据，请指定 office_id")
        return
    office = require_ref(session, Office, office_id, "office_id")
    assert office is not None
    if is_staff(principal) and not principal.covers(office.path):
        raise Forbidden(f"妇联 {office_id} 不在您的管辖范围内")


def scope_clause(principal: Principal, office_column: Any) -> sa.ColumnElement[bool] | None:
    """A WHERE clause restricting `office_column` to the staff token's subtree."""
    if not is_staff(principal):
        return None
    subtree = sa.select(col(Office.id)).where(
        col(Office.path).startswith(principal.office_path or "//none//")
    )
    return office_column.in_(subtree)


def subtree_clause(session: Session, office_column: Any, office_id: int) -> sa.ColumnElement[bool]:
    """`office_column` is `office_id` or one of its descendants."""
    path = office_path(session, office_id)
    if path is None:
        raise InvalidInput(f"office_id：没有编号为 {office_id} 的妇联")
    subtree = sa.select(col(Office.id)).where(col(Office.path).startswith(path))
    return office_column.in_(subtree)


def office_clause(
    session: Session, office_column: Any, office_id: int, include_sub: bool
) -> sa.ColumnElement[bool]:
    """An `office_id` filter: the office and its descendants, or with include_sub=False only it."""
    if include_sub:
        return subtree_clause(session, office_column, office_id)
    return office_column == office_id


def search_clause(q: str, *columns: Any) -> sa.ColumnElement[bool]:
    """`q` appears (case-insensitive, literally: % and _ are not wildcards) in any of `columns`."""
    return sa.or_(*(column.icontains(q, autoescape=True) for column in columns))


S = TypeVar("S", bound=sa.Select[Any])


def within_office(
    stmt: S,
    *,
    session: Session,
    principal: Principal,
    column: Any,
    office_id: int | None,
    include_sub: bool = True,
) -> S:
    """Restricts a list query to the caller's scope and, when given, the office filter."""
    scope = scope_clause(principal, column)
    if scope is not None:
        stmt = stmt.where(scope)
    if office_id is not None:
        stmt = stmt.where(office_clause(session, column, office_id, include_sub))
    return stmt


def apply_update(obj: SQLModel, update_in: SQLModel) -> dict[str, Any]:
    """Copies the fields the client sent; returns them."""
    changes = update_in.model_dump(exclude_unset=True)
    for key, value in changes.items():
        setattr(obj, key, value)
    return changes


def _flush_or_conflict(session: Session, obj: SQLModel, conflict_message: str) -> None:
    """Flushes; a unique or foreign-key violation becomes a 409 with a clear message.

    The transaction is unusable after the violation: the entry point that owns it rolls it
    back when the Conflict reaches it, so it is raised, never swallowed here.
    """
    try:
        session.flush()
    except IntegrityError:
        logger.info("integrity error writing %s", type(obj).__name__, exc_info=True)
        raise Conflict(conflict_message) from None


def save(session: Session, obj: M, conflict_message: str) -> M:
    """Adds and flushes (409 on a clash); returns the refreshed object. Never commits."""
    session.add(obj)
    _flush_or_conflict(session, obj, conflict_message)
    session.refresh(obj)
    return obj


def update_checked(
    session: Session,
    obj: M,
    update_in: SQLModel,
    *,
    refs: Mapping[str, type[SQLModel]],
    required: Mapping[str, str] | None = None,
    touch: bool = False,
) -> M:
    """A PATCH: changed foreign ids in `refs` must exist (422), ones in `required` must not be
    cleared (422 with that message); then the sent fields are copied and saved (409 on a clash).
    `touch` stamps `updated_at`."""
    changes = update_in.model_dump(exclude_unset=True)
    for field, model in refs.items():
        if field not in changes:
            continue
        if changes[field] is None and required and field in required:
            raise InvalidInput(required[field])
        require_ref(session, model, changes[field], field)
    apply_update(obj, update_in)
    if touch:
        obj.updated_at = utcnow()
    return save(session, obj, "保存失败：数据与现有记录冲突")


def delete(session: Session, obj: SQLModel, conflict_message: str) -> None:
    """Deletes and flushes; rows still referring to `obj` make it a 409. Never commits."""
    session.delete(obj)
    _flush_or_conflict(session, obj, conflict_message)
