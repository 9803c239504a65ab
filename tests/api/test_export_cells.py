"""Export cells: a control character never fails the workbook; formula-looking text stays text."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from models import Wish
from tests.api.apitools import Tree, new_wish

URL = "/api/v1/export/ledger.xlsx"


def text_cell(client: TestClient, admin: dict[str, str]):  # type: ignore[no-untyped-def]
    """The 内容 cell of the first wish (row 1 is the title, row 2 the header)."""
    response = client.get(URL, headers=admin)
    assert response.status_code == 200, response.text
    ws = load_workbook(io.BytesIO(response.content))["心愿台账"]
    headers = [cell.value for cell in ws[2]]
    return ws.cell(row=3, column=headers.index("内容") + 1)


def test_a_stored_control_character_does_not_fail_the_export(
    client: TestClient, admin: dict[str, str], tree: Tree, session: Session
) -> None:
    # Rows from before intake stripped them (or written by other tools) can still hold them.
    wish_id = new_wish(client, admin, office_id=tree.street, text="希望有人帮忙")["id"]
    row = session.get(Wish, wish_id)
    assert row is not None
    row.text = "希望\x01有人\x1f帮忙\t谢谢"
    session.add(row)
    session.commit()
    assert text_cell(client, admin).value == "希望有人帮忙\t谢谢"


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://example.invalid","点我")',
        "+1+1 帮忙",
        "-2+3 想要",
        "@SUM(1,2) 心愿",
        '  =HYPERLINK("http://example.invalid")',
    ],
)
def test_formula_looking_text_is_shown_as_text(
    client: TestClient, admin: dict[str, str], tree: Tree, text: str
) -> None:
    new_wish(client, admin, office_id=tree.street, text=text)
    cell = text_cell(client, admin)
    assert cell.value == text
    assert cell.data_type == "s"
    assert cell.quotePrefix


def test_ordinary_text_has_no_quote_prefix(
    client: TestClient, admin: dict[str, str], tree: Tree
) -> None:
    new_wish(client, admin, office_id=tree.street, text="希望组织亲子阅读")
    cell = text_cell(client, admin)
    assert cell.value == "希望组织亲子阅读" and not cell.quotePrefix
