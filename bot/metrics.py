"""The bot's Prometheus metrics: spool depth, login state and deliveries, on ``bot.metrics_port``.

The bot already writes its state to ``data_dir/health.json`` every two seconds (bot/app.py);
the metrics page reads that file at each scrape, so the HTTP server (prometheus_client's, in a
daemon thread) shares nothing with the event loop: no lock, no sqlite connection across threads.
``wishpool_bot_health_age_seconds`` tells a stale file (a hung bot) from a fresh one. The QR code
and the alert texts are not exposed; counts and states only.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.settings import BotSettings

logger = logging.getLogger(__name__)

LOGIN_STATES = ("starting", "waiting_scan", "logged_in", "logged_out")


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class HealthFileCollector(Collector):
    def __init__(self, health_path: Path) -> None:
        self.health_path = health_path

    def collect(self) -> Iterable[Metric]:
        health = _read(self.health_path)
        present = GaugeMetricFamily(
            "wishpool_bot_health_present", "Whether the bot's health.json could be read"
        )
        present.add_metric([], 0 if health is None else 1)
        yield present
        if health is None:
            return

        def gauge(name: str, doc: str, value: Any) -> GaugeMetricFamily:
            family = GaugeMetricFamily(name, doc)
            family.add_metric([], float(value or 0))
            return family

        yield gauge("wishpool_bot_spool_depth", "Wishes/commands waiting for the API",
                    health.get("spooled"))  # fmt: skip
        yield gauge("wishpool_bot_connected", "Connected to the puppet service",
                    health.get("connected"))  # fmt: skip
        yield gauge("wishpool_bot_logged_in", "The WeChat account is logged in",
                    health.get("logged_in"))  # fmt: skip
        yield gauge("wishpool_bot_api_reachable", "The ledger API answered the last call",
                    health.get("api_reachable"))  # fmt: skip
        state = GaugeMetricFamily(
            "wishpool_bot_login_state",
            "Login state of the WeChat account as the gateway reports it (1 = current)",
            labels=["state"],
        )
        for name in LOGIN_STATES:
            state.add_metric([name], 1 if health.get("login_state") == name else 0)
        yield state
        sent = CounterMetricFamily(
            "wishpool_bot_messages_sent", "Messages the bot sent since it started"
        )
        sent.add_metric([], float(health.get("messages_sent") or 0))
        yield sent
        alerts = CounterMetricFamily(
            "wishpool_bot_alerts",
            "Alerts since the bot started (logout, heartbeat_missing)",
            labels=["kind"],
        )
        for kind, count in sorted((health.get("alert_counts") or {}).items()):
            alerts.add_metric([str(kind)], float(count))
        yield alerts
        updated = health.get("updated_at")
        if isinstance(updated, int | float):
            yield gauge("wishpool_bot_health_age_seconds",
                        "Seconds since the bot last wrote health.json",
                        max(0.0, time.time() - updated))  # fmt: skip


def serve_metrics(settings: BotSettings) -> int | None:
    """Starts the metrics page when ``bot.metrics_port`` is set; returns the port it listens on
    (0 picks a free one), or None when switched off."""
    if settings.metrics_port is None:
        return None
    registry = CollectorRegistry()
    registry.register(HealthFileCollector(settings.health_path))
    server, _thread = start_http_server(
        settings.metrics_port, addr=settings.metrics_host, registry=registry
    )
    port = int(server.server_port)
    logger.info("bot metrics on http://%s:%d/metrics", settings.metrics_host, port)
    return port
