"""The admin API application (FastAPI), versioned under /api/v1, docs at /docs (local assets)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from api.chat.dispatch import ChatRules
from api.domain.ledger import startup_writable
from api.http.admission import Admission, install_saturation_handlers
from api.http.errors import install_error_handlers
from api.http.metrics import install_metrics
from api.http.routes import admin_page, register_routes
from api.http.security import (
    AuthFailureLimiter,
    QueryRedactingFilter,
    RoutineAccessFilter,
    SecurityHeaders,
    install_docs,
)
from api.settings import ApiSettings
from models.db import is_sqlite, make_engine, reader
from models.logsafe import scrub_exceptions
from models.migrate import upgrade

logger = logging.getLogger(__name__)

DESCRIPTION = """
心愿池（wishpool）管理接口：妇联、微信群、工作人员、三新组织、心愿台账、暖新资源库、暖心满溢录和待发消息。

除 `/api/v1/health` 外，每个接口都需要 `Authorization: Bearer <令牌>`
（用 `wishpool token create` 创建）。
错误统一为 `{"error": {"code": …, "message": …}}`，message 为中文说明。
"""


def redact_access_log() -> None:
    """Search terms (?q=…) never reach uvicorn's access log, whoever runs the app; nor do
    exception messages reach its error log (Starlette re-raises an unhandled exception after
    the 500 answer, and uvicorn logs it with its traceback)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, QueryRedactingFilter) for f in access.filters):
        access.addFilter(QueryRedactingFilter())
    if not any(isinstance(f, RoutineAccessFilter) for f in access.filters):
        access.addFilter(RoutineAccessFilter())  # the bot's long poll, every 20 s
    scrub_exceptions("uvicorn.error")


def create_app(settings: ApiSettings | None = None, *, engine: Engine | None = None) -> FastAPI:
    redact_access_log()
    settings = settings or ApiSettings()
    # The pool holds a connection for every request admitted at once (and as many again for
    # the token checks, the outbox long-poll and the embedded scheduler).
    engine = engine or make_engine(
        settings.database_url,
        pool_size=settings.max_concurrency,
        pool_timeout=settings.queue_timeout_seconds,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Enough worker threads that an admitted request never waits for one while it holds
        # a connection (anyio's default is 40, shared with the long-poll and file responses).
        limiter = to_thread.current_default_thread_limiter()
        limiter.total_tokens = max(limiter.total_tokens, settings.max_concurrency + 8)
        if settings.auto_migrate:
            if startup_writable(engine):
                upgrade(settings.database_url)
            else:
                # Reads still work (the page, lists, exports); writes answer 503 ledger_read_only.
                logger.warning(
                    "the ledger database is read-only: not migrating; serving reads, refusing"
                    " writes until it is writable again"
                )
        if settings.run_scheduler:
            # Embedded default: the follow-up scheduler runs inside the API on the same engine.
            from api.followup.scheduler import start_in_api

            app.state.followup = start_in_api(engine)
        try:
            yield
        finally:
            followup = getattr(app.state, "followup", None)
            if followup is not None:
                followup.stop()
            engine.dispose()

    title = "心愿池 wishpool"
    app = FastAPI(
        title=title,
        version="1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # FastAPI's own /docs loads Swagger UI from a public CDN; install_docs serves it here.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.chat_rules = ChatRules.of(settings)  # the sensitive rule built once, not per message
    app.state.engine = engine
    app.state.read_engine = reader(engine)  # same pool; deferred transactions on SQLite
    # Tests replace its clock (app.state.auth_limiter.clock) to move the window by hand.
    app.state.auth_limiter = AuthFailureLimiter(settings.auth_failures_per_minute)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        Admission,
        slots=settings.max_concurrency,
        write_slots=1 if is_sqlite(settings.database_url) else None,
        timeout=settings.queue_timeout_seconds,
    )
    if settings.docs_enabled:
        install_docs(app, title=title)
    install_metrics(app, app.state.read_engine)  # GET /metrics and request counts
    install_error_handlers(app)
    install_saturation_handlers(app)
    register_routes(app)
    # The admin page (GET /admin) and its JS/CSS: outside /api/v1 and out of the schema.
    app.include_router(admin_page.router)
    app.mount(admin_page.STATIC_URL, admin_page.static_files(), name="admin-static")
    return app
