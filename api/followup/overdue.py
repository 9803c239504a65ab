"""Which wishes are overdue now, under which rule, whether they escalate, and who hears of it.

Every selection is an indexed range query (status + a timestamp), so a run costs work
proportional to the overdue set, not to the ledger:
- unclaimed:    status=new, created_at <= now − N working hours     (ix_wish_status_created)
- unmatched:    status=claimed, claimed_at < N-th last working day    (ix_wish_status_claimed)
- overdue_plan: status in (matched, in_service), planned_date < today (ix_wish_status_planned)
- unfulfilled:  status in (matched, in_service), no planned_date, matched_at < N-th last working
                day (ix_wish_status_planned: planned_date IS NULL is an index range too)
- offer:        kind=offer, open, created_at <= now − N days, no resource made from it
                                                                      (ix_wish_kind_status_created)
Per-office thresholds: the query uses the loosest threshold in force, rows are then checked
against their own office's rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar, cast

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.domain.routing import choose_responsible
from api.followup.calendar import CalendarSource, WorkCalendar, local_midnight
from api.followup.settings import ReminderRules, SchedulerSettings
from models import Group, Office, Organisation, Resource, Staff, Wish
from models.clock import to_local
from models.enums import OPEN_STATUSES, StaffRole, WishKind, WishStatus

RULE_ORDER = ("unclaimed", "unmatched", "overdue_plan", "unfulfilled", "offer")
IN_CHUNK = 1000  # ids per IN (…) list, well under every backend's parameter limit

T = TypeVar("T")


def chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


W = cast(sa.Table, Wish.__table__).c  # type: ignore[attr-defined]  # core: plain tuples

_COLUMNS = (
    W.id,
    W.office_id,
    W.seq,
    W.category,
    W.kind,
    W.status,
    W.organisation_id,
    W.assignee_id,
    W.created_at,
    W.claimed_at,
    W.matched_at,
    W.planned_date,
    W.escalation_level,
    W.escalated_at,
    W.sensitive,
)


@dataclass(frozen=True)
class Candidate:
    id: int
    office_id: int
    seq: int
    category: str
    kind: str
    status: str
    organisation_id: int | None
    assignee_id: int | None
    created_at: datetime
    claimed_at: datetime | None
    matched_at: datetime | None
    planned_date: date | None
    escalation_level: int
    escalated_at: datetime | None
    sensitive: bool = False  # named by its number only in reminders (no category)


@dataclass
class DueItem:
    wish: Candidate
    rule: str
    overdue_since: datetime
    office_rules: ReminderRules  # the thresholds of the wish's office
    next_level: int | None = None  # escalation level reached by this run, if it escalates
    escalate_to: int | None = None  # office id
    urgent: bool = False


@dataclass
class Directory:
    """The small tables (offices, staff, groups) held in memory for one run."""

    offices: dict[int, Office]
    staff: dict[int, Staff]
    staff_groups: dict[int, list[Group]]
    member_groups: dict[int, list[Group]]
    organisations: dict[int, Organisation] = field(default_factory=dict)
    # Derived once per run (the tables above do not change during one): a run asks who is
    # responsible for tens of thousands of wishes, each answer must not scan every staff row.
    by_office: dict[int, list[Staff]] = field(init=False, repr=False)
    _responsible: dict[tuple[int, int | None], list[Staff]] = field(
        init=False, repr=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        self.by_office = {}
        for member in sorted(self.staff.values(), key=lambda s: s.id or 0):
            self.by_office.setdefault(member.office_id, []).append(member)

    @classmethod
    def load(cls, session: Session) -> Directory:
        offices = {o.id: o for o in session.exec(select(Office)).all() if o.id is not None}
        staff = {s.id: s for s in session.exec(select(Staff)).all() if s.id is not None}
        staff_groups: dict[int, list[Group]] = {}
        member_groups: dict[int, list[Group]] = {}
        groups = session.exec(
            select(Group).where(col(Group.enabled), col(Group.office_id).is_not(None))
        ).all()
        for group in sorted(groups, key=lambda g: g.id or 0):
            target = staff_groups if group.is_staff_group else member_groups
            target.setdefault(int(group.office_id or 0), []).append(group)
        return cls(offices, staff, staff_groups, member_groups)

    def load_organisations(self, session: Session, ids: Iterable[int]) -> None:
        wanted = sorted(set(ids) - self.organisations.keys())
        for chunk in chunks(wanted):
            for org in session.exec(select(Organisation).where(col(Organisation.id).in_(chunk))):
                self.organisations[int(org.id or 0)] = org
        self._responsible.clear()  # answers may name an organisation's liaison now

    def code(self, office_id: int) -> str | None:
        office = self.offices.get(office_id)
        return office.code if office else None

    def ancestor(self, office_id: int, levels_up: int) -> int | None:
        """The office `levels_up` levels above (community → street → district → city)."""
        office = self.offices.get(office_id)
        if office is None:
            return None
        chain = [int(part) for part in office.path.strip("/").split("/") if part]
        if not chain or chain[-1] != office_id:
            chain = [*chain, office_id]
        index = len(chain) - 1 - levels_up
        return chain[index] if index >= 0 else None

    def levels_above(self, office_id: int, levels_up: int) -> Iterator[tuple[int, int]]:
        """(level, office id) from `levels_up` levels above this office up to the top: where an
        escalation goes when the levels below it have nobody."""
        level = levels_up
        while (target := self.ancestor(office_id, level)) is not None:
            yield level, target
            level += 1

    def admins(self) -> list[Staff]:
        """The active administrators: who hears of what no office can (by private message)."""
        return [
            s
            for s in sorted(self.staff.values(), key=lambda s: s.id or 0)
            if s.active and s.role == StaffRole.admin
        ]

    def active(self, staff_id: int | None) -> Staff | None:
        member = self.staff.get(staff_id) if staff_id is not None else None
        return member if member is not None and member.active else None

    def responsible(self, wish: Candidate) -> list[Staff]:
        """Assignee; else the routing rule every new wish follows (api/domain/routing.py):
        the organisation's liaison, its zone's staff (分片联系), the office's on-duty staff."""
        assignee = self.active(wish.assignee_id)
        if assignee is not None:
            return [assignee]
        # Without an assignee the answer depends on the office and the organisation only.
        key = (wish.office_id, wish.organisation_id)
        found = self._responsible.get(key)
        if found is None:
            found = self._responsible[key] = choose_responsible(
                office=self.offices.get(wish.office_id),
                office_staff=self.by_office.get(wish.office_id, []),
                organisation=self.organisations.get(wish.organisation_id or -1),
                staff_by_id=self.staff.get,
            )
        return found

    def office_staff(self, office_id: int) -> list[Staff]:
        """Who hears an escalation to this office: its on-duty staff, else all its active staff."""
        office = self.offices.get(office_id)
        on_duty = self.active(office.on_duty_staff_id if office else None)
        if on_duty is not None:
            return [on_duty]
        return [s for s in self.by_office.get(office_id, []) if s.active]


