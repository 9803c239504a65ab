"""The three lists as one Excel workbook (心愿台账, 暖新资源库, 暖心满溢录) or one list as CSV.

Times are Asia/Shanghai wall time; codes (category, kind, status, close reason) are shown as their
labels from models.enums, the one vocabulary. Phone and ID numbers members typed into wish texts
are masked; submitter names only go to administrators.

Scale: every sheet is one joined SELECT streamed in chunks (no list of ids, so no bind-parameter
limit), written row by row to an openpyxl write-only workbook or a CSV writer on a file the caller
owns: memory stays flat whatever the ledger's size. The caller passes a connection opened for
reading (models.db.read_connection): on SQLite a deferred transaction, so writers are never
queued behind an export; one snapshot, so the three sheets agree with each other.
"""

from __future__ import annotations

import csv
import enum
import io
import itertools
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, cast

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy.engine import Connection

from api.domain.auth import Principal
from api.domain.resources import resource_scope_clause
from api.domain.visibility import is_restricted
from models import Fulfilment, Group, Match, Office, Organisation, Resource, Staff, Wish
from models.clock import to_local
from models.enums import Category, CloseReason, WishKind, WishStatus
from models.wording.staff import EXPORT_RESTRICTED as RESTRICTED_CELL

logger = logging.getLogger(__name__)

TIME_FORMAT = "%Y-%m-%d %H:%M"
CHUNK_ROWS = 1000  # rows fetched per round trip (a server-side cursor on PostgreSQL)
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_CARD = re.compile(r"(?<![0-9Xx])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9Xx])")
# What a spreadsheet program would run instead of show (CSV/formula injection).
_FORMULA_START = ("=", "+", "-", "@")
_WIDE = ("内容", "说明", "服务说明", "反馈")


def _table(model: Any) -> sa.Table:
    return cast(sa.Table, model.__table__)


W = _table(Wish)
F = _table(Fulfilment)
M = _table(Match)
R = _table(Resource)
OFFICE = _table(Office)
GROUP = _table(Group)
ORG = _table(Organisation)
STAFF = _table(Staff)


class Sheet(enum.StrEnum):
    """The three lists; the value is the code in URLs, the label the sheet's Chinese name."""

    wishes = "wishes"
    resources = "resources"
    fulfilments = "fulfilments"

    @property
    def label(self) -> str:
        return _TITLES[self]


_TITLES = {Sheet.wishes: "心愿台账", Sheet.resources: "暖新资源库", Sheet.fulfilments: "暖心满溢录"}


@dataclass
class Listing:
    """One sheet: its headers and its rows, produced lazily from a streamed SELECT."""

    sheet: Sheet
    headers: list[str]
    rows: Iterator[list[Any]]


def _fallback_mask(text: str) -> str:
    text = _ID_CARD.sub(r"\1********\2", text)
    return _PHONE.sub(r"\1****\2", text)


def _masker() -> Callable[[str], str]:
    """nlp.mask when the recogniser package provides a working one, else a local regex."""
    try:
        from nlp import mask
    except Exception:
        return _fallback_mask

    def masked(text: str) -> str:
        try:
            result = mask(text)
        except Exception:
            result = None
        # Mask with both: nlp knows more patterns, the regex guarantees the phone numbers.
        return _fallback_mask(result if isinstance(result, str) else text)

    return masked


def _time(moment: datetime | None) -> str:
    return to_local(moment).strftime(TIME_FORMAT) if moment else ""


def stream_rows(conn: Connection, stmt: sa.Select[Any]) -> Iterator[Any]:
    """The statement's rows, fetched CHUNK_ROWS at a time, never all at once."""
    result = conn.execute(stmt, execution_options={"yield_per": CHUNK_ROWS})
    try:
        yield from result
    finally:
        result.close()


# ---- the sheets -------------------------------------------------------------------------------

WISH_HEADERS = [
    "编号",
    "提交时间(Asia/Shanghai)",
    "所属妇联",
    "来源群",
    "类别",
    "类型",
    "状态",
    "内容",
    "组织",
    "负责人",
    "认领时间",
    "对接时间",
    "圆梦时间",
    "关闭时间",
    "关闭原因",
]


