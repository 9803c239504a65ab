"""Editing on the admin page in chromium: wishes (with the version check), resources,
organisations and staff; resource numbers as staff type them (匹配 42 资源7)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.api.page.conftest import Site, log_in

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def open_tab(page: Page, name: str) -> None:
    page.locator("nav.tabs").get_by_role("tab", name=name).click()


def open_wish(page: Page, site: Site, key: str) -> None:
    log_in(page, site)
    page.locator("#wish-rows tr", has_text=site.wishes[key]["number"]).click()
    expect(page.locator("#wish-detail h2")).to_contain_text(site.wishes[key]["number"])


def test_resource_numbers_are_the_ones_staff_type(page: Page, site: Site) -> None:
    log_in(page, site)
    open_tab(page, "暖新资源库")
    for resource in site.resources.values():
        row = page.locator(f"#resource-rows tr[data-resource-id='{resource['id']}']")
        expect(row.locator("td").first).to_have_text(f"资源{resource['id']}")
        expect(row).to_contain_text(resource["name"])


def test_editing_a_wish_category_organisation_and_date(page: Page, site: Site) -> None:
    wish = site.wishes["edit"]
    open_wish(page, site, "edit")
    page.get_by_role("button", name="修改心愿").click()
    dialog = page.locator("#edit-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("select[name=category]").select_option("culture")
    dialog.locator("select[name=organisation_id]").select_option(
        str(site.organisations["express"]["id"])
    )
    dialog.locator("input[name=planned_date]").fill("2026-12-20")
    dialog.get_by_role("button", name="保存修改").click()
    expect(dialog).to_be_hidden()
    detail = page.locator("#wish-detail")
    expect(detail.locator("dl.facts")).to_contain_text(site.labels["category"]["culture"])
    expect(detail.locator("dl.facts")).to_contain_text("2026-12-20")
    expect(detail.locator(".timeline")).to_contain_text(site.labels["event"]["category_changed"])
    with site.client() as c:
        stored = c.get(f"/wishes/{wish['id']}").json()["wish"]
    assert stored["category"] == "culture"
    assert stored["organisation_id"] == site.organisations["express"]["id"]
    assert stored["planned_date"] == "2026-12-20"
    assert stored["version"] == wish["version"] + 1


def test_a_stale_wish_edit_is_refused_and_said_in_chinese(page: Page, site: Site) -> None:
    wish = site.wishes["reading"]
    open_wish(page, site, "reading")
    page.get_by_role("button", name="修改心愿").click()
    dialog = page.locator("#edit-dialog")
    expect(dialog).to_be_visible()
    # Someone else changes the wish after the page opened it.
    with site.client() as c:
        changed = c.patch(
            f"/wishes/{wish['id']}", json={"category": "health", "version": wish["version"]}
        )
        assert changed.status_code == 200, changed.text
    dialog.locator("select[name=category]").select_option("legal")
    dialog.get_by_role("button", name="保存修改").click()
    problem = dialog.locator("p[role=alert]")
    expect(problem).to_be_visible()
    expect(problem).to_have_text(CHINESE)
    expect(dialog).to_be_visible()  # her input is still there to retry
    with site.client() as c:
        stored = c.get(f"/wishes/{wish['id']}").json()["wish"]
    assert stored["category"] == "health"  # the other edit was not overwritten


def test_logging_a_wish_by_hand(page: Page, site: Site) -> None:
    log_in(page, site)
    page.locator("#wish-create summary").click()
    form = page.locator("#wish-create-form")
    form.locator("textarea[name=text]").fill("社区妈妈想学做营养早餐")
    form.locator("select[name=category]").select_option("health")
    form.locator("select[name=office_id]").select_option(str(site.offices["street"]))
    form.get_by_role("button", name="登记心愿").click()
    expect(page.locator("#notice")).to_contain_text("已登记心愿")
    expect(page.locator("#wish-rows")).to_contain_text("社区妈妈想学做营养早餐")
    with site.client() as c:
        found = c.get("/wishes", params={"q": "营养早餐"}).json()["items"]
    assert [(w["category"], w["office_id"]) for w in found] == [("health", site.offices["street"])]


def test_editing_and_deactivating_a_resource(page: Page, site: Site) -> None:
    resource = site.resources["legal"]
    log_in(page, site)
    open_tab(page, "暖新资源库")
    row = page.locator(f"#resource-rows tr[data-resource-id='{resource['id']}']")
    row.get_by_role("button", name="修改").click()
    dialog = page.locator("#edit-dialog")
    dialog.locator("input[name=provider]").fill("市律师协会东风工作站")
    dialog.locator("input[name=capacity]").fill("12")
    dialog.get_by_role("button", name="保存修改").click()
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("市律师协会东风工作站")

    row.get_by_role("button", name="停用").click()
    expect(row.locator(".badge")).to_have_text("停用")
    expect(row.get_by_role("button", name="启用")).to_be_visible()
    with site.client() as c:
        stored = c.get(f"/resources/{resource['id']}").json()
    assert stored["provider"] == "市律师协会东风工作站"
    assert stored["capacity"] == 12
    assert stored["active"] is False
    assert stored["name"] == resource["name"]  # untouched fields were not sent


def test_editing_an_organisation(page: Page, site: Site) -> None:
    org = site.organisations["express"]
    log_in(page, site)
    open_tab(page, "三新组织")
    row = page.locator(f"#org-rows tr[data-organisation-id='{org['id']}']")
    row.get_by_role("button", name="修改").click()
    dialog = page.locator("#edit-dialog")
    dialog.locator("input[name=women_count]").fill("35")
    dialog.locator("select[name=liaison_staff_id]").select_option(str(site.staff["li"]["id"]))
    dialog.locator("input[name=has_branch]").check()
    dialog.get_by_role("button", name="保存修改").click()
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("李红")
    expect(row).to_contain_text("35")
    with site.client() as c:
        stored = c.get(f"/organisations/{org['id']}").json()
    assert (stored["women_count"], stored["has_branch"], stored["liaison_staff_id"]) == (
        35,
        True,
        site.staff["li"]["id"],
    )


def test_editing_and_deactivating_staff(page: Page, site: Site) -> None:
    person = site.staff["zhao"]
    log_in(page, site)
    open_tab(page, "工作人员")
    row = page.locator(f"#staff-rows tr[data-staff-id='{person['id']}']")
    row.get_by_role("button", name="修改").click()
    dialog = page.locator("#edit-dialog")
    dialog.locator("input[name=zones]").fill("一片区，二片区")
    dialog.get_by_role("button", name="保存修改").click()
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("一片区、二片区")
    row.get_by_role("button", name="停用").click()
    expect(row.locator(".badge")).to_have_text("停用")
    with site.client() as c:
        stored = c.get(f"/staff/{person['id']}").json()
    assert stored["zones"] == ["一片区", "二片区"]
    assert stored["active"] is False


def test_what_members_write_is_shown_as_text_never_run(page: Page, site: Site) -> None:
    payload = '<img src=x onerror="window.__ran=1">希望<b>加粗</b>'
    with site.client() as c:
        response = c.post(
            "/wishes",
            json={"text": payload, "category": "other", "office_id": site.offices["street"]},
        )
        assert response.status_code == 201, response.text
    log_in(page, site)
    row = page.locator("#wish-rows tr", has_text="加粗")
    expect(row.locator("td.text")).to_have_text(payload)
    row.click()
    expect(page.locator("#wish-detail .wish-text")).to_have_text(payload)
    page.get_by_role("button", name="修改心愿").click()
    expect(page.locator("#edit-dialog textarea[name=text]")).to_have_value(payload)
    assert page.evaluate("() => window.__ran") is None
    assert page.locator("#wish-rows img, #wish-detail img, #edit-dialog img").count() == 0
