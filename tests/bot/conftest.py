"""Fixtures for the WeChat bridge tests: the session-wide fake gateway (see gateway/testing.py)."""

from tests.gateway_fixtures import fake_gateway

__all__ = ["fake_gateway"]
