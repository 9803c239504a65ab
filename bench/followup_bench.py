"""Follow-up runner benchmark: one reminder run vs the bare indexed query for the overdue set.

Seeds a dedicated PostgreSQL database (wp_bench_followup, dropped afterwards) with N wishes, 5% of
them overdue, then times in the same process (1) the bare indexed queries that select the overdue
set, (2) one full reminder run (select, classify, claim with conditional updates, timeline
events, batched outbox messages) and (3) the bare bulk writes any run must make (one UPDATE of the
overdue set, its events by INSERT … SELECT; rolled back). A run whose cost follows the overdue
set, not the ledger, keeps the ratios small and flat as the ledger grows; the second ratio shows
how far the run is from the database's own cost of the same reads and writes.

    .venv/bin/python bench/followup_bench.py [--wishes 1000000] [--overdue 0.05]
        [--url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import logging
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from api.followup.overdue import Directory
from api.followup.runner import FollowUpRunner
from api.followup.settings import SchedulerSettings
from models import Group, Office, Staff
from models.clock import SHANGHAI
from models.db import make_engine
from models.enums import OfficeLevel
from models.migrate import upgrade

DB_NAME = "wp_bench_followup"
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI)  # a Wednesday
COLUMNS = (
    "text, category, kind, office_id, seq, number, status, version, created_at, updated_at, "
    "claimed_at, fulfilled_at, escalation_level, keywords"
)


def _offices(session: Session) -> list[int]:
    """1 city, 4 districts, 16 streets, 64 communities, each with a staff group and on duty."""
    ids: list[int] = []
    levels = [(OfficeLevel.city, 1), (OfficeLevel.district, 4), (OfficeLevel.street, 4)]
    levels.append((OfficeLevel.community, 4))
    parents: list[Office | None] = [None]
    for level, fan_out in levels:
        created: list[Office] = []
        for parent in parents:
            for _ in range(fan_out):
                n = len(ids) + 1
                office = Office(
                    name=f"妇联{n}",
                    code=f"B{n}",
                    level=level,
                    parent_id=parent.id if parent else None,
                )
                session.add(office)
                session.flush()
                office.path = f"{parent.path if parent else '/'}{office.id}/"
                staff = Staff(wechat_id=f"wx_b{n}", name=f"值班{n}", office_id=office.id)  # type: ignore[arg-type]
                session.add(staff)
                session.flush()
                office.on_duty_staff_id = staff.id
                session.add(
                    Group(
                        room_id=f"b{n}@chatroom",
                        office_id=office.id,
                        enabled=True,
                        is_staff_group=True,
                    )
                )
                created.append(office)
                ids.append(int(office.id or 0))
        parents = list(created)
    session.commit()
    return ids


def _seed(url: str, total: int, overdue_share: float, start_seq: int = 0) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        office_ids = [int(i) for i in session.execute(sa.text("SELECT id FROM office")).scalars()]
        if not office_ids:
            office_ids = _offices(session)
    overdue = int(total * overdue_share)
    old_new = datetime(2026, 2, 25, 9, tzinfo=UTC)  # a week before NOW: unclaimed, overdue
    recent = NOW - timedelta(minutes=30)
    old = datetime(2025, 6, 1, tzinfo=UTC)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY wish ({COLUMNS}) FROM STDIN") as copy:
            for i in range(total):
                seq = start_seq + i + 1
                office = office_ids[i % len(office_ids)]
                if i < overdue:
                    status, created, claimed, fulfilled = "new", old_new, None, None
                elif i % 20 == 0:
                    status, created, claimed, fulfilled = "new", recent, None, None
                else:
                    created = old + timedelta(minutes=i % 400_000)
                    status, claimed, fulfilled = "fulfilled", created, created + timedelta(days=3)
                copy.write_row(
                    (
                        "基准心愿",
                        "family",
                        "need",
                        office,
                        seq,
                        f"B-{seq}",
                        status,
                        1,
                        created,
                        created,
                        claimed,
                        fulfilled,
                        0,
                        "[]",
                    )
                )
        raw.commit()
        cursor.execute("ANALYZE wish")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    return overdue


def _time_bare(followup: FollowUpRunner) -> tuple[float, int]:
    with Session(followup.db) as session:
        began = time.perf_counter()
        rows = followup.selector.candidates(session, NOW)
        Directory.load(session)
        return time.perf_counter() - began, len(rows)


def _time_bare_writes(engine: Engine, events: int, selected: int) -> float:
    """The writes no run can avoid, as the database's own bulk statements (rolled back): one
    UPDATE claiming the overdue set, and its timeline events INSERTed by INSERT … SELECT."""
    overdue = "status = 'new' AND next_reminder_at IS NULL AND created_at <= :cutoff"
    params = {"now": NOW, "later": NOW + timedelta(hours=24), "cutoff": NOW - timedelta(days=1)}
    per_wish = max(1, round(events / max(selected, 1)))
    with engine.connect() as conn:
        began = time.perf_counter()
        with conn.begin() as transaction:
            for _ in range(per_wish):
                conn.execute(
                    sa.text(
                        "INSERT INTO wish_event (wish_id, kind, at, actor, note) "
                        f"SELECT id, 'reminded', :now, 'system', '基准' FROM wish WHERE {overdue}"
                    ),
                    params,
                )
            conn.execute(
                sa.text(
                    f"UPDATE wish SET reminded_at = :now, next_reminder_at = :later WHERE {overdue}"
                ),
                params,
            )
            elapsed = time.perf_counter() - began
            transaction.rollback()
    return elapsed


def _measure(url: str, label: str) -> dict[str, float]:
    engine = make_engine(url)
    followup = FollowUpRunner(engine, SchedulerSettings())
    bare, selected = _time_bare(followup)
    began = time.perf_counter()
    report = followup.run_reminders(NOW)
    run = time.perf_counter() - began
    with engine.connect() as conn:
        events = int(conn.execute(sa.text("SELECT count(*) FROM wish_event")).scalar_one())
    with engine.begin() as conn:  # undo the run so a second measurement sees the same work
        conn.execute(
            sa.text(
                "UPDATE wish SET reminded_at = NULL, next_reminder_at = NULL, "
                "escalation_level = 0, escalated_at = NULL WHERE next_reminder_at IS NOT NULL"
            )
        )
        conn.execute(sa.text("DELETE FROM wish_event"))
        conn.execute(sa.text("DELETE FROM outbox"))
    writes = _time_bare_writes(engine, events, selected)
    engine.dispose()
    print(
        f"{label}: overdue selected {selected:,}, reminded {report.counts['reminded']:,}, "
        f"events {events:,}, messages {report.counts['messages']}"
    )
    print(
        f"  bare indexed query {bare * 1000:8.1f} ms | reminder run {run * 1000:8.1f} ms | "
        f"ratio {run / bare:5.1f}x"
    )
    print(
        f"  bare bulk writes (one UPDATE, INSERT … SELECT of the events) {writes * 1000:8.1f} ms"
        f" | run / (query + writes) {run / (bare + writes):5.1f}x"
    )
    return {"bare": bare, "run": run, "writes": writes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wishes", type=int, default=1_000_000)
    parser.add_argument("--overdue", type=float, default=0.05)
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--double",
        action="store_true",
        help="then add as many non-overdue wishes again and re-measure",
    )
    args = parser.parse_args()
    logging.basicConfig(level="WARNING")
    admin = sa.create_engine(args.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{DB_NAME}"'))
    url = make_url(args.url).set(database=DB_NAME).render_as_string(hide_password=False)
    try:
        upgrade(url)
        began = time.perf_counter()
        overdue = _seed(url, args.wishes, args.overdue)
        print(
            f"seeded {args.wishes:,} wishes ({overdue:,} overdue) in "
            f"{time.perf_counter() - began:.1f} s"
        )
        first = _measure(url, f"{args.wishes:,} wishes")
        if args.double:
            _seed(url, args.wishes, 0.0, start_seq=args.wishes)
            second = _measure(url, f"{2 * args.wishes:,} wishes, same overdue set")
            print(
                f"doubling the ledger: run time x{second['run'] / first['run']:.2f}, "
                f"bare query x{second['bare'] / first['bare']:.2f}"
            )
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
