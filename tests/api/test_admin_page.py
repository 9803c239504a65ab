"""The admin page (GET /admin): served without a token, its JS/CSS load, and the JS only
calls API paths (and methods) that exist in /openapi.json."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from api.http.routes.admin_page import STATIC_DIR

JS_URL = "/admin/static/admin.js"
CSS_URL = "/admin/static/admin.css"
API_LITERAL = re.compile(r"""['"`](/api/v1/[^'"`?#\s]*)['"`]""")
# PATHS / ACTION_PATHS entries (`name: '/api/v1/...'`) and the calls that use them:
# api('GET', PATHS.name, …), api('POST', ACTION_PATHS[action], …), loadAll(PATHS.name) (GET).
PATH_ENTRY = re.compile(r"""(\w+):\s*'(/api/v1/[^']*)'""")
API_CALL = re.compile(
    r"""api\(\s*'([A-Z]+)'\s*,\s*(PATHS\.\w+|ACTION_PATHS\[\w+\]|template)(?=\s*[,)])"""
)
LOAD_ALL = re.compile(r"""loadAll\(\s*(PATHS\.\w+)""")


def schema_patterns(client: TestClient) -> dict[re.Pattern[str], set[str]]:
    spec = client.get("/openapi.json").json()
    return {
        re.compile("^" + re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(path)) + "$"): set(ops)
        for path, ops in spec["paths"].items()
    }


def methods_for(patterns: dict[re.Pattern[str], set[str]], path: str) -> set[str] | None:
    for pattern, methods in patterns.items():
        if pattern.match(path):
            return methods
    return None


def test_page_is_served_without_a_token(client: TestClient) -> None:
    response = client.get("/admin")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "<title>心愿池管理台</title>" in html
    assert 'lang="zh-CN"' in html
    for tab in ("心愿台账", "暖新资源库", "微信群", "工作人员", "三新组织", "提醒", "导出台账"):
        assert tab in html
    assert JS_URL in html and CSS_URL in html
    # Only our own files: no CDN, no inline script.
    assert "http://" not in html and "https://" not in html
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_static_files_load_with_the_right_types(client: TestClient) -> None:
    js = client.get(JS_URL)
    assert js.status_code == 200
    assert "javascript" in js.headers["content-type"]
    assert "心愿台账" in STATIC_DIR.joinpath("admin.js").read_text(encoding="utf-8")
    css = client.get(CSS_URL)
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert client.get("/admin/static/nope.js").status_code == 404


def test_page_routes_stay_out_of_the_schema(client: TestClient) -> None:
    # test_auth.py walks /openapi.json expecting every route to need a token; the page doesn't.
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/admin")]


def test_js_calls_only_existing_api_paths(client: TestClient) -> None:
    source = client.get(JS_URL).text
    patterns = schema_patterns(client)
    literals = set(API_LITERAL.findall(source))
    assert len(literals) >= 12  # lists, detail, transitions, export, follow-up
    missing = sorted(p for p in literals if methods_for(patterns, p) is None)
    assert not missing, f"paths not in /openapi.json: {missing}"
    for action in ("claim", "match", "start", "fulfil", "close", "reopen"):
        assert f"/api/v1/wishes/{{id}}/{action}" in literals

    # Each call's method exists on the path it names.
    entries = dict(PATH_ENTRY.findall(source))
    calls = API_CALL.findall(source)
    assert len(calls) == len(re.findall(r"\bapi\(\s*'", source))  # every call is understood
    calls += [("GET", ref) for ref in LOAD_ALL.findall(source)]
    assert len(calls) >= 15
    for method, ref in calls:
        if ref == "template":  # inside loadAll(): GET only, its callers are listed above
            assert method == "GET"
            continue
        if ref.startswith("ACTION_PATHS"):  # the transitions: each checked as a literal above
            assert method == "POST"
            continue
        name = ref.removeprefix("PATHS.")
        assert name in entries, ref
        allowed = methods_for(patterns, entries[name])
        assert allowed is not None and method.lower() in allowed, (method, entries[name])


def test_js_never_writes_html(client: TestClient) -> None:
    source = client.get(JS_URL).text
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source, sink
