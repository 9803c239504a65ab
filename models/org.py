"""Offices (妇联 units), WeChat groups, staff and the 三新 organisations of the area."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from models.clock import utcnow
from models.enums import OfficeLevel, OrganisationKind, StaffRole
from models.inputs import CleanModel

# ---- Office -------------------------------------------------------------------------------


class OfficeBase(SQLModel):
    name: str = Field(min_length=1, max_length=100, description="名称，如「某某街道妇联」")
    code: str = Field(
        min_length=1,
        max_length=12,
        regex=r"^[A-Za-z0-9]+$",
        description="Short code used in wish numbers, e.g. DF → DF-2026-0042",
    )
    level: OfficeLevel = Field(sa_type=sa.String(12))
    parent_id: int | None = Field(default=None, foreign_key="office.id", index=True)
    on_duty_staff_id: int | None = Field(
        default=None, description="Staff member who gets reminders nobody else is responsible for"
    )


class OfficeCreate(OfficeBase, CleanModel):
    pass


class OfficeUpdate(CleanModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    parent_id: int | None = None
    on_duty_staff_id: int | None = None


class Office(OfficeBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=12, unique=True)
    # Materialised path "/1/4/9/" so "this office and everything under it" is one indexed LIKE.
    path: str = Field(default="/", max_length=255, index=True)
    wish_seq: int = Field(default=0, description="Last wish number handed out in this office")
    created_at: datetime = Field(default_factory=utcnow)


class OfficePublic(OfficeBase):
    id: int
    path: str
    created_at: datetime


# ---- WeChat group -------------------------------------------------------------------------


class GroupBase(SQLModel):
    room_id: str = Field(min_length=1, max_length=100, description="Wechaty room id (…@chatroom)")
    topic: str = Field(default="", max_length=200)
    office_id: int | None = Field(default=None, foreign_key="office.id", index=True)
    enabled: bool = Field(default=False, description="Whether the bot works in this group")
    is_staff_group: bool = Field(
        default=False, description="Staff group: gets reminders and the daily digest"
    )
    ask_members: bool = Field(
        default=False,
        description=(
            "Uncertain messages: ask the member in the group (「这是一条心愿吗？」) instead of "
            "routing them privately to staff (the default: nothing public)"
        ),
    )


class GroupCreate(GroupBase, CleanModel):
    pass


class GroupUpdate(CleanModel):
    topic: str | None = Field(default=None, max_length=200)
    office_id: int | None = None
    enabled: bool | None = None
    is_staff_group: bool | None = None
    ask_members: bool | None = None


class Group(GroupBase, table=True):
    __tablename__ = "wechat_group"
    id: int | None = Field(default=None, primary_key=True)
    room_id: str = Field(max_length=100, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class GroupPublic(GroupBase):
    id: int
    created_at: datetime


# ---- Staff ----------------------------------------------------------------------------------


class StaffBase(SQLModel):
    wechat_id: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=50)
    role: StaffRole = Field(default=StaffRole.staff, sa_type=sa.String(12))
    office_id: int = Field(foreign_key="office.id", index=True)
    zones: list[str] = Field(
        default_factory=list, sa_column=Column(JSON), description="片区 this person covers"
    )
    active: bool = True


class StaffCreate(StaffBase, CleanModel):
    pass


class StaffUpdate(CleanModel):
    name: str | None = Field(default=None, min_length=1, max_length=50)
    role: StaffRole | None = None
    office_id: int | None = None
    zones: list[str] | None = None
    active: bool | None = None


class Staff(StaffBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    wechat_id: str = Field(max_length=100, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class StaffPublic(StaffBase):
    id: int
    created_at: datetime


# ---- 三新 organisation -----------------------------------------------------------------------


class OrganisationBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    kind: OrganisationKind = Field(sa_type=sa.String(20))
    industry: str = Field(default="", max_length=100)
    women_count: int = Field(default=0, ge=0)
    has_branch: bool = Field(default=False, description="Already has a federation branch")
    branch_since: date | None = Field(
        default=None,
        description="建会日期: when the branch was set up (set to today when has_branch turns "
        "true without one; cleared when it turns false); 三新 coverage over time reads it",
    )
    office_id: int = Field(foreign_key="office.id", index=True)
    zone: str = Field(default="", max_length=100)
    liaison_staff_id: int | None = Field(
        default=None, foreign_key="staff.id", description="分片联系: the staff member responsible"
    )


class OrganisationCreate(OrganisationBase, CleanModel):
    pass


class OrganisationUpdate(CleanModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: OrganisationKind | None = None
    industry: str | None = Field(default=None, max_length=100)
    women_count: int | None = Field(default=None, ge=0)
    has_branch: bool | None = None
    branch_since: date | None = None
    office_id: int | None = None
    zone: str | None = Field(default=None, max_length=100)
    liaison_staff_id: int | None = None


class Organisation(OrganisationBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # An organisation-building lead (组织建设线索): the wish in which it asked to join or found
    # a federation branch, and when that was first heard; has_branch says when it got one.
    # A plain id, not a foreign key: wish.organisation_id already points here, and a key back
    # would make the two tables a cycle that neither can be created or dropped before the other.
    lead_wish_id: int | None = Field(default=None, index=True)
    lead_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class OrganisationPublic(OrganisationBase):
    id: int
    lead_wish_id: int | None = None
    lead_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
