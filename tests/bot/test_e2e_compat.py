"""python-wechaty 0.10.7's faults that a real account exposes, each reproduced against the gateway
in real mode (a test puppet that asks for a QR scan stands in for the account's puppet; see
tests/gateway/real_fixtures.py), with bot/compat.py's fix and, where the fault can still be
triggered, the library's original behaviour.

1. start() sent stop() to the gateway before start(): a real puppet's stop() logs out.
2. An error event {gerror} ended the event stream (EventErrorPayload requires ``data``).
3. A bot connecting while the account waits for a scan must get the QR code.
4. Without an endpoint the client asked a public discovery service.

The client events arrive on an asyncio queue; nothing sleeps. The last test runs the real bot
process (tests/bot/harness.py) against the same gateway: a logout is an alert, told privately to
the configured admins once the account is logged in again (polling the test puppet's record of
what the bot sent, with a deadline: it has no long-poll).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from wechaty_puppet_service.puppet import PuppetService

from bot import compat
from gateway import RealGateway
from models.wording import staff as for_staff
from tests.bot.harness import running_system
from tests.gateway.real_fixtures import QRCODE, PuppetControl, real_gateway

__all__ = ["real_gateway"]

pytestmark = pytest.mark.e2e


def recording_bot_class() -> type[Any]:
    compat.patch_wechaty()
    from wechaty import Wechaty

    class RecordingBot(Wechaty):  # type: ignore[misc]
        def __init__(self, options: Any) -> None:
            super().__init__(options)
            self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

        async def on_scan(self, qr_code: str, status: Any, data: Any = None) -> None:
            await self.events.put(("scan", qr_code))

        async def on_login(self, contact: Any) -> None:
            await self.events.put(("login", contact.contact_id))

        async def on_logout(self, contact: Any) -> None:
            await self.events.put(("logout", contact.contact_id))

        async def on_error(self, payload: Any) -> None:
            await self.events.put(("error", payload.data))

        async def on_message(self, msg: Any) -> None:
            await self.events.put(("message", msg.text()))

        async def next_event(self, kind: str, timeout: float = 10) -> Any:
            async with asyncio.timeout(timeout):
                while True:
                    got, value = await self.events.get()
                    if got == kind:
                        return value

    return RecordingBot


@contextlib.asynccontextmanager
async def connected(gateway: RealGateway, tmp: Path) -> AsyncIterator[Any]:
    """A python-wechaty client on the gateway, started as the bot starts it (bot/app.py)."""
    bot = recording_bot_class()(compat.make_options(gateway.endpoint, gateway.token, cache_dir=tmp))

    async def run() -> None:
        await bot.init_puppet()
        await bot.init_puppet_event_bridge(bot.puppet)
        await bot.puppet.start()

    task = asyncio.create_task(run())
    try:
        yield bot
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        with contextlib.suppress(Exception):
            bot._plugin_manager.scheduler.shutdown(wait=False)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(bot.stop(), 5)


async def test_scan_reaches_a_bot_that_connects_while_the_account_waits(
    real_gateway: tuple[RealGateway, PuppetControl], tmp_path: Path
) -> None:
    gateway, puppet = real_gateway
    # The puppet asked for a scan when the gateway started, before any client connected.
    assert gateway.login_state()["state"] == "waiting_scan"
    async with connected(gateway, tmp_path) as bot:
        assert await bot.next_event("scan") == QRCODE
        puppet.login()
        assert await bot.next_event("login") == "wxid_office"
        puppet.call("POST", "/logout")
        assert await bot.next_event("logout") == "wxid_office"


async def test_connecting_sends_no_stop_and_a_stock_stop_is_ignored(
    real_gateway: tuple[RealGateway, PuppetControl], tmp_path: Path
) -> None:
    gateway, puppet = real_gateway
    puppet.login()
    async with connected(gateway, tmp_path) as bot:
        assert await bot.next_event("login") == "wxid_office"
    # Connecting and leaving sent no stop() to the gateway (fix on the client).
    assert gateway.login_state()["ignored_stops"] == 0

    # python-wechaty's own start(): stop() then start(). The gateway ignores that stop()
    # (fix on the server): the puppet never stops and the account stays logged in.
    service = PuppetService  # a pinned dependency: missing, the test fails, never skips
    patched_start = service.start
    service.start = compat.ORIGINAL["start"]
    try:
        async with connected(gateway, tmp_path) as bot:
            assert await bot.next_event("login") == "wxid_office"
    finally:
        service.start = patched_start
    state = gateway.login_state()
    assert state["ignored_stops"] == 1
    assert state["state"] == "logged_in" and state["logouts"] == 0
    assert puppet.state() == {"stops": 0, "starts": 1, "logged_in": True}


async def test_an_error_event_does_not_end_the_event_stream(
    real_gateway: tuple[RealGateway, PuppetControl], tmp_path: Path
) -> None:
    gateway, puppet = real_gateway
    puppet.login()
    async with connected(gateway, tmp_path) as bot:
        await bot.next_event("login")
        puppet.call("POST", "/error", text="网络波动")
        assert await bot.next_event("error") == "网络波动"
        # The stream lives on: a message after the error still arrives.
        puppet.call("POST", "/message", talker_id="wxid_wf", name="王芳", text="还在吗")
        assert await bot.next_event("message") == "还在吗"


def test_error_payloads_in_both_shapes() -> None:
    """What a hosted gateway may send: wechaty-puppet 1.x's {gerror} without ``data``. The
    library's payload class refuses it (the fault); the patched one reads it."""
    compat.patch_wechaty()
    import wechaty_puppet_service.puppet as service

    with pytest.raises(ValueError, match="data"):
        compat.ORIGINAL["error_payload"](gerror='{"message":"x"}')
    assert service.EventErrorPayload(gerror='{"message":"x"}').data == '{"message":"x"}'
    assert service.EventErrorPayload(data="y").data == "y"


