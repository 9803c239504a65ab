"""membership, privacy_notice, private_choice: the private channel

Revision ID: 0010
Revises: 0008_token_expiry

A membership (WeChat id, group, last seen) tells which offices a member who writes privately
belongs to; existing wishes seed it. privacy_notice records who was sent the notice;
private_choice holds a private wish until its member picks the office.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010_private_channel"
down_revision: str | None = "0009_sensitive_wishes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wechat_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["wechat_group.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("wechat_id", "group_id", name="uq_membership"),
    )
    op.create_index(op.f("ix_membership_wechat_id"), "membership", ["wechat_id"], unique=False)
    op.create_table(
        "privacy_notice",
        sa.Column("wechat_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("wechat_id"),
    )
    op.create_table(
        "private_choice",
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column(
            "talker_wechat_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False
        ),
        sa.Column("talker_name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=True),
        sa.Column("office_ids", sa.JSON(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("message_id"),
    )
    op.create_index(
        op.f("ix_private_choice_talker_wechat_id"),
        "private_choice",
        ["talker_wechat_id"],
        unique=False,
    )
    # Members who already posted a wish in a group are known there.
    op.execute(
        "INSERT INTO membership (wechat_id, group_id, last_seen_at)"
        " SELECT submitter_wechat_id, group_id, MAX(created_at) FROM wish"
        " WHERE submitter_wechat_id IS NOT NULL AND group_id IS NOT NULL"
        " GROUP BY submitter_wechat_id, group_id"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_private_choice_talker_wechat_id"), table_name="private_choice")
    op.drop_table("private_choice")
    op.drop_table("privacy_notice")
    op.drop_index(op.f("ix_membership_wechat_id"), table_name="membership")
    op.drop_table("membership")
