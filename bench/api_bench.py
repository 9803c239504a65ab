"""Benchmark: creating wishes through the real API over HTTP vs a bare SQLAlchemy insert.

For each backend (SQLite file, PostgreSQL temp database) the script migrates a fresh database,
starts the API with uvicorn in a subprocess on a free port, POSTs N wishes one after another
with httpx, then inserts the same N rows with SQLAlchemy Core (one transaction per row, as the
API does, and once more as one batch) and prints wishes/s, p50/p99 latency and the ratio.

    .venv/bin/python bench/api_bench.py --n 2000
    .venv/bin/python bench/api_bench.py --backends sqlite --n 500
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.domain.auth import create_token  # noqa: E402
from models import Office, Wish  # noqa: E402
from models.clock import utcnow  # noqa: E402
from models.db import make_engine  # noqa: E402
from models.enums import OfficeLevel, Role  # noqa: E402
from models.migrate import upgrade  # noqa: E402

PG_DEFAULT = os.environ.get(
    "WISHPOOL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TEXTS = [
    "希望社区组织一次亲子阅读活动，孩子放暑假了没人带",
    "我是外卖骑手，想咨询一下劳动合同和工伤保险的问题",
    "想学直播带货，有没有电商培训课程",
    "我们公司想给困难家庭捐一批暖心包",
]
WARMUP = 30


@dataclass
class Result:
    backend: str
    n: int
    api_seconds: float
    latencies_ms: list[float]
    bare_seconds: float
    batch_seconds: float

    def line(self) -> str:
        rate = self.n / self.api_seconds
        bare = self.n / self.bare_seconds
        batch = self.n / self.batch_seconds
        lat = sorted(self.latencies_ms)
        p50 = statistics.median(lat)
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        return (
            f"{self.backend:<9} n={self.n:<6} API {rate:8.1f} wishes/s  p50 {p50:6.2f} ms  "
            f"p99 {p99:6.2f} ms | bare insert {bare:9.1f} rows/s (row per txn), "
            f"{batch:10.1f} rows/s (one batch) | API/bare = {rate / bare:.3f} "
            f"(bare is {bare / rate:.1f}× faster)"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(url: str) -> tuple[int, int, str]:
    """Two offices (one for the API rows, one for the bare rows) and an admin token."""
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        api_office = Office(name="基准街道妇联", code="BA", level=OfficeLevel.street, path="/")
        bare_office = Office(name="对照街道妇联", code="BB", level=OfficeLevel.street, path="/")
        session.add_all([api_office, bare_office])
        session.commit()
        assert api_office.id is not None and bare_office.id is not None
        _, token = create_token(session=session, name="bench", role=Role.admin)
        session.commit()  # create_token only flushes
        ids = (api_office.id, bare_office.id)
    engine.dispose()
    return ids[0], ids[1], token


def start_api(url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "WISHPOOL_API__DATABASE_URL": url,
        "WISHPOOL_API__AUTO_MIGRATE": "false",
        "WISHPOOL_API__RUN_SCHEDULER": "false",
    }
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "api.http.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("API did not start")


def api_run(base: str, token: str, office_id: int, n: int) -> tuple[float, list[float]]:
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for i in range(WARMUP):
            body = {"text": f"预热{i}", "office_id": office_id}
            client.post("/api/v1/wishes", json=body).raise_for_status()
        started = time.perf_counter()
        for i in range(n):
            body = {"text": TEXTS[i % len(TEXTS)], "category": "family", "office_id": office_id}
            t0 = time.perf_counter()
            response = client.post("/api/v1/wishes", json=body)
            latencies.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 201:
                raise RuntimeError(f"unexpected {response.status_code}: {response.text}")
        return time.perf_counter() - started, latencies


def rows(office_id: int, n: int, start: int) -> list[dict[str, object]]:
    now = utcnow()
    return [
        {
            "text": TEXTS[i % len(TEXTS)],
            "category": "family",
            "kind": "need",
            "office_id": office_id,
            "seq": start + i,
            "number": f"BB-2026-{start + i:04d}",
            "status": "new",
            "keywords": [],
            "version": 1,
            "escalation_level": 0,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(n)
    ]


def bare_run(url: str, office_id: int, n: int) -> tuple[float, float]:
    """The same rows through SQLAlchemy Core: one transaction per row, then one batch."""
    engine = make_engine(url)
    table = Wish.__table__  # type: ignore[attr-defined]
    data = rows(office_id, n, 1)
    started = time.perf_counter()
    for row in data:
        with engine.begin() as conn:
            conn.execute(sa.insert(table), row)
    per_row = time.perf_counter() - started
    batch = rows(office_id, n, n + 1)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.insert(table), batch)
    batched = time.perf_counter() - started
    engine.dispose()
    return per_row, batched


def bench(backend: str, url: str, n: int) -> Result:
    upgrade(url)
    api_office, bare_office, token = seed(url)
    proc, base = start_api(url)
    try:
        api_seconds, latencies = api_run(base, token, api_office, n)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    bare_seconds, batch_seconds = bare_run(url, bare_office, n)
    return Result(backend, n, api_seconds, latencies, bare_seconds, batch_seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="wishes per backend")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--pg-url", default=PG_DEFAULT, help="server for the temp database")
    args = parser.parse_args()
    results = []
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                results.append(bench("sqlite", f"sqlite:///{tmp}/bench.db", args.n))
        elif backend == "postgres":
            name = f"wp_bench_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            url = make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
            try:
                results.append(bench("postgres", url, args.n))
            finally:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
        else:
            raise SystemExit(f"unknown backend {backend!r}")
    print()
    print("Creating wishes: POST /api/v1/wishes sequentially over HTTP vs bare SQLAlchemy insert")
    for result in results:
        print(result.line())


if __name__ == "__main__":
    main()
