"""The shapes of an import (POST /api/v1/imports/{kind}, `wishpool import`): what each row of an
office's spreadsheet would do (dry run) or did."""

from __future__ import annotations

from pydantic import BaseModel, Field

from models.enums import ImportKind, RowAction

__all__ = ["ImportKind", "ImportReport", "RowAction", "RowResult"]


class RowResult(BaseModel):
    row: int = Field(description="表格中的行号（与 Excel 左侧的行号一致）")
    action: RowAction
    key: str = Field(description="这一行是谁：名称或微信号")
    record_id: int | None = Field(default=None, description="已有记录的编号（更新时）或新编号")
    changes: list[str] = Field(default_factory=list, description="更新时改动的字段")
    reasons: list[str] = Field(default_factory=list, description="拒绝的原因（中文）")


class ImportReport(BaseModel):
    kind: ImportKind
    applied: bool = Field(description="true：已写入；false：只是预览（dry run）")
    encoding: str | None = Field(
        description="CSV 的编码（utf-8-sig、utf-8、gb18030…）；Excel 为 null"
    )
    columns: dict[str, str] = Field(description="识别出的列：表头 → 字段")
    ignored_columns: list[str] = Field(description="没有用到的列（不保存）")
    counts: dict[str, int] = Field(description="各种结果的行数：create、update、refuse…")
    rows: list[RowResult]
