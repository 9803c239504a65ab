"""The session-wide fake WeChat gateway as a pytest fixture.

Import it into a conftest.py to use it::

    from tests.gateway_fixtures import fake_gateway  # noqa: F401

``fake_gateway`` is session-scoped: one node process for the whole test session. Only one bot
may be connected to a gateway at a time (a new client's connect ends the previous one's event
stream), so tests that connect a bot must do so one after another, never concurrently. The fake
account stays logged in between bots, like a real gateway's WeChat account. The probe bot that
connects to it in tests lives in bench/probe_bot.py (the benchmark uses it too).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway import FakeGateway


@pytest.fixture(scope="session")
def fake_gateway() -> Iterator[FakeGateway]:
    """A running fake gateway for the whole session (stopped even if tests fail)."""
    gateway = FakeGateway()
    try:
        gateway.start()
        yield gateway
    finally:
        gateway.stop()
