"""Routes: one person's data (个人信息) — export it as a file, or erase it; and the audit log.

Administrators only, every call audited. The person is named in the request body, not the
path: a WeChat id in a URL would land in every access log and proxy log on the way.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from api.domain import audit as audit_svc
from api.domain import privacy
from api.domain.errors import InvalidInput
from api.domain.listing import page
from api.http.deps import AdminDep, ListDep, SessionDep
from api.http.schemas import Page
from models.audit import AuditEntryPublic
from models.clock import to_local, utcnow
from models.enums import AuditAction
from models.inputs import CleanBody

router = APIRouter(tags=["个人信息 personal data"])


class PersonIn(CleanBody):
    wechat_id: str | None = Field(default=None, max_length=100, description="成员的微信号")
    name: str | None = Field(
        default=None,
        max_length=50,
        description="代登记时用的姓名：只匹配没有微信号的心愿（可与微信号一起填）",
    )

    def person(self) -> privacy.Person:
        return privacy.Person(
            wechat_id=(self.wechat_id or "").strip() or None, name=(self.name or "").strip() or None
        )


class EraseIn(PersonIn):
    confirm: bool = Field(default=False, description="必须为 true：删除后无法恢复")


class EraseOut(BaseModel):
    counts: dict[str, int] = Field(description="每类被删除或匿名化的记录数")
    audit_id: int


@router.post(
    "/people/export",
    summary="导出某人的全部个人信息（JSON 文件，仅管理员，记入审计日志）",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}, "description": "JSON 文件"}},
)
def export_person(session: SessionDep, principal: AdminDep, body: PersonIn) -> Response:
    person = body.person()
    document = privacy.collect_personal_data(session=session, person=person)
    audit_svc.record_admin_audit(
        session=session,
        principal=principal,
        action=AuditAction.person_export,
        subject=audit_svc.subject_ref(person.wechat_id, person.name),
        counts=privacy.data_counts(document),
    )
    data = json.dumps(document, ensure_ascii=False, indent=2).encode()
    filename = f"个人信息-{to_local(utcnow()):%Y%m%d-%H%M}.json"
    disposition = f"attachment; filename=personal-data.json; filename*=UTF-8''{quote(filename)}"
    return Response(
        data,
        media_type="application/json",
        headers={"Content-Disposition": disposition},
    )


@router.post(
    "/people/erase",
    summary="删除某人的个人信息（心愿保留统计，仅管理员，记入审计日志）",
    response_model=EraseOut,
    description=(
        "心愿的内容、姓名和微信号被清除（内容改为「（已删除）」），类别、状态、日期、受益人数等"
        "统计保留；她的待确认消息、指令记录和发给她或关于她的消息被删除。无法恢复。"
    ),
)
def erase_person(session: SessionDep, principal: AdminDep, body: EraseIn) -> Any:
    if not body.confirm:
        raise InvalidInput("删除后无法恢复：请确认（confirm: true）后再提交")
    person = body.person()
    counts = privacy.erase_person(session=session, person=person)
    entry = audit_svc.record_admin_audit(
        session=session,
        principal=principal,
        action=AuditAction.person_erase,
        subject=audit_svc.subject_ref(person.wechat_id, person.name),
        counts=counts,
    )
    return EraseOut(counts=counts, audit_id=int(entry.id or 0))


@router.get(
    "/audit",
    response_model=Page[AuditEntryPublic],
    summary="审计日志：个人信息的查看、导出、删除和到期清理（仅管理员）",
)
def list_audit(
    session: SessionDep, _: AdminDep, params: ListDep, action: AuditAction | None = None
) -> Any:
    items, total = audit_svc.list_audit(session=session, params=params, action=action)
    return page(items, total, params)
