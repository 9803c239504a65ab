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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast, overload

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session

from api.domain.outbox import enqueue_messages
from api.domain.triage import purge_expired_triage
from api.followup.jobs import JOB_REMINDERS, JobContext, RunReport
from api.followup.overdue import Candidate, Directory, DueItem, chunks, counts_by_rule
from models import Staff, Wish, WishEvent
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
        routed = self._route(items, directory, quiet=quiet)
        report.counts["unrouted"] = len(items) - len(routed)
        if write:
            routed = self._claim(session, routed, now)
        report.messages = self._compose(routed, directory, now, quiet=quiet)
        report.counts["reminded"] = sum(1 for _, staff in routed if staff)
        report.counts["escalated"] = sum(1 for item, _ in routed if item.next_level)
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
        self, items: list[DueItem], directory: Directory, *, quiet: bool
    ) -> list[tuple[DueItem, list[Staff]]]:
        """Who hears of each item; items nobody can hear of are left for a later run."""
        routed = []
        reachable: dict[int, bool] = {}  # office id → has someone to escalate to (per run)
        for item in items:
            # In quiet time only the urgent escalation goes out, not the ordinary reminder.
            staff = [] if quiet else directory.responsible(item.wish)
            office = item.escalate_to
            if office is not None and office not in reachable:
                reachable[office] = bool(self._escalation_targets(office, directory))
                if not reachable[office]:
                    logger.warning("office %s has nobody to escalate to", office)
            if office is not None and not reachable[office]:
                item.next_level = item.escalate_to = None
                item.urgent = False
            if staff or item.next_level:
                routed.append((item, staff))
        return routed

    def _claim(
        self, session: Session, routed: list[tuple[DueItem, list[Staff]]], now: datetime
    ) -> list[tuple[DueItem, list[Staff]]]:
        """Conditional UPDATE … RETURNING: a wish another instance already claimed is skipped."""
        groups: dict[tuple[str, int, int | None, float], list[int]] = {}
        for item, _ in routed:
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
        return [(item, staff) for item, staff in routed if item.wish.id in claimed]

    # ---- messages ---------------------------------------------------------------------------

    def _slot(self, now: datetime) -> str:
        local = to_local(now)
        step = self.settings.run_interval_minutes
        minutes = (local.hour * 60 + local.minute) // step * step
        return f"{local:%Y%m%d}T{minutes // 60:02d}{minutes % 60:02d}"

    def _compose(
        self,
        routed: list[tuple[DueItem, list[Staff]]],
        directory: Directory,
        now: datetime,
        *,
        quiet: bool,
    ) -> list[OutboxCreate]:
        slot = self._slot(now)
        limit = self.settings.max_items_per_message
        by_staff: dict[int, list[DueItem]] = {}
        by_office: dict[int, list[DueItem]] = {}
        for item, staff in routed:
            for member in staff:
                by_staff.setdefault(int(member.id or 0), []).append(item)
            if item.escalate_to is not None:
                by_office.setdefault(item.escalate_to, []).append(item)
        messages = []
        for staff_id, staff_items in sorted(by_staff.items()):
            member = directory.staff[staff_id]
            lines = _Lines(_ordered(staff_items), lambda i: self._line(i, directory, now))
            text = for_staff.reminder_text(staff_name=member.name, lines=lines, limit=limit)
            target = self._staff_target(member, directory)
            key = f"followup:remind:{staff_id}:{slot}:{_digest(staff_items)}"
            messages.append(self._message(target, text, "reminder", key, urgent=False))
        for office_id, office_items in sorted(by_office.items()):
            office = directory.offices[office_id]
            lines = _Lines(_ordered(office_items), lambda i: self._line(i, directory, now))
            text = for_staff.escalation_text(office_name=office.name, lines=lines, limit=limit)
            urgent = any(i.urgent for i in office_items)
            for n, target in enumerate(self._escalation_targets(office_id, directory)):
                key = f"followup:escalate:{office_id}:{n}:{slot}:{_digest(office_items)}"
                messages.append(self._message(target, text, "escalation", key, urgent=urgent))
        return messages

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
        routed: list[tuple[DueItem, list[Staff]]],
        directory: Directory,
        now: datetime,
    ) -> None:
        rows: list[dict[str, Any]] = []
        for item, staff in routed:
            reason = for_staff.reason(item.rule, item.wish.planned_date)
            if staff:
                names = "、".join(s.name for s in staff)
                rows.append(_event(item.wish, EventKind.reminded, now, f"提醒 {names}：{reason}"))
            if item.escalate_to is not None:
                office = directory.offices[item.escalate_to]
                note = f"第 {item.next_level} 级督办：上报{office.name}（{reason}）"
                rows.append(_event(item.wish, EventKind.escalated, now, note))
        _insert_rows(session, cast(sa.Table, WishEvent.__table__), rows)  # type: ignore[attr-defined]


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
