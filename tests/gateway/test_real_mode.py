"""The gateway's real mode (``node server.js --mode real``), without a real WeChat account.

- With the default puppet, wechaty-puppet-wechat4u, it starts offline: the gRPC port listens
  and the READY line comes although wechat4u cannot reach WeChat's servers (no internet here);
  the fake account's control endpoints are off.
- With a test puppet (tests/gateway/scan_puppet.mjs) the login state machine: waiting for a scan
  with the QR code kept, logged in as, logged out; the session kept in the data directory so a
  restart logs back in without a scan.
Waits poll the gateway's /login with a deadline (the gateway has no long-poll for it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway import GatewayError, RealGateway
from tests.gateway.real_fixtures import QRCODE, PuppetControl, real_gateway, start_real_gateway

__all__ = ["real_gateway"]

pytestmark = pytest.mark.e2e


def wait_state(gateway: RealGateway, ok: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        state = gateway.login_state()
        if ok(state):
            return state
        if time.monotonic() > deadline:
            raise TimeoutError(f"login state not reached; last {state}")
        time.sleep(0.05)


def test_wechat4u_starts_offline_with_the_fake_endpoints_off(tmp_path: Path) -> None:
    with RealGateway(data_dir=tmp_path / "gw") as gateway:
        health = gateway.health()
        assert health["mode"] == "real" and health["ready"] is True
        assert health["logged_in"] is False
        state = gateway.login_state()
        assert state["puppet"] == "wechaty-puppet-wechat4u"
        assert state["state"] in {"starting", "waiting_scan"}
        # wechat4u cannot reach WeChat here: its errors are kept as text, not as GError JSON.
        error = wait_state(gateway, lambda s: s["last_error"] is not None)["last_error"]
        assert "gerror" not in error["text"]
        with pytest.raises(GatewayError, match="real mode"):
            gateway.add_contact("王芳")
        with pytest.raises(GatewayError, match="real mode"):
            gateway.sent()


def test_scan_login_logout_states(real_gateway: tuple[RealGateway, PuppetControl]) -> None:
    gateway, puppet = real_gateway
    state = wait_state(gateway, lambda s: s["state"] == "waiting_scan")
    assert state["qrcode"] == QRCODE
    qr = httpx.get(f"{gateway.base_url}/login/qr.txt", timeout=5, trust_env=False)
    assert qr.status_code == 200 and len(qr.text.splitlines()) > 10  # a terminal QR code
    assert QRCODE in gateway.stderr_tail()

    puppet.login()
    state = wait_state(gateway, lambda s: s["state"] == "logged_in" and s["user_name"])
    assert (state["user_id"], state["user_name"]) == ("wxid_office", "东风街道妇联")
    assert state["qrcode"] is None
    assert httpx.get(f"{gateway.base_url}/login/qr.txt", timeout=5).status_code == 404

    puppet.call("POST", "/logout")
    state = wait_state(gateway, lambda s: s["state"] == "logged_out")
    assert state["logouts"] == 1 and state["logged_in"] is False


def test_a_restart_logs_back_in_from_the_saved_session(tmp_path: Path) -> None:
    data_dir = tmp_path / "gw"
    gateway, puppet = start_real_gateway(data_dir)
    try:
        puppet.login()
        wait_state(gateway, lambda s: s["state"] == "logged_in")
    finally:
        puppet.http.close()
        gateway.stop()
    assert (data_dir / "session.memory-card.json").is_file()

    gateway, puppet = start_real_gateway(data_dir)
    try:
        state = wait_state(gateway, lambda s: s["state"] == "logged_in")
        assert state["scans"] == 0 and state["user_id"] == "wxid_office"
    finally:
        puppet.http.close()
        gateway.stop()
