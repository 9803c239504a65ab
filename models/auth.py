"""API tokens: stored as SHA-256 hashes, shown in clear exactly once at creation."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.clock import utcnow
from models.enums import Role


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    role: Role = Field(sa_type=sa.String(10))
    office_id: int | None = Field(
        default=None, foreign_key="office.id", description="Staff tokens see this subtree only"
    )
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    # None: valid until revoked. Rotation (POST /tokens/{id}/rotate) revokes the old token.
    expires_at: datetime | None = None
    rotated_from_id: int | None = Field(
        default=None, description="The token this one replaced by rotation"
    )
    # The staff record of the holder (migration 0009): with it, a staff token sees in full the
    # wishes assigned to that person (api/domain/visibility.py); without it, masked text only.
    staff_id: int | None = Field(default=None, foreign_key="staff.id")


class ApiTokenPublic(SQLModel):
    id: int
    name: str
    role: Role
    office_id: int | None
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None = None
    rotated_from_id: int | None = None
    staff_id: int | None = None
