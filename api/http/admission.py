"""Admission: how many requests one API worker works on at once, and what the rest are told.

Every request under /api/ takes a slot before it runs (``max_concurrency`` of them, the size of
the database pool). On SQLite, where the database admits one writer at a time anyway, writing
requests (any method but GET/HEAD) also queue for the one write slot first, here, as coroutines
without a thread or a connection, instead of polling SQLite's lock from worker threads. A
request that waits longer than ``queue_timeout_seconds`` is answered 503 with Retry-After, as is
one whose connection checkout (pool timeout) or SQLite lock wait (busy_timeout) ran out: the
server is saturated, the client may try again; nothing was written.

Not admitted (so they never queue behind the ledger's work): the health check and the bot's
outbox long-poll, which waits mostly without a connection and opens short sessions of its own.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.types import ASGIApp, Receive, Scope, Send

from api.http.errors import answer_operational, error_body

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2
BUSY_MESSAGE = "服务器正忙，请稍后再试"
READ_METHODS = frozenset({"GET", "HEAD"})
NOT_ADMITTED = frozenset({("GET", "/api/v1/health"), ("GET", "/api/v1/bot/outbox")})


def busy_response() -> JSONResponse:
    return JSONResponse(
        error_body("busy", BUSY_MESSAGE),
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


class Admission:
    """Pure ASGI middleware bounding the requests in flight (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, slots: int, write_slots: int | None, timeout: float):
        self.app = app
        self.slots = slots
        self.write_slots = write_slots
        self.timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._all: asyncio.Semaphore | None = None
        self._writes: asyncio.Semaphore | None = None
        self.waiting = 0  # requests queued now (for tests and logs)

    def _gates(self) -> tuple[asyncio.Semaphore, asyncio.Semaphore | None]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._all is None:
            # Semaphores belong to one event loop; a test client may start another.
            self._loop = loop
            self._all = asyncio.Semaphore(self.slots)
            self._writes = asyncio.Semaphore(self.write_slots) if self.write_slots else None
        return self._all, self._writes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if (method, scope["path"].rstrip("/")) in NOT_ADMITTED:
            await self.app(scope, receive, send)
            return
        every, writes = self._gates()
        held: list[asyncio.Semaphore] = []
        self.waiting += 1
        try:
            async with asyncio.timeout(self.timeout):
                # The write slot first: writers queue there without taking a general slot
                # from the readers.
                if writes is not None and method not in READ_METHODS:
                    await writes.acquire()
                    held.append(writes)
                await every.acquire()
                held.append(every)
        except BaseException as exc:
            # Timed out, or cancelled while waiting (shutdown, a client gone): give back what
            # was taken, or the write slot would stay held and every later write would 503.
            for gate in held:
                gate.release()
            if not isinstance(exc, TimeoutError):
                raise
            logger.warning("%s %s waited %ss for a slot: 503", method, scope["path"], self.timeout)
            await busy_response()(scope, receive, send)
            return
        finally:
            self.waiting -= 1
        try:
            await self.app(scope, receive, send)
        finally:
            for gate in held:
                gate.release()


def _is_lock_timeout(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text


def install_saturation_handlers(app: FastAPI) -> None:
    """503 + Retry-After when the database stayed out of reach for the whole wait."""

    @app.exception_handler(PoolTimeout)
    async def _pool(request: Request, _exc: PoolTimeout) -> JSONResponse:
        logger.warning("no database connection free for %s %s", request.method, request.url.path)
        return busy_response()

    @app.exception_handler(OperationalError)
    async def _operational(request: Request, exc: OperationalError) -> Any:
        if _is_lock_timeout(exc):
            logger.warning("database lock wait ran out on %s %s", request.method, request.url.path)
            return busy_response()
        return answer_operational(request, exc)  # read-only or full ledger, or unexpected
