"""Each HTTP request is one transaction: committed before the response is sent, rolled back when
anything in it failed. Domain functions only flush; the entry point commits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from api.domain import outbox
from api.domain.auth import authenticate, create_token
from api.domain.errors import InvalidInput, Unauthorized
from api.domain.offices import create_office
from api.domain.outbox import enqueue_message, lease_messages
from api.http.app import create_app
from api.http.deps import SessionDep
from api.settings import ApiSettings
from models import Office, Outbox
from models.enums import OfficeLevel, OutboxTarget, Role
from models.org import OfficeCreate
from models.outbox import OutboxCreate
from tests.api.apitools import Tree

Check = Callable[[], int]


class AtResponseStart:
    """ASGI middleware: when a response starts, records what another connection sees."""

    def __init__(self, app: Any, check: Check, seen: list[int]) -> None:
        self.app = app
        self.check = check
        self.seen = seen

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def watching(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                self.seen.append(self.check())
            await send(message)

        await self.app(scope, receive, watching if scope["type"] == "http" else send)


@pytest.fixture
def outside(db_url: str) -> Iterator[Engine]:
    """Another connection, as another worker would have. Plain transactions (no BEGIN
    IMMEDIATE on SQLite), so looking never waits for the app's write lock."""
    other = sa.create_engine(db_url)
    yield other
    other.dispose()


