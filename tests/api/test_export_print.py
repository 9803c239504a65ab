"""The 台账 as an office prints it: title row, 序号, date cells, totals, print setup, the period."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from models import Organisation, Wish
from tests.api.apitools import Tree, new_wish
from tests.api.test_export import SHEETS, download, rows, seed, totals

NOVEMBER = {"created_from": "2026-11-01", "created_to": "2026-11-30"}


def _at(session: Session, wish: dict, moment: datetime) -> None:
    row = session.get(Wish, wish["id"])
    assert row is not None
    row.created_at = moment
    session.add(row)
    session.commit()


def _november(client: TestClient, admin: dict, tree: Tree, session: Session) -> dict[str, str]:
    """Wishes on both sides of November's edges (Asia/Shanghai is UTC+8); number → where."""
    placed = {
        # 2026-11-01 00:05 in Shanghai: still October in UTC, inside the period
        "first": (tree.street, datetime(2026, 10, 31, 16, 5, tzinfo=UTC)),
        # 2026-11-30 23:50 in Shanghai, inside
        "last": (tree.community, datetime(2026, 11, 30, 15, 50, tzinfo=UTC)),
        # 2026-10-31 23:50 and 2026-12-01 00:10 in Shanghai: outside
        "before": (tree.street, datetime(2026, 10, 31, 15, 50, tzinfo=UTC)),
        "after": (tree.street, datetime(2026, 11, 30, 16, 10, tzinfo=UTC)),
        # in the period but another district: outside the office filter
        "west": (tree.west, datetime(2026, 11, 15, 2, 0, tzinfo=UTC)),
    }
    for n in range(6):
        placed[f"mid{n}"] = (tree.community, datetime(2026, 11, 10 + n, 1, 0, tzinfo=UTC))
    numbers = {}
    for name, (office, moment) in placed.items():
        wish = new_wish(client, admin, office_id=office, text=f"十一月的心愿 {name}")
        _at(session, wish, moment)
        numbers[wish["number"]] = name
    return numbers


def test_every_wish_of_the_period_and_office_and_none_outside(
    client: TestClient, admin: dict, tree: Tree, session: Session
) -> None:
    numbers = _november(client, admin, tree, session)
    book = download(client, admin, **{**NOVEMBER, "office_id": tree.street})
    ws = book["心愿台账"]
    assert ws["A1"].value == "东风街道妇联 心愿台账 2026年11月1日—11月30日"
    ledger = rows(ws)
    names = [numbers[r["编号"]] for r in ledger]
    assert names == ["first", *(f"mid{n}" for n in range(6)), "last"]  # by time, sub-offices too
    assert [r["序号"] for r in ledger] == list(range(1, 9))
    first = ledger[0]["提交时间"]
    assert isinstance(first, datetime) and first == datetime(2026, 11, 1, 0, 5)  # local, naive
    date_cell = ws.cell(row=3, column=3)
    assert date_cell.is_date and "yyyy" in date_cell.number_format
    assert totals(ws)["编号"] == "共 8 条"
    # No office filter: the admin's title names the top office; the period stays.
    everything = download(client, admin, **NOVEMBER)
    assert everything["心愿台账"]["A1"].value.startswith("市妇联 心愿台账 2026年11月1日")
    assert len(rows(everything["心愿台账"])) == 9  # the west one too
    assert download(client, admin)["统计"]["A1"].value == "市妇联 统计 全部"


def test_every_sheet_is_set_up_for_a4_landscape_with_the_header_on_every_page(
    client: TestClient, admin: dict, tree: Tree
) -> None:
    seed(client, admin, tree)
    book = download(client, admin)
    assert book.sheetnames == SHEETS
    for name in SHEETS:
        ws = book[name]
        assert ws.page_setup.orientation == "landscape", name
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$2:$2"
        assert ws.freeze_panes == "A3"
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
        assert ws.cell(row=2, column=1).value == "序号"
        assert ws.cell(row=3, column=1).border.left.style == "thin"
    ledger = book["心愿台账"]
    headers = [c.value for c in ledger[2]]
    width = ledger.column_dimensions["B"].width
    assert headers[1] == "编号" and width >= len("XF-2026-000123") + 1
    text = ledger.cell(row=3, column=headers.index("内容") + 1)
    assert text.alignment.wrap_text and ledger.column_dimensions["I"].width >= 30


