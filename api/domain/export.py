"""The ledger as an office prints it (心愿台账, 暖新资源库, 暖心满溢录, 三新组织覆盖, 统计) as one
Excel workbook, or one list as CSV.

Each sheet is the paper 台账: a title row (office and period), a header row repeated on every
printed page, 序号, dates as real date cells (Asia/Shanghai wall time), widths that fit and long
texts wrapped, thin borders, a totals row, A4 landscape fitted to the page width with page numbers
in the footer. Codes (category, kind, status, close reason) are shown as their labels from
models.enums, the one vocabulary. Phone and ID numbers in texts are masked and submitters left out
unless an administrator asks for the full data (``full``; the route audits it); a sensitive wish
shows only its number, status and dates to staff who may not read it (api.domain.visibility).

Scale: every list is one joined SELECT streamed in chunks (no list of ids, so no bind-parameter
limit), written row by row to an openpyxl write-only workbook or a CSV writer on a file the caller
owns: memory stays flat whatever the ledger's size (totals are summed while rows pass). The caller
passes a connection opened for reading (models.db.read_connection): on SQLite a deferred
transaction, so writers are never queued behind an export; one snapshot, so the sheets agree.
"""

from __future__ import annotations

import csv
import enum
import io
import itertools
import logging
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import IO, Any, cast

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.engine import Connection
from sqlmodel import Session

from api.domain.auth import Principal
from api.domain.common import is_staff
from api.domain.resources import resource_scope_clause
from api.domain.statistics import MAX_PERIOD_DAYS, WorkingHours, office_statistics
from api.domain.visibility import is_restricted
from models import Fulfilment, Group, Match, Office, Organisation, Resource, Staff, Wish
from models.clock import to_local, utcnow
from models.enums import Category, CloseReason, OrganisationKind, WishKind, WishStatus
from models.statistics import StatisticsPublic
from models.wording.staff import EXPORT_RESTRICTED as RESTRICTED_CELL

logger = logging.getLogger(__name__)

TIME_FORMAT = "%Y-%m-%d %H:%M"  # CSV cells
XLSX_TIME = "yyyy-mm-dd hh:mm"
XLSX_DATE = "yyyy-mm-dd"
XLSX_MONEY = "#,##0.00"
CHUNK_ROWS = 1000  # rows fetched per round trip (a server-side cursor on PostgreSQL)
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_CARD = re.compile(r"(?<![0-9Xx])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9Xx])")
# What a spreadsheet program would run instead of show (CSV/formula injection).
_FORMULA_START = ("=", "+", "-", "@")
ALL_OFFICES = "全部妇联"
ALL_TIME = "全部"
FOOTER_PAGES = "第 &P 页 共 &N 页"
FIRST_ROW = 3  # 1: the title, 2: the header (repeated on every printed page)
LINE_POINTS = 13.5  # one line of the 10-point body font


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
    """The lists; the value is the code in URLs, the label the sheet's Chinese name."""

    wishes = "wishes"
    resources = "resources"
    fulfilments = "fulfilments"
    organisations = "organisations"
    statistics = "statistics"

    @property
    def label(self) -> str:
        return _TITLES[self]


_TITLES = {
    Sheet.wishes: "心愿台账",
    Sheet.resources: "暖新资源库",
    Sheet.fulfilments: "暖心满溢录",
    Sheet.organisations: "三新组织覆盖",
    Sheet.statistics: "统计",
}


class Kind(enum.Enum):
    """How a column is shown: its cell format and alignment."""

    text = "text"
    wrap = "wrap"  # long text, wrapped
    number = "number"
    money = "money"
    date = "date"
    time = "time"  # a datetime shown with its time
    day = "day"  # a datetime shown as its date (milestones: the day is what an office reads)


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    kind: Kind = Kind.text


@dataclass
class Scope:
    """What one export covers: who asks, the wish filters, and what the title says of them."""

    principal: Principal
    clauses: list[sa.ColumnElement[bool]] = field(default_factory=list)
    office_id: int | None = None
    include_sub: bool = True
    start: date | None = None
    end: date | None = None
    full: bool = False  # an administrator asked for unmasked texts and submitters
    calendar: WorkingHours | None = None  # for the 统计 sheet's working hours


