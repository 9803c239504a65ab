"""Sensitive wishes and what is said in public: wish.sensitive, fulfilment.public_summary, and
api_token.staff_id (a staff token tied to its holder sees her assigned wishes in full).

Existing wishes are marked sensitive by the default rule of this release (the categories and
words below, a frozen copy of api.sensitive_categories / api.sensitive_words' defaults): an
office that configured other words can mark more by hand (PATCH /wishes/{id} sensitive=true).

Revision ID: 0009
Revises: 0008_token_expiry
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009_sensitive_wishes"
down_revision: str | None = "0008_token_expiry"
branch_labels = None
depends_on = None

# The defaults as released with this migration (a migration never follows later settings).
_CATEGORIES = ("marriage",)
_WORDS = (
    "家暴", "家庭暴力", "被打", "虐待", "离婚", "分居", "出轨", "抚养权", "债务", "欠债",
    "负债", "网贷", "催收", "高利贷", "心理", "抑郁", "焦虑症", "轻生", "自杀", "不想活",
    "自残", "性骚扰", "性侵", "猥亵", "强奸", "欠薪", "拖欠工资", "讨薪", "艾滋",
)  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("wish") as batch:
        batch.add_column(
            sa.Column("sensitive", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("fulfilment") as batch:
        batch.add_column(
            sa.Column(
                "public_summary", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
            )
        )
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_api_token_staff_id", "staff", ["staff_id"], ["id"])
    wish = sa.table(
        "wish", sa.column("sensitive", sa.Boolean()), sa.column("category"), sa.column("text")
    )
    rule = sa.or_(
        wish.c.category.in_(_CATEGORIES), *(wish.c.text.contains(word) for word in _WORDS)
    )
    op.execute(wish.update().where(rule).values(sensitive=True))


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_constraint("fk_api_token_staff_id", type_="foreignkey")
        batch.drop_column("staff_id")
    with op.batch_alter_table("fulfilment") as batch:
        batch.drop_column("public_summary")
    with op.batch_alter_table("wish") as batch:
        batch.drop_column("sensitive")
