"""Route: the WeChat account's login state, read from our gateway's local HTTP side (GET /login).

The admin page shows it in a banner: waiting for a scan (with the QR code as text), logged in
as, logged out. Only our gateway (gateway/server.js) answers it; with a hosted token the setting
``api.gateway_control_url`` stays empty and the page shows nothing.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from fastapi import APIRouter

from api.http.deps import SettingsDep, StaffDep

logger = logging.getLogger(__name__)

router = APIRouter(tags=["微信号 gateway"])

TIMEOUT_SECONDS = 2.0
# What the page needs; the gateway's other fields (errors, counters) stay on the gateway.
FIELDS = ("state", "user_name", "since", "logouts")


def read_gateway_login(base_url: str) -> dict[str, Any]:
    """The gateway's login state, or ``{"state": "unreachable"}``."""
    try:
        with httpx.Client(base_url=base_url, timeout=TIMEOUT_SECONDS, trust_env=False) as http:
            response = http.get("/login")
            response.raise_for_status()
            login = response.json()
            result = {key: login.get(key) for key in FIELDS}
            result["qr_text"] = ""
            if login.get("state") == "waiting_scan":
                qr = http.get("/login/qr.txt")
                result["qr_text"] = qr.text if qr.status_code == 200 else ""
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        logger.warning("gateway login state unreachable at %s: %r", base_url, exc)
        return {"configured": True, "state": "unreachable"}
    return {"configured": True, **result}


@router.get(
    "/gateway/login",
    summary="微信号登录状态（等待扫码 / 已登录 / 已退出登录）",
    description=(
        "从本机网关读取机器人微信号的登录状态：state 为 waiting_scan（等待扫码，"
        "qr_text 是文本二维码）、logged_in（已登录，user_name 是微信名）、"
        "logged_out（已退出登录，需要重新扫码）、starting、unreachable（网关连不上）。"
        "没有设置 api.gateway_control_url 时 configured 为 false。"
    ),
)
def gateway_login(_: StaffDep, settings: SettingsDep) -> dict[str, Any]:
    if not settings.gateway_control_url:
        return {"configured": False, "state": None}
    return read_gateway_login(settings.gateway_control_url)
