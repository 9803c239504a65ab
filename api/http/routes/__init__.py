"""Route modules; each is thin and calls service functions."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from api.http.routes import (
    bot,
    corrections,
    dead_letters,
    export,
    followup,
    fulfilments,
    groups,
    health,
    labels,
    matches,
    offices,
    organisations,
    outbox,
    resources,
    staff,
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
    tokens,
    followup,
    bot,
    dead_letters,
)


def register_routes(app: FastAPI) -> None:
    root = APIRouter(prefix=API_PREFIX)
    for module in MODULES:
        root.include_router(module.router)
    app.include_router(root)
