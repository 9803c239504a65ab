"""Helpers for the follow-up engine tests (`from tests.api.followup.fu_world import …`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from api.followup.settings import SchedulerSettings
from models import Group, Office, Organisation, Outbox, Staff, Wish
from models.clock import SHANGHAI
from models.enums import Category, WishKind, WishStatus

SUBMITTER_NAME = "王秀兰"
SUBMITTER_PHONE = "13912345678"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Asia/Shanghai wall time, aware."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class World:
    session: Session
    offices: dict[str, Office]
    staff: dict[str, Staff]
    groups: dict[str, Group]
    orgs: dict[str, Organisation]
    seqs: dict[int, int] = field(default_factory=dict)

    def wish(
        self,
        *,
        office: str = "community",
        created_at: datetime,
        status: WishStatus = WishStatus.new,
        kind: WishKind = WishKind.need,
        category: Category = Category.family,
        org: str | None = None,
        assignee: str | None = None,
        claimed_at: datetime | None = None,
        matched_at: datetime | None = None,
        planned_date: date | None = None,
        fulfilled_at: datetime | None = None,
    ) -> Wish:
        owner = self.offices[office]
        assert owner.id is not None
        seq = self.seqs.get(owner.id, 0) + 1
        self.seqs[owner.id] = seq
        wish = Wish(
            text=f"{SUBMITTER_NAME}（电话 {SUBMITTER_PHONE}）希望孩子暑假有地方去",
            category=category,
            kind=kind,
            office_id=owner.id,
            seq=seq,
            number=f"{owner.code}-2026-{seq:04d}",
            status=status,
            submitter_name=SUBMITTER_NAME,
            submitter_wechat_id="wxid_member_1",
            organisation_id=self.orgs[org].id if org else None,
            assignee_id=self.staff[assignee].id if assignee else None,
            created_at=created_at,
            updated_at=created_at,
            claimed_at=claimed_at,
            matched_at=matched_at,
            planned_date=planned_date,
            fulfilled_at=fulfilled_at,
        )
        self.session.add(wish)
        self.session.commit()
        self.session.refresh(wish)
        self.release()
        return wish

    def release(self) -> None:
        # On SQLite every transaction holds the write lock (BEGIN IMMEDIATE): end the test's
        # read transaction so the runner under test can write.
        self.session.commit()

    def outbox(self) -> list[Outbox]:
        query = select(Outbox).order_by(Outbox.id).execution_options(populate_existing=True)  # type: ignore[arg-type]
        rows = list(self.session.exec(query).all())
        self.release()
        return rows

    def reload(self, wish: Wish) -> Wish:
        fresh = self.session.get(Wish, wish.id, populate_existing=True)
        assert fresh is not None
        self.release()
        return fresh


def make_settings(**overrides: Any) -> SchedulerSettings:
    values: dict[str, Any] = {
        "unclaimed_working_hours": 4,
        "unmatched_working_days": 3,
        "escalate_after_working_days": 2,
        "remind_interval_hours": 24,
        "offer_days": 7,
        "channel": "staff_group",
        "urgent_from_level": 3,
    }
    values.update(overrides)
    return SchedulerSettings(**values)
