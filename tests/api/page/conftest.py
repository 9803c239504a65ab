"""The admin page in a real browser: the real API on a free port over a fresh SQLite file,
driven through Debian's chromium by playwright (its own browser downloads are never used).

The server, the seeded data and the browser are shared by a module's tests (starting them is
most of the time a test takes); each test opens its own browser context, so no session
storage leaks from one test into the next. Tests that change a wish each take their own.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright
from sqlmodel import Session

from api.domain.auth import create_token
from api.http.app import create_app
from api.settings import ApiSettings
from models.db import make_engine
from models.enums import Role
from models.migrate import upgrade

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
START_DEADLINE_S = 20.0
expect.set_options(timeout=10_000)


@dataclass
class Site:
    """The running API and what was seeded into it."""

    base: str
    token: str
    labels: dict[str, dict[str, str]]
    offices: dict[str, int] = field(default_factory=dict)
    wishes: dict[str, dict[str, Any]] = field(default_factory=dict)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    organisations: dict[str, dict[str, Any]] = field(default_factory=dict)
    staff: dict[str, dict[str, Any]] = field(default_factory=dict)

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base + "/api/v1",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
        )


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _post(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def _seed(site: Site) -> None:
    with site.client() as c:
        city = _post(c, "/offices", {"name": "市妇联", "code": "SZ", "level": "city"})
        street = _post(
            c,
            "/offices",
            {"name": "东风街道妇联", "code": "DF", "level": "street", "parent_id": city["id"]},
        )
        site.offices = {"city": city["id"], "street": street["id"]}
        site.staff["li"] = _post(
            c, "/staff", {"name": "李红", "wechat_id": "wx_li", "office_id": street["id"]}
        )
        site.staff["zhao"] = _post(
            c, "/staff", {"name": "赵敏", "wechat_id": "wx_zhao", "office_id": street["id"]}
        )
        site.organisations["express"] = _post(
            c,
            "/organisations",
            {"name": "幸福快递站", "kind": "new_employment", "office_id": street["id"]},
        )
        site.resources["legal"] = _post(
            c, "/resources", {"name": "法律援助", "provider": "市律师协会", "categories": ["legal"]}
        )
        site.resources["reading"] = _post(
            c,
            "/resources",
            {"name": "亲子阅读角", "provider": "区图书馆", "categories": ["family"]},
        )
        wishes = {
            "reading": ("希望社区组织一次亲子阅读活动", "family"),
            "claim": ("希望有人教老人用智能手机", "care"),
            "lawyer": ("想咨询劳动合同的法律问题", "legal"),
            "edit": ("周末想带孩子参观消防站", "other"),
            "export": ("希望开一节手工编织课", "career"),
        }
        for key, (text, category) in wishes.items():
            site.wishes[key] = _post(
                c, "/wishes", {"text": text, "category": category, "office_id": street["id"]}
            )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    path: Path = tmp_path_factory.mktemp("page") / "wishpool.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        _, token = create_token(session=session, name="管理员张敏", role=Role.admin)
        session.commit()
    settings = ApiSettings(
        database_url=url,
        run_scheduler=False,
        auto_migrate=False,
        auth_failures_per_minute=100_000,
    )
    sock = _free_socket()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, engine=engine), log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_DEADLINE_S
    while not server.started:  # polling a condition with a deadline, not a sleep for time
        assert thread.is_alive(), "the API did not start"
        assert time.monotonic() < deadline, "the API did not start in time"
        time.sleep(0.02)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    labels = httpx.get(base + "/api/v1/labels", headers={"Authorization": f"Bearer {token}"}).json()
    seeded = Site(base=base, token=token, labels=labels)
    _seed(seeded)
    yield seeded
    server.should_exit = True
    thread.join(timeout=START_DEADLINE_S)
    sock.close()
    engine.dispose()


# Package scope, not session: playwright's sync API keeps an event loop running while it is
# open, and every asyncio test after it (tests/bot) would then fail to start its own.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "chromium is missing: `make install` installs it"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[Page]:
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True
    )
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))

    def refused(message: ConsoleMessage) -> None:
        # The strict CSP (admin_page.py) refusing a script, style or connection of ours.
        if message.type == "error" and "Content Security Policy" in message.text:
            errors.append(message.text)

    opened.on("console", refused)
    yield opened
    context.close()
    assert not errors, f"the page threw or was refused: {errors}"


def log_in(page: Page, site: Site) -> None:
    """Type the token in as staff do; the wish list is the first tab."""
    page.goto(site.base + "/admin")
    page.fill("#token-input", site.token)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("#token-state")).to_contain_text("已登录")
    expect(page.locator("#wish-rows tr").first).not_to_contain_text("加载中")
