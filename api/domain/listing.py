"""Shared list machinery: whitelisted sorting, pagination and `total` counting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from api.domain.errors import InvalidInput


@dataclass(frozen=True)
class ListParams:
    limit: int
    offset: int
    sort: str | None


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