class Selector:
    """Finds the overdue wishes (optionally only those due for a reminder) at one moment."""

    def __init__(self, settings: SchedulerSettings, calendars: CalendarSource) -> None:
        self.settings = settings
        self.calendars = calendars

    @property
    def calendar(self) -> WorkCalendar:
        """The calendar of the current run (the runner refreshes it before each)."""
        return self.calendars.current

    def candidates(
        self,
        session: Session,
        now: datetime,
        *,
        only_due: bool = True,
    ) -> list[Candidate]:
        """Open wishes past the loosest threshold, one query per rule, each range-indexed."""
        all_rules = self.settings.all_rules()
        today = to_local(now).date()
        new_cutoff = max(
            self.calendar.working_hours_cutoff(now, r.unclaimed_working_hours) for r in all_rules
        )
        back = self.calendar.nth_working_day_back
        claimed_before = local_midnight(
            max(back(today, r.unmatched_working_days) for r in all_rules)
        )
        matched_before = local_midnight(
            max(back(today, r.unfulfilled_working_days) for r in all_rules)
        )
        offer_cutoff = now - timedelta(days=min(r.offer_days for r in all_rules))
        no_resource = ~sa.exists().where(col(Resource.source_wish_id) == W.id)
        queries = [
            sa.select(*_COLUMNS).where(W.status == WishStatus.new, W.created_at <= new_cutoff),
            sa.select(*_COLUMNS).where(
                W.status == WishStatus.claimed, W.claimed_at < claimed_before
            ),
            sa.select(*_COLUMNS).where(
                W.status.in_([WishStatus.matched, WishStatus.in_service]),
                W.planned_date < today,
            ),
            sa.select(*_COLUMNS).where(
                W.status.in_([WishStatus.matched, WishStatus.in_service]),
                W.planned_date.is_(None),
                W.matched_at < matched_before,
            ),
            sa.select(*_COLUMNS).where(
                W.kind == WishKind.offer,
                W.status.in_(list(OPEN_STATUSES)),
                W.created_at <= offer_cutoff,
                no_resource,
            ),
        ]
        seen: dict[int, Candidate] = {}
        for query in queries:
            if only_due:
                query = query.where(sa.or_(W.next_reminder_at.is_(None), W.next_reminder_at <= now))
            for row in session.execute(query):
                seen.setdefault(row[0], Candidate(*row))
        return list(seen.values())

    def classify(
        self, wishes: Sequence[Candidate], directory: Directory, now: datetime
    ) -> list[DueItem]:
        """The rule each wish is overdue under (office thresholds) and its escalation, if due."""
        items = []
        for wish in wishes:
            office_rules = self.settings.rules_for(directory.code(wish.office_id))
            found = self._rule(wish, office_rules, now)
            if found is None:
                continue
            rule, since = found
            item = DueItem(wish=wish, rule=rule, overdue_since=since, office_rules=office_rules)
            self._escalation(item, directory, now)
            items.append(item)
        return items

    def _rule(
        self, wish: Candidate, rules: ReminderRules, now: datetime
    ) -> tuple[str, datetime] | None:
        cal = self.calendar
        if wish.status == WishStatus.new:
            since = cal.add_working_hours(wish.created_at, rules.unclaimed_working_hours)
            if since <= now:
                return "unclaimed", since
        elif wish.status == WishStatus.claimed and wish.claimed_at is not None:
            claimed_day = to_local(wish.claimed_at).date()
            due_day = cal.nth_working_day_after(claimed_day, rules.unmatched_working_days)
            if due_day <= to_local(now).date():
                return "unmatched", local_midnight(due_day)
        elif (
            wish.status in (WishStatus.matched, WishStatus.in_service)
            and wish.planned_date
            and wish.planned_date < to_local(now).date()
        ):
            return "overdue_plan", local_midnight(wish.planned_date + timedelta(days=1))
        elif (
            wish.status in (WishStatus.matched, WishStatus.in_service)
            and wish.planned_date is None
            and wish.matched_at is not None
        ):
            # No planned date must not mean "never": a matched wish still has to be delivered.
            matched_day = to_local(wish.matched_at).date()
            due_day = cal.nth_working_day_after(matched_day, rules.unfulfilled_working_days)
            if due_day <= to_local(now).date():
                return "unfulfilled", local_midnight(due_day)
        if wish.kind == WishKind.offer:
            since = wish.created_at + timedelta(days=rules.offer_days)
            if since <= now:
                return "offer", since
        return None

    def _escalation(self, item: DueItem, directory: Directory, now: datetime) -> None:
        """One level per M working days, one level per run, stopping at the top office."""
        wish = item.wish
        base = wish.escalated_at if wish.escalation_level > 0 and wish.escalated_at else None
        base = base or item.overdue_since
        after = item.office_rules.escalate_after_working_days
        if not self.calendar.working_days_passed(base, after, now):
            return
        level = wish.escalation_level + 1
        target = directory.ancestor(wish.office_id, level)
        if target is None:
            return
        item.next_level = level
        item.escalate_to = target
        item.urgent = level >= self.settings.urgent_from_level


def counts_by_rule(items: Iterable[DueItem]) -> dict[str, int]:
    counts = dict.fromkeys(RULE_ORDER, 0)
    for item in items:
        counts[item.rule] += 1
    return counts
