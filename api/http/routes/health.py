"""Health: the one route that needs no token."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.deps import SessionDep

router = APIRouter(tags=["health"])


@router.get("/health", summary="健康检查：数据库是否可达", response_model=None)
def health(session: SessionDep) -> dict[str, Any] | JSONResponse:
    try:
        session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        body = {"status": "degraded", "database": "unreachable"}
        return JSONResponse(body, status_code=503)
    return {"status": "ok", "database": "ok"}
