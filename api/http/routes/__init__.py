"""Route modules; each is thin and calls service functions."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from api.http.errors import ERROR_RESPONSES
from api.http.routes import (
    bot,
    calendar,
    corrections,
    dead_letters,
    export,
    followup,
    fulfilments,
    gateway,
    groups,
    health,
    imports,
    labels,
    matches,
    offices,
    organisations,
    outbox,
    people,
    resources,
    staff,
    statistics,
    tokens,
    wishes,
)

API_PREFIX = "/api/v1"

MODULES = (
    health,
    labels,
    offices,
    groups,
    staff,
    organisations,
    wishes,
    resources,
    matches,
    fulfilments,
    outbox,
    corrections,
    export,
    people,
    tokens,
    followup,
    bot,
    gateway,
    statistics,
    imports,
    dead_letters,
    calendar,
)


def register_routes(app: FastAPI) -> None:
    root = APIRouter(prefix=API_PREFIX)
    for module in MODULES:
        # /health takes no token and no input: it answers 200 or not at all.
        root.include_router(module.router, responses=None if module is health else ERROR_RESPONSES)
    app.include_router(root)
