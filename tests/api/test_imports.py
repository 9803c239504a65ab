"""Imports of resources, organisations and staff from files generated here (xlsx, csv in UTF-8,
UTF-8 with BOM and GBK): good files, bad rows, duplicates, wrong headers, all-or-nothing."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlmodel import Session, select

from api.domain.errors import InvalidInput
from api.domain.imports import decode_text, import_file, normalise_header
from models import Organisation, Resource, Staff
from models.imports import ImportKind
from tests.api.apitools import Tree, table_counts

ORG_HEADER = [
    "序号",
    "单位名称",
    "组织类型",
    "女性从业人数",
    "是否建立妇联",
    "所属社区",
    "片区",
    "身份证号",
]


def xlsx(rows: list[list[Any]], title: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    if title:
        sheet.append([title])  # a title row above the header, as offices make them
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[Any]], encoding: str) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def _import(session: Session, kind: ImportKind, data: bytes, name: str, **kw: Any) -> Any:
    report = import_file(session=session, kind=kind, data=data, filename=name, **kw)
    session.commit()
    return report


def _actions(report: Any) -> list[tuple[int, str]]:
    return [(r.row, r.action.value) for r in report.rows]


def test_encodings_are_told_apart() -> None:
    text = "资源名称,提供方\n法律讲座,市律师协会\n"
    assert decode_text(text.encode("utf-8")) == (text, "utf-8")
    assert decode_text(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "utf-8-sig")
    assert decode_text(text.encode("gbk")) == (text, "gb18030")
    assert decode_text(text.encode("utf-16")) == (text, "utf-16")
    assert normalise_header(" 联系电话（必填）* ") == "联系电话"
    assert normalise_header("女职工人数(人)") == "女职工人数"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_organisations_csv_every_encoding(
    session: Session, tree: Tree, encoding: str, tmp_path: Path
) -> None:
    rows = [
        ORG_HEADER,
        [1, "阳光电商公司", "新经济组织", "35人", "是", "幸福社区", "一片", "110101199001011234"],
        [2, "快递小哥之家", "新就业群体", "12", "否", "东风街道妇联", "", ""],
        [3, "幸福快递站", "新就业", "8", "已建", "幸福社区", "二片", ""],  # the fixture's: update
    ]
    path = tmp_path / f"orgs-{encoding}.csv"
    path.write_bytes(csv_bytes(rows, encoding))
    data = path.read_bytes()
    dry = _import(session, ImportKind.organisations, data, path.name)
    assert dry.encoding == ("gb18030" if encoding == "gbk" else encoding)
    assert not dry.applied
    assert _actions(dry) == [(2, "create"), (3, "create"), (4, "update")]
    assert dry.rows[2].record_id == tree.org
    assert sorted(dry.rows[2].changes) == ["has_branch", "women_count", "zone"]
    assert "身份证号" in dry.ignored_columns and "序号" in dry.ignored_columns
    assert session.exec(select(Organisation)).all().__len__() == 1  # the dry run wrote nothing

    done = _import(session, ImportKind.organisations, data, path.name, apply=True)
    assert done.applied and done.counts["create"] == 2 and done.counts["update"] == 1
    orgs = {o.name: o for o in session.exec(select(Organisation)).all()}
    sunny = orgs["阳光电商公司"]
    assert (sunny.kind, sunny.women_count, sunny.has_branch) == ("new_economic", 35, True)
    assert sunny.office_id == tree.community and sunny.zone == "一片"
    assert sunny.branch_since is not None  # the day the ledger learnt of the branch
    assert orgs["快递小哥之家"].office_id == tree.street
    assert orgs["快递小哥之家"].branch_since is None
    assert orgs["幸福快递站"].has_branch and orgs["幸福快递站"].women_count == 8
    # Imported again: nothing left to change.
    again = _import(session, ImportKind.organisations, data, path.name)
    assert [r.action.value for r in again.rows] == ["unchanged"] * 3


def test_resources_xlsx_with_title_row_and_default_office(session: Session, tree: Tree) -> None:
    data = xlsx(
        [
            ["资源名称", "提供单位", "分类", "服务内容", "联系人", "手机", "名额", "开放时间"],
            [
                "音乐疗愈音乐会",
                "市交响乐团",
                "文体、健康",
                "走进康复医院",
                "周老师",
                "13800138000",
                340,
                "每月一次",
            ],
            ["铁路博物馆研学", "铁路博物馆", "家庭教育", "", "", "", None, "周六上午"],
            ["法律援助", "市律师协会", "法律", "", "", "", 5.0, ""],  # the fixture's resource?
        ],
        title="东风街道暖新资源库（2026年）",
    )
    report = _import(
        session, ImportKind.resources, data, "资源.xlsx", default_office_id=tree.street, apply=True
    )
    assert report.encoding is None
    assert _actions(report) == [(3, "create"), (4, "create"), (5, "create")]  # rows after the title
    music = session.exec(select(Resource).where(Resource.name == "音乐疗愈音乐会")).one()
    assert music.categories == ["culture", "health"]
    assert (music.capacity, music.contact_phone, music.office_id) == (
        340,
        "13800138000",
        tree.street,
    )
    # The fixture's 法律援助 is city-wide (no office): a street's 法律援助 is another resource.
    assert len(session.exec(select(Resource).where(Resource.name == "法律援助")).all()) == 2


def test_bad_rows_refuse_the_whole_file(session: Session, tree: Tree) -> None:
    rows = [
        ["姓名", "微信号", "职务", "所属妇联", "负责片区", "手机号"],
        ["张丽", "wx_zhangli", "执委", "东风街道", "一片、二片", "13900000000"],
        ["", "wx_noname", "", "东风街道", "", ""],  # no name
        ["赵敏", "wx_zhao", "", "火星妇联", "", ""],  # unknown office
        ["钱芳", "wx_qian", "", "", "", ""],  # no office, no default
        ["孙艳", "wx_sun", "管理员", "XF", "", ""],
        ["长名字" * 20, "wx_long", "", "XF", "", ""],  # too long
    ]
    data = csv_bytes(rows, "utf-8")
    before = table_counts(session)
    dry = _import(session, ImportKind.staff, data, "staff.csv")
    by_row = {r.row: r for r in dry.rows}
    assert _actions(dry) == [
        (2, "create"),
        (3, "refuse"),
        (4, "refuse"),
        (5, "refuse"),
        (6, "create"),
        (7, "refuse"),
    ]
    assert by_row[3].reasons == ["姓名：不能为空"]
    assert "火星妇联" in by_row[4].reasons[0]
    assert "所属妇联" in by_row[5].reasons[0]
    assert "太长（最多 50 个字）" in by_row[7].reasons[0]
    assert "手机号" in dry.ignored_columns  # staff phones are not kept
    with pytest.raises(InvalidInput) as refused:
        import_file(
            session=session, kind=ImportKind.staff, data=data, filename="staff.csv", apply=True
        )
    session.rollback()
    assert refused.value.details["counts"]["refuse"] == 4
    assert table_counts(session) == before  # not even the good rows

    good = csv_bytes([rows[0], rows[1], rows[5]], "utf-8")
    _import(session, ImportKind.staff, good, "staff.csv", apply=True)
    people = {p.wechat_id: p for p in session.exec(select(Staff)).all()}
    assert people["wx_zhangli"].zones == ["一片", "二片"]
    assert (people["wx_zhangli"].role, people["wx_sun"].role) == ("staff", "admin")
    assert people["wx_sun"].office_id == tree.community
    # A title in 职务 says nothing about the role: an administrator stays one.
    titled = csv_bytes([rows[0], ["孙艳", "wx_sun", "主席", "XF", "", ""]], "utf-8")
    again = _import(session, ImportKind.staff, titled, "staff.csv")
    assert again.rows[0].action.value == "unchanged"


def test_duplicate_rows(session: Session, tree: Tree) -> None:
    rows = [
        ["组织名称", "类型", "女职工人数", "是否建立妇联", "所属妇联", "建会日期"],
        ["青年创业协会", "新社会组织", "20", "是", "东风街道", "2026年3月8日"],
        ["青年创业协会", "新社会组织", "20", "是", "东风街道", "2026年3月8日"],  # same again
        ["青年创业协会", "新社会组织", "25", "是", "东风街道", "2026年3月8日"],  # differs
        ["青年创业协会", "新社会组织", "20", "是", "西区", "2026/3/8"],  # other office: fine
        ["网约车司机之家", "社会", "x人", "也许", "西区", "明天"],
    ]
    data = csv_bytes(rows, "gbk")
    dry = _import(session, ImportKind.organisations, data, "orgs.csv")
    assert _actions(dry) == [
        (2, "create"),
        (3, "duplicate"),
        (4, "refuse"),
        (5, "create"),
        (6, "refuse"),
    ]
    assert dry.rows[1].reasons == ["与第 2 行完全相同，已跳过"]
    assert "第 2 行" in dry.rows[2].reasons[0]
    assert len(dry.rows[4].reasons) == 3  # the count, yes/no and the date, each named
    fixed = csv_bytes(rows[:3] + rows[4:5], "gbk")
    done = _import(session, ImportKind.organisations, fixed, "orgs.csv", apply=True)
    assert done.counts == {"create": 2, "update": 0, "unchanged": 0, "duplicate": 1, "refuse": 0}
    founded = session.exec(select(Organisation).where(Organisation.name == "青年创业协会")).all()
    assert {o.branch_since for o in founded} == {date(2026, 3, 8)}


def test_wrong_headers_and_unreadable_files(session: Session, tree: Tree) -> None:
    org_file = csv_bytes([["组织名称", "组织类型"], ["甲公司", "新经济组织"]], "utf-8")
    with pytest.raises(InvalidInput) as missing:  # an organisation list given as resources
        import_file(session=session, kind=ImportKind.resources, data=org_file, filename="x.csv")
    assert "提供方" in missing.value.message
    with pytest.raises(InvalidInput) as no_header:
        import_file(
            session=session,
            kind=ImportKind.staff,
            data=csv_bytes([["甲", "乙"], ["1", "2"]], "utf-8"),
            filename="x.csv",
        )
    assert "表头" in no_header.value.message
    for data, name, words in (
        (b"", "x.csv", "空"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old.xls", ".xls"),
        (b"PK\x03\x04broken", "x.xlsx", "Excel"),
        (bytes([0xFF, 0x81, 0x30]) * 10, "x.csv", "编码"),
    ):
        with pytest.raises(InvalidInput) as bad:
            import_file(session=session, kind=ImportKind.staff, data=data, filename=name)
        assert words in bad.value.message
    with pytest.raises(InvalidInput):
        import_file(
            session=session,
            kind=ImportKind.resources,
            max_rows=1,
            data=csv_bytes([["资源名称", "提供方"], ["a", "b"], ["c", "d"]], "utf-8"),
            filename="x.csv",
        )


def test_route_dry_run_then_apply(
    client: TestClient,
    admin: dict[str, str],
    staff: dict[str, str],
    tree: Tree,
    session: Session,
) -> None:
    data = csv_bytes(
        [["资源名称", "提供方", "所属社区"], ["亲子阅读", "区图书馆", "幸福社区"]], "utf-8-sig"
    )
    files = {"file": ("资源.csv", data, "text/csv")}
    assert client.post("/api/v1/imports/resources", files=files, headers=staff).status_code == 403
    dry = client.post("/api/v1/imports/resources", files=files, headers=admin)
    assert dry.status_code == 200, dry.text
    assert dry.json()["rows"][0]["action"] == "create" and dry.json()["applied"] is False
    assert not session.exec(select(Resource).where(Resource.name == "亲子阅读")).all()
    session.rollback()  # SQLite: end the read (it holds the write lock) before the app writes
    done = client.post(
        "/api/v1/imports/resources", params={"dry_run": "false"}, files=files, headers=admin
    )
    assert done.status_code == 200 and done.json()["applied"] is True
    made = session.exec(select(Resource).where(Resource.name == "亲子阅读")).one()
    assert made.office_id == tree.community and done.json()["rows"][0]["record_id"] == made.id
    session.rollback()
    bad = csv_bytes([["资源名称", "提供方"], ["", "某单位"]], "utf-8")
    refused = client.post(
        "/api/v1/imports/resources",
        params={"dry_run": "false"},
        files={"file": ("r.csv", bad, "text/csv")},
        headers=admin,
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["details"]["rows"][0]["reasons"] == ["资源名称：不能为空"]
    wrong = client.post("/api/v1/imports/teachers", files=files, headers=admin)
    assert wrong.status_code == 422


def test_cli_dry_run_apply_and_refusal(
    db_url: str, session: Session, tree: Tree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from api.cli.main import app

    monkeypatch.setenv("WISHPOOL_API__DATABASE_URL", db_url)
    path = tmp_path / "资源.xlsx"
    path.write_bytes(
        xlsx(
            [
                ["资源名称", "提供方", "类别"],
                ["家政培训", "区人社局", "就业"],
                ["家政培训", "区人社局", "就业"],
            ]
        )
    )
    dry = CliRunner().invoke(app, ["import", "resources", str(path), "--office", str(tree.east)])
    assert dry.exit_code == 0, dry.output
    assert "第 3 行 重复（跳过） 家政培训" in dry.stdout and "新建 1" in dry.stdout
    assert not session.exec(select(Resource).where(Resource.name == "家政培训")).all()
    session.rollback()
    done = CliRunner().invoke(
        app, ["import", "resources", str(path), "--office", str(tree.east), "--apply"]
    )
    assert done.exit_code == 0, done.output
    assert "已导入" in done.stdout
    made = session.exec(select(Resource).where(Resource.name == "家政培训")).one()
    assert made.categories == ["career"] and made.office_id == tree.east
    session.rollback()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["资源名称", "提供方"], ["讲座", ""]], "gbk"))
    refused = CliRunner().invoke(app, ["import", "resources", str(bad), "--apply"])
    assert refused.exit_code == 1
    assert "第 2 行" in refused.stdout and "提供方：不能为空" in refused.stdout
    wrong = tmp_path / "wrong.csv"
    wrong.write_bytes(csv_bytes([["名称", "类型"], ["甲", "乙"]], "utf-8"))
    unreadable = CliRunner().invoke(app, ["import", "resources", str(wrong)])
    assert unreadable.exit_code == 2
