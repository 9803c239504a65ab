"""The working-day calendar as data: holidays and adjusted working days (调休) per date.

No rows are seeded: a year without rows is read from chinesecalendar (or the statutory days of
the `holidays` package), and its first edit stores those days (models/calendar_day.py).

Revision ID: 0015_calendar_days
Revises: 0014_branch_since
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015_calendar_days"
down_revision: str | None = "0014_branch_since"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("calendar_day")
