"""wish_repeat: messages merged into an existing open wish (the same member posting it again)

Revision ID: 0007_wish_duplicates
Revises: 0006_group_ask

One row per merged WeChat message, without its text: the message id (unique, so a replay gets
the same reply), the wish, the group and whether that group got the acknowledgement.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007_wish_duplicates"
down_revision: str | None = "0006_group_ask"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wish_repeat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("wish_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["wechat_group.id"]),
        sa.ForeignKeyConstraint(["wish_id"], ["wish.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index(op.f("ix_wish_repeat_wish_id"), "wish_repeat", ["wish_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_wish_repeat_wish_id"), table_name="wish_repeat")
    op.drop_table("wish_repeat")
