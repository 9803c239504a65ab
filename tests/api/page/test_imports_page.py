"""The 导入名册 tab in chromium: a GBK CSV of 三新 organisations previewed row by row, a file with a
refused row kept out entirely, then a good file imported for real."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.api.page.conftest import Site, log_in

HEADER = "组织名称,组织类型,女职工人数,是否建立妇联,所属妇联\n"


def _csv(tmp_path: Path, name: str, rows: list[str]) -> Path:
    path = tmp_path / name
    path.write_bytes((HEADER + "".join(r + "\n" for r in rows)).encode("gbk"))  # as Excel saves
    return path


def _organisations(site: Site) -> dict[str, dict[str, object]]:
    with site.client() as c:
        return {
            o["name"]: o for o in c.get("/organisations", params={"limit": 200}).json()["items"]
        }


def open_imports(page: Page, site: Site) -> None:
    log_in(page, site)
    page.locator("nav.tabs").get_by_role("tab", name="导入名册").click()
    page.locator("#import-kind").select_option("organisations")


def test_a_file_with_a_refused_row_is_previewed_and_never_imported(
    page: Page, site: Site, tmp_path: Path
) -> None:
    bad = _csv(
        tmp_path,
        "bad.csv",
        [
            "晨光家政服务社,新社会组织,12,是,东风街道妇联",
            "无名单位,不知道什么类型,3,否,东风街道妇联",
        ],
    )
    open_imports(page, site)
    page.locator("#import-form input[type=file]").set_input_files(str(bad))
    page.locator("#import-form").get_by_role("button", name="预览").click()
    rows = page.locator("#import-rows tr")
    expect(rows).to_have_count(2)
    actions = site.labels["import_action"]
    expect(rows.nth(0)).to_contain_text(actions["create"])
    expect(rows.nth(1)).to_contain_text(actions["refuse"])
    expect(page.locator("#import-summary")).to_contain_text("预览")
    expect(page.locator("#import-apply")).to_be_disabled()
    assert "晨光家政服务社" not in _organisations(site)


def test_a_good_file_is_previewed_then_imported(page: Page, site: Site, tmp_path: Path) -> None:
    good = _csv(
        tmp_path,
        "good.csv",
        [
            "蓝天网约车驾驶员之家,新就业群体,30,否,东风街道妇联",
            "幸福快递站,新就业群体,8,是,东风街道妇联",
        ],
    )
    open_imports(page, site)
    page.locator("#import-form input[type=file]").set_input_files(str(good))
    page.locator("#import-form").get_by_role("button", name="预览").click()
    actions = site.labels["import_action"]
    expect(page.locator("#import-rows")).to_contain_text(actions["create"])
    expect(page.locator("#import-rows")).to_contain_text(actions["update"])  # 幸福快递站 exists
    assert "蓝天网约车驾驶员之家" not in _organisations(site)  # a preview writes nothing

    page.locator("#import-apply").click()
    expect(page.locator("#import-summary")).to_contain_text("已导入")
    orgs = _organisations(site)
    assert orgs["蓝天网约车驾驶员之家"]["women_count"] == 30
    assert orgs["幸福快递站"]["has_branch"] is True
    expect(page.locator("#import-apply")).to_be_disabled()  # a second click needs a new preview
