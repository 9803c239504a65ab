"""Routes: the Excel export of the three lists (三张清单) for reports and inspections, and CSV.

The file is written first, inside one read-only transaction (models.db.read_connection), to an
unnamed temporary file (mode 0600, gone from the directory as soon as it is created, removed by
the system when closed), then sent in pieces: memory stays flat, and a slow download never keeps
a database transaction open.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.engine import Connection, Engine, make_url

from api.domain.audit import record_ledger_export
from api.domain.export import Sheet, write_csv, write_workbook
from api.http.deps import SessionDep, StaffDep
from api.http.routes.wishes import WishFilters
from models.clock import to_local, utcnow
from models.db import is_sqlite, read_connection

router = APIRouter(prefix="/export", tags=["导出 export"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
PIECE = 64 * 1024
SCOPE = (
    "筛选条件与心愿列表相同。员工令牌只导出本辖区的数据；提交人姓名只导出给管理员；"
    "内容中的手机号、身份证号已打码。"
)


def _spill_dir(engine: Engine) -> Path | None:
    """Next to a SQLite database (the data directory), else the system's temporary directory."""
    url = engine.url.render_as_string(hide_password=True)
    database = make_url(url).database if is_sqlite(url) else None
    if database and database != ":memory:":
        return Path(database).resolve().parent
    return None


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
    summary="导出 Excel：心愿台账、暖新资源库、暖心满溢录",
    description=SCOPE,
    response_class=StreamingResponse,
    responses={200: {"content": {XLSX: {}}, "description": "Excel 文件"}},
)
def export_ledger(
    request: Request, session: SessionDep, principal: StaffDep, clauses: WishFilters
) -> StreamingResponse:
    session.commit()  # the filters' lookups are done: no transaction of theirs spans the export
    out = _written(
        request.app.state.engine,
        lambda conn, file: write_workbook(
            conn=conn, principal=principal, clauses=clauses, out=file
        ),
    )
    record_ledger_export(session=session, principal=principal)  # admins get names: audited
    return _download(out, XLSX, "ledger.xlsx", f"心愿台账-{_today()}.xlsx")


@router.get(
    "/ledger.csv",
    summary="导出 CSV：一张清单（UTF-8，Excel 可直接打开）",
    description=SCOPE
    + "sheet 选择清单：wishes 心愿台账、resources 暖新资源库、fulfilments 暖心满溢录。",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "CSV 文件（UTF-8，带 BOM）"}},
)
def export_csv(
    request: Request,
    session: SessionDep,
    principal: StaffDep,
    clauses: WishFilters,
    sheet: Annotated[Sheet, Query(description="哪一张清单")] = Sheet.wishes,
) -> StreamingResponse:
    session.commit()  # as above
    out = _written(
        request.app.state.engine,
        lambda conn, file: write_csv(
            conn=conn, sheet=sheet, principal=principal, clauses=clauses, out=file
        ),
    )
    record_ledger_export(session=session, principal=principal)  # as above
    return _download(out, CSV, f"{sheet.value}.csv", f"{sheet.label}-{_today()}.csv")
