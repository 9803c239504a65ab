"""FastAPI dependencies: the database session and the authenticated caller."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from api.domain.auth import Principal, authenticate
from api.domain.errors import Forbidden, InvalidInput
from api.domain.listing import ListParams
from api.settings import ApiSettings
from models.enums import Role


def get_session(request: Request) -> Iterator[Session]:
    # One transaction per request: domain functions flush, the request commits here, right
    # after the route returns (scope="function"), and an exception rolls it all back.
    # (Branch `chat` only: H4's `with ..., s.begin(): yield s` replaces this on merge; this form
    # also tolerates the domain modules that still commit themselves.)
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session
        session.commit()


def get_settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]

_bearer = HTTPBearer(auto_error=False, description="API token: `wishpool token create`")


def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    # Its own short session, not the request's: on SQLite any transaction holds the write lock,
    # and a route that waits (the bot's outbox long-poll) must not keep it just for having
    # checked a token.
    with Session(request.app.state.engine) as session:
        return authenticate(session=session, clear=credentials.credentials if credentials else None)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency admitting only the given roles (403 for the others)."""

    def check(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            raise Forbidden("当前令牌没有权限进行此操作")
        return principal

    return check


AdminDep = Annotated[Principal, Depends(require(Role.admin))]
StaffDep = Annotated[Principal, Depends(require(Role.admin, Role.staff))]
BotDep = Annotated[Principal, Depends(require(Role.bot))]


def list_params(
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, description="每页条数（不超过 page_size_max）")] = 50,
    offset: Annotated[int, Query(ge=0, description="跳过的条数")] = 0,
    sort: Annotated[
        str | None,
        Query(max_length=200, description="排序字段，逗号分隔，前加 - 表示倒序，如 -created_at"),
    ] = None,
) -> ListParams:
    if limit > settings.page_size_max:
        raise InvalidInput(f"每页最多 {settings.page_size_max} 条，请减小 limit")
    return ListParams(limit=limit, offset=offset, sort=sort)


ListDep = Annotated[ListParams, Depends(list_params)]
