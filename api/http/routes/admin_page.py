"""The admin page (管理台): one static HTML + JS + CSS file, served outside /api/v1.

The page itself is public (it holds no data); every call it makes to /api/v1 sends the
token the user types in (kept in sessionStorage). The page routes are left out of the
OpenAPI schema (include_in_schema=False) on purpose: tests/api/test_auth.py walks
/openapi.json and expects every listed route except /api/v1/health to refuse a missing
token, which stays true because these never appear there.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
STATIC_URL = "/admin/static"

# Only our own files: no inline script, no third-party origin, no framing.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


@router.get("/admin", include_in_schema=False)
def admin_page() -> FileResponse:
    return FileResponse(
        STATIC_DIR / "admin.html",
        media_type="text/html; charset=utf-8",
        headers=SECURITY_HEADERS,
    )


@router.get("/admin/", include_in_schema=False)
def admin_page_slash() -> RedirectResponse:
    return RedirectResponse("/admin", status_code=307)


def static_files() -> StaticFiles:
    """The page's JS and CSS, mounted at STATIC_URL (mounts never appear in the schema)."""
    return StaticFiles(directory=STATIC_DIR)
