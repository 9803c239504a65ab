"""The bot's client of the ledger API (/api/v1/bot/*)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import httpx

logger = logging.getLogger(__name__)

PREFIX = "/api/v1/bot"
GROUPS_VERSION_HEADER = "X-Groups-Version"


class BotError(Exception):
    """Base of the bot's errors; ``message`` is safe to show people (Chinese) or empty."""

    def __init__(self, message: str = "", *, detail: str = "") -> None:
        super().__init__(detail or message)
        self.message = message


class ApiUnavailable(BotError):
    """The API cannot be reached or failed on its side: keep the work and retry later.

    ``status`` is the HTTP status of a 5xx answer, None when the API could not be reached at
    all. The drain tells an outage from one poison entry with :meth:`BotApiClient.ledger_ok`.
    """

    def __init__(self, message: str = "", *, detail: str = "", status: int | None = None) -> None:
        super().__init__(message, detail=detail)
        self.status = status


class ApiRejected(BotError):
    """The API refused the request (4xx): retrying will not help; ``message`` says why."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message, detail=f"{status} {code}")
        self.status = status
        self.code = code


class ApiAuthError(ApiRejected):
    """The bot's own token is wrong: an operator must fix the configuration."""


class BotApiClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.root = base_url.rstrip("/")
        self.http = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + PREFIX,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            transport=transport,
            trust_env=False,  # local traffic; never through a proxy from the environment
        )
        # The groups version of the last outbox answer (bot/groups.py), None from an older API.
        self.groups_version: str | None = None

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> Any:
        response = await self._send(method, path, json=json, params=params, timeout=timeout)
        return response.json()

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        extra: dict[str, Any] = {}
        if timeout is not None:
            extra["timeout"] = timeout
        try:
            response = await self.http.request(method, path, json=json, params=params, **extra)
        except httpx.HTTPError as exc:
            raise ApiUnavailable(detail=f"{method} {path}: {exc!r}") from exc
        if response.status_code >= 500:
            raise ApiUnavailable(
                detail=f"{method} {path}: HTTP {response.status_code}",
                status=response.status_code,
            )
        if response.status_code >= 400:
            code, message = "error", ""
            try:
                error = response.json().get("error", {})
                code, message = str(error.get("code", code)), str(error.get("message", ""))
            except (ValueError, AttributeError):
                pass
            cls = ApiAuthError if response.status_code in (401, 403) else ApiRejected
            raise cls(response.status_code, code, message)
        return response

    # ---- messages in ----------------------------------------------------------------------------
    async def whoami(self) -> dict[str, Any]:
        """The bot token's name and role; raises ApiAuthError for a wrong token."""
        result: dict[str, Any] = await self._call("GET", "/me")
        return result

    async def group_seen(self, room_id: str, topic: str) -> dict[str, Any]:
        """Registers the group if new (disabled); returns {enabled, office_id, …}."""
        return dict(
            await self._call("POST", "/groups/seen", json={"room_id": room_id, "topic": topic})
        )

    async def check_groups(self, room_ids: Sequence[str]) -> dict[str, Any]:
        """The states of many known groups at once: {version, groups: [{room_id, enabled, …}]}."""
        return dict(await self._call("POST", "/groups/check", json={"room_ids": list(room_ids)}))

    async def submit_wish(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Logs a wish; idempotent on payload["message_id"]. Returns {reply, seq, created, …}."""
        return dict(await self._call("POST", "/wishes", json=payload))

    async def submit_command(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Applies a member or staff command; returns {ok, reply, …}."""
        return dict(await self._call("POST", "/commands", json=payload))

    async def submit_triage(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Routes an uncertain message privately to staff; idempotent on the message id."""
        return dict(await self._call("POST", "/triage", json=payload))

    async def ledger_ok(self) -> bool:
        """Whether the API is up and its ledger writable (GET /api/v1/health, a write probe).

        Asked after a 5xx: if the ledger is fine, the failure belongs to that one entry."""
        try:
            response = await self.http.get(f"{self.root}/api/v1/health")
        except httpx.HTTPError:
            return False
        if response.status_code != 200:
            return False
        try:
            return bool(response.json().get("ledger_writable", True))
        except (ValueError, AttributeError):
            return False

    async def report_dead_letter(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Hands a spool entry that kept failing to the API (idempotent on the message id)."""
        return dict(await self._call("POST", "/dead-letters", json=payload))

    # ---- outbox ---------------------------------------------------------------------------------
    async def lease_outbox(
        self, *, wait: float, limit: int, urgent_only: bool = False
    ) -> list[dict[str, Any]]:
        params = {"wait": wait, "limit": limit, "urgent_only": urgent_only}
        response = await self._send("GET", "/outbox", params=params, timeout=wait + 10)
        self.groups_version = response.headers.get(GROUPS_VERSION_HEADER)
        return list(response.json())

    async def ack_outbox(self, outbox_id: int, sent_message_id: str | None) -> None:
        await self._call(
            "POST", f"/outbox/{outbox_id}/ack", json={"sent_message_id": sent_message_id}
        )

    async def fail_outbox(self, outbox_id: int, error: str) -> None:
        await self._call("POST", f"/outbox/{outbox_id}/fail", json={"error": error[:500]})
