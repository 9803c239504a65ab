"""End to end: the bot supervises its connection to the puppet service, and registers a group it
is added to.

Fake WeChat gateway (its own node process, not the session one: this module stops it) ⇄ the
real bot process ⇄ the API process ⇄ a SQLite ledger. Tests run in file order on one system.

- Room join: the gateway's ``POST /rooms/{id}/join`` emits a real ``room-join`` event (the bot
  added to a new group by its owner); the bot registers the group through the API, disabled,
  and then ignores a wish posted there.
- Dropped stream: the gateway process is stopped and a new one started on the same gRPC port
  (the mock's contacts and rooms are re-created: its state lives in the process). The same bot
  process notices, reconnects with backoff by itself and handles a new wish.

Waits are long-polls on what the bot said (the gateway's ``/sent``), waits for a bot log line,
or, where nothing pushes a signal, bounded polling with a deadline on state that does not change
back until the test acts: the bot's health file (rewritten every 2 s by the bot, so there is no
event to wait on), the gateway's ``client_connected`` flag (the gateway has no long-poll for
it) and the API's group list (``on_room_join`` logs nothing when it registered the group).
Nothing sleeps to wait for correctness.

The bot runs at log level DEBUG here: ``message <id>: <outcome>`` is how the test learns the
bot handled (and ignored) the wish in the disabled group, rather than racing a marker message.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.domain.auth import create_token
from gateway import FakeGateway, SentMessage
from models.enums import Role
from models.wording import members as for_members
from tests.bot.harness import System

pytestmark = pytest.mark.e2e

POLL_SECONDS = 0.05


def _uid() -> str:
    return uuid.uuid4().hex[:8]


def wait_until(probe: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    """The first truthy ``probe()``; a bounded polling loop (the module docstring says where
    and why it is used instead of an event)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        with contextlib.suppress(OSError, ValueError, httpx.HTTPError):
            last = probe()
            if last:
                return last
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f}s (last: {last!r})")
        time.sleep(POLL_SECONDS)


@dataclass
class Rig:
    gw: FakeGateway
    system: System
    staff: str = field(default_factory=lambda: f"wxid_staff_{_uid()}")
    member: str = field(default_factory=lambda: f"wxid_member_{_uid()}")
    room: str = field(default_factory=lambda: f"{_uid()}@chatroom")
    other_room: str = field(default_factory=lambda: f"{_uid()}@chatroom")
    admin_token: str = ""

    def populate(self, gw: FakeGateway) -> None:
        """The contacts and rooms of the ledger's groups (a new gateway starts empty)."""
        gw.add_contact("王主任", id=self.staff)
        gw.add_contact("李娟", id=self.member)
        gw.add_room("东风姐妹群", [self.staff, self.member], id=self.room)
        gw.add_room("西湖群", [self.staff, self.member], id=self.other_room)

    @property
    def health_path(self) -> Path:
        return self.system.workdir / "bot" / "health.json"

    def health(self) -> dict[str, Any]:
        return dict(json.loads(self.health_path.read_text(encoding="utf-8")))

    def wait_health(self, ok: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        # The bot rewrites the file every 2 s: allow a few rounds.
        return dict(wait_until(lambda: (h := self.health()) and ok(h) and h, what, timeout=8))

    def reply_to(self, talker: str, after: int, timeout: float = 10.0) -> SentMessage:
        return self.gw.wait_for_sent(
            lambda m: talker in m["mention_ids"], timeout=timeout, after=after
        )

    def admin_get(self, path: str, **params: Any) -> Any:
        response = httpx.get(
            f"{self.system.api_url}/api/v1{path}",
            params=params,
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=5,
            trust_env=False,
        )
        response.raise_for_status()
        return response.json()

    def wish_ids(self) -> set[str]:
        return {w.source_message_id or "" for w in self.system.wishes()}

    def wish_seq(self, message_id: str) -> int:
        return next(w.seq for w in self.system.wishes() if w.source_message_id == message_id)

    @property
    def bot_pid(self) -> int:
        assert self.system.bot is not None
        return self.system.bot.pid


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    gateway = FakeGateway()
    gateway.start()
    holder: Rig | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="wishpool-e2e-reconnect-") as tmp:
            system = System(Path(tmp), gateway.endpoint, gateway.token)
            holder = Rig(gateway, system)
            holder.populate(gateway)
            try:
                system.setup_db(holder.room, holder.staff, holder.other_room)
                with system.session() as s:
                    _, holder.admin_token = create_token(session=s, name="admin", role=Role.admin)
                    s.commit()
                system.start_api()
                system.bot_env = {"WISHPOOL_BOT__LOG_LEVEL": "DEBUG"}
                system.start_bot_ready()
                yield holder
            finally:
                system.close()  # the bot first, while a gateway may still be up
    finally:
        if holder is not None and holder.gw is not gateway:
            holder.gw.stop()  # the replacement started by the reconnect test
        gateway.stop()


