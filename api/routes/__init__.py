"""Route modules; each is thin and calls service functions."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from api.routes import health

API_PREFIX = "/api/v1"


def register_routes(app: FastAPI) -> None:
    root = APIRouter(prefix=API_PREFIX)
    for module in (health,):
        root.include_router(module.router)
    app.include_router(root)
