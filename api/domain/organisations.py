"""The 三新 organisations of the area (name, kind, industry, women, branch, office, liaison)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from api.domain.auth import Principal
from api.domain.common import (
    delete,
    get_or_404,
    get_visible,
    require_ref,
    save,
    search_clause,
    update_checked,
    within_office,
)
from api.domain.listing import ListParams, paginate
from models import Office, Organisation, Staff
from models.clock import to_local, utcnow
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


def settle_branch_since(org: Organisation, today: date | None = None) -> bool:
    """Keeps branch_since in step with has_branch: a branch without a date got it today (the
    day the ledger learnt of it); no branch, no date. Returns whether it changed anything.
    The statistics read coverage at a past date from it (api/domain/statistics.py)."""
    if org.has_branch and org.branch_since is None:
        org.branch_since = today or to_local(utcnow()).date()
        return True
    if not org.has_branch and org.branch_since is not None:
        org.branch_since = None
        return True
    return False


def create_organisation(*, session: Session, organisation_in: OrganisationCreate) -> Organisation:
    require_ref(session, Office, organisation_in.office_id, "office_id")
    require_ref(session, Staff, organisation_in.liaison_staff_id, "liaison_staff_id")
    org = Organisation.model_validate(organisation_in)
    settle_branch_since(org)
    return save(session, org, "保存失败：数据与现有记录冲突")


def get_organisation(
    *, session: Session, organisation_id: int, principal: Principal
) -> Organisation:
    return get_visible(session, principal, Organisation, organisation_id)


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
    stmt = within_office(
        stmt,
        session=session,
        principal=principal,
        column=col(Organisation.office_id),
        office_id=office_id,
        include_sub=include_sub,
    )
    if kind is not None:
        stmt = stmt.where(col(Organisation.kind) == kind)
    if has_branch is not None:
        stmt = stmt.where(col(Organisation.has_branch) == has_branch)
    if liaison_staff_id is not None:
        stmt = stmt.where(col(Organisation.liaison_staff_id) == liaison_staff_id)
    if q:
        stmt = stmt.where(search_clause(q, col(Organisation.name)))
    return paginate(session=session, stmt=stmt, params=params, sortable=SORTABLE)


def update_organisation(
    *, session: Session, organisation_id: int, organisation_in: OrganisationUpdate
) -> Organisation:
    org = get_or_404(session, Organisation, organisation_id)
    org = update_checked(
        session,
        org,
        organisation_in,
        refs={"office_id": Office, "liaison_staff_id": Staff},
        required={"office_id": "office_id：组织必须属于一个妇联"},
        touch=True,
    )
    if settle_branch_since(org):
        org = save(session, org, "保存失败：数据与现有记录冲突")
    return org


def delete_organisation(*, session: Session, organisation_id: int) -> None:
    org = get_or_404(session, Organisation, organisation_id)
    delete(session, org, f"「{org.name}」已经有心愿记录，不能删除")
