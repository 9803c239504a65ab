"""WeChat groups: room id, topic, owning office, whether the bot works there."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.auth import Principal
from api.errors import Conflict
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
from models import Group, Office
from models.org import GroupCreate, GroupUpdate

SORTABLE: dict[str, Any] = {
    "id": col(Group.id),
    "topic": col(Group.topic),
    "room_id": col(Group.room_id),
    "office_id": col(Group.office_id),
    "created_at": col(Group.created_at),
}


def create_group(*, session: Session, group_in: GroupCreate) -> Group:
    require_ref(session, Office, group_in.office_id, "office_id")
    if session.exec(select(Group.id).where(Group.room_id == group_in.room_id)).first():
        raise Conflict(f"群「{group_in.room_id}」已经登记过了")
    group = Group.model_validate(group_in)
    return save(session, group, f"群「{group_in.room_id}」已经登记过了")


def get_group(*, session: Session, group_id: int, principal: Principal) -> Group:
    group = get_or_404(session, Group, group_id)
    ensure_visible(session, principal, group.office_id, f"编号为 {group_id} 的群")
    return group


def list_groups(
    *,
    session: Session,
    principal: Principal,
    params: ListParams,
    office_id: int | None = None,
    include_sub: bool = True,
    enabled: bool | None = None,
    is_staff_group: bool | None = None,
    q: str | None = None,
) -> tuple[list[Group], int]:
    stmt = select(Group)
    scope = scope_clause(principal, col(Group.office_id))
    if scope is not None:
        stmt = stmt.where(scope)
    if office_id is not None:
        stmt = stmt.where(
            subtree_clause(session, col(Group.office_id), office_id)
            if include_sub
            else col(Group.office_id) == office_id
        )
    if enabled is not None:
        stmt = stmt.where(col(Group.enabled) == enabled)
    if is_staff_group is not None:
        stmt = stmt.where(col(Group.is_staff_group) == is_staff_group)
    if q:
        stmt = stmt.where(
            sa.or_(
                col(Group.topic).icontains(q, autoescape=True),
                col(Group.room_id).icontains(q, autoescape=True),
            )
        )
    return paginate(
        session=session,
        stmt=stmt,
        params=params,
        sortable=SORTABLE,
        default_sort="id",
        tiebreak=col(Group.id),
    )


def update_group(*, session: Session, group_id: int, group_in: GroupUpdate) -> Group:
    group = get_or_404(session, Group, group_id)
    changes = group_in.model_dump(exclude_unset=True)
    if "office_id" in changes:
        require_ref(session, Office, changes["office_id"], "office_id")
    apply_update(group, group_in)
    return save(session, group, "保存失败：数据与现有记录冲突")


def delete_group(*, session: Session, group_id: int) -> None:
    group = get_or_404(session, Group, group_id)
    delete(session, group, "这个群已经有心愿记录，不能删除；可以把「enabled」设为 false 停用")
