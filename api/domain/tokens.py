"""API tokens administered over the API (the CLI `wishpool token create` does the same).

These functions only flush; the admin request (or the CLI command) commits.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, col, select

from api.domain.auth import create_token, forget_token
from api.domain.common import get_or_404, require_ref
from api.domain.errors import InvalidInput
from models import ApiToken, Office
from models.clock import utcnow
from models.enums import Role

logger = logging.getLogger(__name__)


def list_tokens(*, session: Session, include_revoked: bool = False) -> list[ApiToken]:
    stmt = select(ApiToken).order_by(col(ApiToken.id))
    if not include_revoked:
        stmt = stmt.where(col(ApiToken.revoked_at).is_(None))
    return list(session.exec(stmt).all())


def issue_token(
    *,
    session: Session,
    name: str,
    role: Role,
    office_id: int | None,
    expires_at: datetime | None = None,
    staff_id: int | None = None,
) -> tuple[ApiToken, str]:
    if role == Role.staff and office_id is None:
        raise InvalidInput("office_id：员工令牌必须指定所属妇联")
    require_ref(session, Office, office_id, "office_id")
    token, clear = create_token(
        session=session,
        name=name,
        role=role,
        office_id=office_id,
        expires_at=expires_at,
        staff_id=staff_id,
    )
    # The holder's name is a person's: the log names the token by its id.
    logger.info("token #%s (%s, office %s) issued", token.id, role, office_id)
    return token, clear


def revoke_token(*, session: Session, token_id: int) -> ApiToken:
    """Revoking twice is harmless; the first revocation time is kept."""
    token = get_or_404(session, ApiToken, token_id, "令牌")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        forget_token(session=session, token_id=token_id)
        session.flush()
        session.refresh(token)
        logger.info("token #%s revoked", token_id)
    return token
