"""Statistics benchmark: one GET /statistics computation vs the bare read of the same wishes.

Seeds a fresh SQLite file (or --url, a database it may fill) with N wishes spread over a year in
one office, each with its logging, a staff claim and a reminder in the timeline, then times in
the same run (1) the bare read of the period's wishes' three timestamps and (2) the whole
statistics (grouped counts, first staff action per wish, durations in elapsed and working hours,
coverage). The ratio says what the grouping and the calendar cost on top of reading the rows.

    .venv/bin/python bench/statistics_bench.py [--wishes 20000] [--url sqlite:///…]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col

from api.domain.auth import Principal
from api.domain.statistics import office_statistics
from api.followup.calendar import WorkCalendar
from models import Office, Wish, WishEvent
from models.db import make_engine
from models.enums import Category, OfficeLevel, Role, WishStatus
from models.migrate import upgrade

START, END = date(2026, 1, 1), date(2026, 12, 31)


def _seed(url: str, n: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    rng = random.Random(7)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    wishes, events = [], []
    for i in range(1, n + 1):
        created = base + timedelta(minutes=rng.randrange(60 * 24 * 360))
        status = rng.choice(list(WishStatus))
        matched = status in (WishStatus.matched, WishStatus.in_service, WishStatus.fulfilled)
        wishes.append(
            {
                "id": i,
                "text": "心愿",
                "category": rng.choice(list(Category)).value,
                "kind": "need",
                "office_id": 1,
                "seq": i,
                "number": f"B-{i}",
                "status": status.value,
                "version": 1,
                "created_at": created,
                "updated_at": created,
                "keywords": [],
                "escalation_level": 0,
                "matched_at": created + timedelta(hours=rng.randrange(1, 90)) if matched else None,
                "fulfilled_at": created + timedelta(days=rng.randrange(1, 30))
                if status == WishStatus.fulfilled
                else None,
            }
        )
        for kind, hours, actor in (
            ("created", 0, "bot"),
            ("transition", 3, "李红"),
            ("reminded", 5, "system"),
        ):
            events.append(
                {
                    "wish_id": i,
                    "kind": kind,
                    "at": created + timedelta(hours=hours),
                    "actor": actor,
                    "note": "",
                }
            )
    with Session(engine) as session:
        session.add(Office(id=1, name="市妇联", code="B", level=OfficeLevel.city, path="/1/"))
        session.flush()
        session.execute(sa.insert(Wish), wishes)
        session.execute(sa.insert(WishEvent), events)
        session.commit()
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wishes", type=int, default=20_000)
    parser.add_argument("--url", default=None, help="an empty database (default: a temp SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        _seed(url, args.wishes)
        engine = make_engine(url)
        admin = Principal(token_id=0, name="bench", role=Role.admin)
        calendar = WorkCalendar()
        bare = full = float("inf")
        with Session(engine) as session:
            created = col(Wish.created_at)
            lower = datetime(2025, 12, 31, 16, tzinfo=UTC)
            for _ in range(3):  # best of three, both in the same run
                began = time.perf_counter()
                session.execute(
                    sa.select(created, col(Wish.matched_at), col(Wish.fulfilled_at)).where(
                        created >= lower
                    )
                ).all()
                bare = min(bare, time.perf_counter() - began)
                began = time.perf_counter()
                result = office_statistics(
                    session=session, principal=admin, calendar=calendar, start=START, end=END
                )
                full = min(full, time.perf_counter() - began)
        engine.dispose()
    print(f"wishes in the period: {result.posted}")
    print(f"bare read of their timestamps: {bare * 1000:.0f} ms")
    print(f"whole statistics: {full * 1000:.0f} ms")
    print(f"ratio statistics / bare read: {full / bare:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
