"""Shared list machinery: whitelisted sorting, offset or keyset pagination and `total`.

Two ways to page through a list:

- ``offset`` (the admin page's): simple, but the database walks past every skipped row, so
  deep pages of a large ledger get slow;
- ``cursor`` (keyset): the opaque ``next_cursor`` of the previous page. The next page starts
  right after that page's last row (``WHERE (sort key, id) < (last values)``), an index range
  however deep the scroll. A cursor belongs to one sort; a row inserted meanwhile never shifts
  the rows to come.

``total`` is counted only up to ``count_cap`` rows (a LIMITed count, so a page never scans a
million rows to say how many there are); beyond that ``total_capped`` is true and ``total`` is
the cap. ``?count=true`` asks for the exact figure.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import operators
from sqlmodel import Session

from api.domain.errors import InvalidInput

DEFAULT_COUNT_CAP = 1000
BAD_CURSOR = "cursor 无效或已过期，请从第一页重新开始"


@dataclass(frozen=True)
class ListParams:
    limit: int
    offset: int
    sort: str | None
    cursor: str | None = None
    count: bool = False  # the exact total, however large
    count_cap: int = DEFAULT_COUNT_CAP


class Total(int):
    """A page's ``total`` (an int, as callers always had it) and what else the page says."""

    capped: bool
    next_cursor: str | None

    def __new__(cls, value: int, *, capped: bool = False, next_cursor: str | None = None) -> Total:
        total = super().__new__(cls, value)
        total.capped = capped
        total.next_cursor = next_cursor
        return total


@dataclass(frozen=True)
class _Key:
    name: str
    column: Any
    descending: bool


def _keys(sort: str | None, sortable: Mapping[str, Any], default: str) -> list[_Key]:
    keys: list[_Key] = []
    for raw in (sort or default).split(","):
        field = raw.strip()
        if not field:
            continue
        name = field.lstrip("-+")
        column = sortable.get(name)
        if column is None:
            allowed = "、".join(sortable)
            raise InvalidInput(f"不支持按「{name}」排序，可以用：{allowed}")
        keys.append(_Key(name, column, field.startswith("-")))
    return keys


def order_clauses(
    sort: str | None, sortable: Mapping[str, Any], default: str
) -> list[sa.ColumnElement[Any]]:
    """ORDER BY clauses for `sort` ("-created_at,seq"); unknown fields are refused (422)."""
    return [
        sa.desc(k.column) if k.descending else sa.asc(k.column)
        for k in _keys(sort, sortable, default)
    ]


def _tiebreak_key(tiebreak: Any) -> _Key:
    if isinstance(tiebreak, sa.UnaryExpression) and tiebreak.modifier is operators.desc_op:
        return _Key("id", tiebreak.element, True)
    if isinstance(tiebreak, sa.UnaryExpression) and tiebreak.modifier is operators.asc_op:
        return _Key("id", tiebreak.element, False)
    return _Key("id", tiebreak, False)


def _attribute(column: Any) -> str | None:
    """The entity attribute a sort column reads, when it is a plain non-null column."""
    expression = getattr(column, "expression", column)
    if getattr(expression, "nullable", True):
        return None  # NULLs have no place in a keyset comparison: offset only
    return getattr(column, "key", None)


