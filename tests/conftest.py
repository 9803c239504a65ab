"""Fixtures shared by every test package: a fresh, migrated database per test.

Each storage test runs on SQLite and on PostgreSQL. The PostgreSQL leg is not optional: if the
server at WISHPOOL_TEST_POSTGRES_URL cannot be reached the tests fail, they do not skip.
Migrations run once per session into a template; each test gets a copy of it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from models.db import make_engine
from models.migrate import upgrade

POSTGRES_URL = os.environ.get(
    "WISHPOOL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgres")


def _pg_admin() -> Engine:
    return sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[str]:
    admin = _pg_admin()
    name = f"wp_tpl_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is required and unreachable: {exc}")
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _copy_pg(template: str) -> tuple[str, str]:
    name = f"wp_t_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    return name, make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def _drop_pg(name: str) -> None:
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, fully migrated database, on each backend in turn."""
    if request.param == "sqlite":
        path = tmp_path / "wishpool.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    name, url = _copy_pg(request.getfixturevalue("_pg_template"))
    try:
        yield url
    finally:
        _drop_pg(name)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as sess:
        yield sess


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The reliability drills' figures (in, logged, lost, duplicated), whatever -s says."""
    from tests.drill_report import lines

    found = lines()
    if found:
        terminalreporter.section("reliability drills")
        for line in found:
            terminalreporter.write_line(line)
