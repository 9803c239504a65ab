"""organisation leads (组织建设线索) and one resource draft per offer (转资源)

Revision ID: 0005_leads
Revises: 0004_triage
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005_leads"
down_revision: str | None = "0004_triage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch: SQLite cannot add columns with every option in place; on PostgreSQL it is ALTER.
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("lead_wish_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("lead_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_index("ix_organisation_lead_wish_id", "organisation", ["lead_wish_id"])
    op.create_index("uq_resource_source_wish", "resource", ["source_wish_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_resource_source_wish", table_name="resource")
    op.drop_index("ix_organisation_lead_wish_id", table_name="organisation")
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("lead_at")
        batch.drop_column("lead_wish_id")

