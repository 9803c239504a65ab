"""follow-up engine indexes

Revision ID: 0002_followup
Revises: 0001
Create Date: 2026-11-23

The follow-up engine selects overdue wishes with one range scan per rule; these indexes make
those scans cost work proportional to the overdue set (see api/followup/overdue.py).
"""

from collections.abc import Sequence

from alembic import op


revision: str = "0002_followup"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("wish", schema=None) as batch_op:
        batch_op.create_index("ix_wish_status_claimed", ["status", "claimed_at"], unique=False)
        batch_op.create_index("ix_wish_status_planned", ["status", "planned_date"], unique=False)
        batch_op.create_index(
            "ix_wish_kind_status_created", ["kind", "status", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("wish", schema=None) as batch_op:
        batch_op.drop_index("ix_wish_kind_status_created")
        batch_op.drop_index("ix_wish_status_planned")
        batch_op.drop_index("ix_wish_status_claimed")
