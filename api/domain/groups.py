"""WeChat groups: room id, topic, owning office, whether the bot works there."""

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
    taken = f"群「{group_in.room_id}」已经登记过了"
    ensure_unique(session, col(Group.room_id), group_in.room_id, taken)
    return save(session, Group.model_validate(group_in), taken)


def get_group(*, session: Session, group_id: int, principal: Principal) -> Group:
    return get_visible(session, principal, Group, group_id)


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
    stmt = within_office(
        stmt,
        session=session,
        principal=principal,
        column=col(Group.office_id),
        office_id=office_id,
        include_sub=include_sub,
    )
    if enabled is not None:
        stmt = stmt.where(col(Group.enabled) == enabled)
    if is_staff_group is not None:
        stmt = stmt.where(col(Group.is_staff_group) == is_staff_group)
    if q:
        stmt = stmt.where(search_clause(q, col(Group.topic), col(Group.room_id)))
    return paginate(session=session, stmt=stmt, params=params, sortable=SORTABLE)


def update_group(*, session: Session, group_id: int, group_in: GroupUpdate) -> Group:
    group = get_or_404(session, Group, group_id)
    return update_checked(session, group, group_in, refs={"office_id": Office})


def delete_group(*, session: Session, group_id: int) -> None:
    group = get_or_404(session, Group, group_id)
    delete(session, group, "这个群已经有心愿记录，不能删除；可以把「enabled」设为 false 停用")
