"""The local fake WeChat account (test gateway) and its Python control client.

``gateway/server.js`` serves a fake WeChat account through the real wechaty-puppet-service
gRPC server; :class:`FakeGateway` (gateway/process.py) starts it, :class:`GatewayControl`
(gateway/control.py) drives a running one. See gateway/README.md.
"""

from gateway.control import (
    AT_SEPARATOR,
    AsyncGatewayControl,
    GatewayControl,
    GatewayError,
    SentMessage,
)
from gateway.process import FakeGateway, GatewayProcess, RealGateway, server_installed

__all__ = [
    "AT_SEPARATOR",
    "AsyncGatewayControl",
    "FakeGateway",
    "GatewayControl",
    "GatewayError",
    "GatewayProcess",
    "RealGateway",
    "SentMessage",
    "server_installed",
]
