"""The 三新 organisations of the area (name, kind, industry, women, branch, office, liaison)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from api.auth import Principal
from api.errors import InvalidInput
from api.services.common import (
    apply_update,
    delete,
    ensure_visible,
    get_or_404,
    require_ref,
    save,
    scope_clause,
    subtree_clause,
)
from api.services.listing import ListParams, paginate
from models import Office, Organisation, Staff
from models.clock import utcnow
from models.enums import OrganisationKind
from models.org import OrganisationCreate, OrganisationUpdate

SORTABLE: dict[str, Any] = {
    "id": col(Organisation.id),
    "name": col(Organisation.name),
    "kind": col(Organisation.kind),
    "women_count": col(Organisation.women_count),
    "office_id": col(Organisation.office_id),
    "created_at": col(Organisation.created_at),
    "updated_at": col(Organisation.updated_at),
}


def create_organisation(*, session: Session, organisation_in: OrganisationCreate) -> Organisation:
    require_ref(session, Office, organisation_in.office_id, "office_id")
    require_ref(session, Staff, organisation_in.liaison_staff_id, "liaison_staff_id")
    org = Organisation.model_validate(organisation_in)
    return save(session, org, "保存失败：数据与现有记录冲突")


def get_organisation(
    *, session: Session, organisation_id: int, principal: Principal
) -> Organisation:
    org = get_or_404(session, Organisation, organisation_id)
    ensure_visible(session, principal, org.office_id, f"编号为 {organisation_id} 的组织")
    return org


def list_organisations(
    *,
    session: Session,
    principal: Principal,
    params: ListParams,
    office_id: int | None = None,
    include_sub: bool = True,
    kind: OrganisationKind | None = None,
    has_branch: bool | None = None,
    liaison_staff_id: int | None = None,
    q: str | None = None,
) -> tuple[list[Organisation], int]:
    stmt = select(Organisation)
    scope = scope_clause(principal, col(Organisation.office_id))
    if scope is not None:
        stmt = stmt.where(scope)
    if office_id is not None:
        stmt = stmt.where(
            subtree_clause(session, col(Organisation.office_id), office_id)
            if include_sub
            else col(Organisation.office_id) == office_id
        )
    if kind is not None:
        stmt = stmt.where(col(Organisation.kind) == kind)
    if has_branch is not None:
        stmt = stmt.where(col(Organisation.has_branch) == has_branch)
    if liaison_staff_id is not None:
        stmt = stmt.where(col(Organisation.liaison_staff_id) == liaison_staff_id)
    if q:
        stmt = stmt.where(col(Organisation.name).icontains(q, autoescape=True))
    return paginate(
        session=session,
        stmt=stmt,
        params=params,
        sortable=SORTABLE,
        default_sort="id",
        tiebreak=col(Organisation.id),
    )


def update_organisation(
    *, session: Session, organisation_id: int, organisation_in: OrganisationUpdate
) -> Organisation:
    org = get_or_404(session, Organisation, organisation_id)
    changes = organisation_in.model_dump(exclude_unset=True)
    if "office_id" in changes:
        if changes["office_id"] is None:
            raise InvalidInput("office_id：组织必须属于一个妇联")
        require_ref(session, Office, changes["office_id"], "office_id")
    if "liaison_staff_id" in changes:
        require_ref(session, Staff, changes["liaison_staff_id"], "liaison_staff_id")
    apply_update(org, organisation_in)
    org.updated_at = utcnow()
    return save(session, org, "保存失败：数据与现有记录冲突")


def delete_organisation(*, session: Session, organisation_id: int) -> None:
    org = get_or_404(session, Organisation, organisation_id)
    delete(session, org, f"「{org.name}」已经有心愿记录，不能删除")
