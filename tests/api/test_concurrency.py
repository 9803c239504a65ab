"""Two staff claiming the same wish at once: exactly one wins, the other gets 409.

Real concurrent requests: the app runs under uvicorn on a free port against the test database
(a SQLite file or a PostgreSQL database), and two threads fire their claims behind a barrier.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from sqlalchemy.engine import Engine

from api.http.app import create_app
from api.settings import ApiSettings
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
