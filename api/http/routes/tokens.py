"""Routes: API tokens (administrators only). Clear tokens are shown once, never stored."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from api.domain import tokens as svc
from api.http.deps import AdminDep, SessionDep
from api.http.schemas import TokenCreate, TokenCreated
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
        session=session, name=body.name, role=body.role, office_id=body.office_id
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