async def test_an_explicit_endpoint_wins_and_none_is_never_discovered(
    real_gateway: tuple[RealGateway, PuppetControl],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gateway, _puppet = real_gateway
    import requests

    asked: list[str] = []
    monkeypatch.setattr(requests, "get", lambda url, *a, **k: asked.append(url))
    # The environment points elsewhere; the configured endpoint is the one used.
    monkeypatch.setenv("WECHATY_PUPPET_SERVICE_ENDPOINT", "127.0.0.1:9")
    async with connected(gateway, tmp_path) as bot:
        assert await bot.next_event("scan") == QRCODE

    monkeypatch.delenv("WECHATY_PUPPET_SERVICE_ENDPOINT")
    from wechaty_puppet import PuppetOptions
    from wechaty_puppet.exceptions import WechatyPuppetConfigurationError
    from wechaty_puppet_service import PuppetService

    no_endpoint = PuppetService(PuppetOptions(token=gateway.token))
    with pytest.raises(WechatyPuppetConfigurationError, match="endpoint"):
        await no_endpoint.start()
    assert asked == []  # no discovery request

    # The library's own code would have asked api.chatie.io.
    with pytest.raises(Exception):  # noqa: B017 - any failure; the request is what matters
        compat.ORIGINAL["init_puppet"](no_endpoint)
    assert asked and "api.chatie.io" in asked[0]


def test_a_logout_is_told_to_the_admins_after_the_next_login(
    real_gateway: tuple[RealGateway, PuppetControl],
) -> None:
    gateway, puppet = real_gateway
    puppet.login()
    admin = f"wxid_admin_{uuid.uuid4().hex[:6]}"
    puppet.call("POST", "/contact", id=admin, name="王主任")
    env = {"WISHPOOL_BOT__ALERT_WECHAT_IDS": json.dumps([admin])}
    room, other = f"{uuid.uuid4().hex[:8]}@chatroom", f"{uuid.uuid4().hex[:8]}@chatroom"
    with running_system(gateway.endpoint, gateway.token, room, admin, other, env) as system:
        assert system.bot_log is not None
        puppet.call("POST", "/logout")
        system.bot_log.wait_for("ALERT logout", 10)
        health_path = system.workdir / "bot" / "health.json"
        deadline = time.monotonic() + 10
        while True:  # the bot rewrites health.json every 2 s
            health = json.loads(health_path.read_text(encoding="utf-8"))
            if health["login_state"] == "logged_out" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert health["login_state"] == "logged_out"
        assert [a["kind"] for a in health["alerts"]] == ["logout"]
        assert puppet.sent() == []  # nothing can be sent while logged out

        puppet.login()
        deadline = time.monotonic() + 10
        while not (sent := puppet.sent()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sent == [{"to": admin, "text": for_staff.account_back_online(["logout"])}]
