"""Prometheus metrics: GET /metrics (text format), for monitoring the API and the ledger.

Two kinds:

- **Ledger facts, read from the database at scrape time** (wishes by status, the outbox
  backlog, dead letters, follow-up runs). Every API worker answers the same numbers, so a scrape
  may land on any worker, and a restart loses nothing.
- **Requests** (count and duration by method, route *template* and status: ``/api/v1/wishes/{
  wish_id}``, never a raw path with ids or a query). Per process; with several workers set
  ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory (the compose file mounts a tmpfs) and
  prometheus_client's multiprocess mode adds up every worker's counts.

No token is needed: the page holds counts only, nothing personal (no text, name, id or office).
``api.metrics_enabled: false`` removes it; behind a public reverse proxy, keep /metrics to the
monitoring network.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from fastapi import FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.dead_letter import DeadLetter
from models.enums import OutboxStatus, WishStatus

METRICS_PATH = "/metrics"
UNMATCHED = "unmatched"  # requests no route took (404s): one label, not every path tried


class LedgerCollector(Collector):
    """Counts from the ledger, queried on each scrape (one short read transaction)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterable[Metric]:
        wishes = GaugeMetricFamily(
            "wishpool_wishes", "Wishes in the ledger by status", labels=["status"]
        )
        outbox = GaugeMetricFamily(
            "wishpool_outbox_messages", "Outbox messages by status", labels=["status"]
        )
        backlog = GaugeMetricFamily(
            "wishpool_outbox_backlog", "Outbox messages waiting for the bot (pending)"
        )
        runs = GaugeMetricFamily(
            "wishpool_scheduler_runs",
            "Follow-up runs on record (the newest scheduler.runs_keep per job) by outcome",
            labels=["job", "outcome"],
        )
        last_run = GaugeMetricFamily(
            "wishpool_scheduler_last_run_timestamp_seconds",
            "When each follow-up job last finished (Unix time)",
            labels=["job"],
        )
        with self.engine.connect() as conn:
            by_status = dict(_grouped(conn, "wish", "status"))
            for status in WishStatus:
                wishes.add_metric([status.value], by_status.get(status.value, 0))
            by_outbox = dict(_grouped(conn, "outbox", "status"))
            for outbox_status in OutboxStatus:
                outbox.add_metric([outbox_status.value], by_outbox.get(outbox_status.value, 0))
            backlog.add_metric([], by_outbox.get(OutboxStatus.pending.value, 0))
            run = sa.table(
                "scheduler_run", sa.column("job_id"), sa.column("error"), sa.column("finished_at")
            )
            outcome = sa.case((run.c.error.is_(None), "ok"), else_="error")
            query = sa.select(run.c.job_id, outcome, sa.func.count()).group_by(
                run.c.job_id, outcome
            )
            for job, result, count in conn.execute(query):
                runs.add_metric([job, result], count)
            latest = sa.select(run.c.job_id, sa.func.max(run.c.finished_at)).group_by(run.c.job_id)
            for job, finished in conn.execute(latest):
                if finished is not None:
                    last_run.add_metric([job], _epoch(finished))
            dead = GaugeMetricFamily(
                "wishpool_dead_letters", "Messages set aside after failing for good"
            )
            dead.add_metric(
                [], conn.execute(sa.select(sa.func.count()).select_from(DeadLetter)).scalar_one()
            )
            families: list[Metric] = [wishes, outbox, backlog, runs, last_run, dead]
            conn.rollback()
        return families


def _grouped(conn: sa.Connection, table: str, column: str) -> Iterator[tuple[str, int]]:
    t = sa.table(table, sa.column(column))
    query = sa.select(t.c[column], sa.func.count()).group_by(t.c[column])
    for value, count in conn.execute(query):
        yield str(value), int(count)


def _epoch(value: object) -> float:
    from datetime import UTC, datetime

    if isinstance(value, str):  # SQLite without type information returns text
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # the ledger stores UTC
    return value.timestamp()


def route_template(scope: Scope) -> str:
    """The matched route's full template (``/api/v1/wishes/{wish_id}``) or ``unmatched``.

    FastAPI leaves the route as declared in scope["route"] (``/wishes/{wish_id}``, without the
    prefixes of the routers it was included in); the prefix is the raw path's leading segments
    the template does not cover (router prefixes are fixed text, never ids)."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not template:
        return UNMATCHED
    if isinstance(route, Mount):
        return f"{template}/{{path}}"
    if ":path}" in template:  # a converter spanning segments: the declared template will do
        return str(template)
    parts = str(scope.get("path", "")).rstrip("/").split("/")
    depth = template.rstrip("/").count("/")
    prefix = "/".join(parts[: len(parts) - depth]) if depth else "/".join(parts)
    return f"{prefix}{template}"


class RequestMetrics:
    """ASGI middleware: counts every HTTP request by method, route template and status."""

    def __init__(self, app: ASGIApp, *, requests: Counter, duration: Histogram) -> None:
        self.app = app
        self.requests = requests
        self.duration = duration

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # an exception before any answer is a server error
        started = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            template = route_template(scope)
            method = scope.get("method", "?")
            self.requests.labels(method, template, str(status)).inc()
            self.duration.labels(method, template).observe(time.perf_counter() - started)


def install_metrics(app: FastAPI, engine: Engine) -> None:
    """Serves GET /metrics and counts requests (called once per app by create_app)."""
    if not app.state.settings.metrics_enabled:
        return
    multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
    registry = CollectorRegistry()  # no auto_describe: it would query at start
    # Multiprocess mode: the values live in the shared directory's files, whichever process
    # counted them, and MultiProcessCollector adds them up; else in this app's registry.
    own = None if multiprocess else registry
    if multiprocess:
        MultiProcessCollector(registry)
    requests = Counter(
        "wishpool_http_requests",
        "HTTP requests by method, route template and status",
        ["method", "route", "status"],
        registry=own,
    )
    duration = Histogram(
        "wishpool_http_request_duration_seconds",
        "Time to answer an HTTP request",
        ["method", "route"],
        registry=own,
    )
    registry.register(LedgerCollector(engine))
    app.add_middleware(RequestMetrics, requests=requests, duration=duration)

    @app.get(METRICS_PATH, include_in_schema=False)
    def metrics() -> Response:  # sync: the ledger queries run in the thread pool
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
