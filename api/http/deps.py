"""FastAPI dependencies: the database session and the authenticated caller."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from api.chat.dispatch import ChatRules
from api.domain.auth import Principal, authenticate_cached, cached_principal
from api.domain.errors import Conflict, Forbidden, InvalidInput, Unauthorized
from api.domain.listing import ListParams
from api.http.admission import READ_METHODS
from api.http.security import AuthFailureLimiter, Throttled, client_host
from api.settings import ApiSettings
from models.enums import Role
from models.logsafe import scrub_exceptions

logger = logging.getLogger(__name__)
scrub_exceptions(logger)  # tracebacks without exception messages (they quote input)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's one transaction: domain functions only flush; this commits once the route
    has returned and rolls back when anything raised.

    GET and HEAD only read: their transaction is a deferred one (on SQLite a WAL snapshot that
    neither waits for nor blocks the writer); every other method writes and starts with the
    write lock (models/db.py). A GET that must write opens its own write session.

    Registered with scope="function", so the commit runs before the response is sent: a client
    that got its 201 finds the row from any other connection, and a failing commit still reaches
    the error handlers. Creating the session touches no connection; the first query checks one
    out and the commit (or rollback) returns it, in the worker thread that runs it.
    """
    state = request.app.state
    engine = state.read_engine if request.method in READ_METHODS else state.engine
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
        except BaseException:
            await run_in_threadpool(session.rollback)
            raise
        try:
            await run_in_threadpool(session.commit)
        except IntegrityError:
            # A clash the domain did not flush (and so did not turn into a 409) itself.
            await run_in_threadpool(session.rollback)
            logger.info("integrity error at commit on %s", request.url.path, exc_info=True)
            raise Conflict("保存失败：数据与现有记录冲突") from None


async def get_settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]


async def get_chat_rules(request: Request) -> ChatRules:
    rules: ChatRules = request.app.state.chat_rules
    return rules


ChatRulesDep = Annotated[ChatRules, Depends(get_chat_rules)]

_bearer = HTTPBearer(auto_error=False, description="API token: `wishpool token create`")


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    limiter: AuthFailureLimiter = request.app.state.auth_limiter
    host = client_host(request.client)
    wait = limiter.retry_after(host)
    if wait is not None:
        logger.warning("token checks from %s throttled for %ss", host, wait)
        raise Throttled(wait)
    settings: ApiSettings = request.app.state.settings
    clear = credentials.credentials if credentials else None
    # A token seen in the last few seconds needs no query and no thread (TokenCache). On a miss
    # its own short read session, not the request's: a route that waits (the bot's outbox
    # long-poll) must not hold a connection just for having checked a token.
    try:
        principal = cached_principal(clear=clear, ttl=settings.token_cache_seconds)
        if principal is not None:
            return principal
        return await run_in_threadpool(
            authenticate_cached,
            open_session=lambda: Session(request.app.state.read_engine),
            clear=clear,
            ttl=settings.token_cache_seconds,
        )
    except Unauthorized:
        # Only a token that was presented and refused counts: a page opened without one
        # is not a guess.
        if credentials is not None:
            limiter.failed(host)
        raise


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(*roles: Role) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A dependency admitting only the given roles (403 for the others)."""

    async def check(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            raise Forbidden("当前令牌没有权限进行此操作")
        return principal

    return check


AdminDep = Annotated[Principal, Depends(require(Role.admin))]
StaffDep = Annotated[Principal, Depends(require(Role.admin, Role.staff))]
BotDep = Annotated[Principal, Depends(require(Role.bot))]


async def list_params(
    settings: SettingsDep,
    limit: Annotated[
        int, Query(ge=1, le=10**6, description="每页条数（不超过 page_size_max）")
    ] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9, description="跳过的条数")] = 0,
    sort: Annotated[
        str | None,
        Query(max_length=200, description="排序字段，逗号分隔，前加 - 表示倒序，如 -created_at"),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(
            max_length=1000,
            description="上一页的 next_cursor：从那页最后一条之后接着取（不与 offset 同用）",
        ),
    ] = None,
    count: Annotated[
        bool, Query(description="true：数出准确的总条数（大列表较慢）；默认只数到上限")
    ] = False,
) -> ListParams:
    if limit > settings.page_size_max:
        raise InvalidInput(f"每页最多 {settings.page_size_max} 条，请减小 limit")
    return ListParams(
        limit=limit,
        offset=offset,
        sort=sort,
        cursor=cursor or None,
        count=count,
        count_cap=settings.list_count_cap,
    )


ListDep = Annotated[ListParams, Depends(list_params)]
