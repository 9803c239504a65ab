"""Staff corrections of the recogniser, kept with the text's features for `rules suggest`."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from models.clock import utcnow
from models.enums import Category


class CorrectionBase(SQLModel):
    wish_id: int | None = Field(default=None, foreign_key="wish.id", index=True)
    predicted_is_wish: bool
    predicted_category: Category | None = Field(default=None, sa_type=sa.String(20))
    corrected_is_wish: bool
    corrected_category: Category | None = Field(default=None, sa_type=sa.String(20))
    features: dict[str, object] = Field(
        default_factory=dict, description="Tokens, keywords and rules that fired (no raw text)"
    )


class CorrectionCreate(CorrectionBase):
    pass


class Correction(CorrectionBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    features: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON))
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow)


class CorrectionPublic(CorrectionBase):
    id: int
    staff_id: int | None
    created_at: datetime
