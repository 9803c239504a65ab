"""Staff: WeChat id, name, role, office and the zones they are responsible for (分片联系)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from api.domain.auth import Principal
from api.domain.common import (
    delete,
    ensure_unique,
    get_or_404,
    get_visible,
    require_ref,
    save,
    search_clause,
    update_checked,
    within_office,
)
from api.domain.listing import ListParams, paginate
from models import Office, Staff
from models.enums import StaffRole
from models.org import StaffCreate, StaffUpdate

SORTABLE: dict[str, Any] = {
    "id": col(Staff.id),
    "name": col(Staff.name),
    "office_id": col(Staff.office_id),
    "role": col(Staff.role),
    "created_at": col(Staff.created_at),
}


def create_staff(*, session: Session, staff_in: StaffCreate) -> Staff:
    require_ref(session, Office, staff_in.office_id, "office_id")
    taken = f"微信号「{staff_in.wechat_id}」已经登记为工作人员"
    ensure_unique(session, col(Staff.wechat_id), staff_in.wechat_id, taken)
    return save(session, Staff.model_validate(staff_in), taken)


def get_staff(*, session: Session, staff_id: int, principal: Principal) -> Staff:
    return get_visible(session, principal, Staff, staff_id)


def list_staff(
    *,
    session: Session,
    principal: Principal,
    params: ListParams,
    office_id: int | None = None,
    include_sub: bool = True,
    role: StaffRole | None = None,
    active: bool | None = None,
    q: str | None = None,
) -> tuple[list[Staff], int]:
    stmt = select(Staff)
    stmt = within_office(
        stmt,
        session=session,
        principal=principal,
        column=col(Staff.office_id),
        office_id=office_id,
        include_sub=include_sub,
    )
    if role is not None:
        stmt = stmt.where(col(Staff.role) == role)
    if active is not None:
        stmt = stmt.where(col(Staff.active) == active)
    if q:
        stmt = stmt.where(search_clause(q, col(Staff.name), col(Staff.wechat_id)))
    return paginate(session=session, stmt=stmt, params=params, sortable=SORTABLE)


def update_staff(*, session: Session, staff_id: int, staff_in: StaffUpdate) -> Staff:
    person = get_or_404(session, Staff, staff_id)
    return update_checked(
        session,
        person,
        staff_in,
        refs={"office_id": Office},
        required={"office_id": "office_id：工作人员必须属于一个妇联"},
    )


def delete_staff(*, session: Session, staff_id: int) -> None:
    person = get_or_404(session, Staff, staff_id)
    delete(
        session,
        person,
        f"「{person.name}」已经负责过心愿或组织，不能删除；可以把「active」设为 false 停用",
    )