@dataclass
class Listing:
    """One sheet: its columns, its rows (produced lazily from a streamed SELECT) and what its
    totals row adds up (column index → running sum, filled while the rows pass)."""

    sheet: Sheet
    columns: list[Column]
    rows: Iterator[list[Any]]
    sums: dict[int, float] = field(default_factory=dict)
    note: Callable[[], str] | None = None  # a closing line for the totals row (coverage)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def _fallback_mask(text: str) -> str:
    text = _ID_CARD.sub(r"\1********\2", text)
    return _PHONE.sub(r"\1****\2", text)


def _masker(full: bool = False) -> Callable[[str], str]:
    """nlp.mask when the recogniser package provides a working one, else a local regex;
    the text as stored for a full export."""
    if full:
        return lambda text: text
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


def _local(moment: datetime | None) -> datetime | None:
    """Asia/Shanghai wall time, naive (a spreadsheet cell has no time zone)."""
    return to_local(moment).replace(tzinfo=None) if moment else None


def stream_rows(conn: Connection, stmt: sa.Select[Any]) -> Iterator[Any]:
    """The statement's rows, fetched CHUNK_ROWS at a time, never all at once."""
    result = conn.execute(stmt, execution_options={"yield_per": CHUNK_ROWS})
    try:
        yield from result
    finally:
        result.close()


def _numbered(rows: Iterable[list[Any]]) -> Iterator[list[Any]]:
    """序号 in front of every row."""
    for index, row in enumerate(rows, start=1):
        yield [index, *row]


def _summing(rows: Iterator[list[Any]], sums: dict[int, float]) -> Iterator[list[Any]]:
    for row in rows:
        for index in sums:
            value = row[index]
            if isinstance(value, int | float):
                sums[index] += value
        yield row


# ---- 心愿台账 ----------------------------------------------------------------------------------

SEQ = Column("序号", 6, Kind.number)
WISH_COLUMNS = [
    SEQ,
    Column("编号", 15),
    Column("提交时间", 16.5, Kind.time),
    Column("所属妇联", 14, Kind.wrap),
    Column("来源群", 12, Kind.wrap),
    Column("类别", 10),
    Column("类型", 6),
    Column("状态", 8),
    Column("内容", 40, Kind.wrap),
    Column("组织", 14, Kind.wrap),
    Column("负责人", 8),
    Column("认领日期", 11.5, Kind.day),
    Column("对接日期", 11.5, Kind.day),
    Column("圆梦日期", 11.5, Kind.day),
    Column("关闭日期", 11.5, Kind.day),
    Column("关闭原因", 10),
]
SUBMITTER = Column("提交人", 10)


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


def wish_listing(conn: Connection, scope: Scope) -> Listing:
    principal = scope.principal
    with_submitter = scope.full and principal.is_admin
    columns = [*WISH_COLUMNS, SUBMITTER] if with_submitter else list(WISH_COLUMNS)
    stmt = wish_select(scope.clauses)
    mask = _masker(with_submitter)

    def rows() -> Iterator[list[Any]]:
        for r in stream_rows(conn, stmt):
            hidden = is_restricted(principal, sensitive=bool(r[16]), assignee_id=r[17])
            row = [
                r[0],
                _local(r[1]),
                r[2] or "",
                r[3] or "",
                "" if hidden else Category(r[4]).label,
                WishKind(r[5]).label,
                WishStatus(r[6]).label,
                RESTRICTED_CELL if hidden else mask(r[7]),
                r[8] or "",
                r[9] or "",
                _local(r[10]),
                _local(r[11]),
                _local(r[12]),
                _local(r[13]),
                CloseReason(r[14]).label if r[14] else "",
            ]
            if with_submitter:
                row.append(r[15] or "")
            yield row

    return Listing(Sheet.wishes, columns, _numbered(rows()))


# ---- 暖新资源库 --------------------------------------------------------------------------------

