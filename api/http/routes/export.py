"""Routes: the Excel export of the three lists (三张清单) for reports and inspections."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Response

from api.domain.audit import record_ledger_export
from api.domain.export import build_workbook
from api.http.deps import SessionDep, StaffDep
from api.http.routes.wishes import WishFilters
from models.clock import to_local, utcnow

router = APIRouter(prefix="/export", tags=["导出 export"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/ledger.xlsx",
    summary="导出 Excel：心愿台账、暖新资源库、暖心满溢录",
    description=(
        "筛选条件与心愿列表相同。员工令牌只导出本辖区的数据；提交人姓名只导出给管理员；"
        "内容中的手机号、身份证号已打码。"
    ),
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "Excel 文件"}},
)
def export_ledger(session: SessionDep, principal: StaffDep, clauses: WishFilters) -> Response:
    data = build_workbook(session=session, principal=principal, clauses=clauses)
    record_ledger_export(session=session, principal=principal)  # admins get names: audited
    filename = f"心愿台账-{to_local(utcnow()):%Y%m%d}.xlsx"
    disposition = f"attachment; filename=ledger.xlsx; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition})
