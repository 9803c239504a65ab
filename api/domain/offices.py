"""Offices (妇联 units): a city → district → street → community tree kept as materialised paths."""

from __future__ import annotations

import logging
import re
from typing import Any

import sqlalchemy as sa
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
    within_office,
)
from api.domain.errors import Conflict, InvalidInput
from api.domain.listing import ListParams, paginate
from models import Office, Staff
from models.enums import OfficeLevel
from models.org import OfficeCreate, OfficeUpdate

logger = logging.getLogger(__name__)

LEVEL_RANK = {
    OfficeLevel.city: 0,
    OfficeLevel.district: 1,
    OfficeLevel.street: 2,
    OfficeLevel.community: 3,
}
LEVEL_LABELS = {
    OfficeLevel.city: "市级",
    OfficeLevel.district: "区级",
    OfficeLevel.street: "街道",
    OfficeLevel.community: "社区",
}
SORTABLE: dict[str, Any] = {
    "id": col(Office.id),
    "name": col(Office.name),
    "code": col(Office.code),
    "level": col(Office.level),
    "path": col(Office.path),
    "created_at": col(Office.created_at),
}


def _check_level(level: OfficeLevel, parent: Office | None) -> None:
    if parent is None:
        return
    parent_level = OfficeLevel(parent.level)
    if LEVEL_RANK[parent_level] >= LEVEL_RANK[level]:
        raise InvalidInput(
            f"层级不一致：{LEVEL_LABELS[level]}妇联不能隶属于"
            f"{LEVEL_LABELS[parent_level]}妇联「{parent.name}」（上级必须比下级层级高）"
        )


CODE_PATTERN = re.compile(r"[A-Za-z0-9]{1,12}")


def _check_code_free(session: Session, code: str) -> None:
    # The model's regex is not enforced by SQLModel, so the service checks the code itself.
    if not CODE_PATTERN.fullmatch(code):
        raise InvalidInput(f"code：简码「{code}」只能由 1–12 个英文字母或数字组成，如 DF")
    ensure_unique(session, col(Office.code), code, f"简码「{code}」已被其他妇联使用")


def create_office(*, session: Session, office_in: OfficeCreate) -> Office:
    parent = require_ref(session, Office, office_in.parent_id, "parent_id")
    if office_in.parent_id is None and office_in.level != OfficeLevel.city:
        logger.info("office %s created without a parent", office_in.code)
    _check_level(office_in.level, parent)
    require_ref(session, Staff, office_in.on_duty_staff_id, "on_duty_staff_id")
    _check_code_free(session, office_in.code)
    office = Office.model_validate(office_in)
    session.add(office)
    session.flush()  # the id is part of the path
    office.path = f"{parent.path if parent else '/'}{office.id}/"
    return save(session, office, f"简码「{office_in.code}」已被其他妇联使用")


def get_office(*, session: Session, office_id: int, principal: Principal) -> Office:
    return get_visible(session, principal, Office, office_id)


def list_offices(
    *,
    session: Session,
    principal: Principal,
    params: ListParams,
    parent_id: int | None = None,
    within_id: int | None = None,
    level: OfficeLevel | None = None,
    q: str | None = None,
) -> tuple[list[Office], int]:
    stmt = within_office(
        select(Office),
        session=session,
        principal=principal,
        column=col(Office.id),
        office_id=within_id,
    )
    if parent_id is not None:
        stmt = stmt.where(col(Office.parent_id) == parent_id)
    if level is not None:
        stmt = stmt.where(col(Office.level) == level)
    if q:
        stmt = stmt.where(search_clause(q, col(Office.name), col(Office.code)))
    return paginate(
        session=session, stmt=stmt, params=params, sortable=SORTABLE, default_sort="path"
    )


def update_office(*, session: Session, office_id: int, office_in: OfficeUpdate) -> Office:
    office = get_or_404(session, Office, office_id)
    changes = office_in.model_dump(exclude_unset=True)
    if "on_duty_staff_id" in changes:
        require_ref(session, Staff, changes["on_duty_staff_id"], "on_duty_staff_id")
    old_path = office.path
    moving = "parent_id" in changes and changes["parent_id"] != office.parent_id
    if moving:
        parent = require_ref(session, Office, changes["parent_id"], "parent_id")
        if parent is not None and parent.path.startswith(office.path):
            raise InvalidInput(
                f"不能把「{office.name}」移到它自己或它的下级「{parent.name}」之下（会形成循环）"
            )
        _check_level(OfficeLevel(office.level), parent)
        new_path = f"{parent.path if parent else '/'}{office.id}/"
    for key, value in changes.items():
        setattr(office, key, value)
    if moving:
        # Re-root the whole subtree in one statement: new prefix + the part below old_path.
        session.execute(
            sa.update(Office)
            .where(col(Office.path).startswith(old_path))
            .values(path=sa.literal(new_path) + sa.func.substr(col(Office.path), len(old_path) + 1))
            .execution_options(synchronize_session=False)
        )
        session.add(office)
        session.flush()
        session.expire_all()
    saved = save(session, office, "保存失败：数据与现有记录冲突")
    logger.info("office %s updated: %s", office_id, sorted(changes))
    return saved


def delete_office(*, session: Session, office_id: int) -> None:
    office = get_or_404(session, Office, office_id)
    if session.exec(select(Office.id).where(Office.parent_id == office_id)).first() is not None:
        raise Conflict(f"「{office.name}」下还有下级妇联，不能删除")
    delete(session, office, f"「{office.name}」下还有群、工作人员、组织或心愿，不能删除")
