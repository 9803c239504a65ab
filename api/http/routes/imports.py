"""Routes: imports of the lists offices keep in Excel or CSV (resources, organisations, staff)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile

from api.domain.errors import InvalidInput
from api.domain.imports import import_file
from api.http.deps import AdminDep, SessionDep, SettingsDep
from models.imports import ImportKind, ImportReport
from models.wording.staff import import_too_big

router = APIRouter(prefix="/imports", tags=["导入 imports"])


@router.post(
    "/{kind}",
    response_model=ImportReport,
    summary="导入名册（Excel 或 CSV）：资源、三新组织、工作人员（仅管理员）",
    description=(
        "上传 .xlsx 或 .csv（UTF-8、带 BOM 的 UTF-8、GBK 均可）。表头按常用中文列名识别"
        "（资源名称、联系电话、组织名称、女职工人数、是否建立妇联、姓名、微信号、片区…），"
        "表头上方可以有标题行。默认 dry_run=true 只预览：逐行说明将新建、更新、不变、"
        "重复跳过或拒绝（附原因），什么也不写。dry_run=false 时真正导入，在一个事务里完成："
        "只要有一行被拒绝，整个文件都不导入（422，details 里是逐行预览）。"
        "同一条记录的判断：资源和组织按「所属妇联 + 名称」，工作人员按微信号。\n\n"
        "Upload an .xlsx or .csv list; the dry run (default) reports per row what would be "
        "created, updated or refused and why; the real import is all-or-nothing."
    ),
)
def import_list(
    session: SessionDep,
    _: AdminDep,
    settings: SettingsDep,
    kind: ImportKind,
    file: Annotated[UploadFile, File(description="Excel (.xlsx) 或 CSV 文件")],
    dry_run: Annotated[bool, Query(description="true：只预览，不写入")] = True,
    office_id: Annotated[
        int | None, Query(description="没有「所属妇联」列或该格为空时用的妇联")
    ] = None,
) -> ImportReport:
    # Sync route (the domain's database work must not block the event loop): the upload is
    # already spooled to a temporary file, read here with its cap.
    data = file.file.read(settings.import_max_bytes + 1)
    if len(data) > settings.import_max_bytes:
        raise InvalidInput(import_too_big(settings.import_max_bytes))
    return import_file(
        session=session,
        kind=kind,
        data=data,
        filename=file.filename or "",
        apply=not dry_run,
        default_office_id=office_id,
        max_rows=settings.import_max_rows,
    )
