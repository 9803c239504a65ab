"""The admin page in chromium: log in, filter the ledger, open a wish, change its status, and
download the export (opened with openpyxl). Every step waits on what the page shows."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
from playwright.sync_api import Page, expect

from tests.api.page.conftest import Site, log_in


def test_logging_in_lists_the_ledger(page: Page, site: Site) -> None:
    log_in(page, site)
    rows = page.locator("#wish-rows tr")
    expect(rows).to_have_count(len(site.wishes))
    for wish in site.wishes.values():
        expect(page.locator("#wish-rows")).to_contain_text(wish["number"])
    # Codes are shown in Chinese, from GET /labels.
    expect(page.locator("#wish-rows")).to_contain_text(site.labels["status"]["new"])
    expect(page.locator("#wish-rows")).to_contain_text(site.labels["category"]["family"])


def test_a_wrong_token_is_refused_in_chinese(page: Page, site: Site) -> None:
    page.goto(site.base + "/admin")
    page.fill("#token-input", "wp_not_a_real_token")
    page.get_by_role("button", name="保存", exact=True).click()
    notice = page.locator("#notice")
    expect(notice).to_be_visible()
    expect(notice).to_have_text(re.compile(r"[\u4e00-\u9fff]"))
    expect(page.locator("#wish-rows")).not_to_contain_text(site.wishes["reading"]["number"])


def test_filtering_the_ledger_by_category_and_text(page: Page, site: Site) -> None:
    log_in(page, site)
    page.select_option("#f-category", "legal")
    page.locator("#wish-filters").get_by_role("button", name="查询").click()
    rows = page.locator("#wish-rows tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(site.wishes["lawyer"]["number"])

    page.select_option("#f-category", "")
    page.fill("#wish-filters input[name=q]", "编织")
    page.locator("#wish-filters").get_by_role("button", name="查询").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(site.wishes["export"]["number"])


def test_opening_a_wish_and_claiming_it(page: Page, site: Site) -> None:
    wish = site.wishes["claim"]
    log_in(page, site)
    page.locator("#wish-rows tr", has_text=wish["number"]).click()
    detail = page.locator("#wish-detail")
    expect(detail.locator("h2")).to_contain_text(wish["number"])
    expect(detail).to_contain_text(wish["text"])

    claim = site.labels["action"]["claim"]
    detail.get_by_role("button", name=claim, exact=True).click()
    form = page.locator("#action-form form")
    form.locator("select[name=assignee_id]").select_option(str(site.staff["li"]["id"]))
    form.get_by_role("button", name="确定" + claim).click()

    expect(detail.locator("h2 .badge")).to_have_text(site.labels["status"]["claimed"])
    expect(detail).to_contain_text("李红")
    with site.client() as c:
        stored = c.get(f"/wishes/{wish['id']}").json()["wish"]
    assert stored["status"] == "claimed"
    assert stored["assignee_id"] == site.staff["li"]["id"]


def test_downloading_the_export_and_opening_it(page: Page, site: Site, tmp_path: Path) -> None:
    log_in(page, site)
    with page.expect_download() as info:
        page.locator("#export-btn").click()
    download = info.value
    assert download.suggested_filename.startswith("心愿台账-")
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    workbook = openpyxl.load_workbook(path, read_only=True)
    cells = {
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    }
    workbook.close()
    for wish in site.wishes.values():
        assert wish["number"] in cells
    assert "法律援助" in cells  # the resource sheet


def test_the_export_follows_the_ledger_filters(page: Page, site: Site, tmp_path: Path) -> None:
    log_in(page, site)
    page.select_option("#f-category", "legal")
    page.locator("#wish-filters").get_by_role("button", name="查询").click()
    expect(page.locator("#wish-rows tr")).to_have_count(1)
    with page.expect_download() as info:
        page.locator("#export-btn").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    workbook = openpyxl.load_workbook(path, read_only=True)
    ledger = workbook.worksheets[0]  # 心愿台账 first
    numbers = {
        str(cell) for row in ledger.iter_rows(values_only=True) for cell in row if cell is not None
    } & {wish["number"] for wish in site.wishes.values()}
    workbook.close()
    assert numbers == {site.wishes["lawyer"]["number"]}


def test_the_export_follows_the_office_and_date_filters(
    page: Page, site: Site, tmp_path: Path
) -> None:
    log_in(page, site)
    filters = page.locator("#wish-filters")
    filters.locator("select[name=office_id]").select_option(str(site.offices["city"]))
    filters.locator("input[name=created_to]").fill("2020-01-31")
    filters.get_by_role("button", name="查询").click()
    expect(page.locator("#wish-rows tr.empty")).to_have_text("暂无数据")
    with page.expect_download() as info:
        page.locator("#export-btn").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    workbook = openpyxl.load_workbook(path, read_only=True)
    cells = {
        str(cell)
        for row in workbook.worksheets[0].iter_rows(values_only=True)
        for cell in row
        if cell is not None
    }
    workbook.close()
    assert not cells & {wish["number"] for wish in site.wishes.values()}

    filters.locator("input[name=created_to]").fill("")
    filters.get_by_role("button", name="查询").click()
    expect(page.locator("#wish-rows tr")).to_have_count(len(site.wishes))  # city: subtree
