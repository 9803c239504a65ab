"""Routes: the Excel export of the ledger as an office prints it (心愿台账, 暖新资源库, 暖心满溢录,
三新组织覆盖, 统计) for reports and inspections, and each list as CSV.

The file is written first, inside one read-only transaction (models.db.read_connection), to an
unnamed temporary file (mode 0600, gone from the directory as soon as it is created, removed by
the system when closed), then sent in pieces: memory stays flat, and a slow download never keeps
a database transaction open.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import TypeAdapter
from sqlalchemy.engine import Connection, Engine

from api.domain.audit import record_admin_audit, record_ledger_export
from api.domain.auth import Principal
from api.domain.errors import Forbidden
from api.domain.export import Scope, Sheet, write_csv, write_workbook
from api.http.deps import SessionDep, StaffDep
from api.http.routes.statistics import _calendar as statistics_calendar
from api.http.routes.wishes import WishFilters
from models.clock import to_local, utcnow
from models.db import read_connection, sqlite_file
from models.enums import AuditAction

router = APIRouter(prefix="/export", tags=["导出 export"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
PIECE = 64 * 1024
SCOPE = (
    "筛选条件与心愿列表相同（期间、妇联含下级、状态、类别等），标题行写明妇联和期间。"
    "员工令牌只导出本辖区的数据；内容中的手机号、身份证号已打码，不含提交人。"
    "管理员加 full=true 导出完整数据（含提交人、不打码），记入审计日志。"
)
FULL_SUBJECT = "完整数据（含提交人、未打码）"
FULL_ONLY_ADMIN = "只有管理员可以导出完整数据（full=true）"


_FLAG: TypeAdapter[bool] = TypeAdapter(bool)
_MOMENT: TypeAdapter[date | datetime | None] = TypeAdapter(date | datetime | None)


def _day(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return to_local(value).date()
    return value


def export_scope(
    request: Request,
    session: SessionDep,
    principal: StaffDep,
    clauses: WishFilters,
    full: Annotated[
        bool, Query(description="完整数据：含提交人、不打码（仅管理员，记入审计日志）")
    ] = False,
) -> Scope:
    """The wish filters (the same query parameters as the wish list) and what the title says."""
    if full and not principal.is_admin:
        raise Forbidden(FULL_ONLY_ADMIN)
    # The office and the period for the title: the wish filters' own parameters, already
    # validated by them (this runs only when they were valid), read back rather than declared
    # twice (one parameter, one error message).
    given = request.query_params
    office_id = given.get("office_id")
    return Scope(
        principal=principal,
        clauses=clauses,
        office_id=int(office_id) if office_id else None,
        include_sub=_FLAG.validate_python(given.get("include_sub", True)),
        start=_day(_MOMENT.validate_python(given.get("created_from") or None)),
        end=_day(_MOMENT.validate_python(given.get("created_to") or None)),
        full=full,
        calendar=statistics_calendar(request, session),
    )


ScopeDep = Annotated[Scope, Depends(export_scope)]


def _audit(session: SessionDep, principal: Principal, scope: Scope, rows: int) -> None:
    """Every administrator's export is recorded (she sees sensitive wishes); a full one says so."""
    if scope.full:
        record_admin_audit(
            session=session,
            principal=principal,
            action=AuditAction.ledger_export,
            subject=FULL_SUBJECT,
            counts={"rows": rows},
        )
    else:
        record_ledger_export(session=session, principal=principal)


def _spill_dir(engine: Engine) -> Path | None:
    """Next to a SQLite database (the data directory), else the system's temporary directory."""
    database = sqlite_file(engine.url.render_as_string(hide_password=True))
    return Path(database).resolve().parent if database else None


def _written(engine: Engine, write: Callable[[Connection, IO[bytes]], object]) -> IO[bytes]:
    # Not a with-block: the open file is handed to the response, which closes it when sent.
    out = tempfile.TemporaryFile(dir=_spill_dir(engine))  # noqa: SIM115
    try:
        with read_connection(engine) as conn:
            write(conn, out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out


def _pieces(out: IO[bytes]) -> Iterator[bytes]:
    try:
        while piece := out.read(PIECE):
            yield piece
    finally:
        out.close()


def _download(out: IO[bytes], media_type: str, ascii_name: str, name: str) -> StreamingResponse:
    size = out.seek(0, 2)
    out.seek(0)
    disposition = f"attachment; filename={ascii_name}; filename*=UTF-8''{quote(name)}"
    headers = {"Content-Disposition": disposition, "Content-Length": str(size)}
    return StreamingResponse(_pieces(out), media_type=media_type, headers=headers)


def _today() -> str:
    return f"{to_local(utcnow()):%Y%m%d}"


@router.get(
    "/ledger.xlsx",
    summary="导出 Excel：心愿台账、暖新资源库、暖心满溢录、三新组织覆盖、统计",
    description=SCOPE + "每张表：标题行、表头（打印时每页重复）、序号、日期单元格、边框、合计行；"
    "A4 横向、按页宽缩放，页脚有页码。",
    response_class=StreamingResponse,
    responses={200: {"content": {XLSX: {}}, "description": "Excel 文件"}},
)
def export_ledger(
    request: Request, session: SessionDep, principal: StaffDep, scope: ScopeDep
) -> StreamingResponse:
    session.commit()  # the filters' lookups are done: no transaction of theirs spans the export
    counts: dict[str, int] = {}
    out = _written(
        request.app.state.engine,
        lambda conn, file: counts.update(write_workbook(conn=conn, scope=scope, out=file)),
    )
    _audit(session, principal, scope, sum(counts.values()))
    return _download(out, XLSX, "ledger.xlsx", f"心愿台账-{_today()}.xlsx")


@router.get(
    "/ledger.csv",
    summary="导出 CSV：一张清单（UTF-8，Excel 可直接打开）",
    description=SCOPE
    + "sheet 选择清单：wishes 心愿台账、resources 暖新资源库、fulfilments 暖心满溢录、"
    "organisations 三新组织覆盖、statistics 统计。只有数据行（无标题行、合计行）。",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "CSV 文件（UTF-8，带 BOM）"}},
)
def export_csv(
    request: Request,
    session: SessionDep,
    principal: StaffDep,
    scope: ScopeDep,
    sheet: Annotated[Sheet, Query(description="哪一张清单")] = Sheet.wishes,
) -> StreamingResponse:
    session.commit()  # as above
    counts: list[int] = []
    out = _written(
        request.app.state.engine,
        lambda conn, file: counts.append(write_csv(conn=conn, sheet=sheet, scope=scope, out=file)),
    )
    _audit(session, principal, scope, sum(counts))
    return _download(out, CSV, f"{sheet.value}.csv", f"{sheet.label}-{_today()}.csv")
