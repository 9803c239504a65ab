"""Benchmark: the wish list and search at a large N, against the bare query for the same page.

For each backend (SQLite file, PostgreSQL temp database) the script migrates a fresh database,
fills it with N wishes (default 200,000) across an office tree, then times each list the admin
API offers, as the route runs it (wish_filters + list_wishes: the capped count, the page and
the look-ahead row for next_cursor), against the bare query a person would write for that
page (the same WHERE, ORDER BY and LIMIT, no count, Core rows). It prints the median of a few
runs, ours/bare, and for text search the old way (LIKE scan without a text index, full count)
for comparison. Deep pages: offset 3N/4 against the keyset cursor at the same place.

    .venv/bin/python bench/list_bench.py                 # N = 200,000 on both backends
    .venv/bin/python bench/list_bench.py --n 50000 --backends sqlite
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, col

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.domain import wish_admin as ledger  # noqa: E402
from api.domain.auth import Principal  # noqa: E402
from api.domain.common import search_clause  # noqa: E402
from api.domain.listing import ListParams  # noqa: E402
from api.domain.wish_search import wish_search_clause  # noqa: E402
from models import Office, Wish  # noqa: E402
from models.clock import utcnow  # noqa: E402
from models.db import make_engine, reader  # noqa: E402
from models.enums import Category, OfficeLevel, Role, WishStatus  # noqa: E402
from models.migrate import upgrade  # noqa: E402

PG_DEFAULT = os.environ.get(
    "WISHPOOL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ADMIN = Principal(token_id=0, name="bench", role=Role.admin)
PAGE = 50
RUNS = 5
# Synthetic wishes: a need, a detail and a place; the common phrases recur, RARE almost never.
NEEDS = [
    "想咨询法律援助",
    "希望社区组织亲子阅读",
    "想学直播带货",
    "需要就业指导",
    "老人需要上门照护",
    "想参加公益跑",
    "孩子暑假没人带",
    "想找心理咨询",
    "希望办理婚姻登记咨询",
    "想学做短视频",
]
DETAILS = ["公司拖欠工资", "周末有空", "越快越好", "家里有困难", "离家比较远", "谢谢妇联"]
RARE = "外卖骑手工伤认定"
STATUSES = [WishStatus.new, WishStatus.claimed, WishStatus.matched, WishStatus.fulfilled]


def seed(engine: Engine, n: int) -> dict[str, int]:
    """An office tree (1 city, 5 districts, 10 streets each) and n wishes over a year."""
    rnd = random.Random(42)
    office = Office.__table__  # type: ignore[attr-defined]
    wish = Wish.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        city = conn.execute(
            sa.insert(office).values(
                name="市妇联", code="SZ", level=OfficeLevel.city, path="/1/", wish_seq=0
            )
        ).inserted_primary_key[0]
        conn.execute(sa.update(office).where(office.c.id == city).values(path=f"/{city}/"))
        streets: list[int] = []
        districts: list[int] = []
        for d in range(5):
            district = conn.execute(
                sa.insert(office).values(
                    name=f"区{d}",
                    code=f"D{d}",
                    level=OfficeLevel.district,
                    parent_id=city,
                    path="",
                    wish_seq=0,
                )
            ).inserted_primary_key[0]
            conn.execute(
                sa.update(office).where(office.c.id == district).values(path=f"/{city}/{district}/")
            )
            districts.append(district)
            for s in range(10):
                street = conn.execute(
                    sa.insert(office).values(
                        name=f"街道{d}-{s}",
                        code=f"S{d}{s}",
                        level=OfficeLevel.street,
                        parent_id=district,
                        path="",
                        wish_seq=0,
                    )
                ).inserted_primary_key[0]
                conn.execute(
                    sa.update(office)
                    .where(office.c.id == street)
                    .values(path=f"/{city}/{district}/{street}/")
                )
                streets.append(street)
    start = utcnow() - timedelta(days=365)
    categories = list(Category)
    batch: list[dict[str, Any]] = []
    seqs: dict[int, int] = {}
    for i in range(n):
        street = rnd.choice(streets)
        seqs[street] = seqs.get(street, 0) + 1
        text = f"{rnd.choice(NEEDS)}，{rnd.choice(DETAILS)}，第{i}号"
        if i % 20_000 == 7:
            text = f"{RARE}，{text}"
        at = start + timedelta(seconds=i * 365 * 86400 / n)
        batch.append(
            {
                "text": text,
                "category": rnd.choice(categories),
                "kind": "need",
                "office_id": street,
                "seq": seqs[street],
                "number": f"S{street}-2026-{seqs[street]:04d}",
                "status": rnd.choice(STATUSES),
                "keywords": [],
                "version": 1,
                "escalation_level": 0,
                "created_at": at,
                "updated_at": at,
            }
        )
        if len(batch) == 5000:
            with engine.begin() as conn:
                conn.execute(sa.insert(wish), batch)
            batch = []
    if batch:
        with engine.begin() as conn:
            conn.execute(sa.insert(wish), batch)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return {"district": districts[2], "street": streets[13]}


def median_ms(fn: Callable[[], Any]) -> float:
    fn()  # warm the cache once
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def ours(engine: Engine, filters: dict[str, Any], **params: Any) -> Callable[[], Any]:
    def run() -> Any:
        with Session(engine) as session:
            clauses = ledger.wish_filters(session=session, principal=ADMIN, **filters)
            rows, _ = ledger.list_wishes(
                session=session,
                params=ListParams(
                    limit=PAGE,
                    offset=params.get("offset", 0),
                    sort=None,
                    cursor=params.get("cursor"),
                ),
                clauses=clauses,
            )
            return rows

    return run


def bare(
    engine: Engine, where: Callable[[Session], list[Any]], offset: int = 0
) -> Callable[[], Any]:
    table = Wish.__table__  # type: ignore[attr-defined]

    def run() -> Any:
        with Session(engine) as session:
            stmt = (
                sa.select(table)
                .where(*where(session))
                .order_by(table.c.created_at.desc(), table.c.id.desc())
                .limit(PAGE)
                .offset(offset)
            )
            return session.execute(stmt).all()

    return run


def old_search(engine: Engine, q: str) -> Callable[[], Any]:
    """What ?q= did before migration 0013: a LIKE scan of text and number, counted in full."""

    def run() -> Any:
        with Session(engine) as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
            clause = search_clause(q, col(Wish.text), col(Wish.number))
            stmt = sa.select(Wish).where(clause)
            session.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar_one()
            ordered = stmt.order_by(col(Wish.created_at).desc(), col(Wish.id).desc()).limit(PAGE)
            return session.execute(ordered).scalars().all()

    return run


def bench(backend: str, url: str, n: int) -> list[str]:
    upgrade(url)
    engine = make_engine(url)
    t0 = time.perf_counter()
    ids = seed(engine, n)
    seeded = time.perf_counter() - t0
    read = reader(engine)
    week_from = (utcnow() - timedelta(days=100)).date()
    week_to = week_from + timedelta(days=6)
    district = ids["district"]
    subtree = sa.select(col(Office.id)).where(col(Office.path).like(f"%/{district}/%"))
    cases: list[tuple[str, dict[str, Any], Callable[[Session], list[Any]]]] = [
        ("default sort", {}, lambda s: []),
        ("category", {"category": [Category.legal]}, lambda s: [col(Wish.category) == "legal"]),
        ("status", {"status": [WishStatus.claimed]}, lambda s: [col(Wish.status) == "claimed"]),
        (
            "office subtree",
            {"office_id": district},
            lambda s: [col(Wish.office_id).in_(subtree)],
        ),
        (
            "one-week range",
            {"created_from": week_from, "created_to": week_to},
            lambda s: ledger.wish_filters(
                session=s, principal=ADMIN, created_from=week_from, created_to=week_to
            ),
        ),
    ]
    searches = [
        ("q common, 4 chars", "法律援助"),
        ("q rare, 8 chars", RARE),
        ("q number", f"S{ids['street']}-2026-0042"),
        ("q common, 2 chars", "法律"),
        ("q rare, 2 chars", "骑手"),
    ]
    for label, q in searches:
        cases.append(
            (label, {"q": q}, lambda s, q=q: [wish_search_clause(s, q)])  # type: ignore[misc]
        )
    lines = [
        f"{backend}: N={n:,} wishes (seeded in {seeded:.0f} s), page of {PAGE}, median of {RUNS}"
    ]
    for label, filters, where in cases:
        mine = median_ms(ours(read, filters))
        base = median_ms(bare(read, where))
        line = (
            f"  {label:<18} ours {mine:8.1f} ms   bare {base:8.1f} ms   "
            f"bare/ours {base / mine:5.2f}"
        )
        if "q" in filters:
            before = median_ms(old_search(read, filters["q"]))
            line += f"   | before 0013 (LIKE scan + full count) {before:8.1f} ms"
        lines.append(line)
    # Deep scroll: three quarters down, by offset against the cursor at the same row.
    deep = n * 3 // 4
    with Session(read) as session:
        # The cursor a client scrolling by keyset holds after the page ending at row `deep`.
        before_deep = ListParams(limit=PAGE, offset=deep - PAGE, sort=None)
        _, total = ledger.list_wishes(session=session, params=before_deep, clauses=[])
        cursor = total.next_cursor
    by_offset = median_ms(ours(read, {}, offset=deep))
    by_cursor = median_ms(ours(read, {}, cursor=cursor))
    lines.append(
        f"  page at row {deep:,}: offset {by_offset:8.1f} ms   cursor {by_cursor:8.1f} ms   "
        f"offset/cursor {by_offset / by_cursor:5.1f}"
    )

    def exact() -> Any:
        with Session(read) as session:
            return session.execute(sa.select(sa.func.count()).select_from(Wish)).scalar_one()

    lines.append(f"  exact count(*) of all wishes (?count=true): {median_ms(exact):8.1f} ms")
    engine.dispose()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="wishes per backend")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--pg-url", default=PG_DEFAULT, help="server for the temp database")
    args = parser.parse_args()
    report: list[str] = []
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                report += bench("sqlite", f"sqlite:///{tmp}/bench.db", args.n)
        elif backend == "postgres":
            name = f"wp_bench_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            url = make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
            try:
                report += bench("postgres", url, args.n)
            finally:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
        else:
            raise SystemExit(f"unknown backend {backend!r}")
    print()
    print("Wish lists: as the API runs them vs the bare query for the same page")
    print("\n".join(report))


if __name__ == "__main__":
    main()
