"""API tokens: expires_at (valid until then; null: until revoked) and rotated_from_id.

Revision ID: 0008_token_expiry
Revises: 0007_wish_duplicates
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008_token_expiry"
down_revision: str | None = "0007_wish_duplicates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("rotated_from_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("rotated_from_id")
        batch.drop_column("expires_at")
