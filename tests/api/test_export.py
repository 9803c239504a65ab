"""The Excel export: five sheets, Chinese headers and labels, scope, masking, submitter names."""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.api.apitools import Tree, new_wish

URL = "/api/v1/export/ledger.xlsx"
SHEETS = ["心愿台账", "暖新资源库", "暖心满溢录", "三新组织覆盖", "统计"]
TITLE_ROW, HEADER_ROW = 1, 2


def download(client: TestClient, headers: dict[str, str], **params: object):  # type: ignore[no-untyped-def]
    response = client.get(URL, params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "attachment" in response.headers["content-disposition"]
    return load_workbook(io.BytesIO(response.content))


def rows(sheet) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The data rows as dicts by header: between the header row and the totals row."""
    values = list(sheet.iter_rows(min_row=HEADER_ROW, values_only=True))
    header, body = values[0], values[1:]
    data = [row for row in body if row[0] != "合计" and isinstance(row[0], int)]
    return [dict(zip(header, row, strict=True)) for row in data]


def totals(sheet) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    values = list(sheet.iter_rows(min_row=HEADER_ROW, values_only=True))
    found = [row for row in values if row[0] == "合计"]
    assert len(found) == 1
    return dict(zip(values[0], found[0], strict=True))


def seed(client: TestClient, admin: dict[str, str], tree: Tree) -> dict:
    wish = new_wish(
        client,
        admin,
        office_id=tree.street,
        text="我是快递员，电话13812345678，想咨询劳动合同",
        category="legal",
        submitter_name="张丽",
        organisation_id=tree.org,
    )
    client.post(
        f"/api/v1/wishes/{wish['id']}/claim", json={"assignee_id": tree.staff}, headers=admin
    )
    client.post(
        f"/api/v1/wishes/{wish['id']}/match", json={"resource_ids": [tree.resource]}, headers=admin
    )
    client.post(f"/api/v1/wishes/{wish['id']}/start", headers=admin)
    fulfilled = client.post(
        f"/api/v1/wishes/{wish['id']}/fulfil",
        json={
            "delivered_on": "2026-05-10",
            "beneficiaries": 340,
            "value_yuan": 5000,
            "summary": "律师一对一咨询",
            "photos": ["a.jpg", "b.jpg"],
        },
        headers=admin,
    )
    assert fulfilled.status_code == 200, fulfilled.text
    new_wish(client, admin, office_id=tree.west, text="西区的心愿", submitter_name="王五")
    return wish


def test_five_sheets_with_chinese_headers(client: TestClient, admin: dict, tree: Tree) -> None:
    wish = seed(client, admin, tree)
    book = download(client, admin, full=True)
    assert book.sheetnames == SHEETS
    ledger = rows(book["心愿台账"])
    assert len(ledger) == 2
    first = next(r for r in ledger if r["编号"] == wish["number"])
    assert first["类别"] == "法律维权" and first["状态"] == "已圆梦"
    assert first["组织"] == "幸福快递站" and first["负责人"] == "李红"
    assert first["所属妇联"] == "东风街道妇联" and first["来源群"] in (None, "")
    assert first["提交人"] == "张丽" and "13812345678" in str(first["内容"])  # full: as typed
    resources = rows(book["暖新资源库"])
    legal = next(r for r in resources if r["资源名称"] == "法律援助")
    assert legal["提供方"] == "市律师协会" and legal["类别"] == "法律维权"
    assert legal["服务范围"] == "全市" and legal["已对接心愿数"] == 1
    assert legal["资源编号"] == tree.resource
    fulfilments = rows(book["暖心满溢录"])
    assert fulfilments == [
        {
            "序号": 1,
            "心愿编号": wish["number"],
            "类别": "法律维权",
            "服务日期": fulfilments[0]["服务日期"],
            "受益人数": 340,
            "价值（元）": 5000,
            "服务说明": "律师一对一咨询",
            "反馈": None,
            "提供方": "市律师协会",
            "照片数": 2,
        }
    ]
    organisations = rows(book["三新组织覆盖"])
    assert [(o["组织名称"], o["期间心愿数"]) for o in organisations] == [("幸福快递站", 1)]
    figures = {r["项目"]: r["数值"] for r in rows(book["统计"])}
    assert figures["登记心愿数"] == 2 and figures["已圆梦的需求"] == 1


def test_staff_export_is_scoped_masked_and_without_submitters(
    client: TestClient, admin: dict, staff: dict, tree: Tree
) -> None:
    wish = seed(client, admin, tree)
    book = download(client, staff)
    ledger = rows(book["心愿台账"])
    assert [r["编号"] for r in ledger] == [wish["number"]]
    assert "提交人" not in ledger[0]
    assert "13812345678" not in str(ledger[0]["内容"]) and "138****5678" in str(ledger[0]["内容"])
    names = {r["资源名称"] for r in rows(book["暖新资源库"])}
    assert names == {"法律援助"}  # not 西区亲子课堂


def test_an_admin_export_is_masked_unless_she_asks_for_full_data(
    client: TestClient, admin: dict, staff: dict, tree: Tree
) -> None:
    seed(client, admin, tree)
    masked = rows(download(client, admin)["心愿台账"])
    assert all("提交人" not in r for r in masked)
    assert all("13812345678" not in str(r["内容"]) for r in masked)
    refused = client.get(URL, params={"full": True}, headers=staff)
    assert refused.status_code == 403 and refused.json()["error"]["message"]
    audit = client.get("/api/v1/audit", params={"action": "ledger_export"}, headers=admin).json()
    assert audit["total"] == 1  # the masked one; the refused one recorded nothing
    download(client, admin, full=True)
    audit = client.get("/api/v1/audit", params={"action": "ledger_export"}, headers=admin).json()
    assert audit["total"] == 2
    assert audit["items"][0]["subject"].startswith("完整数据")


def test_filters_apply(client: TestClient, admin: dict, tree: Tree) -> None:
    seed(client, admin, tree)
    book = download(client, admin, status="new")
    assert [r["内容"] for r in rows(book["心愿台账"])] == ["西区的心愿"]
    assert rows(book["暖心满溢录"]) == []
