"""The daily digest to each office's staff group and the monthly 圆梦榜 to member groups.

Both are idempotent by their outbox dedupe key (group and local date or month), so a second
scheduler instance, a retried job or a manual run never sends one twice. They only flush: the
runner (runner.py) owns the transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from api.domain.outbox import enqueue_message, enqueue_messages
from api.followup.calendar import local_midnight, read_status
from api.followup.jobs import JOB_DIGEST, JOB_MONTHLY, JobContext, RunReport
from api.followup.overdue import Directory, DueItem, chunks
from models import Fulfilment, Group, Match, Office, Outbox, Resource, Wish
from models.clock import SHANGHAI, to_local
from models.enums import OPEN_STATUSES, OutboxTarget, WishStatus
from models.outbox import OutboxCreate
from models.wording import members as for_members
from models.wording import staff as for_staff

logger = logging.getLogger(__name__)


def _subtree(query: sa.Select, office: Office) -> sa.Select:
    return query.join(Office, col(Office.id) == Wish.office_id).where(
        col(Office.path).startswith(office.path)
    )


def _sent_keys(session: Session, keys: list[str]) -> set[str]:
    """Which of these dedupe keys the outbox already holds (one query per chunk, not per key)."""
    found: set[str] = set()
    for chunk in chunks(keys):
        query = select(Outbox.dedupe_key).where(col(Outbox.dedupe_key).in_(chunk))
        found.update(key for key in session.exec(query) if key)
    return found


def _post_to_groups(
    session: Session,
    report: RunReport,
    groups_by_office: dict[int, list[Group]],
    directory: Directory,
    *,
    kind: str,
    key_of: Callable[[Group], str],
    text_of: Callable[[Office], str],
    write: bool,
) -> None:
    """One message per group not yet sent `key_of(group)`; each office's text built once."""
    keys = {int(g.id or 0): key_of(g) for groups in groups_by_office.values() for g in groups}
    done = _sent_keys(session, list(keys.values()))
    sent = already = 0
    for office_id, groups in sorted(groups_by_office.items()):
        office = directory.offices.get(office_id)
        if office is None:
            continue
        text: str | None = None
        for group in groups:
            key = keys[int(group.id or 0)]
            if key in done:
                already += 1
                continue
            text = text or text_of(office)
            message = OutboxCreate(
                target_kind=OutboxTarget.room,
                target_id=group.room_id,
                text=text,
                kind=kind,
                dedupe_key=key,
            )
            report.messages.append(message)
            if write:
                enqueue_message(session=session, message_in=message)
            sent += 1
    report.counts.update(messages=sent, already_sent=already)


def digest_stats(
    session: Session, office: Office, start: datetime, now: datetime, *, overdue: int
) -> for_staff.DigestStats:
    """Counts for an office and everything under it, over [start, now)."""

    def count(*where: sa.ColumnElement[bool]) -> int:
        query = _subtree(select(func.count()).select_from(Wish), office).where(*where)
        return int(session.execute(query).scalar_one())

    new = count(col(Wish.created_at) >= start, col(Wish.created_at) < now)
    fulfilled = count(
        col(Wish.status) == WishStatus.fulfilled,
        col(Wish.fulfilled_at) >= start,
        col(Wish.fulfilled_at) < now,
    )
    open_now = count(col(Wish.status).in_(list(OPEN_STATUSES)))
    pairs = session.execute(
        _subtree(select(Wish.created_at, Wish.claimed_at), office).where(
            col(Wish.claimed_at) >= start, col(Wish.claimed_at) < now
        )
    ).all()
    waits = [claimed - created for created, claimed in pairs]
    first_response = sum(waits, timedelta(0)) / len(waits) if waits else None
    return for_staff.DigestStats(
        new=new,
        overdue=overdue,
        fulfilled=fulfilled,
        open=open_now,
        first_response=first_response,
        first_response_count=len(waits),
    )


def daily_digest(*, session: Session, context: JobContext, now: datetime, write: bool) -> RunReport:
    report = RunReport(JOB_DIGEST, now)
    today = to_local(now).date()
    calendar = context.calendar
    if not calendar.is_working_day(today):
        # Non-working day: no digest; the next working day's digest covers the gap.
        report.counts["skipped_non_working_day"] = 1
        return report
    since_day = calendar.nth_working_day_back(today - timedelta(days=1), 1)
    start = datetime.combine(since_day, context.settings.digest_time, SHANGHAI)
    directory = Directory.load(session)
    overdue: list[DueItem] | None = None  # every office's overdue wishes, read once

    def text_of(office: Office) -> str:
        nonlocal overdue
        if overdue is None:
            candidates = context.selector.candidates(session, now, only_due=False)
            overdue = context.selector.classify(candidates, directory, now)
        under = sum(
            1
            for item in overdue
            if directory.offices[item.wish.office_id].path.startswith(office.path)
        )
        stats = digest_stats(session, office, start, now, overdue=under)
        return for_staff.digest_text(office_name=office.name, day=today, stats=stats)

    _post_to_groups(
        session,
        report,
        directory.staff_groups,
        directory,
        kind="digest",
        key_of=lambda g: f"followup:digest:{g.id}:{today.isoformat()}",
        text_of=text_of,
        write=write,
    )
    _warn_missing_calendar(session, context, directory, report, now, write=write)
    return report


