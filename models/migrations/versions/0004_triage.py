"""the staff triage queue: uncertain messages kept, without their text, only until decided

Revision ID: 0004_triage
Revises: 0003_bot_command
Create Date: 2026-12-01

Text, talker and tokens are blanked when staff decide or the lifetime ends (api/domain/triage.py);
the row keeps only the recogniser's view and the outcome.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004_triage"
down_revision: str | None = "0003_bot_command"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "triage_item",
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("talker_wechat_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("talker_name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("keywords", sa.JSON(), nullable=True),
        sa.Column("rules", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("wish_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["decided_by_staff_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["group_id"], ["wechat_group.id"]),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"]),
        sa.ForeignKeyConstraint(["wish_id"], ["wish.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
        sa.UniqueConstraint("office_id", "seq", name="uq_triage_office_seq"),
    )
    with op.batch_alter_table("triage_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_triage_item_group_id"), ["group_id"], unique=False)
        batch_op.create_index("ix_triage_status_expires", ["status", "expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("triage_item", schema=None) as batch_op:
        batch_op.drop_index("ix_triage_status_expires")
        batch_op.drop_index(batch_op.f("ix_triage_item_group_id"))
    op.drop_table("triage_item")