def wish_select(clauses: Iterable[sa.ColumnElement[bool]]) -> sa.Select[Any]:
    return (
        sa.select(
            W.c.number,
            W.c.created_at,
            OFFICE.c.name,
            GROUP.c.topic,
            W.c.category,
            W.c.kind,
            W.c.status,
            W.c.text,
            ORG.c.name,
            STAFF.c.name,
            W.c.claimed_at,
            W.c.matched_at,
            W.c.fulfilled_at,
            W.c.closed_at,
            W.c.close_reason,
            W.c.submitter_name,
            W.c.sensitive,
            W.c.assignee_id,
        )
        .select_from(
            W.outerjoin(OFFICE, OFFICE.c.id == W.c.office_id)
            .outerjoin(GROUP, GROUP.c.id == W.c.group_id)
            .outerjoin(ORG, ORG.c.id == W.c.organisation_id)
            .outerjoin(STAFF, STAFF.c.id == W.c.assignee_id)
        )
        .where(*clauses)
        .order_by(W.c.created_at, W.c.id)
    )


def wish_listing(
    conn: Connection, *, principal: Principal, clauses: Iterable[sa.ColumnElement[bool]]
) -> Listing:
    with_submitter = principal.is_admin
    headers = [*WISH_HEADERS, "提交人"] if with_submitter else list(WISH_HEADERS)
    stmt = wish_select(clauses)
    mask = _masker()

    def rows() -> Iterator[list[Any]]:
        for r in stream_rows(conn, stmt):
            hidden = is_restricted(principal, sensitive=bool(r[16]), assignee_id=r[17])
            row = [
                r[0],
                _time(r[1]),
                r[2] or "",
                r[3] or "",
                "" if hidden else Category(r[4]).label,
                WishKind(r[5]).label,
                WishStatus(r[6]).label,
                RESTRICTED_CELL if hidden else mask(r[7]),
                r[8] or "",
                r[9] or "",
                _time(r[10]),
                _time(r[11]),
                _time(r[12]),
                _time(r[13]),
                CloseReason(r[14]).label if r[14] else "",
            ]
            if with_submitter:
                row.append(r[15] or "")
            yield row

    return Listing(Sheet.wishes, headers, rows())


RESOURCE_HEADERS = [
    "资源编号",
    "资源名称",
    "提供方",
    "类别",
    "说明",
    "服务范围",
    "容量",
    "联系人",
    "联系电话",
    "服务时间",
    "状态",
    "已对接心愿数",
]


def resource_select(principal: Principal) -> sa.Select[Any]:
    counts = (
        sa.select(M.c.resource_id, sa.func.count().label("n")).group_by(M.c.resource_id).subquery()
    )
    stmt = (
        sa.select(
            R.c.id,
            R.c.name,
            R.c.provider,
            R.c.categories,
            R.c.description,
            OFFICE.c.name,
            R.c.capacity,
            R.c.contact_person,
            R.c.contact_phone,
            R.c.availability,
            R.c.active,
            counts.c.n,
        )
        .select_from(
            R.outerjoin(OFFICE, OFFICE.c.id == R.c.office_id).outerjoin(
                counts, counts.c.resource_id == R.c.id
            )
        )
        .order_by(R.c.id)
    )
    scope = resource_scope_clause(principal)
    return stmt if scope is None else stmt.where(scope)


def resource_listing(conn: Connection, *, principal: Principal) -> Listing:
    stmt = resource_select(principal)

    def rows() -> Iterator[list[Any]]:
        for r in stream_rows(conn, stmt):
            yield [
                r[0],
                r[1],
                r[2],
                "、".join(Category(c).label for c in r[3] or []),
                r[4],
                r[5] or "全市",
                r[6] if r[6] is not None else "",
                r[7],
                r[8],
                r[9],
                "启用" if r[10] else "停用",
                r[11] or 0,
            ]

    return Listing(Sheet.resources, list(RESOURCE_HEADERS), rows())


FULFILMENT_HEADERS = [
    "心愿编号",
    "类别",
    "服务日期",
    "受益人数",
    "价值（元）",
    "服务说明",
    "反馈",
    "提供方",
    "照片数",
]


def fulfilment_select(clauses: Iterable[sa.ColumnElement[bool]]) -> sa.Select[Any]:
    # One row per (fulfilment, match): the providers of a wish arrive next to each other and
    # are folded into one cell (fulfilment_listing), so no second query (and no list of wish
    # ids) is needed.
    return (
        sa.select(
            F.c.id,
            W.c.number,
            W.c.category,
            F.c.delivered_on,
            F.c.beneficiaries,
            F.c.value_yuan,
            F.c.summary,
            F.c.feedback,
            F.c.photos,
            R.c.provider,
            W.c.sensitive,
            W.c.assignee_id,
        )
        .select_from(
            F.join(W, W.c.id == F.c.wish_id)
            .outerjoin(M, M.c.wish_id == F.c.wish_id)
            .outerjoin(R, R.c.id == M.c.resource_id)
        )
        .where(*clauses)
        .order_by(F.c.delivered_on, F.c.id, M.c.id)
    )