def test_totals_add_up_the_fulfilments_and_the_coverage(
    client: TestClient, admin: dict, tree: Tree, session: Session
) -> None:
    seed(client, admin, tree)
    second = new_wish(client, admin, office_id=tree.street, text="想要一次义诊")
    for step in ("claim", "match", "start"):
        body = {"claim": {"assignee_id": tree.staff}, "match": {"resource_ids": [tree.resource]}}
        client.post(f"/api/v1/wishes/{second['id']}/{step}", json=body.get(step), headers=admin)
    fulfilled = client.post(
        f"/api/v1/wishes/{second['id']}/fulfil",
        json={"delivered_on": "2026-05-11", "beneficiaries": 12, "value_yuan": 250.5},
        headers=admin,
    )
    assert fulfilled.status_code == 200, fulfilled.text
    branch = Organisation(
        name="有会组织",
        kind="new_social",
        office_id=tree.street,
        women_count=30,
        has_branch=True,
        branch_since=date(2026, 3, 8),
    )
    session.add(branch)
    session.commit()
    book = download(client, admin)
    fulfilments = book["暖心满溢录"]
    assert len(rows(fulfilments)) == 2
    sums = totals(fulfilments)
    assert sums["心愿编号"] == "共 2 条" and sums["受益人数"] == 352
    assert sums["价值（元）"] == 5250.5 and sums["照片数"] == 2
    served = next(r for r in rows(fulfilments) if r["受益人数"] == 12)["服务日期"]
    assert isinstance(served, datetime) and served.date().isoformat() == "2026-05-11"
    organisations = book["三新组织覆盖"]
    assert totals(organisations)["组织名称"] == "共 2 条"
    founded = next(r for r in rows(organisations) if r["组织名称"] == "有会组织")
    assert founded["已建妇联"] == "是" and founded["建会日期"].date() == date(2026, 3, 8)
    assert totals(organisations)["女性从业人数"] >= 30
    last = [r for r in organisations.iter_rows(values_only=True) if r[0]][-1]
    assert last[0] == "建会覆盖：已建妇联 1 家 / 共 2 家（50.0%）"
    assert totals(book["暖新资源库"])["已对接心愿数"] == 2


def test_every_list_has_its_csv(client: TestClient, admin: dict, staff: dict, tree: Tree) -> None:
    wish = seed(client, admin, tree)
    for sheet, first_header in [
        ("wishes", "序号"),
        ("resources", "序号"),
        ("fulfilments", "序号"),
        ("organisations", "序号"),
        ("statistics", "序号"),
    ]:
        response = client.get("/api/v1/export/ledger.csv", params={"sheet": sheet}, headers=staff)
        assert response.status_code == 200, response.text
        table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert table[0][0] == first_header and len(table) > 1, sheet
        assert all(row[0] != "合计" for row in table)  # data only
    wishes = client.get("/api/v1/export/ledger.csv", headers=staff).content.decode("utf-8-sig")
    line = next(row for row in csv.DictReader(io.StringIO(wishes)) if row["编号"] == wish["number"])
    assert line["提交时间"][:4] == "2026" and "138****5678" in line["内容"]


def test_a_staff_export_is_titled_with_her_office(
    client: TestClient, admin: dict, staff: dict, tree: Tree
) -> None:
    seed(client, admin, tree)
    response = client.get("/api/v1/export/ledger.xlsx", headers=staff)
    book = load_workbook(io.BytesIO(response.content))
    assert book["心愿台账"]["A1"].value == "东区妇联 心愿台账 全部"
