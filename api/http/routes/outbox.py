"""Routes: the outbox of messages the bot will deliver (administrators only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from api.domain import outbox_admin as svc
from api.domain.listing import page
from api.domain.outbox import enqueue_message
from api.http.deps import AdminDep, ListDep, SessionDep
from api.http.schemas import Page
from models.enums import OutboxStatus, OutboxTarget
from models.outbox import OutboxCreate, OutboxPublic

router = APIRouter(prefix="/outbox", tags=["待发消息 outbox"])


@router.get("", response_model=Page[OutboxPublic], summary="待发消息列表（仅管理员）")
def list_outbox(
    session: SessionDep,
    _: AdminDep,
    params: ListDep,
    status: OutboxStatus | None = None,
    kind: Annotated[str | None, Query(max_length=30, description="announcement、reminder…")] = None,
    target_kind: OutboxTarget | None = None,
    target_id: Annotated[str | None, Query(max_length=100)] = None,
) -> Any:
    items, total = svc.list_outbox(
        session=session,
        params=params,
        status=status,
        kind=kind,
        target_kind=target_kind,
        target_id=target_id,
    )
    return page(items, total, params)


@router.post(
    "",
    response_model=OutboxPublic,
    status_code=status.HTTP_201_CREATED,
    summary="手工排一条通知（仅管理员）",
    description="相同 dedupe_key 只保留第一条。",
)
def create_outbox(session: SessionDep, _: AdminDep, message_in: OutboxCreate) -> Any:
    return enqueue_message(session=session, message_in=message_in)


@router.get("/{message_id}", response_model=OutboxPublic, summary="待发消息详情（仅管理员）")
def get_outbox(session: SessionDep, _: AdminDep, message_id: int) -> Any:
    return svc.get_outbox(session=session, message_id=message_id)


@router.post(
    "/{message_id}/retry",
    response_model=OutboxPublic,
    summary="重新发送失败的消息（仅管理员）",
    responses={409: {"description": "消息不是发送失败状态"}},
)
def retry_outbox(session: SessionDep, _: AdminDep, message_id: int) -> Any:
    return svc.retry_outbox(session=session, message_id=message_id)
