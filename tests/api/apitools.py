"""Helpers shared by the API tests (`from tests.api.apitools import …`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.http.app import create_app
from api.settings import ApiSettings


@dataclass
class Tree:
    city: int
    east: int
    street: int
    community: int
    west: int
    group: int  # in 东风街道, bot enabled
    west_group: int
    staff: int  # a staff member of 东风街道
    west_staff: int
    org: int  # in 幸福社区
    resource: int  # city-wide
    west_resource: int


def make_client(db_url: str, engine: Engine) -> TestClient:
    # Suites that walk every route with a wrong token would trip the failed-login throttle;
    # tests/api/test_security.py builds its own app with a small limit.
    settings = ApiSettings(
        database_url=db_url,
        run_scheduler=False,
        auto_migrate=False,
        auth_failures_per_minute=100_000,
    )
    return TestClient(create_app(settings, engine=engine))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_wish(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"text": "希望社区组织一次亲子阅读活动", "category": "family", **fields}
    response = client.post("/api/v1/wishes", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def table_counts(session: Session) -> dict[str, int]:
    """Rows per table, to prove a refused request changed nothing."""
    from sqlmodel import SQLModel

    session.expire_all()
    counts = {}
    for name, table in SQLModel.metadata.tables.items():
        counts[name] = len(session.exec(select(table)).all())  # type: ignore[call-overload]
    session.rollback()  # end the read transaction (SQLite holds the write lock in it)
    return counts