def test_a_group_the_bot_is_added_to_is_registered_disabled(rig: Rig) -> None:
    r = rig
    new_room = f"{_uid()}@chatroom"
    r.gw.add_room("新拉的群", [r.staff, r.member], id=new_room)
    assert r.admin_get("/groups", q=new_room)["total"] == 0
    joined = r.gw.join_room(new_room)
    assert joined["invitee_ids"] == [r.gw.bot_id] and joined["inviter_id"] == r.staff
    assert joined["delivered"] is True
    # on_room_join → POST /bot/groups/seen: nothing else has mentioned this room yet.
    page = wait_until(
        lambda: (p := r.admin_get("/groups", q=new_room))["total"] == 1 and p,
        "group registered after room-join",
    )
    group = page["items"][0]
    assert group["room_id"] == new_room and group["topic"] == "新拉的群"
    assert group["enabled"] is False

    # A wish there (mentioning the bot) is ignored: no reply, nothing in the ledger.
    after = r.gw.last_seq()
    text = "@心愿池 我想给孩子报名暑期托管班，希望妇联能帮忙联系"
    message_id = r.gw.say(r.member, text, room_id=new_room, mention_ids=[r.gw.bot_id])
    assert r.system.bot_log is not None
    r.system.bot_log.wait_for(f"message {message_id}: ignored_group", 10)
    # The same member in an enabled group is answered, and that is all the bot said since.
    r.gw.say(r.member, "帮助", room_id=r.room)
    assert "使用说明" in r.reply_to(r.member, after)["text"]
    said = [m for m in r.gw.sent(after) if m["text"] != for_members.PRIVACY_NOTICE]
    assert [m["room_id"] for m in said] == [r.room]
    assert message_id not in r.wish_ids()
    assert r.admin_get("/groups", q=new_room)["items"][0]["enabled"] is False


def test_a_dropped_stream_reconnects_in_the_same_process(rig: Rig) -> None:
    r = rig
    assert r.system.bot is not None and r.system.bot_log is not None
    pid = r.bot_pid
    timings: dict[str, float] = {}

    # A wish round trip on the first gateway.
    after = r.gw.last_seq()
    first = r.gw.say(r.member, "希望组织一次亲子阅读活动，孩子们很需要", room_id=r.room)
    reply = r.reply_to(r.member, after)["text"]
    assert f"已收到您的心愿 #{r.wish_seq(first)}" in reply
    before = r.wait_health(lambda h: h["logged_in"] and h["connected"], "health: logged in")
    assert before["pid"] == pid and before["last_event_at"] is not None

    # The gateway goes away: the stream ends, the bot says so and stays up.
    port, token = r.gw.grpc_port, r.gw.token
    t0 = time.monotonic()
    r.gw.stop()
    timings["gateway stopped"] = time.monotonic() - t0
    # At once (measured ~30 ms), not at the supervisor's 5 s liveness tick.
    r.system.bot_log.wait_for("puppet event stream ended", 4)
    timings["stream end noticed"] = time.monotonic() - t0
    down = r.wait_health(
        lambda h: h["logged_in"] is False and h["connected"] is False, "health: disconnected"
    )
    assert down["pid"] == pid and r.system.bot.poll() is None
    timings["health says down"] = time.monotonic() - t0
    # While the gateway is away the bot keeps retrying (backoff), not exiting.
    r.system.bot_log.wait_for("reconnect failed; retrying in", 20)
    assert r.system.bot.poll() is None

    # A new gateway on the same port: the same process reconnects by itself.
    new = FakeGateway(grpc_port=port, token=token, bot_id=r.gw.bot_id, bot_name=r.gw.bot_name)
    r.gw = new  # from here the fixture stops this one
    t1 = time.monotonic()
    new.start()
    r.populate(new)
    wait_until(lambda: new.health()["client_connected"], "bot connected to the new gateway", 20)
    timings["reconnected after restart"] = time.monotonic() - t1
    up = r.wait_health(lambda h: h["logged_in"] and h["connected"], "health: logged in again")
    assert up["pid"] == pid == r.system.bot.pid and r.system.bot.poll() is None
    assert up["last_event_at"] > before["last_event_at"]
    assert up["last_event_at"] >= down["updated_at"]  # an event arrived after the outage

    # A new wish goes through the new connection.
    after = new.last_seq()
    second = new.say(r.member, "希望小区能开设老年人智能手机培训班", room_id=r.room)
    reply = r.reply_to(r.member, after)["text"]
    assert f"已收到您的心愿 #{r.wish_seq(second)}" in reply
    later = r.wait_health(
        lambda h: h["last_event_at"] > up["last_event_at"],
        "health: last_event_at advances",
    )
    assert later["pid"] == pid and later["logged_in"] and later["connected"]
    print("reconnect timings:", {k: round(v, 2) for k, v in timings.items()})
