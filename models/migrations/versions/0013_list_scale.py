"""Lists at scale: indexes for the documented sorts and filters, and the wish text index.

Revision ID: 0013_list_scale
Revises: 0008_token_expiry

B-tree indexes ending in id (the keyset tie-break): created_at for the default sort, and
office, category, each followed by created_at, for their filters. The status filter already
has ix_wish_status_created (0001). Text search (models/search.py): pg_trgm GIN indexes on
PostgreSQL, an FTS5 trigram table kept by triggers on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from models import search

revision: str = "0013_list_scale"
down_revision: str | None = "0012_dead_letters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_wish_created": ["created_at", "id"],
    "ix_wish_office_created": ["office_id", "created_at", "id"],
    "ix_wish_category_created": ["category", "created_at", "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "wish", columns)
    if op.get_bind().dialect.name == "sqlite":
        search.create_sqlite_index(op.execute)
    else:
        search.create_pg_index(op.execute)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        search.drop_sqlite_index(op.execute)
    else:
        search.drop_pg_index(op.execute)
    for name in INDEXES:
        op.drop_index(name, table_name="wish")
