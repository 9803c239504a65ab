"""The export at scale: no bind-parameter limit, a read-only snapshot beside writers, CSV."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.domain.auth import Principal
from api.domain.export import Scope, Sheet, listing
from models import Match, Wish
from models.db import read_connection
from models.enums import Role
from tests.api.apitools import Tree, new_wish
from tests.api.test_export import seed

CSV_URL = "/api/v1/export/ledger.csv"
XLSX_URL = "/api/v1/export/ledger.xlsx"
MANY = 70_000  # above PostgreSQL's 65,535 bind parameters per statement


def _bulk_wishes(engine: Engine, office_id: int, count: int) -> None:
    """`count` wishes in one INSERT … SELECT over generate_series (Core, server side)."""
    table = Wish.__table__  # type: ignore[attr-defined]
    n = sa.func.generate_series(1, count).table_valued("n").render_derived()
    when = sa.func.now() - sa.func.make_interval(0, 0, 0, 0, 0, n.c.n)
    rows = sa.select(
        sa.literal("批量心愿，电话13812345678"),
        sa.literal("family"),
        sa.literal("need"),
        sa.literal(office_id),
        n.c.n + 1000,
        sa.func.concat("BULK-", n.c.n),
        sa.literal("new"),
        sa.literal(1),
        when,
        when,
        sa.literal(0),
        sa.cast(sa.literal("[]"), sa.JSON),
    )
    columns = ["text", "category", "kind", "office_id", "seq", "number", "status", "version"]
    columns += ["created_at", "updated_at", "escalation_level", "keywords"]
    with engine.begin() as conn:
        conn.execute(sa.insert(table).from_select(columns, rows))


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_export_of_more_wishes_than_bind_parameters(
    client: TestClient, admin: dict[str, str], tree: Tree, engine: Engine
) -> None:
    fulfilled = seed(client, admin, tree)  # one fulfilment with its match, among them all
    _bulk_wishes(engine, tree.community, MANY)
    # CSV: the same listings as the workbook, without spending the test's time in openpyxl
    # (the workbook's statements are checked below to be the same whatever the row count).
    wishes = _csv_lines(client, admin)
    assert len(wishes) == MANY + 3  # the header, the two seeded wishes, the bulk
    assert all("13812345678" not in line for line in wishes)
    assert sum("138****5678" in line for line in wishes) == MANY + 1
    fulfilments = list(csv.DictReader(_csv_lines(client, admin, sheet="fulfilments")))
    assert [(r["心愿编号"], r["提供方"]) for r in fulfilments] == [
        (fulfilled["number"], "市律师协会")
    ]


def _csv_lines(client: TestClient, headers: dict[str, str], **params: object) -> list[str]:
    response = client.get(CSV_URL, params=params, headers=headers)
    assert response.status_code == 200, response.text[:200]
    assert response.headers["content-length"] == str(len(response.content))
    return response.content.decode("utf-8-sig").splitlines()


def test_the_workbook_statements_do_not_grow_with_the_ledger(
    client: TestClient, admin: dict[str, str], tree: Tree, engine: Engine
) -> None:
    """Every statement of an export has as many bind parameters for 2 wishes as for 40."""

    def largest_statement() -> int:
        sizes: list[int] = []

        def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
            sizes.append(len(parameters or ()))

        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.get(XLSX_URL, headers=admin)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200
        assert load_workbook(io.BytesIO(response.content))["心愿台账"].max_row > 3
        return max(sizes)

    seed(client, admin, tree)
    small = largest_statement()
    for n in range(38):
        new_wish(client, admin, office_id=tree.street, text=f"第{n}个心愿")
    assert largest_statement() == small


def test_a_write_goes_on_during_an_export_and_the_export_keeps_its_snapshot(
    client: TestClient, admin: dict[str, str], tree: Tree, engine: Engine
) -> None:
    first = new_wish(client, admin, office_id=tree.street, text="导出前的心愿")
    new_wish(client, admin, office_id=tree.street, text="导出前的第二个心愿")
    everyone = Principal(token_id=0, name="测试", role=Role.admin)
    with read_connection(engine) as conn:
        rows = listing(conn, Sheet.wishes, Scope(principal=everyone)).rows
        assert next(rows)[1] == first["number"]  # the export is under way, its snapshot taken
        # On SQLite a BEGIN IMMEDIATE export would hold the write lock: this create would wait
        # for busy_timeout and fail instead of answering 201.
        during = new_wish(client, admin, office_id=tree.street, text="导出时登记的心愿")
        rest = [row[1] for row in rows]
    assert during["number"] not in rest and len(rest) == 1
    after = client.get(CSV_URL, headers=admin)
    assert during["number"] in after.content.decode("utf-8-sig")


def _csv(client: TestClient, headers: dict[str, str], **params: object) -> list[dict[str, str]]:
    response = client.get(CSV_URL, params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with a BOM
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_lists_with_chinese_headers_masking_and_scope(
    client: TestClient, admin: dict[str, str], staff: dict[str, str], tree: Tree
) -> None:
    wish = seed(client, admin, tree)
    wishes = _csv(client, admin)
    assert len(wishes) == 2
    mine = next(r for r in wishes if r["编号"] == wish["number"])
    assert mine["类别"] == "法律维权" and mine["状态"] == "已圆梦" and "提交人" not in mine
    assert "138****5678" in mine["内容"] and "13812345678" not in mine["内容"]
    scoped = _csv(client, staff)
    assert [r["编号"] for r in scoped] == [wish["number"]] and "提交人" not in scoped[0]
    fulfilments = _csv(client, admin, sheet="fulfilments")
    assert [(r["心愿编号"], r["提供方"], r["照片数"]) for r in fulfilments] == [
        (wish["number"], "市律师协会", "2")
    ]
    resources = _csv(client, staff, sheet="resources")
    assert {r["资源名称"] for r in resources} == {"法律援助"}
    assert _csv(client, admin, sheet="fulfilments", status="new") == []


def test_csv_cells_are_neutralised(
    client: TestClient, admin: dict[str, str], tree: Tree, session: Session
) -> None:
    formula = new_wish(client, admin, office_id=tree.street, text='=HYPERLINK("http://x.invalid")')
    control = new_wish(client, admin, office_id=tree.street, text="希望有人帮忙")
    row = session.get(Wish, control["id"])
    assert row is not None
    row.text = "希望\x01有人\x1f帮忙"
    session.add(row)
    session.commit()
    by_number = {r["编号"]: r["内容"] for r in _csv(client, admin)}
    assert by_number[formula["number"]] == '\'=HYPERLINK("http://x.invalid")'
    assert by_number[control["number"]] == "希望有人帮忙"


def test_an_unknown_sheet_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    response = client.get(CSV_URL, params={"sheet": "everything"}, headers=admin)
    assert response.status_code == 422
    assert "error" in response.json()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_export_file_leaves_nothing_in_the_data_directory(
    client: TestClient, admin: dict[str, str], tree: Tree, db_url: str
) -> None:
    seed(client, admin, tree)
    data_dir = Path(db_url.removeprefix("sqlite:///")).parent
    before = sorted(os.listdir(data_dir))
    assert client.get(XLSX_URL, headers=admin).status_code == 200
    assert client.get(CSV_URL, headers=admin).status_code == 200
    assert sorted(os.listdir(data_dir)) == before


def test_fulfilments_with_several_providers_share_one_cell(
    client: TestClient, admin: dict[str, str], tree: Tree, session: Session
) -> None:
    wish = seed(client, admin, tree)
    session.add(Match(wish_id=wish["id"], resource_id=tree.west_resource))
    session.commit()
    fulfilments = _csv(client, admin, sheet="fulfilments")
    assert [r["提供方"] for r in fulfilments] == ["市律师协会、西区少年宫"]
