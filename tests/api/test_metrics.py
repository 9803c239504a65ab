"""GET /metrics: Prometheus text, ledger counts read at scrape time, requests by route template."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.http.app import create_app
from api.settings import ApiSettings
from models.dead_letter import DeadLetter
from tests.api.apitools import Tree, new_wish

REPO = Path(__file__).resolve().parents[2]


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_a_new_wish_is_counted(client: TestClient, admin: dict[str, str], tree: Tree) -> None:
    before = scrape(client)
    new_key = ("wishpool_wishes", (("status", "new"),))
    assert before[new_key] == 0
    new_wish(client, admin, office_id=tree.community)
    after = scrape(client)
    assert after[new_key] == before[new_key] + 1
    assert after[("wishpool_wishes", (("status", "fulfilled"),))] == 0


def test_requests_are_counted_by_route_template(
    client: TestClient, admin: dict[str, str], tree: Tree
) -> None:
    wish = new_wish(client, admin, office_id=tree.community)
    for _ in range(2):
        assert client.get(f"/api/v1/wishes/{wish['id']}", headers=admin).status_code == 200
    assert client.get("/no/such/page").status_code == 404
    samples = scrape(client)
    key = (
        "wishpool_http_requests_total",
        (("method", "GET"), ("route", "/api/v1/wishes/{wish_id}"), ("status", "200")),
    )
    assert samples[key] == 2
    assert (
        samples[
            (
                "wishpool_http_requests_total",
                (("method", "GET"), ("route", "unmatched"), ("status", "404")),
            )
        ]
        == 1
    )
    # No raw path (with an id) and no query ever becomes a label.
    routes = {dict(labels).get("route") for _, labels in samples}
    assert f"/api/v1/wishes/{wish['id']}" not in routes and "/no/such/page" not in routes


def test_outbox_backlog_and_runs(client: TestClient, engine: Engine, tree: Tree) -> None:
    outbox = sa.table(
        "outbox",
        *(
            sa.column(c)
            for c in (
                "target_kind",
                "target_id",
                "text",
                "mention_ids",
                "urgent",
                "kind",
                "status",
                "attempts",
                "created_at",
            )
        ),
    )
    run = sa.table(
        "scheduler_run",
        sa.column("job_id"),
        sa.column("started_at"),
        sa.column("finished_at"),
        sa.column("counts"),
        sa.column("error"),
    )
    now = sa.func.current_timestamp()
    with engine.begin() as conn:
        for status in ("pending", "pending", "pending", "sent", "failed"):
            conn.execute(
                outbox.insert().values(
                    target_kind="room",
                    target_id="r@chatroom",
                    text="提醒",
                    mention_ids="[]",
                    urgent=False,
                    kind="reminder",
                    status=status,
                    attempts=0,
                    created_at=now,
                )
            )
        for error in (None, None, "boom"):
            conn.execute(
                run.insert().values(
                    job_id="followup-remind",
                    started_at=now,
                    finished_at=now,
                    counts="{}",
                    error=error,
                )
            )
    samples = scrape(client)
    assert samples[("wishpool_outbox_backlog", ())] == 3
    assert samples[("wishpool_outbox_messages", (("status", "failed"),))] == 1
    runs = "wishpool_scheduler_runs"
    assert samples[(runs, (("job", "followup-remind"), ("outcome", "ok")))] == 2
    assert samples[(runs, (("job", "followup-remind"), ("outcome", "error")))] == 1
    assert (
        samples[("wishpool_scheduler_last_run_timestamp_seconds", (("job", "followup-remind"),))]
        > 1.7e9
    )
    assert samples[("wishpool_dead_letters", ())] == 0


def test_dead_letters_are_counted(client: TestClient, engine: Engine) -> None:
    with Session(engine) as session:
        session.add_all(
            [DeadLetter(message_id="m1", kind="wish"), DeadLetter(message_id="m2", kind="command")]
        )
        session.commit()
    assert scrape(client)[("wishpool_dead_letters", ())] == 2


def test_metrics_hold_no_personal_text(
    client: TestClient, admin: dict[str, str], tree: Tree
) -> None:
    new_wish(client, admin, office_id=tree.community, text="希望学做面点，联系人王芳")
    page = client.get("/metrics").text
    assert "王芳" not in page and "面点" not in page
    assert "Authorization" not in page


@pytest.mark.parametrize("enabled", [False])
def test_metrics_can_be_switched_off(db_url: str, engine: Engine, enabled: bool) -> None:
    settings = ApiSettings(
        database_url=db_url, run_scheduler=False, auto_migrate=False, metrics_enabled=enabled
    )
    with TestClient(create_app(settings, engine=engine)) as off:
        assert off.get("/metrics").status_code == 404
        assert off.get("/api/v1/health").status_code == 200


WORKER = """
import sys
from fastapi.testclient import TestClient
from api.http.app import create_app
from api.settings import ApiSettings

settings = ApiSettings(database_url=sys.argv[1], run_scheduler=False, auto_migrate=True)
with TestClient(create_app(settings)) as client:
    for _ in range(int(sys.argv[2])):
        assert client.get("/api/v1/health").status_code == 200
    print(client.get("/metrics").text)
"""


def test_workers_add_up_in_multiprocess_mode(tmp_path: Path) -> None:
    # Two processes (as two uvicorn workers would be) share PROMETHEUS_MULTIPROC_DIR: a scrape
    # answered by either counts the requests both handled.
    shared = tmp_path / "metrics"
    shared.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared), "PYTHONPATH": str(REPO)}
    url = f"sqlite:///{tmp_path / 'wishpool.db'}"
    pages = [
        subprocess.run(
            [sys.executable, "-c", WORKER, url, str(count)],
            env=env, capture_output=True, text=True, timeout=120, check=True, cwd=REPO,
        ).stdout
        for count in (3, 2)
    ]  # fmt: skip
    key = (
        "wishpool_http_requests_total",
        (("method", "GET"), ("route", "/api/v1/health"), ("status", "200")),
    )

    def parsed(page: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(page)
            for s in family.samples
        }

    assert parsed(pages[0])[key] == 3
    assert parsed(pages[1])[key] == 5  # the first process's three and its own two
    assert parsed(pages[1])[("wishpool_wishes", (("status", "new"),))] == 0
