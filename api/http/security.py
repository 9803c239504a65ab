"""Hardening of the HTTP layer: failed-login throttling, response headers, ids in paths, the
access log, and API docs served from this process (no public CDN).

Nothing here knows the ledger; app.py installs it, deps.py asks the limiter.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, quote

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.inputs import MAX_DB_INT

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60.0
DOCS_STATIC_URL = "/docs-static"


class Throttled(Exception):
    """Too many failed authentications from one client: answered 429 with Retry-After."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after
        self.message = f"令牌验证失败次数过多，请 {retry_after} 秒后再试"


class AuthFailureLimiter:
    """A sliding window of failed authentications per client host, in this process only.

    A host with ``per_minute`` failures in the last minute is refused (before its token is
    even looked up) until the oldest of them is a minute old. Several API workers each keep
    their own window: the limit is per worker, which still turns guessing into a crawl.
    ``clock`` returns seconds (monotonic); tests pass one they move by hand.
    """

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_hosts: int = 10_000,
    ) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.max_hosts = max_hosts
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, host: str, now: float) -> deque[float] | None:
        failures = self._failures.get(host)
        if failures is None:
            return None
        while failures and failures[0] <= now - WINDOW_SECONDS:
            failures.popleft()
        if not failures:
            del self._failures[host]
            return None
        return failures

    def retry_after(self, host: str) -> int | None:
        """Seconds until ``host`` may try again, or None when it may try now."""
        with self._lock:
            now = self.clock()
            failures = self._recent(host, now)
            if failures is None or len(failures) < self.per_minute:
                return None
            return max(1, math.ceil(failures[0] + WINDOW_SECONDS - now))

    def failed(self, host: str) -> None:
        with self._lock:
            now = self.clock()
            failures = self._recent(host, now)
            if failures is None:
                failures = self._failures[host] = deque()
                # Bounded memory under a spray of source addresses: forget the stalest host.
                while len(self._failures) > self.max_hosts:
                    self._failures.popitem(last=False)
            else:
                self._failures.move_to_end(host)
            failures.append(now)


class SecurityHeaders:
    """ASGI middleware: ``nosniff`` on every response; ``Cache-Control: no-store`` on every API
    response and every answer to a request that carried credentials (ledger data must not sit
    in a shared or browser cache); 422 for a path id that no INTEGER column can hold.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        private = path.startswith("/api/") or any(
            name == b"authorization" for name, _ in scope.get("headers", ())
        )
        if path.startswith("/api/") and _oversized_id(path):
            await _refuse_oversized_id(send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if not (private and name.lower() == b"cache-control")
                ]
                headers.append((b"x-content-type-options", b"nosniff"))
                if private:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _oversized_id(path: str) -> bool:
    # Every numeric path segment of this API is a row id (an INTEGER column).
    return any(part.isdigit() and int(part) > MAX_DB_INT for part in path.split("/"))


async def _refuse_oversized_id(send: Send) -> None:
    body = json.dumps(
        {
            "error": {
                "code": "invalid_input",
                "message": f"请求内容有误：路径中的编号不能大于 {MAX_DB_INT}",
            }
        },
        ensure_ascii=False,
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 422,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-content-type-options", b"nosniff"),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class QueryRedactingFilter(logging.Filter):
    """For uvicorn's access log ("uvicorn.access"): keeps query names, drops their values.

    A search (?q=…) carries what staff typed — a member's name or phone number — and access
    logs are kept and shipped far more widely than the ledger itself.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_query(args[2]), *args[3:])
        return True


# The bot's outbox long poll: one access line every api wait (20 s) says nothing.
BOT_LONG_POLL = (("GET", "/api/v1/bot/outbox"),)
# Every routine call of the bot (the demo launcher prints what they did in words).
BOT_CALLS = (("GET", "/api/v1/bot/"), ("POST", "/api/v1/bot/"))


class RoutineAccessFilter(logging.Filter):
    """For uvicorn's access log: drops the successful requests of the given (method, path
    prefix) pairs; a failed one (status >= 400) is still logged."""

    def __init__(self, routes: tuple[tuple[str, str], ...] = BOT_LONG_POLL) -> None:
        super().__init__()
        self.routes = routes

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if not (isinstance(args, tuple) and len(args) >= 5):
            return True
        method, path, status = args[1], args[2], args[4]
        if not (isinstance(path, str) and isinstance(status, int)) or status >= 400:
            return True
        path = path.partition("?")[0]
        return not any(method == m and path.startswith(prefix) for m, prefix in self.routes)


def redact_query(path: str) -> str:
    """``/api/v1/wishes?q=张三&limit=5`` → ``/api/v1/wishes?q=…&limit=…``."""
    base, sep, query = path.partition("?")
    if not sep:
        return path
    names = [quote(name) for name, _ in parse_qsl(query, keep_blank_values=True)]
    return base + "?" + "&".join(f"{name}=…" for name in names)


def install_docs(app: FastAPI, *, title: str) -> bool:
    """/docs (Swagger UI) and /redoc with their scripts from this server, not a public CDN.

    The assets come from the fastapi-offline package. Without it the docs stay off (the
    schema is still at /openapi.json). Returns whether they were installed.
    """
    try:
        static = resources.files("fastapi_offline") / "static"
    except ModuleNotFoundError:
        logger.warning("fastapi-offline is not installed: /docs is off")
        return False
    app.mount(DOCS_STATIC_URL, StaticFiles(directory=str(static)), name="docs-static")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} — 接口文档",
            swagger_js_url=f"{DOCS_STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_STATIC_URL}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} — 接口文档",
            redoc_js_url=f"{DOCS_STATIC_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{DOCS_STATIC_URL}/favicon.png",
            with_google_fonts=False,
        )

    return True


def client_host(scope_client: Any) -> str:
    """The key of the failure window: the peer's address (uvicorn's --proxy-headers makes it
    the real client's behind a trusted reverse proxy)."""
    return str(scope_client.host) if scope_client is not None else "unknown"
