"""Benchmark: creating wishes through the real API over HTTP vs the same writes in Core.

For each backend (SQLite file, PostgreSQL temp database) the script migrates a fresh database,
starts the API with uvicorn in a subprocess on a free port, POSTs N wishes one after another
with httpx, then does what a create writes with SQLAlchemy Core, one transaction per wish:
the number (UPDATE office … RETURNING), the wish (INSERT … RETURNING id) and its timeline
event. It prints wishes/s, p50/p99 latency and API/Core, both measured in this run. (An
earlier version compared with a bare insert of the wish alone, which skipped two of the
three writes and so overstated the gap.)

With --clients K it then fires N more creates from K concurrent clients and prints
creates/s, p99 and how many were not 201 (503s are counted apart from other failures).

    .venv/bin/python bench/api_bench.py --n 2000
    .venv/bin/python bench/api_bench.py --backends sqlite --n 500 --clients 64
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
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
from models import Office, Wish, WishEvent  # noqa: E402
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
    core_seconds: float
    concurrent: Concurrent | None = None

    def line(self) -> str:
        rate = self.n / self.api_seconds
        core = self.n / self.core_seconds
        p50, p99 = percentiles(self.latencies_ms)
        text = (
            f"{self.backend:<9} n={self.n:<6} API {rate:8.1f} wishes/s  p50 {p50:6.2f} ms  "
            f"p99 {p99:6.2f} ms | Core same writes {core:8.1f} wishes/s (txn per wish) | "
            f"API/Core = {rate / core:.2f}"
        )
        if self.concurrent is not None:
            text += "\n" + " " * 10 + self.concurrent.line()
        return text


@dataclass
class Concurrent:
    clients: int
    n: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]
    errors: int

    def line(self) -> str:
        ok = self.statuses.get(201, 0)
        p50, p99 = percentiles(self.latencies_ms)
        others = {k: v for k, v in self.statuses.items() if k != 201}
        return (
            f"{self.clients} clients: {ok / self.seconds:7.1f} creates/s  p50 {p50:7.1f} ms  "
            f"p99 {p99:7.1f} ms  {ok}/{self.n} created, other statuses {others or 'none'}, "
            f"transport errors {self.errors}"
        )


def percentiles(latencies: list[float]) -> tuple[float, float]:
    lat = sorted(latencies)
    return statistics.median(lat), lat[min(len(lat) - 1, int(len(lat) * 0.99))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(url: str) -> tuple[int, int, str]:
    """Two offices (one for the API rows, one for the Core rows) and an admin token."""
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


def concurrent_run(base: str, token: str, office_id: int, n: int, clients: int) -> Concurrent:
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def client_thread(count: int) -> None:
        nonlocal errors
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            barrier.wait()
            for i in range(count):
                body = {"text": TEXTS[i % len(TEXTS)], "category": "family", "office_id": office_id}
                t0 = time.perf_counter()
                try:
                    code = client.post("/api/v1/wishes", json=body).status_code
                except httpx.HTTPError:
                    with lock:
                        errors += 1
                    continue
                with lock:
                    latencies.append((time.perf_counter() - t0) * 1000)
                    statuses[code] = statuses.get(code, 0) + 1

    shares = [n // clients + (1 if i < n % clients else 0) for i in range(clients)]
    threads = [threading.Thread(target=client_thread, args=(k,)) for k in shares]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return Concurrent(clients, n, time.perf_counter() - started, latencies, statuses, errors)


def core_run(url: str, office_id: int, n: int) -> float:
    """A create's writes through SQLAlchemy Core: number, wish, event; one transaction each."""
    engine = make_engine(url)
    office = Office.__table__  # type: ignore[attr-defined]
    wish = Wish.__table__  # type: ignore[attr-defined]
    event = WishEvent.__table__  # type: ignore[attr-defined]
    started = time.perf_counter()
    for i in range(n):
        now = utcnow()
        with engine.begin() as conn:
            seq, code = conn.execute(
                sa.update(office)
                .where(office.c.id == office_id)
                .values(wish_seq=office.c.wish_seq + 1)
                .returning(office.c.wish_seq, office.c.code)
            ).one()
            wish_id = conn.execute(
                sa.insert(wish)
                .values(
                    text=TEXTS[i % len(TEXTS)],
                    category="family",
                    kind="need",
                    office_id=office_id,
                    seq=seq,
                    number=f"{code}-2026-{seq:04d}",
                    status="new",
                    keywords=[],
                    version=1,
                    escalation_level=0,
                    created_at=now,
                    updated_at=now,
                )
                .returning(wish.c.id)
            ).scalar_one()
            conn.execute(
                sa.insert(event).values(
                    wish_id=wish_id, kind="created", at=now, actor="bench", to_status="new", note=""
                )
            )
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def bench(backend: str, url: str, n: int, clients: int) -> Result:
    upgrade(url)
    api_office, core_office, token = seed(url)
    proc, base = start_api(url)
    try:
        api_seconds, latencies = api_run(base, token, api_office, n)
        concurrent = concurrent_run(base, token, api_office, n, clients) if clients else None
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    core_seconds = core_run(url, core_office, n)
    return Result(backend, n, api_seconds, latencies, core_seconds, concurrent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="wishes per backend")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--clients", type=int, default=0, help="also N creates from K clients")
    parser.add_argument("--pg-url", default=PG_DEFAULT, help="server for the temp database")
    args = parser.parse_args()
    results = []
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                results.append(bench("sqlite", f"sqlite:///{tmp}/bench.db", args.n, args.clients))
        elif backend == "postgres":
            name = f"wp_bench_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            url = make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
            try:
                results.append(bench("postgres", url, args.n, args.clients))
            finally:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
        else:
            raise SystemExit(f"unknown backend {backend!r}")
    print()
    print("Creating wishes: POST /api/v1/wishes over HTTP vs the same writes in SQLAlchemy Core")
    for result in results:
        print(result.line())


if __name__ == "__main__":
    main()
