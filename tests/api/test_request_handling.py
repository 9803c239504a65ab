"""Request handling: reads beside a writer, the token cache and its invalidation, workers."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from api.cli.main import SQLITE_ONE_WORKER, app
from api.domain.auth import hash_token, token_cache
from tests.api.apitools import Tree, new_wish


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Iterator[FakeClock]:
    fake = FakeClock()
    real = token_cache.clock
    token_cache.clock = fake
    yield fake
    token_cache.clock = real


@pytest.fixture
def token_queries(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM api_token" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_reads_do_not_wait_for_a_writer(
    client: TestClient, admin: dict[str, str], tree: Tree, engine: Engine
) -> None:
    """A write transaction held open elsewhere (SQLite: the write lock) leaves lists and
    details answering at once from their snapshot; before, every GET queued behind it."""
    wish = new_wish(client, admin, office_id=tree.street)
    with engine.connect() as writer:
        writer.begin()
        writer.execute(
            sa.text("UPDATE wish SET text = :t WHERE id = :id"),
            {"t": "未提交的修改", "id": wish["id"]},
        )
        listed = client.get("/api/v1/wishes", headers=admin)
        assert listed.status_code == 200, listed.text
        assert [w["text"] for w in listed.json()["items"]] == [wish["text"]]  # the committed one
        detail = client.get(f"/api/v1/wishes/{wish['id']}", headers=admin)
        assert detail.status_code == 200
        writer.rollback()


def test_a_known_token_costs_no_query(
    client: TestClient,
    admin: dict[str, str],
    tree: Tree,
    token_queries: list[str],
    clock: FakeClock,
) -> None:
    for _ in range(3):
        assert client.get("/api/v1/wishes", headers=admin).status_code == 200
    assert len(token_queries) == 1  # the first request looked it up; the next two did not
    clock.now += 6  # beyond token_cache_seconds (5): asked again
    assert client.get("/api/v1/wishes", headers=admin).status_code == 200
    assert len(token_queries) == 2


def test_revoking_takes_effect_at_once(
    client: TestClient, admin: dict[str, str], staff: dict[str, str], tree: Tree, clock: FakeClock
) -> None:
    assert client.get("/api/v1/wishes", headers=staff).status_code == 200  # now cached
    tokens = client.get("/api/v1/tokens", headers=admin).json()
    staff_id = next(t["id"] for t in tokens if t["role"] == "staff")
    assert client.post(f"/api/v1/tokens/{staff_id}/revoke", headers=admin).status_code == 200
    refused = client.get("/api/v1/wishes", headers=staff)
    assert refused.status_code == 401
    # Rotation stops the old secret at once too, and the new one works.
    admin_id = next(t["id"] for t in tokens if t["role"] == "admin")
    rotated = client.post(f"/api/v1/tokens/{admin_id}/rotate", headers=admin)
    assert rotated.status_code == 200, rotated.text
    assert client.get("/api/v1/wishes", headers=admin).status_code == 401
    fresh = {"Authorization": f"Bearer {rotated.json()['clear']}"}
    assert client.get("/api/v1/wishes", headers=fresh).status_code == 200


def test_a_revocation_elsewhere_shows_within_the_ttl(
    client: TestClient, admin: dict[str, str], tree: Tree, engine: Engine, clock: FakeClock
) -> None:
    """Another process (another worker, the CLI) revoking: trusted at most token_cache_seconds."""
    assert client.get("/api/v1/wishes", headers=admin).status_code == 200
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE api_token SET revoked_at = CURRENT_TIMESTAMP"))
    assert client.get("/api/v1/wishes", headers=admin).status_code == 200  # still cached
    clock.now += 5
    assert client.get("/api/v1/wishes", headers=admin).status_code == 401


def test_an_expired_token_is_refused_even_from_the_cache(
    client: TestClient, admin: dict[str, str], tree: Tree, engine: Engine, clock: FakeClock
) -> None:
    created = client.post(
        "/api/v1/tokens",
        json={"name": "临时", "role": "admin", "expires_in_days": 1},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    temporary = {"Authorization": f"Bearer {created.json()['clear']}"}
    assert client.get("/api/v1/wishes", headers=temporary).status_code == 200
    # The cached principal carries the expiry: move it into the past.
    key = hash_token(created.json()["clear"])
    principal = token_cache.get(key, 5)
    assert principal is not None and principal.expires_at is not None
    token_cache.put(
        key,
        dataclasses.replace(principal, expires_at=principal.expires_at - timedelta(days=2)),
        generation=token_cache.generation,
    )
    response = client.get("/api/v1/wishes", headers=temporary)
    assert response.status_code == 401
    assert "过期" in response.json()["error"]["message"]


def test_several_workers_need_postgresql(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("WISHPOOL_API__DATABASE_URL", f"sqlite:///{tmp_path}/w.db")
    result = CliRunner().invoke(app, ["api", "--workers", "2"])
    assert result.exit_code == 2
    assert SQLITE_ONE_WORKER in result.output
