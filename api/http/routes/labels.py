"""Route: the one vocabulary (models.enums labels), so the admin page keeps no copy of its own."""

from __future__ import annotations

from fastapi import APIRouter

from api.http.deps import StaffDep
from models.enums import vocabulary

router = APIRouter(tags=["代码名称 labels"])


@router.get(
    "/labels",
    summary="代码对应的中文名称（状态、类别、类型、操作、关闭原因等）",
    description=(
        "返回系统里所有固定代码的中文名称，格式为 {种类: {代码: 名称}}，种类包括："
        "status（心愿状态）、category（心愿类别）、kind（需求或提供）、action（操作）、"
        "close_reason（关闭原因）、event（时间线事件）、office_level（妇联层级）、"
        "org_kind（三新组织类型）、role（工作人员角色）。管理台和导出的台账都用这些名称，"
        "请以此为准，不要另外抄写。管理员和工作人员令牌均可调用。"
    ),
)
def read_labels(_: StaffDep) -> dict[str, dict[str, str]]:
    return vocabulary()
