"""Routes: API tokens (administrators only). Clear tokens are shown once, never stored."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from api.domain import tokens as svc
from api.domain.auth import expiry_in, rotate_token
from api.http.deps import AdminDep, SessionDep
from api.http.schemas import TokenCreate, TokenCreated, TokenRotate
from models.auth import ApiTokenPublic

router = APIRouter(prefix="/tokens", tags=["访问令牌 tokens"])


@router.get("", response_model=list[ApiTokenPublic], summary="令牌列表（不含令牌本身）")
def list_tokens(session: SessionDep, _: AdminDep, include_revoked: bool = False) -> Any:
    return svc.list_tokens(session=session, include_revoked=include_revoked)


@router.post(
    "",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    summary="创建令牌（明文只返回这一次）",
)
def create_token(session: SessionDep, _: AdminDep, body: TokenCreate) -> Any:
    token, clear = svc.issue_token(
        session=session,
        name=body.name,
        role=body.role,
        office_id=body.office_id,
        expires_at=expiry_in(body.expires_in_days),
        staff_id=body.staff_id,
    )
    return {"token": token, "clear": clear}


@router.post(
    "/{token_id}/rotate",
    response_model=TokenCreated,
    summary="轮换令牌：为同一持有人发新令牌（明文只返回这一次），旧令牌立即停用",
)
def rotate(session: SessionDep, _: AdminDep, token_id: int, body: TokenRotate | None = None) -> Any:
    token, clear = rotate_token(
        session=session,
        token_id=token_id,
        expires_in_days=body.expires_in_days if body else None,
    )
    return {"token": token, "clear": clear}


@router.post("/{token_id}/revoke", response_model=ApiTokenPublic, summary="停用令牌")
def revoke_token(session: SessionDep, _: AdminDep, token_id: int) -> Any:
    return svc.revoke_token(session=session, token_id=token_id)


@router.delete(
    "/{token_id}", status_code=status.HTTP_204_NO_CONTENT, summary="停用令牌（同 revoke）"
)
def delete_token(session: SessionDep, _: AdminDep, token_id: int) -> None:
    svc.revoke_token(session=session, token_id=token_id)
