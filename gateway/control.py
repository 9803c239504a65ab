"""Clients of the fake WeChat gateway's HTTP control interface (gateway/server.js).

- :class:`GatewayControl` / :class:`AsyncGatewayControl`: for a gateway that is already running
  (the demo) or one started by :class:`gateway.process.FakeGateway`, which is itself a
  :class:`GatewayControl`.

Use the async client from code that shares its event loop with a bot: the sync client blocks
the loop (``wait_for_sent`` long-polls), so the bot could not answer meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, Self, TypedDict, cast
from urllib.parse import quote

import httpx

AT_SEPARATOR = "\u2005"  # WeChat writes "@Name" + U+2005 for a mention
_LONG_POLL_SLICE_MS = 5_000


class GatewayError(RuntimeError):
    """The gateway failed to start, or a control call was refused."""


class SentMessage(TypedDict):
    """What the bot sent, as recorded by the gateway (``GET /sent``)."""

    seq: int
    id: str
    room_id: str | None  # set for a room message
    to_id: str | None  # set for a private message
    text: str
    mention_ids: list[str]
    type: int  # wechaty message type: 7 = text
    at: int  # epoch milliseconds


SentPredicate = Callable[[SentMessage], bool]


class _Call(NamedTuple):
    """One control request, built once and sent by either client."""

    method: str
    path: str
    json: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    extra_seconds: float = 0.0  # added to the client's timeout (the /sent long-poll)


_HEALTH = _Call("GET", "/health")
_LOGIN = _Call("GET", "/login")
_RESET = _Call("POST", "/reset")


def _with_id(body: dict[str, Any], id: str | None) -> dict[str, Any]:
    return body if id is None else {**body, "id": id}


def _contact_call(name: str, id: str | None) -> _Call:
    return _Call("POST", "/contacts", _with_id({"name": name}, id))


def _room_call(topic: str, member_ids: Iterable[str], id: str | None) -> _Call:
    return _Call("POST", "/rooms", _with_id({"topic": topic, "member_ids": list(member_ids)}, id))


def _join_call(room_id: str, invitee_ids: Iterable[str] | None, inviter_id: str | None) -> _Call:
    body: dict[str, Any] = {}
    if invitee_ids is not None:
        body["invitee_ids"] = list(invitee_ids)
    if inviter_id is not None:
        body["inviter_id"] = inviter_id
    return _Call("POST", f"/rooms/{quote(room_id, safe='')}/join", body)


def _message_call(
    talker_id: str,
    text: str,
    room_id: str | None,
    mention_ids: Iterable[str],
    message_id: str | None,
    raw: bool,
) -> _Call:
    body: dict[str, Any] = {"talker_id": talker_id, "text": text, "mention_ids": list(mention_ids)}
    if room_id is not None:
        body["room_id"] = room_id
    if raw:
        body["raw"] = True
    return _Call("POST", "/messages", _with_id(body, message_id))


def _sent_call(after: int, wait_ms: int) -> _Call:
    return _Call("GET", "/sent", params={"after": after, "wait_ms": wait_ms},
                 extra_seconds=wait_ms / 1000)  # fmt: skip


def _check(response: httpx.Response) -> Any:
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code >= 400:
        detail = data.get("error") if isinstance(data, dict) else response.text
        raise GatewayError(f"{response.request.method} {response.request.url.path}: {detail}")
    return data


class _SentWait:
    """One ``wait_for_sent``: long-polls ``/sent`` in slices from a cursor until a match."""

    def __init__(self, predicate: SentPredicate | None, timeout: float, after: int) -> None:
        self.predicate = predicate
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.cursor = after
        self.seen: list[SentMessage] = []

    def next_call(self) -> _Call:
        remaining_ms = int((self.deadline - time.monotonic()) * 1000)
        if remaining_ms <= 0:
            last = [m["text"] for m in self.seen[-5:]]
            raise TimeoutError(
                f"no matching bot message within {self.timeout:.1f}s; "
                f"saw {len(self.seen)}, last: {last!r}"
            )
        return _sent_call(self.cursor, min(remaining_ms, _LONG_POLL_SLICE_MS))

    def match(self, messages: list[SentMessage]) -> SentMessage | None:
        for message in messages:
            self.cursor = max(self.cursor, message["seq"])
            self.seen.append(message)
            if self.predicate is None or self.predicate(message):
                return message
        return None


class _ControlBase:
    base_url: str | None
    timeout: float

    def _request_args(self, call: _Call) -> dict[str, Any]:
        return {
            "json": call.json,
            "params": call.params,
            "timeout": self.timeout + call.extra_seconds,
        }


class GatewayControl(_ControlBase):
    """Blocking client of the control interface at ``base_url`` (``http://127.0.0.1:PORT``)."""

    def __init__(self, base_url: str | None = None, *, timeout: float = 10.0) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self._client: httpx.Client | None = None

    @classmethod
    def from_port(cls, port: int, host: str = "127.0.0.1") -> GatewayControl:
        return cls(f"http://{host}:{port}")

    @property
    def http(self) -> httpx.Client:
        if self._client is None:
            if not self.base_url:
                raise GatewayError("gateway control URL unknown (not started?)")
            # trust_env=False: never send local control traffic through an HTTP proxy.
            self._client = httpx.Client(
                base_url=self.base_url, timeout=self.timeout, trust_env=False
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _send(self, call: _Call) -> Any:
        return _check(self.http.request(call.method, call.path, **self._request_args(call)))

    def health(self) -> dict[str, Any]:
        return cast(dict[str, Any], self._send(_HEALTH))

    def login_state(self) -> dict[str, Any]:
        """``GET /login``: ``{state, qrcode, user_id, user_name, ...}``; ``state`` is one of
        ``starting``, ``waiting_scan``, ``logged_in``, ``logged_out`` (both modes)."""
        return cast(dict[str, Any], self._send(_LOGIN))

    def add_contact(self, name: str, id: str | None = None) -> str:
        return str(self._send(_contact_call(name, id))["id"])

    def add_room(self, topic: str, member_ids: Iterable[str], id: str | None = None) -> str:
        return str(self._send(_room_call(topic, member_ids, id))["id"])

    def join_room(
        self, room_id: str, invitee_ids: Iterable[str] | None = None, inviter_id: str | None = None
    ) -> dict[str, Any]:
        """``POST /rooms/{id}/join``: emits ``room-join`` (default: the bot joins, invited by
        the room owner); returns ``{room_id, invitee_ids, inviter_id, delivered}``."""
        return cast(dict[str, Any], self._send(_join_call(room_id, invitee_ids, inviter_id)))

    def inject(
        self,
        talker_id: str,
        text: str,
        room_id: str | None = None,
        mention_ids: Iterable[str] = (),
        message_id: str | None = None,
        *,
        raw: bool = False,
    ) -> dict[str, Any]:
        """``POST /messages``; returns ``{id, text, redelivered, delivered}``."""
        call = _message_call(talker_id, text, room_id, mention_ids, message_id, raw)
        return cast(dict[str, Any], self._send(call))

    def say(
        self,
        talker_id: str,
        text: str,
        room_id: str | None = None,
        mention_ids: Iterable[str] = (),
        message_id: str | None = None,
        *,
        raw: bool = False,
    ) -> str:
        """Make ``talker_id`` say ``text`` in ``room_id`` (or privately to the bot); returns the
        message id. The gateway writes ``@Name\\u2005`` for each mention not already in the text
        (``raw=True``: leave the text alone). Reusing ``message_id`` re-delivers that message."""
        return str(self.inject(talker_id, text, room_id, mention_ids, message_id, raw=raw)["id"])

    def sent(self, after: int = 0, wait_ms: int = 0) -> list[SentMessage]:
        """The bot's messages with ``seq > after``; with ``wait_ms`` waits until there is one."""
        return cast(list[SentMessage], self._send(_sent_call(after, wait_ms)))

    def last_seq(self) -> int:
        """The seq of the newest bot message (pass it as ``after`` to see only newer ones)."""
        return int(self.health()["last_seq"])

    def wait_for_sent(
        self, predicate: SentPredicate | None = None, timeout: float = 10.0, after: int = 0
    ) -> SentMessage:
        """The first bot message after ``after`` that satisfies ``predicate``; long-polls."""
        wait = _SentWait(predicate, timeout, after)
        while (found := wait.match(self._send(wait.next_call()))) is None:
            pass
        return found

    def reset(self) -> None:
        """Forget the recorded bot messages (contacts and rooms stay; seq keeps growing)."""
        self._send(_RESET)


class AsyncGatewayControl(_ControlBase):
    """The same control interface for asyncio code (e.g. a test sharing the bot's loop)."""

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.http = httpx.AsyncClient(base_url=base_url, timeout=timeout, trust_env=False)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _send(self, call: _Call) -> Any:
        return _check(await self.http.request(call.method, call.path, **self._request_args(call)))

    async def health(self) -> dict[str, Any]:
        return cast(dict[str, Any], await self._send(_HEALTH))

    async def login_state(self) -> dict[str, Any]:
        return cast(dict[str, Any], await self._send(_LOGIN))

    async def add_contact(self, name: str, id: str | None = None) -> str:
        return str((await self._send(_contact_call(name, id)))["id"])

    async def add_room(self, topic: str, member_ids: Iterable[str], id: str | None = None) -> str:
        return str((await self._send(_room_call(topic, member_ids, id)))["id"])

    async def join_room(
        self, room_id: str, invitee_ids: Iterable[str] | None = None, inviter_id: str | None = None
    ) -> dict[str, Any]:
        return cast(dict[str, Any], await self._send(_join_call(room_id, invitee_ids, inviter_id)))

    async def inject(
        self,
        talker_id: str,
        text: str,
        room_id: str | None = None,
        mention_ids: Iterable[str] = (),
        message_id: str | None = None,
        *,
        raw: bool = False,
    ) -> dict[str, Any]:
        call = _message_call(talker_id, text, room_id, mention_ids, message_id, raw)
        return cast(dict[str, Any], await self._send(call))

    async def say(
        self,
        talker_id: str,
        text: str,
        room_id: str | None = None,
        mention_ids: Iterable[str] = (),
        message_id: str | None = None,
        *,
        raw: bool = False,
    ) -> str:
        result = await self.inject(talker_id, text, room_id, mention_ids, message_id, raw=raw)
        return str(result["id"])

    async def sent(self, after: int = 0, wait_ms: int = 0) -> list[SentMessage]:
        return cast(list[SentMessage], await self._send(_sent_call(after, wait_ms)))

    async def last_seq(self) -> int:
        return int((await self.health())["last_seq"])

    async def wait_for_sent(
        self, predicate: SentPredicate | None = None, timeout: float = 10.0, after: int = 0
    ) -> SentMessage:
        wait = _SentWait(predicate, timeout, after)
        while (found := wait.match(await self._send(wait.next_call()))) is None:
            pass
        return found

    async def reset(self) -> None:
        await self._send(_RESET)


def __getattr__(name: str) -> Any:
    # FakeGateway moved to gateway.process; code written before the split may still import it
    # from here (gateway.process imports this module, so it cannot be imported eagerly).
    if name == "FakeGateway":
        from gateway.process import FakeGateway

        return FakeGateway
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
