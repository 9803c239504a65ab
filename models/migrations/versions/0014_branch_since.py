"""Organisations: branch_since, the date a federation branch was set up (三新 coverage over time).

Existing organisations with a branch get the date they were registered: the best the ledger
knows; an office can correct it (PATCH or a re-import with 建会日期).

Revision ID: 0014
Revises: 0008_token_expiry
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0014_branch_since"
down_revision: str | None = "0013_list_scale"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("branch_since", sa.Date(), nullable=True))
    organisation = sa.table(
        "organisation",
        sa.column("id", sa.Integer()),
        sa.column("has_branch", sa.Boolean()),
        sa.column("created_at", sa.DateTime()),
        sa.column("branch_since", sa.Date()),
    )
    # In Python, not SQL: the local (Asia/Shanghai) date of a UTC timestamp is spelt
    # differently on each backend, and offices keep a few thousand organisations at most.
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(organisation.c.id, organisation.c.created_at).where(
            organisation.c.has_branch.is_(True)
        )
    ).all()
    shanghai = ZoneInfo("Asia/Shanghai")
    for org_id, created in rows:
        if isinstance(created, str):  # SQLite hands the stored text back
            created = datetime.fromisoformat(created)
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        bind.execute(
            organisation.update()
            .where(organisation.c.id == org_id)
            .values(branch_since=created.astimezone(shanghai).date())
        )


def downgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("branch_since")
