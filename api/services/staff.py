"""Staff: WeChat id, name, role, office and the zones they are responsible for (分片联系)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.auth import Principal
from api.errors import Conflict, InvalidInput
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
    if session.exec(select(Staff.id).where(Staff.wechat_id == staff_in.wechat_id)).first():
        raise Conflict(f"微信号「{staff_in.wechat_id}」已经登记为工作人员")
    person = Staff.model_validate(staff_in)
    return save(session, person, f"微信号「{staff_in.wechat_id}」已经登记为工作人员")


def get_staff(*, session: Session, staff_id: int, principal: Principal) -> Staff:
    person = get_or_404(session, Staff, staff_id)
    ensure_visible(session, principal, person.office_id, f"编号为 {staff_id} 的工作人员")
    return person


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
    scope = scope_clause(principal, col(Staff.office_id))
    if scope is not None:
        stmt = stmt.where(scope)
    if office_id is not None:
        stmt = stmt.where(
            subtree_clause(session, col(Staff.office_id), office_id)
            if include_sub
            else col(Staff.office_id) == office_id
        )
    if role is not None:
        stmt = stmt.where(col(Staff.role) == role)
    if active is not None:
        stmt = stmt.where(col(Staff.active) == active)
    if q:
        stmt = stmt.where(
            sa.or_(
                col(Staff.name).icontains(q, autoescape=True),
                col(Staff.wechat_id).icontains(q, autoescape=True),
            )
        )
    return paginate(
        session=session,
        stmt=stmt,
        params=params,
        sortable=SORTABLE,
        default_sort="id",
        tiebreak=col(Staff.id),
    )


def update_staff(*, session: Session, staff_id: int, staff_in: StaffUpdate) -> Staff:
    person = get_or_404(session, Staff, staff_id)
    changes = staff_in.model_dump(exclude_unset=True)
    if "office_id" in changes:
        if changes["office_id"] is None:
            raise InvalidInput("office_id：工作人员必须属于一个妇联")
        require_ref(session, Office, changes["office_id"], "office_id")
    apply_update(person, staff_in)
    return save(session, person, "保存失败：数据与现有记录冲突")


def delete_staff(*, session: Session, staff_id: int) -> None:
    person = get_or_404(session, Staff, staff_id)
    delete(
        session,
        person,
        f"「{person.name}」已经负责过心愿或组织，不能删除；可以把「active」设为 false 停用",
    )
