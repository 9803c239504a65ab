"""Health: the one route that needs no token. It reads AND writes (a heartbeat row), so a ledger
that still answers reads but refuses writes (read-only file, full disk) is reported, with 503."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.domain.ledger import probe_writable
from models.wording import staff as for_staff

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    summary="健康检查：数据库能否读取、能否写入（ledger_writable）",
    response_model=None,
)
async def health(request: Request) -> dict[str, Any] | JSONResponse:
    engine = request.app.state.engine

    def check() -> tuple[bool, bool]:
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            return False, False
        return True, probe_writable(engine)

    readable, writable = await run_in_threadpool(check)
    if not readable:
        body = {"status": "degraded", "database": "unreachable", "ledger_writable": False}
        return JSONResponse(body, status_code=503)
    if not writable:
        body = {
            "status": "degraded",
            "database": "ok",
            "ledger_writable": False,
            "message": for_staff.LEDGER_READ_ONLY,
        }
        return JSONResponse(body, status_code=503)
    return {"status": "ok", "database": "ok", "ledger_writable": True}
