"""Groups: ask_members — uncertain messages asked about in the group instead of routed to staff.

Revision ID: 0006_group_ask
Revises: 0005_leads
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006_group_ask"
down_revision: str | None = "0005_leads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("wechat_group") as batch:
        batch.add_column(
            sa.Column("ask_members", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("wechat_group") as batch:
        batch.drop_column("ask_members")
