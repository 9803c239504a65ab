"""Concurrency through real HTTP: claims racing, 64 clients at once, a saturated server.

The app runs under uvicorn on a free port against the test database (a SQLite file or a
PostgreSQL database); client threads fire their requests behind a barrier.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.http.app import create_app
from api.settings import ApiSettings
from models import Wish
from tests.api.apitools import Tree

ROUNDS = 5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(db_url: str, engine: Engine, tree: Tree) -> Iterator[str]:
    settings = ApiSettings(database_url=db_url, run_scheduler=False, auto_migrate=False)
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, engine=engine), host="127.0.0.1", port=port, log_level="warning"
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


def claim(
    server: str,
    wish_id: int,
    headers: dict[str, str],
    barrier: threading.Barrier,
    results: list[httpx.Response],
) -> None:
    # One client per thread: each claim travels on its own connection.
    with httpx.Client(base_url=server, timeout=30) as own:
        barrier.wait()
        response = own.post(f"/api/v1/wishes/{wish_id}/claim", json={}, headers=headers)
    results.append(response)  # list.append is atomic under the GIL


def test_concurrent_claims_one_wins(
    server: str, staff: dict[str, str], admin: dict[str, str], tree: Tree
) -> None:
    with httpx.Client(base_url=server, timeout=30) as client:
        for _ in range(ROUNDS):
            created = client.post(
                "/api/v1/wishes", json={"text": "抢着认领", "office_id": tree.street}, headers=admin
            )
            assert created.status_code == 201, created.text
            wish_id = created.json()["id"]
            barrier = threading.Barrier(2)
            results: list[httpx.Response] = []
            threads = [
                threading.Thread(target=claim, args=(server, wish_id, h, barrier, results))
                for h in (staff, admin)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            codes = sorted(r.status_code for r in results)
            assert codes == [200, 409], [r.text for r in results]
            loser = next(r for r in results if r.status_code == 409)
            assert loser.json()["error"]["code"] == "invalid_transition"
            detail = client.get(f"/api/v1/wishes/{wish_id}", headers=admin).json()
            claims = [e for e in detail["timeline"] if e["to_status"] == "claimed"]
            assert len(claims) == 1 and detail["wish"]["version"] == 2


# ---- 64 clients at once -------------------------------------------------------------------

CLIENTS = 64
PER_CLIENT = 3


@pytest.fixture
def own_server(db_url: str, tree: Tree) -> Iterator[tuple[str, dict[str, Any]]]:
    """The app as deployed: its own engine, pool sized by the settings (not the test's)."""
    state: dict[str, Any] = {}
    settings = ApiSettings(database_url=db_url, run_scheduler=False, auto_migrate=False)
    app = create_app(settings)
    state["app"] = app
    with serve(app) as base:
        yield base, state


@contextlib.contextmanager
def serve(app: Any) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", backlog=512)
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(timeout=10)


def _storm(base: str, work: Any) -> tuple[list[int], list[str]]:
    """Runs ``work(client, i)`` from CLIENTS threads released together; (statuses, errors)."""
    barrier = threading.Barrier(CLIENTS)
    statuses: list[int] = []
    errors: list[str] = []

    def client_thread(i: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as own:
            barrier.wait()
            for j in range(PER_CLIENT):
                try:
                    response = work(own, i * PER_CLIENT + j)
                except httpx.HTTPError as exc:  # a reset or a 60 s hang
                    errors.append(type(exc).__name__)
                    continue
                statuses.append(response.status_code)
                if response.status_code == 503:
                    assert response.headers.get("Retry-After"), response.text

    threads = [threading.Thread(target=client_thread, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "clients still waiting after 300 s"
    return statuses, errors


def test_64_clients_creating_and_listing(
    own_server: tuple[str, dict[str, Any]],
    staff: dict[str, str],
    admin: dict[str, str],
    tree: Tree,
    session: Session,
) -> None:
    base, _ = own_server

    def create(client: httpx.Client, n: int) -> httpx.Response:
        body = {"text": f"并发登记第{n}条心愿", "office_id": tree.street}
        return client.post("/api/v1/wishes", json=body, headers=staff if n % 2 else admin)

    statuses, errors = _storm(base, create)
    assert errors == []
    assert sorted(set(statuses)) == [201], statuses  # no 5xx, and not even a 503 at this load
    total = CLIENTS * PER_CLIENT
    numbers = session.exec(select(Wish.seq).where(Wish.office_id == tree.street)).all()
    session.rollback()
    assert sorted(numbers) == list(range(1, total + 1))  # every number handed out once

    def browse(client: httpx.Client, n: int) -> httpx.Response:
        params = {"limit": 20, "q": "并发登记"} if n % 3 == 0 else {"limit": 20}
        return client.get("/api/v1/wishes", params=params, headers=staff if n % 2 else admin)

    statuses, errors = _storm(base, browse)
    assert errors == []
    assert sorted(set(statuses)) == [200], statuses


def test_saturated_server_answers_503_with_retry_after(
    db_url: str, engine: Engine, admin: dict[str, str], tree: Tree
) -> None:
    """One slot, held by a create waiting on a lock the test holds: the next request is told
    to come back (503 + Retry-After) within the queue timeout instead of hanging, and writes
    nothing; once the lock goes, the held create completes."""
    settings = ApiSettings(
        database_url=db_url,
        run_scheduler=False,
        auto_migrate=False,
        max_concurrency=1,
        queue_timeout_seconds=0.5,
    )
    body = {"text": "排队的心愿", "office_id": tree.street}
    with serve(create_app(settings)) as base, engine.connect() as blocker:
        # Hold the office's row (PostgreSQL) or the write lock (SQLite, BEGIN IMMEDIATE).
        blocker.begin()
        blocker.execute(
            sa.text("UPDATE office SET wish_seq = wish_seq WHERE id = :id"), {"id": tree.street}
        )
        held: list[httpx.Response] = []
        first = threading.Thread(
            target=lambda: held.append(
                httpx.post(f"{base}/api/v1/wishes", json=body, headers=admin, timeout=60)
            )
        )
        first.start()
        deadline = time.monotonic() + 30
        with httpx.Client(base_url=base, timeout=60) as client:
            while True:  # until the first create holds the slot
                started = time.monotonic()
                response = client.get("/api/v1/wishes", headers=admin)
                if response.status_code == 503:
                    break
                assert time.monotonic() < deadline, "the slot was never taken"
            assert time.monotonic() - started < 5
            assert response.headers["Retry-After"].isdigit()
            assert response.json()["error"]["code"] == "busy"
            refused = client.post("/api/v1/wishes", json={**body, "text": "被拒的"}, headers=admin)
            assert refused.status_code == 503
            blocker.rollback()
            first.join(timeout=60)
            assert [r.status_code for r in held] == [201]
            after = client.get("/api/v1/wishes", params={"q": "被拒的"}, headers=admin).json()
            assert after["total"] == 0
            assert client.get("/api/v1/health").status_code == 200  # never queued
