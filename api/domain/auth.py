"""API tokens and who is calling: admin (everything), staff (their office subtree), bot."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlmodel import Session, select

from api.domain.errors import Forbidden, NotFound, Unauthorized
from models import ApiToken, Office
from models.enums import Role

TOKEN_PREFIX = "wp_"


def hash_token(clear: str) -> str:
    # Tokens are 256 random bits, so a plain SHA-256 is enough (no slow KDF needed).
    return hashlib.sha256(clear.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    token_id: int
    name: str
    role: Role
    office_id: int | None = None
    office_path: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    def covers(self, office_path: str | None) -> bool:
        """Whether an office (by materialised path) is inside this caller's scope."""
        if self.role != Role.staff:
            return True
        return bool(office_path and self.office_path and office_path.startswith(self.office_path))


def create_token(
    *, session: Session, name: str, role: Role, office_id: int | None = None
) -> tuple[ApiToken, str]:
    """Stores a new token's hash and returns the token in clear, to be shown exactly once.

    Flushes only: the caller (the admin request, `wishpool token create`, the demo launcher)
    commits, and a token it does not commit never works."""
    if role == Role.staff and office_id is None:
        raise Forbidden("员工令牌必须指定所属妇联（office）")
    if office_id is not None and session.get(Office, office_id) is None:
        raise NotFound(f"没有找到编号为 {office_id} 的妇联")
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, role=role, office_id=office_id, token_hash=hash_token(clear))
    session.add(token)
    session.flush()
    session.refresh(token)
    return token, clear


def authenticate(*, session: Session, clear: str | None) -> Principal:
    if not clear:
        raise Unauthorized("缺少访问令牌，请在 Authorization 头中提供 Bearer 令牌")
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(clear))).first()
    if token is None or token.revoked_at is not None or token.id is None:
        raise Unauthorized("访问令牌无效或已停用")
    office_path = None
    if token.office_id is not None:
        office = session.get(Office, token.office_id)
        office_path = office.path if office else None
    return Principal(
        token_id=token.id,
        name=token.name,
        role=Role(token.role),
        office_id=token.office_id,
        office_path=office_path,
    )
