"""The resource library (暖新资源库): what the federation and its partners can offer."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from models.clock import utcnow
from models.enums import Category
from models.inputs import CleanModel


class ResourceBase(SQLModel):
    name: str = Field(min_length=1, max_length=200, description="资源名称")
    provider: str = Field(min_length=1, max_length=200, description="提供方")
    categories: list[Category] = Field(default_factory=list)
    description: str = Field(default="", max_length=2000)
    office_id: int | None = Field(
        default=None, foreign_key="office.id", index=True, description="Service area (office)"
    )
    capacity: int | None = Field(default=None, ge=0, description="Capacity or quantity")
    contact_person: str = Field(default="", max_length=50)
    contact_phone: str = Field(default="", max_length=30)
    availability: str = Field(default="", max_length=200, description="e.g. 每周六上午")
    active: bool = True


class ResourceCreate(ResourceBase, CleanModel):
    pass


class ResourceUpdate(CleanModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    provider: str | None = Field(default=None, min_length=1, max_length=200)
    categories: list[Category] | None = None
    description: str | None = Field(default=None, max_length=2000)
    office_id: int | None = None
    capacity: int | None = Field(default=None, ge=0)
    contact_person: str | None = Field(default=None, max_length=50)
    contact_phone: str | None = Field(default=None, max_length=30)
    availability: str | None = Field(default=None, max_length=200)
    active: bool | None = None


class Resource(ResourceBase, table=True):
    # One resource per offer: 转资源 twice, or from the group and the admin page at once,
    # finds the draft made first (migration 0005). Rows without an offer are not constrained.
    __table_args__ = (sa.Index("uq_resource_source_wish", "source_wish_id", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    categories: list[Category] = Field(default_factory=list, sa_column=Column(JSON))
    source_wish_id: int | None = Field(
        default=None, foreign_key="wish.id", description="The offer (kind=offer) it came from"
    )
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ResourcePublic(ResourceBase):
    id: int
    source_wish_id: int | None
    created_at: datetime
    updated_at: datetime
