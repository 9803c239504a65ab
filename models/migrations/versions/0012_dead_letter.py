"""dead_letter: messages the bot could not get handled after several tries (poison messages);
ledger_heartbeat: the row GET /health rewrites to prove the ledger can be written

Revision ID: 0012
Revises: 0008_token_expiry

One row per WeChat message id (unique: the bot's report is idempotent), with the bot's spool
payload, the last error (no user text), the group's office for scoping and the replay record.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012_dead_letters"
down_revision: str | None = "0011_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dead_letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("room_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("talker_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("replayed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("replay_count", sa.Integer(), nullable=False),
        sa.Column("replay_reply", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index(op.f("ix_dead_letter_office_id"), "dead_letter", ["office_id"], unique=False)
    op.create_table(
        "ledger_heartbeat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("beat_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("ledger_heartbeat")
    op.drop_index(op.f("ix_dead_letter_office_id"), table_name="dead_letter")
    op.drop_table("dead_letter")