def _encode_value(value: Any) -> list[Any]:
    if isinstance(value, datetime):
        return ["t", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    if isinstance(value, bool | int | float | str):
        return ["v", value]
    return ["s", str(value)]  # enums and other str-like values


def _decode_value(item: Any) -> Any:
    tag, value = item
    if tag == "t":
        return datetime.fromisoformat(value)
    if tag == "d":
        return date.fromisoformat(value)
    if tag in ("v", "s"):
        return value
    raise ValueError(tag)


def _signature(keys: list[_Key]) -> str:
    return ",".join(("-" if k.descending else "") + k.name for k in keys)


def encode_cursor(keys: list[_Key], row: Any) -> str | None:
    values = []
    for key in keys:
        attribute = _attribute(key.column)
        if attribute is None:
            return None
        values.append(_encode_value(getattr(row, attribute)))
    raw = json.dumps([_signature(keys), values], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(keys: list[_Key], cursor: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        signature, values = json.loads(raw)
        decoded = [_decode_value(v) for v in values]
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise InvalidInput(BAD_CURSOR) from None
    if signature != _signature(keys) or len(decoded) != len(keys):
        raise InvalidInput(BAD_CURSOR)
    return decoded


def after_clause(keys: list[_Key], values: list[Any]) -> sa.ColumnElement[bool]:
    """Rows strictly after ``values`` in the order ``keys`` describe."""
    if all(k.descending == keys[0].descending for k in keys):
        # One row comparison: an index on the sort columns serves it as a range.
        left = sa.tuple_(*(k.column for k in keys))
        right = sa.tuple_(
            *(sa.literal(v, type_=_type_of(k.column)) for k, v in zip(keys, values, strict=True))
        )
        return left < right if keys[0].descending else left > right
    terms = []
    for i, key in enumerate(keys):
        equal = [keys[j].column == values[j] for j in range(i)]
        beyond = key.column < values[i] if key.descending else key.column > values[i]
        terms.append(sa.and_(*equal, beyond))
    first = keys[0]
    # The leading bound lets an index on the first key skip what lies before the cursor.
    bound = first.column <= values[0] if first.descending else first.column >= values[0]
    return sa.and_(bound, sa.or_(*terms))


def _type_of(column: Any) -> Any:
    return getattr(getattr(column, "expression", column), "type", None)


def count_rows(*, session: Session, stmt: sa.Select[Any], cap: int | None) -> tuple[int, bool]:
    """Rows `stmt` matches: (count, capped). With a cap the database stops after cap + 1."""
    if cap is None:
        total = session.execute(sa.select(sa.func.count()).select_from(stmt.subquery()))
        return int(total.scalar_one()), False
    # Only a constant per row: an index that covers the filter answers without the table.
    limited = (
        stmt.with_only_columns(sa.literal(1), maintain_column_froms=True)
        .order_by(None)
        .limit(cap + 1)
    )
    counted = session.execute(sa.select(sa.func.count()).select_from(limited.subquery()))
    found = int(counted.scalar_one())
    return (cap, True) if found > cap else (found, False)


def paginate(
    *,
    session: Session,
    stmt: sa.Select[Any],
    params: ListParams,
    sortable: Mapping[str, Any],
    default_sort: str = "id",
    tiebreak: Any = None,
) -> tuple[list[Any], Total]:
    """Runs `stmt` (a select of one entity) sorted and sliced; returns (rows, total).

    `tiebreak` (default `sortable["id"]`, ascending; pass `.desc()` for the other way) keeps
    pages stable when the sort key has duplicates, and ends every keyset."""
    if tiebreak is None:
        tiebreak = sortable["id"]
    keys = [*_keys(params.sort, sortable, default_sort), _tiebreak_key(tiebreak)]
    total, capped = count_rows(
        session=session, stmt=stmt, cap=None if params.count else params.count_cap
    )
    ordered = stmt.order_by(
        *(sa.desc(k.column) if k.descending else sa.asc(k.column) for k in keys)
    )
    if params.cursor:
        if params.offset:
            raise InvalidInput("cursor 与 offset 不能同时使用")
        if any(_attribute(k.column) is None for k in keys):
            raise InvalidInput("按这个字段排序时只能用 offset 翻页")
        ordered = ordered.where(after_clause(keys, decode_cursor(keys, params.cursor)))
    else:
        ordered = ordered.offset(params.offset)
    # One row more than asked: whether a next page exists, without another query.
    rows = list(session.execute(ordered.limit(params.limit + 1)).scalars().all())
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    next_cursor = encode_cursor(keys, rows[-1]) if more and rows else None
    return rows, Total(total, capped=capped, next_cursor=next_cursor)


def page(items: list[Any], total: int, params: ListParams) -> dict[str, Any]:
    capped = getattr(total, "capped", False)
    next_cursor = getattr(total, "next_cursor", None)
    return {
        "items": items,
        "total": int(total),
        "total_capped": capped,
        "limit": params.limit,
        "offset": params.offset,
        "next_cursor": next_cursor,
    }
