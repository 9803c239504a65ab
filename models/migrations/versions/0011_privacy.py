"""personal-data rights: the audit log, and who sent each logged bot command

Revision ID: 0011
Revises: 0008_token_expiry

audit_log records who looked at, exported or erased whose personal data (a masked reference,
never the data itself). bot_command.talker_wechat_id lets an erasure remove a person's command
log and lets 确认删除 find her own 删除我的信息; rows from before this migration have none.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011_privacy"
down_revision: str | None = "0010_private_channel"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("actor_kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("actor_token_id", sa.Integer(), nullable=True),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"], unique=False)
    with op.batch_alter_table("bot_command") as batch:
        batch.add_column(
            sa.Column(
                "talker_wechat_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True
            )
        )
        batch.create_index(
            batch.f("ix_bot_command_talker_wechat_id"), ["talker_wechat_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("bot_command") as batch:
        batch.drop_index(batch.f("ix_bot_command_talker_wechat_id"))
        batch.drop_column("talker_wechat_id")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
