"""Shared list machinery: whitelisted sorting, pagination and `total` counting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Query
from sqlmodel import Session

from api.deps import SettingsDep
from api.errors import InvalidInput


@dataclass(frozen=True)
class ListParams:
    limit: int
    offset: int
    sort: str | None


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


def order_clauses(
    sort: str | None, sortable: Mapping[str, Any], default: str
) -> list[sa.ColumnElement[Any]]:
    """ORDER BY clauses for `sort` ("-created_at,seq"); unknown fields are refused (422)."""
    clauses: list[sa.ColumnElement[Any]] = []
    for raw in (sort or default).split(","):
        field = raw.strip()
        if not field:
            continue
        descending = field.startswith("-")
        name = field.lstrip("-+")
        column = sortable.get(name)
        if column is None:
            allowed = "、".join(sortable)
            raise InvalidInput(f"不支持按「{name}」排序，可以用：{allowed}")
        clauses.append(sa.desc(column) if descending else sa.asc(column))
    return clauses


def paginate(
    *,
    session: Session,
    stmt: sa.Select[Any],
    params: ListParams,
    sortable: Mapping[str, Any],
    default_sort: str = "id",
    tiebreak: Any = None,
) -> tuple[list[Any], int]:
    """Runs `stmt` (a select of one entity) sorted and sliced; returns (rows, total).

    `tiebreak` defaults to `sortable["id"]`."""
    if tiebreak is None:
        tiebreak = sortable["id"]
    total = session.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar_one()
    # The id tie-break keeps pages stable when the sort key has duplicates.
    ordered = stmt.order_by(*order_clauses(params.sort, sortable, default_sort), tiebreak)
    rows = session.execute(ordered.limit(params.limit).offset(params.offset)).scalars().all()
    return list(rows), int(total)


def page(items: list[Any], total: int, params: ListParams) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": params.limit, "offset": params.offset}
