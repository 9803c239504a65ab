"""The reminder job: overdue wishes remind whoever holds them and escalate one level up.

Idempotency: the run claims each wish with a conditional UPDATE (only while its next_reminder_at
is empty or past, at the status and escalation level it was read with) and writes the claim, the
timeline events and the outbox messages in the caller's transaction. A second instance reading
the same wishes finds them claimed and sends nothing. On PostgreSQL the run also takes a
transaction advisory lock so two instances do not split one staff member's batch in two; on SQLite
the write transaction (BEGIN IMMEDIATE) serialises runs the same way.

Quiet hours and non-working days: non-urgent reminders are simply not produced (and not
claimed); the first run after the quiet period sends them. Only urgent escalations
(level >= urgent_from_level) go out in quiet time.

Everything here only flushes: the runner (runner.py) owns the transaction.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast, overload

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, col, select

from api.domain.outbox import enqueue_messages
from api.domain.triage import purge_expired_triage
from api.followup.jobs import JOB_REMINDERS, JobContext, RunReport
from api.followup.overdue import Candidate, Directory, DueItem, chunks, counts_by_rule
from models import Outbox, Staff, Wish, WishEvent
from models.clock import to_local
from models.enums import EventKind, OutboxTarget
from models.outbox import OutboxCreate
from models.wording import members as for_members
from models.wording import staff as for_staff

logger = logging.getLogger(__name__)

_ADVISORY_KEY = 0x7769_7368_706F  # "wishpo": one reminder run at a time per database
EVENT_ROWS = 5000
_WISH = cast(sa.Table, Wish.__table__)  # type: ignore[attr-defined]


@dataclass
class _Target:
    kind: OutboxTarget
    target_id: str
    mention_ids: list[str]


@dataclass
class _Route:
    """Who hears of one overdue wish in this run. Never nobody: a reminder nobody is
    responsible for goes to the office (or the nearest one above with someone), an escalation
    skips the levels with nobody, and what no office can hear goes to the administrators."""

    item: DueItem
    staff: list[Staff]  # the responsible people, reminded
    office: int | None = None  # nobody responsible: this office's group or staff hear of it
    admins: bool = False  # nobody anywhere up the chain: the administrators hear of it
    skipped: list[int] = field(default_factory=list)  # empty levels the escalation passed


def remind(*, session: Session, context: JobContext, now: datetime, write: bool) -> RunReport:
    """One reminder run at `now`; with write=False a dry run that only reports."""
    return _Reminders(context).run(session, now, write=write)


class _Reminders:
    def __init__(self, context: JobContext) -> None:
        self.settings = context.settings
        self.calendar = context.calendar
        self.selector = context.selector

    def run(self, session: Session, now: datetime, *, write: bool) -> RunReport:
        report = RunReport(JOB_REMINDERS, now)
        quiet = self.calendar.is_quiet(now)
        if write and session.get_bind().dialect.name == "postgresql":
            session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
        directory = Directory.load(session)
        candidates = self.selector.candidates(session, now)
        directory.load_organisations(
            session, (c.organisation_id for c in candidates if c.organisation_id)
        )
        items = self.selector.classify(candidates, directory, now)
        report.counts.update(counts_by_rule(items))
        report.counts["overdue"] = len(items)
        if quiet:
            report.counts["deferred_quiet"] = sum(1 for i in items if not i.urgent)
            items = [i for i in items if i.urgent]
        reach = _Reach(self, directory)
        routed = self._route(items, directory, reach, quiet=quiet)
        admins = directory.admins()
        if not admins:
            # Nobody at all to tell: left for a later run, loudly.
            stuck = [r for r in routed if r.admins and not r.staff and r.office is None]
            stuck_ids = {id(r) for r in stuck}
            if stuck:
                logger.warning(
                    "%d overdue wishes have nobody to hear of them and there is no active "
                    "administrator: add staff or an administrator",
                    len(stuck),
                )
            routed = [r for r in routed if id(r) not in stuck_ids]
            for route in routed:
                route.admins = False  # reminded or escalated otherwise; no admin to tell
            report.counts["unreachable"] = len(stuck)
        report.counts["unrouted"] = len(items) - len(routed)
        if write:
            routed = self._claim(session, routed, now)
        report.messages = self._compose(routed, directory, now, admins=admins)
        if not quiet:
            report.messages += self._empty_offices_alert(session, directory, reach, admins, now)
        report.counts["reminded"] = sum(1 for r in routed if r.staff)
        report.counts["escalated"] = sum(1 for r in routed if r.item.next_level)
        report.counts["to_office"] = sum(1 for r in routed if r.office is not None)
        report.counts["to_admins"] = sum(1 for r in routed if r.admins)
        report.counts["skipped_levels"] = sum(len(r.skipped) for r in routed)
        report.counts["messages"] = len(report.messages)
        if write:
            self._add_events(session, routed, directory, now)
            enqueue_messages(session=session, messages=report.messages)
            # Undecided triage items past their lifetime lose their words (chatter is never
            # kept): every run sweeps, so a quiet bot does not keep them longer.
            report.counts["triage_expired"] = purge_expired_triage(session=session, now=now)
        logger.info("follow-up reminders at %s: %s", now.isoformat(), report.counts)
        return report

    def _route(
        self, items: list[DueItem], directory: Directory, reach: _Reach, *, quiet: bool
    ) -> list[_Route]:
        """Who hears of each item (see _Route): nobody is ever left out silently."""
        routed = []
        for item in items:
            # In quiet time only the urgent escalation goes out, not the ordinary reminder.
            route = _Route(item, [] if quiet else directory.responsible(item.wish))
            wish = item.wish
            if not quiet and not route.staff:
                # Nobody responsible: the office itself, else the nearest office above.
                route.office = reach.first(
                    [(0, wish.office_id), *directory.levels_above(wish.office_id, 1)]
                )
                route.admins = route.office is None
            if item.next_level is not None:
                self._climb(route, directory, reach)
            if route.staff or route.office is not None or route.admins or item.next_level:
                routed.append(route)
        return routed

    def _climb(self, route: _Route, directory: Directory, reach: _Reach) -> None:
        """The escalation goes to the first level up with someone; none: the administrators."""
        item = route.item
        for level, office in directory.levels_above(item.wish.office_id, item.next_level or 1):
            if reach(office):
                item.next_level, item.escalate_to = level, office
                item.urgent = level >= self.settings.urgent_from_level
                return
            route.skipped.append(office)
        item.next_level = item.escalate_to = None
        route.admins = True

    def _claim(self, session: Session, routed: list[_Route], now: datetime) -> list[_Route]:
        """Conditional UPDATE … RETURNING: a wish another instance already claimed is skipped."""
        groups: dict[tuple[str, int, int | None, float], list[int]] = {}
        for route in routed:
            item = route.item
            key = (
                item.wish.status,
                item.wish.escalation_level,
                item.next_level,
                item.office_rules.remind_interval_hours,
            )
            groups.setdefault(key, []).append(item.wish.id)
        claimed: set[int] = set()
        connection = session.connection()
        for (status, level, next_level, interval), ids in groups.items():
            values: dict[str, Any] = {
                "reminded_at": now,
                "next_reminder_at": now + timedelta(hours=interval),
            }
            if next_level is not None:
                values.update(escalation_level=next_level, escalated_at=now)
            for chunk in chunks(ids):
                # Core on the table: the ORM's bulk-update bookkeeping (synchronising objects
                # in the session, of which this run has none) cost more than the UPDATE itself.
                result = connection.execute(
                    sa.update(_WISH)
                    .where(
                        _WISH.c.id.in_(chunk),
                        _WISH.c.status == status,
                        _WISH.c.escalation_level == level,
                        sa.or_(_WISH.c.next_reminder_at.is_(None), _WISH.c.next_reminder_at <= now),
                    )
                    .values(**values)
                    .returning(_WISH.c.id)
                )
                claimed.update(row[0] for row in result)
        return [route for route in routed if route.item.wish.id in claimed]

    # ---- messages ---------------------------------------------------------------------------

    def _slot(self, now: datetime) -> str:
        local = to_local(now)
        step = self.settings.run_interval_minutes
        minutes = (local.hour * 60 + local.minute) // step * step
        return f"{local:%Y%m%d}T{minutes // 60:02d}{minutes % 60:02d}"

    def _compose(
        self,
        routed: list[_Route],
        directory: Directory,
        now: datetime,
        *,
        admins: list[Staff],
    ) -> list[OutboxCreate]:
        slot = self._slot(now)
        limit = self.settings.max_items_per_message
        by_staff: dict[int, list[DueItem]] = {}
        by_office: dict[int, list[DueItem]] = {}
        unassigned: dict[int, list[DueItem]] = {}
        to_admins: list[DueItem] = []
        for route in routed:
            item = route.item
            for member in route.staff:
                by_staff.setdefault(int(member.id or 0), []).append(item)
            if item.escalate_to is not None:
                by_office.setdefault(item.escalate_to, []).append(item)
            if route.office is not None:
                unassigned.setdefault(route.office, []).append(item)
            if route.admins:
                to_admins.append(item)

        def lines(items: list[DueItem]) -> _Lines:
            return _Lines(_ordered(items), lambda i: self._line(i, directory, now))

        messages = []
        for staff_id, staff_items in sorted(by_staff.items()):
            member = directory.staff[staff_id]
            text = for_staff.reminder_text(
                staff_name=member.name, lines=lines(staff_items), limit=limit
            )
            target = self._staff_target(member, directory)
            key = f"followup:remind:{staff_id}:{slot}:{_digest(staff_items)}"
            messages.append(self._message(target, text, "reminder", key, urgent=False))
        for office_id, office_items in sorted(by_office.items()):
            office = directory.offices[office_id]
            text = for_staff.escalation_text(
                office_name=office.name, lines=lines(office_items), limit=limit
            )
            urgent = any(i.urgent for i in office_items)
            for n, target in enumerate(self._escalation_targets(office_id, directory)):
                key = f"followup:escalate:{office_id}:{n}:{slot}:{_digest(office_items)}"
                messages.append(self._message(target, text, "escalation", key, urgent=urgent))
        for office_id, office_items in sorted(unassigned.items()):
            office = directory.offices[office_id]
            text = for_staff.unassigned_text(
                office_name=office.name, lines=lines(office_items), limit=limit
            )
            for n, target in enumerate(self._escalation_targets(office_id, directory)):
                key = f"followup:unassigned:{office_id}:{n}:{slot}:{_digest(office_items)}"
                messages.append(self._message(target, text, "reminder", key, urgent=False))
        if to_admins:
            text = for_staff.admin_unreachable_text(lines=lines(to_admins), limit=limit)
            urgent = any(i.urgent for i in to_admins)
            for admin in admins:
                key = f"followup:admins:{admin.id}:{slot}:{_digest(to_admins)}"
                target = _Target(OutboxTarget.contact, admin.wechat_id, [])
                messages.append(self._message(target, text, "admin_alert", key, urgent=urgent))
        return messages

    def _empty_offices_alert(
        self,
        session: Session,
        directory: Directory,
        reach: _Reach,
        admins: list[Staff],
        now: datetime,
    ) -> list[OutboxCreate]:
        """Offices with nobody at all (no active staff, no staff group): the administrators
        hear of them once a day (the dedupe key holds the local date)."""
        empty = [o for oid, o in sorted(directory.offices.items()) if not reach(oid)]
        if not empty:
            return []
        if not admins:
            logger.warning(
                "%d offices have nobody and there is no active administrator", len(empty)
            )
            return []
        day = to_local(now).date().isoformat()
        keys = {int(a.id or 0): f"followup:empty-offices:{a.id}:{day}" for a in admins}
        sent = set(
            session.exec(select(Outbox.dedupe_key).where(col(Outbox.dedupe_key).in_(keys.values())))
        )
        text = for_staff.admin_empty_offices_text([o.name for o in empty])
        return [
            self._message(
                _Target(OutboxTarget.contact, admin.wechat_id, []),
                text,
                "admin_alert",
                keys[int(admin.id or 0)],
                urgent=False,
            )
            for admin in admins
            if keys[int(admin.id or 0)] not in sent
        ]

    def _line(self, item: DueItem, directory: Directory, now: datetime) -> for_staff.Line:
        wish = item.wish
        office = directory.offices.get(wish.office_id)
        holder = directory.staff.get(wish.assignee_id) if wish.assignee_id is not None else None
        return for_staff.Line(
            ref=for_members.wish_ref(wish.seq, wish.category, sensitive=wish.sensitive),
            rule=item.rule,
            waited=now - wish.created_at,
            planned=wish.planned_date,
            office_name=office.name if office else "",
            holder=holder.name if holder else "",
            level=item.next_level or wish.escalation_level,
        )

    @staticmethod
    def _message(target: _Target, text: str, kind: str, key: str, *, urgent: bool) -> OutboxCreate:
        return OutboxCreate(
            target_kind=target.kind,
            target_id=target.target_id,
            text=text,
            mention_ids=target.mention_ids,
            urgent=urgent,
            kind=kind,
            dedupe_key=key,
        )

    def _staff_target(self, member: Staff, directory: Directory) -> _Target:
        office_rules = self.settings.rules_for(directory.code(member.office_id))
        groups = directory.staff_groups.get(member.office_id, [])
        if office_rules.channel == "staff_group" and groups:
            return _Target(OutboxTarget.room, groups[0].room_id, [member.wechat_id])
        return _Target(OutboxTarget.contact, member.wechat_id, [])

    def _escalation_targets(self, office_id: int, directory: Directory) -> list[_Target]:
        office_rules = self.settings.rules_for(directory.code(office_id))
        groups = directory.staff_groups.get(office_id, [])
        people = directory.office_staff(office_id)
        if office_rules.channel == "staff_group" and groups:
            mentions = [s.wechat_id for s in people[:1]]
            return [_Target(OutboxTarget.room, groups[0].room_id, mentions)]
        return [_Target(OutboxTarget.contact, s.wechat_id, []) for s in people]

    def _add_events(
        self,
        session: Session,
        routed: list[_Route],
        directory: Directory,
        now: datetime,
    ) -> None:
        rows: list[dict[str, Any]] = []
        for route in routed:
            item = route.item
            reason = for_staff.reason(item.rule, item.wish.planned_date)
            if route.staff:
                names = "、".join(s.name for s in route.staff)
                rows.append(_event(item.wish, EventKind.reminded, now, f"提醒 {names}：{reason}"))
            if route.office is not None:
                office = directory.offices[route.office]
                note = f"提醒{office.name}（没有负责人）：{reason}"
                rows.append(_event(item.wish, EventKind.reminded, now, note))
            if item.escalate_to is not None:
                office = directory.offices[item.escalate_to]
                skipped = for_staff.skipped_levels_note(
                    [directory.offices[o].name for o in route.skipped]
                )
                note = f"第 {item.next_level} 级督办：上报{office.name}（{reason}{skipped}）"
                rows.append(_event(item.wish, EventKind.escalated, now, note))
            if route.admins:
                note = f"提醒管理员（本级和上级妇联都没有人）：{reason}"
                rows.append(_event(item.wish, EventKind.reminded, now, note))
        _insert_rows(session, cast(sa.Table, WishEvent.__table__), rows)  # type: ignore[attr-defined]


class _Reach:
    """Whether an office can hear of anything (its staff group or an active person), asked
    once per office per run."""

    def __init__(self, reminders: _Reminders, directory: Directory) -> None:
        self.reminders = reminders
        self.directory = directory
        self.known: dict[int, bool] = {}

    def __call__(self, office_id: int) -> bool:
        found = self.known.get(office_id)
        if found is None:
            targets = self.reminders._escalation_targets(office_id, self.directory)
            found = self.known[office_id] = bool(targets)
        return found

    def first(self, chain: Iterable[tuple[int, int]]) -> int | None:
        return next((office for _, office in chain if self(office)), None)


def _insert_rows(session: Session, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Core inserts of many rows, never the ORM bulk path (tens of thousands per run).

    PostgreSQL: one INSERT … SELECT FROM unnest(<one array per column>) per EVENT_ROWS rows, a
    handful of parameters however many rows (an executemany costs a round trip per row).
    SQLite: executemany, a loop inside the database library without round trips."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    names = list(rows[0])
    for start in range(0, len(rows), EVENT_ROWS):
        chunk = rows[start : start + EVENT_ROWS]
        arrays = [
            sa.cast(
                sa.bindparam(name, [row[name] for row in chunk], type_=ARRAY(table.c[name].type)),
                ARRAY(table.c[name].type),
            )
            for name in names
        ]
        source = sa.func.unnest(*arrays).table_valued(*names).render_derived()
        select = sa.select(*(source.c[name] for name in names))
        connection.execute(sa.insert(table).from_select(names, select))


def _event(wish: Candidate, kind: EventKind, now: datetime, note: str) -> dict[str, Any]:
    return {
        "wish_id": wish.id,
        "kind": kind,
        "at": now,
        "actor": "system",
        "actor_staff_id": None,
        "from_status": None,
        "to_status": None,
        "note": note,
    }


class _Lines(Sequence[for_staff.Line]):
    """One message's lines, each made only when asked for: the wording formats the first
    max_items_per_message and counts the rest, of what may be thousands for one person."""

    def __init__(self, items: list[DueItem], make: Callable[[DueItem], for_staff.Line]) -> None:
        self.items = items
        self.make = make

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, index: int) -> for_staff.Line: ...

    @overload
    def __getitem__(self, index: slice) -> list[for_staff.Line]: ...

    def __getitem__(self, index: int | slice) -> for_staff.Line | list[for_staff.Line]:
        if isinstance(index, slice):
            return [self.make(item) for item in self.items[index]]
        return self.make(self.items[index])


def _ordered(items: Iterable[DueItem]) -> list[DueItem]:
    """Longest-waiting first, so the most forgotten wish heads the list."""
    return sorted(items, key=lambda i: (i.wish.created_at, i.wish.id))


def _digest(items: Iterable[DueItem]) -> str:
    ids = ",".join(str(i) for i in sorted(item.wish.id for item in items))
    return hashlib.sha1(ids.encode()).hexdigest()[:12]