def fulfilment_listing(
    conn: Connection, *, principal: Principal, clauses: Iterable[sa.ColumnElement[bool]]
) -> Listing:
    stmt = fulfilment_select(clauses)
    mask = _masker()

    def rows() -> Iterator[list[Any]]:
        for _, group in itertools.groupby(stream_rows(conn, stmt), key=lambda r: r[0]):
            matched = list(group)
            r = matched[0]
            providers = dict.fromkeys(m[9] for m in matched if m[9] is not None)
            hidden = is_restricted(principal, sensitive=bool(r[10]), assignee_id=r[11])
            yield [
                r[1],
                "" if hidden else Category(r[2]).label,
                r[3],
                r[4],
                r[5],
                RESTRICTED_CELL if hidden else mask(r[6]),
                "" if hidden else mask(r[7]),
                "、".join(providers),
                len(r[8] or []),
            ]

    return Listing(Sheet.fulfilments, list(FULFILMENT_HEADERS), rows())


def listing(
    conn: Connection,
    sheet: Sheet,
    *,
    principal: Principal,
    clauses: Iterable[sa.ColumnElement[bool]],
) -> Listing:
    if sheet is Sheet.wishes:
        return wish_listing(conn, principal=principal, clauses=clauses)
    if sheet is Sheet.resources:
        return resource_listing(conn, principal=principal)
    return fulfilment_listing(conn, principal=principal, clauses=clauses)


# ---- cells ------------------------------------------------------------------------------------


def _cell_text(value: Any) -> Any:
    """Text without the control characters openpyxl refuses (one would fail the whole export)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.lstrip().startswith(_FORMULA_START)


def _xlsx_cell(ws: WriteOnlyWorksheet, value: Any) -> Any:
    value = _cell_text(value)
    if not _looks_like_formula(value):
        return value
    # A text a member typed that looks like a formula ("=HYPERLINK(…)") stays text: a string
    # cell with Excel's quote prefix, shown as typed and never evaluated.
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _csv_cell(value: Any) -> Any:
    value = _cell_text(value)
    # CSV has no "this is text" flag: the customary apostrophe keeps a spreadsheet from
    # evaluating it (Excel shows the apostrophe; the text itself is kept).
    return f"'{value}" if _looks_like_formula(value) else value


# ---- writers ----------------------------------------------------------------------------------


def _add_sheet(wb: Workbook, table: Listing) -> int:
    ws = wb.create_sheet(table.sheet.label)
    # Write-only sheets take their layout before the first row.
    ws.freeze_panes = "A2"
    for index, header in enumerate(table.headers, start=1):
        width = 40 if header in _WIDE else max(10, len(header) * 2 + 2)
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.append(table.headers)
    count = 0
    for row in table.rows:
        ws.append([_xlsx_cell(ws, value) for value in row])
        count += 1
    return count


def write_workbook(
    *,
    conn: Connection,
    principal: Principal,
    clauses: list[sa.ColumnElement[bool]],
    out: IO[bytes],
) -> int:
    """Writes the three sheets as .xlsx to `out`; returns how many wishes were exported."""
    wb = Workbook(write_only=True)
    counts = [
        _add_sheet(wb, listing(conn, sheet, principal=principal, clauses=clauses))
        for sheet in Sheet
    ]
    wb.save(out)
    logger.info("ledger export by token #%s: %d wishes", principal.token_id, counts[0])
    return counts[0]


def write_csv(
    *,
    conn: Connection,
    sheet: Sheet,
    principal: Principal,
    clauses: list[sa.ColumnElement[bool]],
    out: IO[bytes],
) -> int:
    """Writes one list as CSV to `out`: UTF-8 with a byte-order mark (Excel then reads the
    Chinese correctly), CRLF line ends. Returns how many rows were written."""
    table = listing(conn, sheet, principal=principal, clauses=clauses)
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(text)
        writer.writerow(table.headers)
        count = 0
        for row in table.rows:
            writer.writerow([_csv_cell(value) for value in row])
            count += 1
        text.flush()
    finally:
        text.detach()  # `out` stays open: it belongs to the caller
    logger.info("%s CSV export by token #%s: %d rows", sheet.value, principal.token_id, count)
    return count
