"""The local fake WeChat account (test gateway) and its Python control client.

``gateway/server.js`` serves a fake WeChat account through the real wechaty-puppet-service
gRPC server; :class:`FakeGateway` starts it, :class:`GatewayControl` drives a running one.
See gateway/README.md.
"""

from gateway.control import (
    AT_SEPARATOR,
    FakeGateway,
    GatewayControl,
    GatewayError,
    SentMessage,
)

__all__ = ["AT_SEPARATOR", "FakeGateway", "GatewayControl", "GatewayError", "SentMessage"]
