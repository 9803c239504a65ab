"""The one vocabulary: GET /api/v1/labels serves models.enums; admin page and export use it."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.http.routes.admin_page import STATIC_DIR
from models.enums import VOCABULARY, Category, CloseReason, WishKind, WishStatus
from tests.api.apitools import Tree, new_wish

URL = "/api/v1/labels"
ADMIN_JS = STATIC_DIR / "admin.js"


@pytest.mark.parametrize("who", ["admin", "staff"])
def test_labels_serve_every_member_of_every_vocabulary(
    client: TestClient, request: pytest.FixtureRequest, who: str
) -> None:
    headers = request.getfixturevalue(who)
    response = client.get(URL, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert {"status", "category", "kind", "action", "close_reason"} <= body.keys()
    assert body.keys() == VOCABULARY.keys()
    for name, enum in VOCABULARY.items():
        assert body[name] == {member.value: member.label for member in enum}, name
        assert all(body[name].values()), name  # no member without a label
    # The wording a federation office uses, the same everywhere.
    assert body["action"]["match"] == "对接资源" and body["action"]["fulfil"] == "圆梦"
    assert body["kind"] == {"need": "需求", "offer": "提供"}
    assert body["status"]["fulfilled"] == "已圆梦"


def test_labels_need_a_person_token(client: TestClient, bot: dict[str, str]) -> None:
    assert client.get(URL).status_code == 401
    assert client.get(URL, headers=bot).status_code == 403


def test_labels_are_described_in_chinese(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][URL]["get"]
    assert (
        "中文名称" in operation["summary"]
        and "close_reason（关闭原因）" in operation["description"]
    )


def _as_literal(text: str, source: str) -> bool:
    return f"'{text}'" in source or f'"{text}"' in source


def test_admin_js_keeps_no_copy_of_the_labels() -> None:
    source = ADMIN_JS.read_text(encoding="utf-8")
    copied = sorted(
        f"{name}.{member.value}={member.label}"
        for name, enum in VOCABULARY.items()
        for member in enum
        if _as_literal(member.label, source)
    )
    assert not copied, f"labels copied into admin.js: {copied}"
    # Status and category labels must not appear at all, not even inside a longer text.
    for member in [*WishStatus, *Category]:
        assert member.label not in source, member
    assert "'/api/v1/labels'" in source and "api('GET', PATHS.labels)" in source


def test_export_shows_the_enum_labels(
    client: TestClient, admin: dict[str, str], tree: Tree
) -> None:
    offer = new_wish(
        client, admin, office_id=tree.street, text="我们公司想捐赠一批图书", kind="offer"
    )
    closed = client.post(
        f"/api/v1/wishes/{offer['id']}/close", json={"reason": "duplicate"}, headers=admin
    )
    assert closed.status_code == 200, closed.text
    response = client.get("/api/v1/export/ledger.xlsx", headers=admin)
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content))["心愿台账"]
    header, *values = list(sheet.iter_rows(min_row=2, values_only=True))  # row 1: the title
    row = next(dict(zip(header, v, strict=True)) for v in values if v[1] == offer["number"])
    assert row["类型"] == WishKind.offer.label == "提供"
    assert row["状态"] == WishStatus.closed.label
    assert row["关闭原因"] == CloseReason.duplicate.label
    assert row["类别"] == Category(offer["category"]).label
