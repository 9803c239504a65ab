"""Renders the printed 心愿台账: 100 wishes of one month exported through the API, the workbook
converted by LibreOffice (headless) to PDF, the first page to PNG. Prints the page size and the
page count of each sheet, so a change of widths or print setup shows what it does on paper.

    .venv/bin/python bench/render_ledger.py [--wishes 100] [--out /tmp/ledger-render]

Needs `libreoffice` (Debian: libreoffice-calc) and `pdftoppm`/`pdfinfo` (poppler-utils).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from openpyxl import load_workbook  # noqa: E402
from sqlmodel import Session  # noqa: E402

from api.domain.auth import create_token  # noqa: E402
from api.domain.offices import create_office  # noqa: E402
from api.http.app import create_app  # noqa: E402
from api.settings import ApiSettings  # noqa: E402
from models import Group, Organisation, Resource, Staff, Wish  # noqa: E402
from models.db import make_engine  # noqa: E402
from models.enums import Category, OfficeLevel, OrganisationKind, Role  # noqa: E402
from models.migrate import upgrade  # noqa: E402
from models.org import OfficeCreate  # noqa: E402

# Texts of the lengths members write (short asks and long explanations), made up for the bench.
TEXTS = [
    ("family", "希望社区暑假组织一次亲子阅读活动，孩子放假在家没人带，电话13812345678"),
    ("legal", "我是外卖骑手，想咨询一下劳动合同和工伤保险的问题，公司一直没给交社保"),
    ("career", "想学直播带货，有没有电商培训课程？最好是晚上或者周末上课"),
    ("health", "能不能请医生来驿站讲一讲颈椎病和腰肌劳损的预防，大家天天骑车都有这个毛病"),
    ("family", "想给孩子报个托管班"),
    (
        "other",
        "我们几个快递站的姐妹平时下班很晚，孩子放学以后只能在站点里写作业，"
        "希望附近能有一个安全的地方让孩子待两个小时，有老师看着最好，费用低一点也可以接受。",
    ),
]


def _seed(engine: object, wishes: int) -> tuple[TestClient, dict[str, str], int]:
    settings = ApiSettings(database_url=str(engine.url), run_scheduler=False, auto_migrate=False)  # type: ignore[attr-defined]
    client = TestClient(create_app(settings, engine=engine))  # type: ignore[arg-type]
    with Session(engine) as session:  # type: ignore[call-overload]

        def office(name: str, code: str, level: OfficeLevel, parent: int | None) -> int:
            made = create_office(
                session=session,
                office_in=OfficeCreate(name=name, code=code, level=level, parent_id=parent),
            )
            session.commit()
            return int(made.id or 0)

        city = office("市妇联", "SZ", OfficeLevel.city, None)
        district = office("东区妇联", "DQ", OfficeLevel.district, city)
        street = office("东风街道妇联", "DF", OfficeLevel.street, district)
        community = office("幸福社区妇联", "XF", OfficeLevel.community, street)
        session.add(Group(room_id="df@chatroom", topic="东风姐妹群", office_id=street))
        session.add(Staff(wechat_id="wx_li", name="李红", office_id=street))
        session.add(Resource(name="法律援助", provider="市律师协会", categories=[Category.legal]))
        for n, kind in enumerate(OrganisationKind):
            session.add(
                Organisation(
                    name=f"幸福{kind.label}示范点",
                    kind=kind,
                    office_id=community,
                    women_count=20 + n,
                    has_branch=n % 2 == 0,
                    branch_since=date(2026, 3, 8) if n % 2 == 0 else None,
                )
            )
        _, clear = create_token(session=session, name="台账打印", role=Role.admin)
        session.commit()
    admin = {"Authorization": f"Bearer {clear}"}
    november = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)  # 2026-11-01 00:30 in Shanghai
    for n in range(wishes):
        category, text = TEXTS[n % len(TEXTS)]
        made = client.post(
            "/api/v1/wishes",
            json={
                "text": text,
                "category": category,
                "office_id": community if n % 3 else street,
                "submitter_name": f"成员{n}",
            },
            headers=admin,
        )
        assert made.status_code == 201, made.text
        wish_id = made.json()["id"]
        if n % 4 == 0:
            client.post(f"/api/v1/wishes/{wish_id}/claim", json={"assignee_id": 1}, headers=admin)
        with Session(engine) as session:  # type: ignore[call-overload]
            row = session.get(Wish, wish_id)
            assert row is not None
            row.created_at = november + timedelta(hours=7 * n)
            session.add(row)
            session.commit()
    return client, admin, street


def _pages(pdf: Path) -> tuple[int, str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore[union-attr]
    size = re.search(r"^Page size:\s+(.+)$", info.stdout, re.M).group(1)  # type: ignore[union-attr]
    return pages, size.strip()


def _only_sheet(source: Path, name: str, target: Path) -> None:
    """A copy of the workbook with one sheet, so each sheet's page count is its own."""
    book = load_workbook(source)
    for other in list(book.sheetnames):
        if other != name:
            del book[other]
    book.save(target)


def _convert(office: str, source: Path, outdir: Path) -> Path:
    subprocess.run(
        [office, "--headless", "--convert-to", "pdf", "--outdir", str(outdir), str(source)],
        capture_output=True,
        check=True,
        timeout=300,
    )
    return outdir / f"{source.stem}.pdf"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wishes", type=int, default=100)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "ledger-render")
    args = parser.parse_args()
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None or shutil.which("pdftoppm") is None:
        sys.exit("需要 libreoffice（libreoffice-calc）和 pdftoppm（poppler-utils）")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'render.db'}"
        upgrade(url)
        engine = make_engine(url)
        client, admin, street = _seed(engine, args.wishes)
        params = {"office_id": street, "created_from": "2026-11-01", "created_to": "2026-11-30"}
        response = client.get("/api/v1/export/ledger.xlsx", params=params, headers=admin)
        assert response.status_code == 200, response.text
        workbook = args.out / "ledger.xlsx"
        workbook.write_bytes(response.content)
        engine.dispose()
    report: dict[str, object] = {"wishes": args.wishes, "workbook": str(workbook)}
    sheets: dict[str, object] = {}
    for index, name in enumerate(load_workbook(workbook).sheetnames):
        single = args.out / f"sheet{index}.xlsx"
        _only_sheet(workbook, name, single)
        pdf = _convert(office, single, args.out)
        pages, size = _pages(pdf)
        sheets[name] = {"pages": pages, "page_size": size, "pdf": str(pdf)}
        if index == 0:
            png = args.out / "ledger-page"
            subprocess.run(
                ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf), str(png)],
                check=True,
            )
            report["first_pages_png"] = sorted(str(p) for p in args.out.glob("ledger-page*.png"))
    report["sheets"] = sheets
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
