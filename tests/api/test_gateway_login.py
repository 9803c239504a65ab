"""GET /api/v1/gateway/login: the admin page's view of the WeChat account's login state, read from
the gateway's local HTTP side. Against the gateway in real mode with the test puppet
(tests/gateway/real_fixtures.py): waiting for a scan with the QR code, logged in as, logged out;
not configured; unreachable. Waits poll the API with a deadline (the state changes in the gateway
process; there is nothing to wait on)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.http.app import create_app
from api.settings import ApiSettings
from gateway import RealGateway
from tests.gateway.real_fixtures import PuppetControl, free_port, real_gateway

__all__ = ["real_gateway"]


def client_for(db_url: str, engine: Engine, gateway_control_url: str) -> TestClient:
    settings = ApiSettings(
        database_url=db_url,
        run_scheduler=False,
        auto_migrate=False,
        gateway_control_url=gateway_control_url,
    )
    return TestClient(create_app(settings, engine=engine))


def wait_login(
    client: TestClient, headers: dict[str, str], ok: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        response = client.get("/api/v1/gateway/login", headers=headers)
        assert response.status_code == 200
        body: dict[str, Any] = response.json()
        if ok(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


@pytest.mark.e2e
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_page_sees_scan_login_and_logout(
    db_url: str,
    engine: Engine,
    staff: dict[str, str],
    real_gateway: tuple[RealGateway, PuppetControl],
) -> None:
    gateway, puppet = real_gateway
    assert gateway.base_url is not None
    with client_for(db_url, engine, gateway.base_url) as client:
        assert client.get("/api/v1/gateway/login").status_code == 401
        body = wait_login(client, staff, lambda b: b["state"] == "waiting_scan")
        assert body["configured"] is True and body["state"] == "waiting_scan"
        assert len(body["qr_text"].splitlines()) > 10  # the QR code, as text
        assert "qrcode" not in body  # the login URL itself stays on the gateway

        puppet.login(name="东风街道妇联")
        body = wait_login(client, staff, lambda b: b["user_name"] == "东风街道妇联")
        assert (body["state"], body["user_name"], body["qr_text"]) == (
            "logged_in",
            "东风街道妇联",
            "",
        )

        puppet.call("POST", "/logout")
        body = wait_login(client, staff, lambda b: b["state"] == "logged_out")
        assert body["state"] == "logged_out" and body["logouts"] == 1


def test_not_configured_and_unreachable(db_url: str, engine: Engine, staff: dict[str, str]) -> None:
    with client_for(db_url, engine, "") as client:
        body = client.get("/api/v1/gateway/login", headers=staff).json()
        assert body == {"configured": False, "state": None}
    with client_for(db_url, engine, f"http://127.0.0.1:{free_port()}") as client:
        body = client.get("/api/v1/gateway/login", headers=staff).json()
        assert body == {"configured": True, "state": "unreachable"}