def _warn_missing_calendar(
    session: Session,
    context: JobContext,
    directory: Directory,
    report: RunReport,
    now: datetime,
    *,
    write: bool,
) -> None:
    """From December, each working day's digest run tells the administrators privately when
    next year's 调休 is not entered (once a day each: the key holds the date)."""
    status = read_status(session=session, settings=context.settings, now=now)
    if not status.warn:
        return
    admins = directory.admins()
    if not admins:
        logger.warning("the %d 调休 is not entered and there is no administrator", status.next_year)
        return
    keys = {
        f"calendar:missing:{status.next_year}:{a.id}:{status.today.isoformat()}": a for a in admins
    }
    done = _sent_keys(session, list(keys))
    text = for_staff.calendar_missing_text(status.next_year)
    messages = [
        OutboxCreate(
            target_kind=OutboxTarget.contact,
            target_id=admin.wechat_id,
            text=text,
            kind="calendar",
            dedupe_key=key,
        )
        for key, admin in keys.items()
        if key not in done
    ]
    report.messages.extend(messages)
    report.counts["calendar_warnings"] = len(messages)
    if write:
        enqueue_messages(session=session, messages=messages)


def monthly_summary(
    *, session: Session, context: JobContext, now: datetime, write: bool
) -> RunReport:
    """On the first working day on or after scheduler.monthly_day: last month's 圆梦榜."""
    report = RunReport(JOB_MONTHLY, now)
    today = to_local(now).date()
    if today.day < context.settings.monthly_day or context.calendar.is_quiet(now):
        report.counts["skipped"] = 1
        return report
    this_month = today.replace(day=1)
    month = (this_month - timedelta(days=1)).replace(day=1)
    start, end = local_midnight(month), local_midnight(this_month)
    limit = context.settings.max_items_per_message
    directory = Directory.load(session)
    _post_to_groups(
        session,
        report,
        directory.member_groups,
        directory,
        kind="monthly",
        key_of=lambda g: f"followup:monthly:{g.id}:{month:%Y-%m}",
        text_of=lambda office: monthly_text(session, directory, office, start, end, limit),
        write=write,
    )
    return report


def monthly_text(
    session: Session,
    directory: Directory,
    office: Office,
    start: datetime,
    end: datetime,
    limit: int,
) -> str:
    rows = session.execute(
        _subtree(select(Wish.id, Wish.seq, Wish.category, Wish.office_id), office)
        .where(
            col(Wish.status) == WishStatus.fulfilled,
            col(Wish.fulfilled_at) >= start,
            col(Wish.fulfilled_at) < end,
            col(Wish.sensitive).is_(False),  # a sensitive wish is on no public list
        )
        .order_by(col(Wish.fulfilled_at))
    ).all()
    ids = [row[0] for row in rows]
    providers: dict[int, list[str]] = {}
    people: dict[int, int] = {}
    said: dict[int, str] = {}  # the public summaries staff wrote (masked)
    from nlp import mask

    for chunk in chunks(ids):
        for wish_id, provider in session.execute(
            select(Match.wish_id, Resource.provider)
            .join(Resource, col(Resource.id) == Match.resource_id)
            .where(col(Match.wish_id).in_(chunk))
            .order_by(col(Match.id))
        ):
            if provider not in providers.setdefault(wish_id, []):
                providers[wish_id].append(provider)
        for wish_id, count, public in session.execute(
            select(Fulfilment.wish_id, Fulfilment.beneficiaries, Fulfilment.public_summary).where(
                col(Fulfilment.wish_id).in_(chunk)
            )
        ):
            people[wish_id] = int(count or 0)
            said[wish_id] = mask(public or "")
    entries = []
    for wish_id, seq, _category, office_id in rows:
        ref = for_members.public_ref(seq)
        if office_id != office.id:
            ref = directory.offices[office_id].name + ref
        entries.append(
            for_members.MonthlyEntry(
                ref=ref,
                providers=tuple(providers.get(wish_id, [])),
                beneficiaries=people.get(wish_id, 0),
                public_summary=said.get(wish_id, ""),
            )
        )
    local_start = to_local(start)
    return for_members.monthly_text(
        office_name=office.name,
        year=local_start.year,
        month=local_start.month,
        entries=entries,
        beneficiaries=sum(people.values()),
        limit=limit,
    )
