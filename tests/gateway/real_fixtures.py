"""The gateway in real mode with a test puppet (tests/gateway/scan_puppet.mjs) in place of a real
account's puppet: it asks for a QR scan at start and logs in, errs or logs out when a test says so
over its own small HTTP interface. Test doubles live here, never in gateway/."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway import RealGateway

SCAN_PUPPET = Path(__file__).resolve().parent / "scan_puppet.mjs"
QRCODE = "https://login.weixin.qq.com/l/wishpool-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PuppetControl:
    """The test puppet's control interface (it runs inside the gateway process)."""

    def __init__(self, port: int) -> None:
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5, trust_env=False)

    def call(self, method: str, path: str, **body: Any) -> Any:
        response = self.http.request(method, path, json=body or None)
        response.raise_for_status()
        return response.json()

    def login(self, id: str = "wxid_office", name: str = "东风街道妇联") -> None:
        self.call("POST", "/login", id=id, name=name)

    def state(self) -> dict[str, Any]:
        return dict(self.call("GET", "/state"))

    def sent(self) -> list[dict[str, str]]:
        """What the bot sent through this puppet: ``[{to, text}]``."""
        return list(self.call("GET", "/sent"))


def start_real_gateway(data_dir: Path) -> tuple[RealGateway, PuppetControl]:
    port = free_port()
    gateway = RealGateway(
        data_dir=data_dir,
        puppet=str(SCAN_PUPPET),
        env={"TEST_PUPPET_PORT": str(port), "TEST_PUPPET_QRCODE": QRCODE},
    )
    gateway.start()
    return gateway, PuppetControl(port)


@pytest.fixture
def real_gateway(tmp_path: Path) -> Iterator[tuple[RealGateway, PuppetControl]]:
    gateway, puppet = start_real_gateway(tmp_path / "gateway")
    try:
        yield gateway, puppet
    finally:
        puppet.http.close()
        gateway.stop()
