"""The bot's metrics page (bot.metrics_port): spool depth and login state from health.json."""

from __future__ import annotations

from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.app import BotApp
from bot.delivery import write_json_atomically
from bot.metrics import serve_metrics
from bot.settings import BotSettings


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert response.status_code == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def test_spool_depth_and_login_state(tmp_path: Path) -> None:
    settings = BotSettings(data_dir=tmp_path / "bot", metrics_port=0, api_token="t")
    settings.data_dir.mkdir()
    app = BotApp(settings)
    try:
        port = serve_metrics(settings)
        assert port
        # Before the bot has written its health file: only "not present".
        assert scrape(port)[("wishpool_bot_health_present", ())] == 0

        app.spool.enqueue("m1", "wish", {"text": "想学电商"})
        app.spool.enqueue("m2", "wish", {"text": "想学烘焙"})
        app.login_state = "waiting_scan"
        app.qrcode = "https://login.weixin.qq.com/l/secret-qr"
        write_json_atomically(settings.health_path, app.health())
        samples = scrape(port)
        assert samples[("wishpool_bot_health_present", ())] == 1
        assert samples[("wishpool_bot_spool_depth", ())] == 2
        assert samples[("wishpool_bot_logged_in", ())] == 0
        assert samples[("wishpool_bot_login_state", (("state", "waiting_scan"),))] == 1
        assert samples[("wishpool_bot_login_state", (("state", "logged_in"),))] == 0
        assert 0 <= samples[("wishpool_bot_health_age_seconds", ())] < 60

        app.alert("logout", "the WeChat account was logged out")
        app.login_state = "logged_out"
        write_json_atomically(settings.health_path, app.health())
        samples = scrape(port)
        assert samples[("wishpool_bot_login_state", (("state", "logged_out"),))] == 1
        assert samples[("wishpool_bot_alerts_total", (("kind", "logout"),))] == 1
        page = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert "secret-qr" not in page and "电商" not in page  # no QR code, no text
    finally:
        app.spool.close()


def test_off_by_default(tmp_path: Path) -> None:
    settings = BotSettings(data_dir=tmp_path)
    assert settings.metrics_port is None
    assert serve_metrics(settings) is None
