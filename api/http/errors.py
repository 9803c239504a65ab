"""The API's one error boundary: every error response is ``{"error": {"code", "message"}}``.

Messages are Chinese. Unexpected exceptions are logged with their traceback and answered with a
polite 500; their text never reaches the client.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.domain.errors import DomainError
from api.domain.ledger import is_write_failure
from api.http.security import Throttled
from models.logsafe import scrub_exceptions
from models.wording import staff as for_staff

logger = logging.getLogger(__name__)
scrub_exceptions(logger)  # tracebacks without exception messages (they quote input)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


class ErrorInfo(BaseModel):
    code: str
    message: str
    details: Any | None = None


class ErrorBody(BaseModel):
    """Every error answer of the API (the OpenAPI schema declares it for each status)."""

    error: ErrorInfo


def _declared(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


# The answers any route under /api/v1 may give besides its own success (clients and the
# schema fuzzer read them from the OpenAPI document); a route's own entry for a status
# replaces the general description.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _declared("未登录或令牌无效、已过期"),
    403: _declared("没有权限（角色或管辖范围不符）"),
    404: _declared("没有找到，或不在管辖范围内"),
    409: _declared("与当前状态冲突"),
    422: _declared("请求内容有误（字段、取值或格式）"),
    429: _declared("令牌验证失败次数过多，稍后再试"),
}

_HTTP_MESSAGES = {
    401: "未登录或令牌无效",
    403: "没有权限",
    404: "没有找到",
    405: "不支持这种请求方法",
    409: "操作冲突，请刷新后重试",
    413: "内容太大",
    429: "请求太频繁，请稍后再试",
}

# What the database refused as a value (a number beyond its column, a NUL byte in text): the
# caller's input, so a 422, never a 500. The boundary's validators catch these first; this is
# the net for a field they do not cover.
_BAD_VALUE = "请求内容有误：数字太大或文字中有无法保存的字符，请检查后再试"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse(
            error_body(exc.code, exc.message, exc.details),
            status_code=exc.status_code,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [_field_problem(err) for err in exc.errors()]
        summary = "；".join(f"{d['field']} {d['problem']}" for d in details[:5])
        return JSONResponse(
            error_body("invalid_input", f"请求内容有误：{summary}", details), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = _HTTP_MESSAGES.get(exc.status_code, "请求有误")
        return JSONResponse(
            error_body(f"http_{exc.status_code}", message),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(Throttled)
    async def _throttled(_: Request, exc: Throttled) -> JSONResponse:
        return JSONResponse(
            error_body("too_many_failures", exc.message),
            status_code=429,
            headers={"Retry-After": str(exc.retry_after)},
        )

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        # The driver's text may quote the value: log the kind only.
        logger.info(
            "database refused a value on %s %s: %s",
            request.method,
            request.url.path,
            type(exc.orig).__name__,
        )
        return JSONResponse(error_body("invalid_input", _BAD_VALUE), status_code=422)

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, _exc: OverflowError) -> JSONResponse:
        # sqlite3 raises it itself (not wrapped) for an int beyond 64 bits.
        logger.info("number overflow on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("invalid_input", _BAD_VALUE), status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return answer_unexpected(request, exc)


def answer_unexpected(request: Request, exc: BaseException) -> JSONResponse:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        error_body("internal_error", "服务器出了点问题，请稍后再试"), status_code=500
    )


def answer_operational(request: Request, exc: OperationalError) -> JSONResponse:
    """A database error that is not a busy database. The one OperationalError handler is
    api/http/admission.py's: busy → 503 busy; otherwise this."""
    if is_write_failure(exc):
        # Read-only file, full disk: nothing was stored; the caller (the bot) keeps it.
        logger.warning("ledger not writable on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body("ledger_read_only", for_staff.LEDGER_READ_ONLY),
            status_code=503,
            headers={"Retry-After": "30"},
        )
    return answer_unexpected(request, exc)


def _field_problem(err: Any) -> dict[str, Any]:
    """One pydantic error as {field, problem (Chinese), detail (pydantic's own words)}."""
    loc = [str(p) for p in err.get("loc", ())]
    if len(loc) > 1 and loc[0] in ("body", "query", "path"):
        loc = loc[1:]
    ctx = dict(err.get("ctx") or {})
    if isinstance(ctx.get("expected"), str):
        # pydantic writes "'a', 'b' or 'c'"; people read "a、b、c".
        ctx["expected"] = ctx["expected"].replace("'", "").replace(" or ", ", ").replace(", ", "、")
    kind = str(err.get("type", ""))
    template = _PROBLEMS.get(kind)
    if template is None:
        template = next((t for k, t in _PROBLEM_PREFIXES if kind.startswith(k)), "格式不对")
    try:
        problem = template.format(**ctx)
    except (KeyError, IndexError):
        problem = "格式不对"
    return {"field": ".".join(loc), "problem": problem, "detail": err.get("msg")}


_PROBLEMS = {
    "missing": "是必填项",
    "string_too_long": "太长了（最多 {max_length} 个字）",
    "string_too_short": "太短了（至少 {min_length} 个字）",
    "too_long": "太多了（最多 {max_length} 项）",
    "too_short": "太少了（至少 {min_length} 项）",
    "enum": "只能是：{expected}",
    "literal_error": "只能是：{expected}",
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "必须大于 {gt}",
    "less_than_equal": "不能大于 {le}",
    "less_than": "必须小于 {lt}",
    "string_pattern_mismatch": "格式不对",
    "json_invalid": "不是有效的 JSON",
    "model_attributes_type": "应为一个对象（JSON object）",
    "dict_type": "应为一个对象（JSON object）",
    "list_type": "应为列表",
    "list_null": "不能为 null（不修改请不传此项，清空请传 []）",
}
_PROBLEM_PREFIXES = (
    ("int_", "应为整数"),
    ("float_", "应为数字"),
    ("bool_", "应为 true 或 false"),
    ("date", "日期格式应为 YYYY-MM-DD"),
    ("datetime", "时间格式应为 ISO 8601，如 2026-11-23T09:00:00+08:00"),
    ("string_", "应为文字"),
)
