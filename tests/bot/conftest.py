"""Fixtures for the WeChat bridge tests: the session-wide fake gateway.

See tests/gateway_fixtures.py.
"""

from tests.gateway_fixtures import fake_gateway

__all__ = ["fake_gateway"]
