"""The three lists as one Excel workbook: 心愿台账, 暖新资源库, 暖心满溢录.

Times are Asia/Shanghai wall time; codes (category, kind, status, close reason) are shown as their
labels from models.enums, the one vocabulary. Phone and ID numbers members typed into wish texts
are masked; submitter names only go to administrators.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from sqlmodel import Session, col, select

from api.domain.auth import Principal
from api.domain.resources import resource_scope_clause
from api.domain.visibility import view_of
from models import Fulfilment, Group, Match, Office, Organisation, Resource, Staff, Wish
from models.clock import to_local
from models.enums import Category, CloseReason, WishKind, WishStatus
from models.wording.staff import EXPORT_RESTRICTED as RESTRICTED_CELL

logger = logging.getLogger(__name__)

TIME_FORMAT = "%Y-%m-%d %H:%M"
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_CARD = re.compile(r"(?<![0-9Xx])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9Xx])")
# What a spreadsheet program would run instead of show (CSV/formula injection).
_FORMULA_START = ("=", "+", "-", "@")


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


def _names(session: Session, model: Any, ids: set[int], attr: str = "name") -> dict[int, str]:
    ids.discard(None)
    if not ids:
        return {}
    rows = session.exec(select(model).where(col(model.id).in_(ids))).all()
    return {row.id: getattr(row, attr) for row in rows}


def _sheet(
    wb: Workbook, title: str, headers: list[str], rows: list[list[Any]], first: bool
) -> None:
    ws = wb.active if first else wb.create_sheet()
    assert ws is not None
    ws.title = title
    ws.append(headers)
    for row in rows:
        ws.append([_cell_text(value) for value in row])
        # A text a member typed that looks like a formula ("=HYPERLINK(…)") stays text: a
        # string cell with Excel's quote prefix, shown as typed and never evaluated.
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and cell.value.lstrip().startswith(_FORMULA_START):
                cell.data_type = "s"
                cell.quotePrefix = True
    ws.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        wide = header in ("内容", "说明", "服务说明", "反馈")
        width = 40 if wide else max(10, len(header) * 2 + 2)
        ws.column_dimensions[get_column_letter(index)].width = width


def _cell_text(value: Any) -> Any:
    """Text without the control characters openpyxl refuses (one would fail the whole export)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def wish_rows(
    session: Session,
    wishes: list[Wish],
    *,
    with_submitter: bool,
    restricted: frozenset[int] = frozenset(),
) -> tuple[list[str], list[list[Any]]]:
    """``restricted``: ids of sensitive wishes the caller may not read (category and text
    left blank, api/domain/visibility.py)."""
    headers = [
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
    if with_submitter:
        headers.append("提交人")
    offices = _names(session, Office, {w.office_id for w in wishes})
    groups = _names(session, Group, {w.group_id for w in wishes if w.group_id}, "topic")
    orgs = _names(session, Organisation, {w.organisation_id for w in wishes if w.organisation_id})
    staff = _names(session, Staff, {w.assignee_id for w in wishes if w.assignee_id})
    mask = _masker()
    rows = []
    for w in wishes:
        row = [
            w.number,
            _time(w.created_at),
            offices.get(w.office_id, ""),
            groups.get(w.group_id or 0, ""),
            "" if w.id in restricted else Category(w.category).label,
            WishKind(w.kind).label,
            WishStatus(w.status).label,
            RESTRICTED_CELL if w.id in restricted else mask(w.text),
            orgs.get(w.organisation_id or 0, ""),
            staff.get(w.assignee_id or 0, ""),
            _time(w.claimed_at),
            _time(w.matched_at),
            _time(w.fulfilled_at),
            _time(w.closed_at),
            CloseReason(w.close_reason).label if w.close_reason else "",
        ]
        if with_submitter:
            row.append(w.submitter_name or "")
        rows.append(row)
    return headers, rows


def resource_rows(session: Session, principal: Principal) -> tuple[list[str], list[list[Any]]]:
    headers = [
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
    stmt = select(Resource).order_by(col(Resource.id))
    scope = resource_scope_clause(principal)
    if scope is not None:
        stmt = stmt.where(scope)
    resources = session.exec(stmt).all()
    offices = _names(session, Office, {r.office_id for r in resources if r.office_id})
    counts = dict(
        session.execute(
            sa.select(col(Match.resource_id), sa.func.count()).group_by(col(Match.resource_id))
        ).all()
    )
    rows = [
        [
            r.id,
            r.name,
            r.provider,
            "、".join(Category(c).label for c in r.categories or []),
            r.description,
            offices.get(r.office_id or 0, "全市"),
            r.capacity if r.capacity is not None else "",
            r.contact_person,
            r.contact_phone,
            r.availability,
            "启用" if r.active else "停用",
            counts.get(r.id, 0),
        ]
        for r in resources
    ]
    return headers, rows


def fulfilment_rows(
    session: Session, wishes: list[Wish], restricted: frozenset[int] = frozenset()
) -> tuple[list[str], list[list[Any]]]:
    headers = [
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
    by_id = {w.id: w for w in wishes}
    if not by_id:
        return headers, []
    records = session.exec(
        select(Fulfilment)
        .where(col(Fulfilment.wish_id).in_(by_id))
        .order_by(col(Fulfilment.delivered_on), col(Fulfilment.id))
    ).all()
    providers: dict[int, list[str]] = {}
    for wish_id, provider in session.execute(
        sa.select(col(Match.wish_id), col(Resource.provider))
        .join(Resource, col(Resource.id) == col(Match.resource_id))
        .where(col(Match.wish_id).in_(by_id))
        .order_by(col(Match.id))
    ).all():
        providers.setdefault(wish_id, []).append(provider)
    mask = _masker()
    rows = []
    for f in records:
        wish = by_id[f.wish_id]
        hidden = wish.id in restricted
        rows.append(
            [
                wish.number,
                "" if hidden else Category(wish.category).label,
                f.delivered_on,
                f.beneficiaries,
                f.value_yuan,
                RESTRICTED_CELL if hidden else mask(f.summary),
                "" if hidden else mask(f.feedback),
                "、".join(dict.fromkeys(providers.get(f.wish_id, []))),
                len(f.photos or []),
            ]
        )
    return headers, rows


def build_workbook(
    *, session: Session, principal: Principal, clauses: list[sa.ColumnElement[bool]]
) -> bytes:
    wishes = list(
        session.exec(
            select(Wish).where(*clauses).order_by(col(Wish.created_at), col(Wish.id))
        ).all()
    )
    wb = Workbook()
    restricted = frozenset(
        w.id for w in wishes if w.id is not None and view_of(principal, w) == "restricted"
    )
    headers, rows = wish_rows(
        session, wishes, with_submitter=principal.is_admin, restricted=restricted
    )
    _sheet(wb, "心愿台账", headers, rows, first=True)
    headers, rows = resource_rows(session, principal)
    _sheet(wb, "暖新资源库", headers, rows, first=False)
    headers, rows = fulfilment_rows(session, wishes, restricted)
    _sheet(wb, "暖心满溢录", headers, rows, first=False)
    buffer = io.BytesIO()
    wb.save(buffer)
    logger.info("ledger export by token #%s: %d wishes", principal.token_id, len(wishes))
    return buffer.getvalue()