RESOURCE_COLUMNS = [
    SEQ,
    Column("资源编号", 9, Kind.number),
    Column("资源名称", 16, Kind.wrap),
    Column("提供方", 16, Kind.wrap),
    Column("类别", 14, Kind.wrap),
    Column("说明", 36, Kind.wrap),
    Column("服务范围", 14, Kind.wrap),
    Column("容量", 7, Kind.number),
    Column("联系人", 9),
    Column("联系电话", 14),
    Column("服务时间", 14, Kind.wrap),
    Column("状态", 6),
    Column("已对接心愿数", 8, Kind.number),
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


def resource_listing(conn: Connection, scope: Scope) -> Listing:
    stmt = resource_select(scope.principal)

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

    sums: dict[int, float] = {12: 0}
    return Listing(Sheet.resources, list(RESOURCE_COLUMNS), _summing(_numbered(rows()), sums), sums)


# ---- 暖心满溢录 --------------------------------------------------------------------------------

FULFILMENT_COLUMNS = [
    SEQ,
    Column("心愿编号", 15),
    Column("类别", 10),
    Column("服务日期", 11.5, Kind.date),
    Column("受益人数", 9, Kind.number),
    Column("价值（元）", 12, Kind.money),
    Column("服务说明", 40, Kind.wrap),
    Column("反馈", 30, Kind.wrap),
    Column("提供方", 18, Kind.wrap),
    Column("照片数", 7, Kind.number),
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


def fulfilment_listing(conn: Connection, scope: Scope) -> Listing:
    principal = scope.principal
    stmt = fulfilment_select(scope.clauses)
    mask = _masker(scope.full and principal.is_admin)

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

    sums: dict[int, float] = {4: 0, 5: 0, 9: 0}
    rows_ = _summing(_numbered(rows()), sums)
    return Listing(Sheet.fulfilments, list(FULFILMENT_COLUMNS), rows_, sums)


# ---- 三新组织覆盖 ------------------------------------------------------------------------------

ORGANISATION_COLUMNS = [
    SEQ,
    Column("组织名称", 24, Kind.wrap),
    Column("类型", 12),
    Column("行业", 14, Kind.wrap),
    Column("所属妇联", 16, Kind.wrap),
    Column("女性从业人数", 10, Kind.number),
    Column("已建妇联", 8),
    Column("建会日期", 11.5, Kind.date),
    Column("期间心愿数", 9, Kind.number),
]


def _office_subtree(conn: Connection, office_id: int) -> sa.ColumnElement[bool]:
    path = conn.execute(sa.select(OFFICE.c.path).where(OFFICE.c.id == office_id)).scalar()
    subtree = sa.select(OFFICE.c.id).where(OFFICE.c.path.startswith(path or "//none//"))
    return ORG.c.office_id.in_(subtree)


def organisation_select(conn: Connection, scope: Scope) -> sa.Select[Any]:
    """The organisations of the export's offices, with the wishes of the export's filters."""
    wishes = (
        sa.select(W.c.organisation_id, sa.func.count().label("n"))
        .where(W.c.organisation_id.is_not(None), *scope.clauses)
        .group_by(W.c.organisation_id)
        .subquery()
    )
    where: list[sa.ColumnElement[bool]] = []
    principal = scope.principal
    if is_staff(principal):
        subtree = sa.select(OFFICE.c.id).where(
            OFFICE.c.path.startswith(principal.office_path or "//none//")
        )
        where.append(ORG.c.office_id.in_(subtree))
    if scope.office_id is not None:
        where.append(
            _office_subtree(conn, scope.office_id)
            if scope.include_sub
            else ORG.c.office_id == scope.office_id
        )
    return (
        sa.select(
            ORG.c.name,
            ORG.c.kind,
            ORG.c.industry,
            OFFICE.c.name,
            ORG.c.women_count,
            ORG.c.has_branch,
            ORG.c.branch_since,
            wishes.c.n,
        )
        .select_from(
            ORG.outerjoin(OFFICE, OFFICE.c.id == ORG.c.office_id).outerjoin(
                wishes, wishes.c.organisation_id == ORG.c.id
            )
        )
        .where(*where)
        .order_by(OFFICE.c.path, ORG.c.kind, ORG.c.name, ORG.c.id)
    )


def organisation_listing(conn: Connection, scope: Scope) -> Listing:
    stmt = organisation_select(conn, scope)
    tally = {"organisations": 0, "with_branch": 0}

    def rows() -> Iterator[list[Any]]:
        for r in stream_rows(conn, stmt):
            tally["organisations"] += 1
            tally["with_branch"] += 1 if r[5] else 0
            yield [
                r[0],
                OrganisationKind(r[1]).label,
                r[2] or "",
                r[3] or "",
                r[4] or 0,
                "是" if r[5] else "否",
                r[6] if r[5] else None,
                r[7] or 0,
            ]

    def coverage() -> str:
        whole, part = tally["organisations"], tally["with_branch"]
        rate = f"{part / whole:.1%}" if whole else "—"
        return f"建会覆盖：已建妇联 {part} 家 / 共 {whole} 家（{rate}）"

    sums: dict[int, float] = {5: 0, 8: 0}
    columns = list(ORGANISATION_COLUMNS)
    return Listing(Sheet.organisations, columns, _summing(_numbered(rows()), sums), sums, coverage)


# ---- 统计 --------------------------------------------------------------------------------------

STATISTICS_COLUMNS = [SEQ, Column("项目", 34, Kind.wrap), Column("数值", 30)]


def _statistics_period(conn: Connection, scope: Scope) -> tuple[date, date]:
    """The filters' period; without one, from the first wish exported to today (at most the
    ten years the statistics accept)."""
    today = to_local(utcnow()).date()
    end = scope.end or today
    start = scope.start
    if start is None:
        first = conn.execute(sa.select(sa.func.min(W.c.created_at)).where(*scope.clauses)).scalar()
        start = to_local(first).date() if first else end
    start = min(start, end)
    return max(start, end - timedelta(days=MAX_PERIOD_DAYS)), end


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} 小时"


def _percent(value: float) -> str:
    return f"{value:.1%}"


def statistics_rows(figures: StatisticsPublic) -> list[tuple[str, Any]]:
    """The figures of GET /statistics as (项目, 数值) lines."""
    lines: list[tuple[str, Any]] = [
        ("统计期间", f"{figures.start:%Y-%m-%d} 至 {figures.end:%Y-%m-%d}"),
        ("登记心愿数", figures.posted),
        ("已圆梦的需求", figures.fulfilment_rate.fulfilled),
        ("应圆梦的需求（不含重复、无效）", figures.fulfilment_rate.eligible),
        ("圆梦率", _percent(figures.fulfilment_rate.rate)),
    ]
    steps = (
        ("首次响应", figures.durations.first_response),
        ("对接资源", figures.durations.to_match),
        ("圆梦", figures.durations.to_fulfil),
    )
    for name, step in steps:
        lines.append((f"{name}用时中位数（工作时间）", _hours(step.working_median_hours)))
        lines.append((f"{name}用时 90% 分位（工作时间）", _hours(step.working_p90_hours)))
    lines += [(f"状态：{c.label}", c.posted) for c in figures.by_status if c.posted]
    lines += [(f"类别：{c.label}", c.posted) for c in figures.by_category if c.posted]
    lines += [(f"组织类型：{c.label}", c.posted) for c in figures.by_organisation_kind if c.posted]
    delivered = figures.delivered
    lines += [
        ("期间完成的服务", delivered.fulfilments),
        ("受益人数", delivered.beneficiaries),
        ("服务价值（元）", delivered.value_yuan),
    ]
    coverage = figures.coverage
    lines += [
        ("三新组织数（期末）", coverage.organisations),
        ("已建妇联的组织（期末）", coverage.with_branch),
        ("建会覆盖率（期末）", _percent(coverage.rate)),
        ("建会覆盖率（期初）", _percent(coverage.rate_at_start)),
        ("期间新建妇联", coverage.new_branches),
    ]
    lines += [
        (f"建会覆盖率：{k.label}", f"{k.with_branch} / {k.organisations}（{_percent(k.rate)}）")
        for k in coverage.by_kind
    ]
    return lines


class _NaturalHours:
    """Clock hours, for a caller that passes no working calendar (the route passes one)."""

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        return (end - start).total_seconds() / 3600


def statistics_listing(conn: Connection, scope: Scope) -> Listing:
    calendar = scope.calendar or _NaturalHours()
    start, end = _statistics_period(conn, scope)
    # The statistics read through an ORM session: one bound to the export's connection reads
    # the same snapshot and commits nothing (the connection's transaction belongs to the caller).
    with Session(bind=conn) as session:
        figures = office_statistics(
            session=session,
            principal=scope.principal,
            calendar=calendar,
            office_id=scope.office_id,
            start=start,
            end=end,
        )
    rows = [list(line) for line in statistics_rows(figures)]
    return Listing(Sheet.statistics, list(STATISTICS_COLUMNS), _numbered(rows))


_LISTINGS: dict[Sheet, Callable[[Connection, Scope], Listing]] = {
    Sheet.wishes: wish_listing,
    Sheet.resources: resource_listing,
    Sheet.fulfilments: fulfilment_listing,
    Sheet.organisations: organisation_listing,
    Sheet.statistics: statistics_listing,
}


def listing(conn: Connection, sheet: Sheet, scope: Scope) -> Listing:
    return _LISTINGS[sheet](conn, scope)


# ---- the title ---------------------------------------------------------------------------------


def office_name(conn: Connection, scope: Scope) -> str:
    """The office the export is about: the filter's, the staff token's, or the one top office."""
    office_id = scope.office_id
    if office_id is None and is_staff(scope.principal):
        office_id = scope.principal.office_id
    if office_id is not None:
        name = conn.execute(sa.select(OFFICE.c.name).where(OFFICE.c.id == office_id)).scalar()
        return str(name) if name else ALL_OFFICES
    tops = conn.execute(sa.select(OFFICE.c.name).where(OFFICE.c.parent_id.is_(None)).limit(2))
    names = list(tops.scalars())
    return str(names[0]) if len(names) == 1 else ALL_OFFICES


def _day(day: date, *, year: bool = True) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if year else f"{day.month}月{day.day}日"


def period_label(start: date | None, end: date | None) -> str:
    """2026年11月1日—11月30日 (the year once when both ends share it), or 全部."""
    if start and end:
        return f"{_day(start)}—{_day(end, year=end.year != start.year)}"
    if start:
        return f"{_day(start)}起"
    if end:
        return f"截至{_day(end)}"
    return ALL_TIME


def title_of(office: str, sheet: Sheet, scope: Scope) -> str:
    return f"{office} {sheet.label} {period_label(scope.start, scope.end)}"


# ---- cells ------------------------------------------------------------------------------------


def _cell_text(value: Any) -> Any:
    """Text without the control characters openpyxl refuses (one would fail the whole export)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.lstrip().startswith(_FORMULA_START)


_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
TITLE_FONT = Font(name="SimSun", size=16, bold=True)
HEADER_FONT = Font(name="SimSun", size=11, bold=True)
BODY_FONT = Font(name="SimSun", size=10)
HEADER_FILL = PatternFill("solid", fgColor="E7E6E6")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_ALIGN = {
    Kind.text: Alignment(vertical="top"),
    Kind.wrap: Alignment(vertical="top", wrap_text=True),
    Kind.number: Alignment(horizontal="right", vertical="top"),
    Kind.money: Alignment(horizontal="right", vertical="top"),
    Kind.date: Alignment(horizontal="center", vertical="top"),
    Kind.time: Alignment(horizontal="center", vertical="top"),
    Kind.day: Alignment(horizontal="center", vertical="top"),
}
_FORMAT = {Kind.money: XLSX_MONEY, Kind.date: XLSX_DATE, Kind.time: XLSX_TIME, Kind.day: XLSX_DATE}


Styles = dict[tuple[Kind, bool], StyleArray]  # one sheet's: (kind, bold) → style


def _style_of(ws: WriteOnlyWorksheet, cache: Styles, kind: Kind, font: Font) -> StyleArray:
    """The style of a cell of this kind (border, font, alignment, number format), worked out
    once per sheet: assigning styles cell by cell looks each one up in the workbook's lists,
    which costs more than writing the cell."""
    key = (kind, font is HEADER_FONT)
    if key not in cache:
        model = WriteOnlyCell(ws)
        model.border, model.font, model.alignment = BORDER, font, _ALIGN[kind]
        number_format = _FORMAT.get(kind)
        if number_format:
            model.number_format = number_format
        cache[key] = model._style
    return cache[key]


def _styled(
    ws: WriteOnlyWorksheet, styles: Styles, value: Any, column: Column, font: Font = BODY_FONT
) -> Any:
    value = _cell_text(value)
    cell = WriteOnlyCell(ws, value=value)
    cell._style = copy(_style_of(ws, styles, column.kind, font))
    if _looks_like_formula(value):
        # A text a member typed that looks like a formula ("=HYPERLINK(…)") stays text: a
        # string cell with Excel's quote prefix, shown as typed and never evaluated.
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _csv_cell(value: Any) -> Any:
    value = _cell_text(value)
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    # CSV has no "this is text" flag: the customary apostrophe keeps a spreadsheet from
    # evaluating it (Excel shows the apostrophe; the text itself is kept).
    return f"'{value}" if _looks_like_formula(value) else value


# ---- writers ----------------------------------------------------------------------------------


def _print_setup(ws: WriteOnlyWorksheet, stamp: str) -> None:
    """A4 landscape, every column on the page width, as many pages down as the rows need, the
    header row on each page, page numbers in the footer."""
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    ws.print_title_rows = "2:2"
    ws.oddFooter.center.text = FOOTER_PAGES
    ws.oddFooter.center.size = 9
    ws.oddFooter.right.text = f"导出时间 {stamp}"
    ws.oddFooter.right.size = 9


def _totals(ws: WriteOnlyWorksheet, styles: Styles, table: Listing, count: int) -> list[Any]:
    row: list[Any] = []
    for index, column in enumerate(table.columns):
        if index == 0:
            value: Any = "合计"
        elif index == 1:
            value = f"共 {count} 条"
        elif index in table.sums:
            total = table.sums[index]
            value = round(total, 2) if column.kind is Kind.money else int(total)
        else:
            value = None
        row.append(_styled(ws, styles, value, column, HEADER_FONT))
    return row


def _display_width(text: str) -> float:
    """Width units a text takes in the 10-point body font: a Chinese character about 1.8
    (a unit is the width of a digit of the default 11-point font), a Latin one 1."""
    return sum(1.8 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def row_height(row: Sequence[Any], columns: Sequence[Column]) -> float | None:
    """The height of a row whose wrapped texts need more than one line (points), or None.

    Spreadsheet programs do not grow a row from a file to fit its wrapped text (LibreOffice
    keeps the default height, the lines then overprint the next row): the file says it."""
    lines = 1
    for value, column in zip(row, columns, strict=False):
        if column.kind is not Kind.wrap or not isinstance(value, str) or not value:
            continue
        room = max(column.width - 1, 1)
        needed = sum(max(1, math.ceil(_display_width(part) / room)) for part in value.split("\n"))
        lines = max(lines, needed)
    return None if lines == 1 else lines * LINE_POINTS + 2


def _add_sheet(wb: Workbook, table: Listing, title: str, stamp: str) -> int:
    ws = wb.create_sheet(table.sheet.label)
    styles: Styles = {}
    # Write-only sheets take their layout before the first row.
    ws.freeze_panes = "A3"
    for index, column in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    _print_setup(ws, stamp)
    heading = WriteOnlyCell(ws, value=title)
    heading.font = TITLE_FONT
    heading.alignment = Alignment(horizontal="left", vertical="center")
    ws.row_dimensions[1].height = 28
    ws.append([heading])
    header = []
    for column in table.columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font, cell.border, cell.alignment, cell.fill = (
            HEADER_FONT,
            BORDER,
            _CENTER,
            HEADER_FILL,
        )
        header.append(cell)
    ws.append(header)
    count = 0
    for row in table.rows:
        row_index = FIRST_ROW + count
        height = row_height(row, table.columns)
        if height is not None:
            ws.row_dimensions[row_index].height = height
        ws.append([_styled(ws, styles, v, c) for v, c in zip(row, table.columns, strict=True)])
        # Written with the row: dropped, so a long ledger keeps no dimension per row.
        ws.row_dimensions.pop(row_index, None)
        count += 1
    if table.sheet is not Sheet.statistics:
        ws.append(_totals(ws, styles, table, count))
    if table.note is not None:
        ws.append([_styled(ws, styles, table.note(), Column("", 0, Kind.text), HEADER_FONT)])
    return count


def write_workbook(*, conn: Connection, scope: Scope, out: IO[bytes]) -> dict[str, int]:
    """Writes the five sheets as .xlsx to `out`; returns the rows written per list."""
    wb = Workbook(write_only=True)
    office = office_name(conn, scope)
    stamp = f"{to_local(utcnow()):%Y-%m-%d %H:%M}"
    counts = {
        sheet.value: _add_sheet(
            wb, listing(conn, sheet, scope), title_of(office, sheet, scope), stamp
        )
        for sheet in Sheet
    }
    wb.save(out)
    logger.info(
        "ledger export by token #%s (full=%s): %d wishes",
        scope.principal.token_id,
        scope.full,
        counts[Sheet.wishes.value],
    )
    return counts


def write_csv(*, conn: Connection, sheet: Sheet, scope: Scope, out: IO[bytes]) -> int:
    """Writes one list as CSV to `out`: UTF-8 with a byte-order mark (Excel then reads the
    Chinese correctly), CRLF line ends, the data only (no title or totals rows). Returns how
    many rows were written."""
    table = listing(conn, sheet, scope)
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
    logger.info("%s CSV export by token #%s: %d rows", sheet.value, scope.principal.token_id, count)
    return count
