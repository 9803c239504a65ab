"""Validation errors read as plain Chinese, field by field, with pydantic's words kept aside."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.apitools import Tree


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"text": "x", "category": "food"}, "category 只能是：legal、career、"),
        ({"text": "x" * 2001}, "text 太长了（最多 2000 个字）"),
        ({"category": "legal"}, "text 是必填项"),
        ({"text": "x", "planned_date": "下周三"}, "planned_date 日期格式应为 YYYY-MM-DD"),
        ({"text": "x", "confidence": 3}, "confidence 不能大于 1"),
        ({"text": "x", "organisation_id": "阳光幼儿园"}, "organisation_id 应为整数"),
    ],
)
def test_validation_message_names_field_and_problem(
    client: TestClient, admin: dict[str, str], tree: Tree, body: dict[str, Any], expected: str
) -> None:
    response = client.post("/api/v1/wishes", json={"office_id": tree.street, **body}, headers=admin)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert expected in error["message"]
    assert all(d["detail"] for d in error["details"])  # pydantic's own words stay available