def _offices(other: Engine, code: str | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(Office)
    if code is not None:
        query = query.where(col(Office.code) == code)
    with other.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _office_in(code: str, name: str = "试点社区妇联") -> OfficeCreate:
    return OfficeCreate(name=name, code=code, level=OfficeLevel.community)


def _test_app(db_url: str, engine: Engine) -> FastAPI:
    """The real app plus routes that exist only here, to fail at chosen points."""
    settings = ApiSettings(database_url=db_url, run_scheduler=False, auto_migrate=False)
    app = create_app(settings, engine=engine)

    @app.post("/test/offices", status_code=201)
    def add_office(
        session: SessionDep, office_in: OfficeCreate, fail: str | None = None
    ) -> dict[str, int]:
        office = create_office(session=session, office_in=office_in)
        if fail == "domain":
            raise InvalidInput("测试：写入之后出错，这次的改动都不保存")
        if fail == "bug":
            raise RuntimeError("a bug after the first write")
        return {"id": office.id or 0}

    @app.post("/test/offices/flushed", status_code=201)
    def add_flushed(session: SessionDep, office_in: OfficeCreate) -> dict[str, int]:
        # Only a flush, as every domain function does now: the dependency must commit.
        office = Office.model_validate(office_in, update={"path": "/"})
        session.add(office)
        session.flush()
        return {"id": office.id or 0}

    @app.post("/test/offices/twice")
    def add_twice(session: SessionDep, office_in: OfficeCreate) -> dict[str, bool]:
        # Never flushed: the unique code clashes only at the request's commit.
        for _ in range(2):
            session.add(Office.model_validate(office_in, update={"path": "/"}))
        return {"ok": True}

    return app


@pytest.fixture
def watched(db_url: str, engine: Engine, outside: Engine) -> Iterator[tuple[TestClient, list[int]]]:
    """A client whose responses record how many offices another connection sees as they start."""
    seen: list[int] = []
    app = _test_app(db_url, engine)
    app.add_middleware(AtResponseStart, check=lambda: _offices(outside), seen=seen)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, seen


@pytest.mark.parametrize("fail", ["domain", "bug"])
def test_a_request_failing_after_a_write_stores_nothing(
    watched: tuple[TestClient, list[int]], outside: Engine, fail: str
) -> None:
    client, _ = watched
    response = client.post(
        "/test/offices", params={"fail": fail}, json=_office_in("SD").model_dump()
    )
    assert response.status_code == (422 if fail == "domain" else 500)
    assert "error" in response.json()
    assert _offices(outside, "SD") == 0


def test_a_successful_write_is_committed_before_the_response_starts(
    watched: tuple[TestClient, list[int]], outside: Engine
) -> None:
    client, seen = watched
    response = client.post("/test/offices/flushed", json=_office_in("SD").model_dump())
    assert response.status_code == 201, response.text
    assert seen == [1]  # another connection saw the row before the client got its answer
    assert _offices(outside, "SD") == 1


def test_an_admin_create_is_visible_to_a_new_session_at_once(
    watched: tuple[TestClient, list[int]],
    outside: Engine,
    engine: Engine,
    tree: Tree,
    admin: dict[str, str],
) -> None:
    client, seen = watched
    before = _offices(outside)
    body = {"name": "新城社区妇联", "code": "XC", "level": "community", "parent_id": tree.street}
    response = client.post("/api/v1/offices", json=body, headers=admin)
    assert response.status_code == 201, response.text
    assert seen == [before + 1]
    with Session(engine) as fresh:
        assert fresh.get(Office, response.json()["id"]) is not None


def test_a_clash_found_only_at_commit_is_a_409_and_stores_nothing(
    watched: tuple[TestClient, list[int]], outside: Engine
) -> None:
    client, _ = watched
    response = client.post("/test/offices/twice", json=_office_in("SD").model_dump())
    assert response.status_code == 409
    assert response.json()["error"]["message"] == "保存失败：数据与现有记录冲突"
    assert _offices(outside, "SD") == 0


# ---- domain functions flush, they do not commit ---------------------------------------------


def _message(key: str | None = None) -> OutboxCreate:
    return OutboxCreate(
        target_kind=OutboxTarget.room, target_id="room@chatroom", text="测试通知", dedupe_key=key
    )


def _outbox_count(engine: Engine) -> int:
    with Session(engine) as fresh:
        return int(fresh.exec(select(func.count()).select_from(Outbox)).one())


def test_office_create_and_enqueue_leave_the_commit_to_the_caller(
    session: Session, engine: Engine
) -> None:
    create_office(session=session, office_in=_office_in("SD"))
    enqueue_message(session=session, message_in=_message("k1"))
    session.rollback()
    assert _outbox_count(engine) == 0
    assert session.exec(select(Office).where(Office.code == "SD")).first() is None


def test_a_token_not_committed_never_works(session: Session) -> None:
    _, clear = create_token(session=session, name="未保存", role=Role.admin)
    assert authenticate(session=session, clear=clear).role == Role.admin  # same transaction
    session.rollback()
    with pytest.raises(Unauthorized):
        authenticate(session=session, clear=clear)


def test_a_lease_not_committed_is_offered_again(session: Session) -> None:
    enqueue_message(session=session, message_in=_message())
    session.commit()
    assert len(lease_messages(session=session, limit=10, lease_seconds=60)) == 1
    session.rollback()
    assert len(lease_messages(session=session, limit=10, lease_seconds=60)) == 1


def test_a_dedupe_race_keeps_the_rest_of_the_transaction(
    session: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(engine) as other:  # another scheduler instance got there first
        enqueue_message(session=other, message_in=_message("followup:digest:1:2026-03-02"))
        other.commit()
    session.add(Office.model_validate(_office_in("SD"), update={"path": "/"}))
    session.flush()  # a write of this transaction that the race must not undo
    real = outbox._by_key
    looks: list[str] = []

    def late(s: Session, key: str) -> Outbox | None:
        # The first look misses it: the other instance committed just after.
        looks.append(key)
        return None if len(looks) == 1 else real(s, key)

    monkeypatch.setattr(outbox, "_by_key", late)
    queued = enqueue_message(session=session, message_in=_message("followup:digest:1:2026-03-02"))
    assert queued.id is not None and len(looks) == 2
    session.commit()
    assert _outbox_count(engine) == 1
    assert session.exec(select(Office).where(Office.code == "SD")).first() is not None
