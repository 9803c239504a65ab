"""Export benchmark: the streamed export vs a bare chunked SELECT of the same rows.

Seeds a dedicated database per backend (a SQLite file in a temp dir; PostgreSQL database
wp_bench_export, dropped afterwards) with N wishes (10% fulfilled with a match), then runs each
measurement in its own subprocess so peak memory (ru_maxrss, above the process's own baseline
after imports) belongs to that measurement alone:
- bare:  the three sheets' SELECTs streamed in chunks inside the read transaction, rows dropped;
- xlsx:  the workbook written to a temp file (openpyxl write-only);
- csv:   the 心愿台账 list written as CSV.
On SQLite it also times small write transactions (BEGIN IMMEDIATE, one UPDATE, COMMIT) made from
another process while the workbook export runs: they must not queue behind it.

    .venv/bin/python bench/export_bench.py [--wishes 50000] [--backends sqlite postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.domain.auth import Principal  # noqa: E402
from api.domain.export import (  # noqa: E402
    Scope,
    Sheet,
    listing,
    stream_rows,
    wish_select,
    write_csv,
    write_workbook,
)
from models import Fulfilment, Match, Office, Resource, Staff, Wish  # noqa: E402
from models.db import make_engine, read_connection  # noqa: E402
from models.enums import OfficeLevel, Role  # noqa: E402
from models.migrate import upgrade  # noqa: E402

PG_DEFAULT = os.environ.get(
    "WISHPOOL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DB_NAME = "wp_bench_export"
ADMIN = Principal(token_id=0, name="bench", role=Role.admin)
TEXTS = [
    "希望社区组织一次亲子阅读活动，孩子放暑假了没人带，电话13812345678",
    "我是外卖骑手，想咨询一下劳动合同和工伤保险的问题",
    "想学直播带货，有没有电商培训课程",
    "我们公司想给困难家庭捐一批暖心包",
]
CHUNK = 5000


def _kib_peak() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def _seed(url: str, wishes: int) -> None:
    engine = make_engine(url)
    tables = {m: m.__table__ for m in (Office, Staff, Resource, Wish, Fulfilment, Match)}  # type: ignore[attr-defined]
    base = datetime(2025, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        office_id = conn.execute(
            sa.insert(tables[Office]).returning(tables[Office].c.id),
            {"name": "东风街道妇联", "code": "DF", "level": OfficeLevel.street, "path": "/",
             "wish_seq": 0, "created_at": base},
        ).scalar_one()  # fmt: skip
        conn.execute(
            sa.update(tables[Office]).values(path=f"/{office_id}/"),
        )
        staff_id = conn.execute(
            sa.insert(tables[Staff]).returning(tables[Staff].c.id),
            {"wechat_id": "wx_b", "name": "李红", "office_id": office_id, "role": "staff",
             "zones": [], "active": True, "created_at": base},
        ).scalar_one()  # fmt: skip
        resource_id = conn.execute(
            sa.insert(tables[Resource]).returning(tables[Resource].c.id),
            {"name": "法律援助", "provider": "市律师协会", "categories": ["legal"],
             "description": "", "contact_person": "", "contact_phone": "", "availability": "",
             "active": True, "created_at": base, "updated_at": base},
        ).scalar_one()  # fmt: skip
    for start in range(0, wishes, CHUNK):
        rows = []
        for i in range(start, min(start + CHUNK, wishes)):
            created = base + timedelta(minutes=i)
            fulfilled = i % 10 == 0
            rows.append(
                {"text": TEXTS[i % len(TEXTS)], "category": "family", "kind": "need",
                 "office_id": office_id, "seq": i + 1, "number": f"DF-2025-{i + 1:06d}",
                 "status": "fulfilled" if fulfilled else "claimed", "version": 1,
                 "created_at": created, "updated_at": created, "claimed_at": created,
                 "fulfilled_at": created if fulfilled else None, "assignee_id": staff_id,
                 "submitter_name": "张丽", "escalation_level": 0, "keywords": []}
            )  # fmt: skip
        with engine.begin() as conn:
            ids = conn.execute(
                sa.insert(tables[Wish]).returning(tables[Wish].c.id, tables[Wish].c.status), rows
            ).all()
            done = [wish_id for wish_id, status in ids if status == "fulfilled"]
            if done:
                conn.execute(
                    sa.insert(tables[Match]),
                    [{"wish_id": w, "resource_id": resource_id, "created_at": base,
                      "created_by": "bench"} for w in done],
                )  # fmt: skip
                conn.execute(
                    sa.insert(tables[Fulfilment]),
                    [{"wish_id": w, "delivered_on": date(2025, 6, 1), "beneficiaries": 3,
                      "value_yuan": 100.0, "summary": "上门服务", "feedback": "", "photos": [],
                      "created_at": base} for w in done],
                )  # fmt: skip
    engine.dispose()


def _child(kind: str, url: str) -> None:
    """One measurement in this (fresh) process; prints a JSON line."""
    engine = make_engine(url)
    baseline = _kib_peak()
    began = time.perf_counter()
    rows = 0
    with read_connection(engine) as conn:
        if kind == "bare-wishes":  # the CSV's baseline: the wish sheet's SELECT alone
            rows = sum(1 for _ in stream_rows(conn, wish_select([])))
        elif kind == "bare-sheets":  # the workbook's: every sheet's rows read, nothing written
            for sheet in Sheet:
                rows += sum(1 for _ in listing(conn, sheet, Scope(principal=ADMIN)).rows)
        else:
            with tempfile.TemporaryFile() as out:
                if kind == "xlsx":
                    counts = write_workbook(conn=conn, scope=Scope(principal=ADMIN), out=out)
                    rows = counts[Sheet.wishes.value]
                else:
                    rows = write_csv(
                        conn=conn, sheet=Sheet.wishes, scope=Scope(principal=ADMIN), out=out
                    )
    seconds = time.perf_counter() - began
    engine.dispose()
    peak = _kib_peak()
    print(json.dumps({"seconds": seconds, "rows": rows, "grew_kib": peak - baseline,
                      "peak_kib": peak}))  # fmt: skip


def _run_child(kind: str, url: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--url", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _writes_during_export(url: str) -> tuple[list[float], float]:
    """Write-transaction latencies (ms) from this process while a child exports the workbook."""
    import sqlite3

    path = make_url(url).database
    assert path
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", "xlsx", "--url", url], stdout=subprocess.DEVNULL
    )
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    latencies = []
    began = time.perf_counter()
    while child.poll() is None:
        start = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE office SET wish_seq = wish_seq")
        db.execute("COMMIT")
        latencies.append((time.perf_counter() - start) * 1000)
        time.sleep(0.05)  # a create every 50 ms, not a busy loop competing for the CPU
    db.close()
    return latencies, time.perf_counter() - began


def _idle_writes(url: str, n: int = 20) -> list[float]:
    import sqlite3

    path = make_url(url).database
    assert path
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    latencies = []
    for _ in range(n):
        start = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE office SET wish_seq = wish_seq")
        db.execute("COMMIT")
        latencies.append((time.perf_counter() - start) * 1000)
    db.close()
    return latencies


def _measure(label: str, url: str, wishes: int) -> None:
    began = time.perf_counter()
    _seed(url, wishes)
    print(f"{label}: seeded {wishes:,} wishes in {time.perf_counter() - began:.1f} s")
    # Each export against the reads it cannot avoid: the workbook reads all five sheets, the
    # CSV the wish sheet only.
    baselines = {"xlsx": _run_child("bare-sheets", url), "csv": _run_child("bare-wishes", url)}
    for kind, bare in baselines.items():
        print(
            f"  reads for {kind:4}        {bare['seconds']:7.2f} s  +{bare['grew_kib'] / 1024:6.1f}"
            f" MiB  ({bare['rows']:,} rows)"
        )
    for kind in ("xlsx", "csv"):
        bare = baselines[kind]
        result = _run_child(kind, url)
        times = result["seconds"] / bare["seconds"]
        grew = max(result["grew_kib"], 1) / max(bare["grew_kib"], 1)
        print(
            f"  {kind} export          {result['seconds']:7.2f} s  "
            f"+{result['grew_kib'] / 1024:6.1f} MiB  | time x{times:.1f}, memory x{grew:.1f} "
            f"of its reads  (peak RSS {result['peak_kib'] / 1024:.0f} MiB)"
        )
    if url.startswith("sqlite"):
        idle = _idle_writes(url)
        during, lasted = _writes_during_export(url)
        print(
            f"  writes beside a {lasted:.1f} s workbook export: {len(during)} transactions, "
            f"p50 {statistics.median(during):.1f} ms, max {max(during):.1f} ms "
            f"(idle: p50 {statistics.median(idle):.1f} ms, max {max(idle):.1f} ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wishes", type=int, default=50_000)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--postgres-url", default=PG_DEFAULT)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.url)
        return
    if "sqlite" in args.backends:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            upgrade(url)
            _measure("SQLite", url, args.wishes)
    if "postgres" in args.backends:
        admin = sa.create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{DB_NAME}"'))
        url = make_url(args.postgres_url).set(database=DB_NAME)
        rendered = url.render_as_string(hide_password=False)
        try:
            upgrade(rendered)
            _measure("PostgreSQL", rendered, args.wishes)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
