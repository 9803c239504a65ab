"""The 妇联与令牌 tab in chromium: add and rename an office, create a token (its clear text
shown once and working), rotate and revoke tokens."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.api.page.conftest import Site, log_in


def open_manage(page: Page, site: Site) -> None:
    log_in(page, site)
    page.locator("nav.tabs").get_by_role("tab", name="妇联与令牌").click()
    expect(page.locator("#office-rows")).to_contain_text("东风街道妇联")


def test_adding_and_renaming_an_office(page: Page, site: Site) -> None:
    open_manage(page, site)
    page.locator("#office-form").locator("xpath=..").locator("summary").click()
    form = page.locator("#office-form")
    form.locator("input[name=name]").fill("幸福社区妇联")
    form.locator("input[name=code]").fill("XF")
    form.locator("select[name=level]").select_option("community")
    form.locator("select[name=parent_id]").select_option(str(site.offices["street"]))
    form.get_by_role("button", name="保存").click()
    row = page.locator("#office-rows tr", has_text="幸福社区妇联")
    expect(row).to_contain_text(site.labels["office_level"]["community"])
    expect(row).to_contain_text("东风街道妇联")

    row.get_by_role("button", name="修改").click()
    page.locator("#office-rows input[name=name]").fill("幸福社区妇女联合会")
    page.locator("#office-rows").get_by_role("button", name="保存修改").click()
    expect(page.locator("#office-rows")).to_contain_text("幸福社区妇女联合会")
    with site.client() as c:
        names = {o["code"]: o["name"] for o in c.get("/offices").json()["items"]}
    assert names["XF"] == "幸福社区妇女联合会"


def test_creating_rotating_and_revoking_a_token(page: Page, site: Site) -> None:
    page.on("dialog", lambda dialog: dialog.accept())  # the confirm() before rotate / revoke
    open_manage(page, site)
    page.locator("#api-token-form").locator("xpath=..").locator("summary").click()
    form = page.locator("#api-token-form")
    # Given to a staff member: her name and office fill in, so the page names her actions.
    form.locator("select[name=staff_id]").select_option(str(site.staff["li"]["id"]))
    expect(form.locator("input[name=name]")).to_have_value("李红（东风街道妇联）")
    expect(form.locator("select[name=office_id]")).to_have_value(str(site.offices["street"]))
    expect(form.locator("select[name=role]")).to_have_value("staff")
    form.locator("input[name=name]").fill("东风街道李红")
    form.get_by_role("button", name="创建令牌").click()
    clear = page.locator("#token-clear-text")
    expect(page.locator("#token-clear-box")).to_be_visible()
    first = clear.text_content() or ""
    assert first.startswith("wp_")
    row = page.locator("#api-token-rows tr", has_text="东风街道李红")
    expect(row).to_contain_text(site.labels["token_role"]["staff"])
    assert _status(site, first) == 200  # the clear token works, scoped to its office

    row.get_by_role("button", name="轮换").click()
    expect(clear).not_to_have_text(first)
    second = clear.text_content() or ""
    assert second.startswith("wp_")
    assert _status(site, first) == 401
    assert _status(site, second) == 200

    page.locator("#api-token-rows tr", has_text="东风街道李红").get_by_role(
        "button", name="停用"
    ).click()
    expect(page.locator("#api-token-rows")).not_to_contain_text("东风街道李红")
    assert _status(site, second) == 401


def _status(site: Site, token: str) -> int:
    response = httpx.get(site.base + "/api/v1/wishes", headers={"Authorization": f"Bearer {token}"})
    return response.status_code
