"""Reliability drills, end to end: fake WeChat gateway (this module's own node process: one
drill restarts it) ⇄ the real bot process ⇄ the API process ⇄ a SQLite ledger.

Each drill prints its figures (in, logged, lost, duplicated) in the "reliability drills"
section at the end of the pytest run (tests/drill_report.py, tests/conftest.py):

- redelivery: 1,000 deliveries of 50 messages → 50 wishes, 50 acknowledgements;
- the API down while 200 wishes are posted → 200 wishes once each, in order, one message each
  (no holding reply: the outage is shorter than bot.holding_reply_after_seconds);
- a poison command among 100 messages → the other 99 answered, other rooms never wait, the
  poison becomes a dead letter (the member told politely), visible and replayable;
- a read-only ledger → clear errors (health 503 ledger_writable false, writes 503
  ledger_read_only, reads served), the spool holds, everything logged once it is writable;
- the bot SIGKILLed at 4 random points while 500 messages flow → none lost, none logged
  twice (an acknowledgement whose send returned just before the kill may repeat: counted);
- the gateway restarted three times while 120 wishes flow → 120 wishes, 120 acknowledgements.

What the bot said is read from every gateway's own log ("bot said {...}", which
gateway.process passes to logging), so replies sent to a gateway that is then stopped are
counted too. Waits are conditions on that log, bot log lines, or bounded polling of state that
has no event (the bot's spool file, the ledger); nothing sleeps.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import re
import signal
import sqlite3
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text as sql

from api.domain.auth import create_token
from gateway import FakeGateway
from models.enums import Role
from models.wording import members as for_members
from tests.bot.harness import System
from tests.drill_report import record

pytestmark = pytest.mark.e2e

ACK = re.compile(r"已收到您的心愿 #(\d+)")


def _uid() -> str:
    return uuid.uuid4().hex[:8]


class SentLog(logging.Handler):
    """Every message the bot sent, from the gateways' logs; a condition to wait on."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.cond = threading.Condition()
        self.messages: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        at = line.find("bot said ")
        if at < 0:
            return
        with contextlib.suppress(ValueError):
            entry = json.loads(line[at + len("bot said ") :])
            with self.cond:
                self.messages.append(entry)
                self.cond.notify_all()

    def wait(self, ok: Callable[[list[dict[str, Any]]], bool], what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self.cond:
            while not ok(self.messages):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    last = [m["text"][:40] for m in self.messages[-5:]]
                    raise TimeoutError(f"{what}: not within {timeout:.0f}s; last {last}")
                self.cond.wait(remaining)

    def since(self, mark: int) -> list[dict[str, Any]]:
        with self.cond:
            return list(self.messages[mark:])

    def mark(self) -> int:
        with self.cond:
            return len(self.messages)


def poll(probe: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(sqlite3.Error, httpx.HTTPError):
            if value := probe():
                return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f}s")
        time.sleep(0.05)


@dataclass
class Drill:
    gw: FakeGateway
    system: System
    log: SentLog
    members: list[str] = field(default_factory=list)
    staff: str = field(default_factory=lambda: f"wxid_staff_{_uid()}")
    room: str = field(default_factory=lambda: f"{_uid()}@chatroom")
    other_room: str = field(default_factory=lambda: f"{_uid()}@chatroom")
    admin_token: str = ""

    def populate(self, gw: FakeGateway) -> None:
        gw.add_contact("王主任", id=self.staff)
        for i, member in enumerate(self.members):
            gw.add_contact(f"成员{i}", id=member)
        gw.add_room("东风姐妹群", [self.staff, *self.members], id=self.room)
        gw.add_room("西湖群", [self.staff, *self.members], id=self.other_room)

    def ledger(self, ids: list[str]) -> dict[str, list[tuple[str, int]]]:
        """message id → [(room, seq)] of the wishes logged for it (more than one: twice)."""
        wanted = set(ids)
        seed = self.system.seed
        assert seed is not None
        rooms = {seed.office_id: self.room}
        found: dict[str, list[tuple[str, int]]] = {}
        for wish in self.system.wishes():
            if wish.source_message_id in wanted:
                room = rooms.get(wish.office_id, self.other_room)
                found.setdefault(wish.source_message_id, []).append((room, wish.seq))
        return found

    def acks(self, mark: int = 0) -> Counter[tuple[str, int]]:
        """(room, seq) → how many acknowledgements the bot sent for it since ``mark``."""
        counts: Counter[tuple[str, int]] = Counter()
        for m in self.log.since(mark):
            for seq in ACK.findall(m["text"]):
                counts[(m["room_id"], int(seq))] += 1
        return counts

    def figures(self, name: str, ids: list[str], mark: int, **extra: Any) -> dict[str, int]:
        logged = self.ledger(ids)
        acks = self.acks(mark)
        keys = [key for rows in logged.values() for key in rows]
        numbers = {
            "in": len(ids),
            "logged": len(logged),
            "lost": len(set(ids) - set(logged)),
            "logged twice": sum(len(rows) - 1 for rows in logged.values()),
            "acknowledged": sum(1 for key in keys if acks[key]),
            "acks lost": sum(1 for key in keys if not acks[key]),
            "acks duplicated": sum(acks[key] - 1 for key in keys if acks[key] > 1),
            **extra,
        }
        record(name, **numbers)
        return numbers

    def wait_acked(self, ids: list[str], mark: int, what: str, timeout: float = 60) -> None:
        def done(_: list[dict[str, Any]]) -> bool:
            logged = self.ledger(ids)
            if len(logged) < len(ids):
                return False
            acks = self.acks(mark)
            return all(acks[key] for rows in logged.values() for key in rows)

        # The ledger has no event: re-check it whenever the bot says something, and poll.
        deadline = time.monotonic() + timeout
        while not done([]):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what}: not within {timeout:.0f}s")
            with contextlib.suppress(TimeoutError):
                count = self.log.mark()
                self.log.wait(lambda ms, count=count: len(ms) > count, what, 0.5)

    def say(self, member: str, text: str, room: str | None = None, mid: str | None = None) -> str:
        return self.gw.say(member, text, room_id=room or self.room, message_id=mid)

    def admin(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return httpx.request(
            method,
            f"{self.system.api_url}/api/v1{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=10,
            trust_env=False,
        )

    def health(self) -> httpx.Response:
        """GET /health once the API listens (uvicorn reports start-up before it binds)."""
        url = f"{self.system.api_url}/api/v1/health"
        try:
            return poll(lambda: httpx.get(url, timeout=5, trust_env=False), "API listening", 15)
        except TimeoutError:
            tail = self.system.api_log.tail() if self.system.api_log else ""
            raise TimeoutError(f"the API does not answer; its log:\n{tail}") from None

    def spooled(self) -> int:
        conn = sqlite3.connect(self.system.workdir / "bot" / "spool.db")
        try:
            return int(conn.execute("SELECT count(*) FROM spool").fetchone()[0])
        finally:
            conn.close()

    def marker(self) -> None:
        """Waits until everything said before is handled: 帮助 is answered after it (one lane)."""
        mark = self.log.mark()
        member = self.members[0]
        self.say(member, "帮助")
        self.log.wait(
            lambda ms: any("使用说明" in m["text"] and member in m["mention_ids"]
                           for m in ms[mark:]),
            "the marker answered", 60,
        )  # fmt: skip


def wishes(tag: str, count: int) -> list[str]:
    return [f"希望组织第{i}次{tag}亲子阅读活动，孩子们很需要" for i in range(count)]


@pytest.fixture(scope="module")
def drill() -> Iterator[Drill]:
    log = SentLog()
    gateway_logger = logging.getLogger("gateway.process")
    level = gateway_logger.level
    gateway_logger.setLevel(logging.DEBUG)
    gateway_logger.addHandler(log)
    gateway = FakeGateway()
    gateway.start()
    holder: Drill | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="wishpool-drills-") as tmp:
            system = System(Path(tmp), gateway.endpoint, gateway.token)
            holder = Drill(gateway, system, log, [f"wxid_m{i}_{_uid()}" for i in range(5)])
            holder.populate(gateway)
            try:
                system.setup_db(holder.room, holder.staff, holder.other_room)
                with system.session() as s:
                    _, holder.admin_token = create_token(session=s, name="admin", role=Role.admin)
                    s.commit()
                system.start_api()
                # Groups are cached: a redelivery costs no API call.
                # A short outbox long-poll: stopping the API need not wait for one to end.
                system.bot_env = {
                    "WISHPOOL_BOT__GROUP_CACHE_SECONDS": "600",
                    "WISHPOOL_BOT__OUTBOX_WAIT_SECONDS": "1",
                }
                system.start_bot_ready()
                yield holder
            finally:
                system.close()
    finally:
        if holder is not None and holder.gw is not gateway:
            holder.gw.stop()
        gateway.stop()
        gateway_logger.removeHandler(log)
        gateway_logger.setLevel(level)


def test_redelivery_1000_deliveries_of_50_messages(drill: Drill) -> None:
    d, mark = drill, drill.log.mark()
    texts = wishes(f"重投{_uid()}", 50)
    ids = [f"redeliver-{i}-{_uid()}" for i in range(50)]
    rng = random.Random(50)
    deliveries = [i for i in range(50) for _ in range(20)]
    rng.shuffle(deliveries)
    for i in deliveries:  # each message 20 times, in random order: 1,000 deliveries
        d.say(d.members[i % 5], texts[i], mid=ids[i])
    d.wait_acked(ids, mark, "50 acknowledgements")
    d.marker()
    f = d.figures("redelivery", ids, mark, deliveries=len(deliveries))
    assert (f["logged"], f["lost"], f["logged twice"]) == (50, 0, 0)
    assert (f["acknowledged"], f["acks duplicated"]) == (50, 0)


def test_api_down_while_200_wishes_are_posted(drill: Drill) -> None:
    d, mark = drill, drill.log.mark()
    texts = wishes(f"停机{_uid()}", 200)
    d.system.stop_api()
    ids = [d.say(d.members[i % 5], text) for i, text in enumerate(texts)]
    poll(lambda: d.spooled() >= 200, "200 wishes in the bot's spool", 60)
    d.system.start_api()
    d.wait_acked(ids, mark, "200 acknowledgements", 90)
    d.marker()
    said = d.log.since(mark)
    held = sum(1 for m in said for t in (for_members.WISH_HELD, for_members.COMMAND_HELD)
               if t in m["text"])  # fmt: skip
    f = d.figures("API down, 200 wishes", ids, mark, holding_replies=held)
    assert (f["logged"], f["lost"], f["logged twice"], f["acks lost"]) == (200, 0, 0, 0)
    assert f["acks duplicated"] == 0 and held == 0  # one message per wish, not two
    logged = d.ledger(ids)
    seqs = [logged[mid][0][1] for mid in ids]
    assert seqs == sorted(seqs)  # in the order posted


def test_a_poison_command_among_100_messages(drill: Drill) -> None:
    d, mark = drill, drill.log.mark()
    poison_id = f"poison-{_uid()}"
    assert d.system.engine is not None
    with d.system.engine.begin() as conn:
        # Stands for any input the API fails on (500) while it answers everything else.
        conn.execute(sql(
            f"CREATE TRIGGER drill_poison AFTER INSERT ON bot_command WHEN NEW.message_id = "
            f"'{poison_id}' BEGIN SELECT json_extract('not json', '$'); END"
        ))  # fmt: skip
    try:
        texts = wishes(f"毒药{_uid()}", 99)
        ids: list[str] = []
        other_ids: list[str] = []
        for i, text in enumerate(texts):
            if i == 10:
                d.say(d.members[0], "查询 1", mid=poison_id)
            if i % 3 == 2:  # a third in another office's group: it never waits for the poison
                other_ids.append(d.say(d.members[i % 5], text, room=d.other_room))
            else:
                ids.append(d.say(d.members[i % 5], text))
        d.wait_acked(ids + other_ids, mark, "99 acknowledgements", 90)
        d.marker()
        said = d.log.since(mark)
        polite = [m for m in said if for_members.DEAD_LETTER in m["text"]]
        assert [m["mention_ids"] for m in polite] == [[d.members[0]]]
        # Another room's wishes did not wait for the poison's retries.
        first_polite = next(i for i, m in enumerate(said) if for_members.DEAD_LETTER in m["text"])
        other_acks = [i for i, m in enumerate(said) if m["room_id"] == d.other_room]
        assert sum(1 for i in other_acks if i < first_polite) >= 20
        letters = d.admin("GET", "/dead-letters").json()["items"]
        letter = next(x for x in letters if x["message_id"] == poison_id)
        assert letter["kind"] == "command" and letter["attempts"] == 5
        f = d.figures(
            "poison command among 100", ids + other_ids, mark, dead_letters=1,
            polite_refusals=len(polite),
        )  # fmt: skip
        assert (f["logged"], f["lost"], f["acks lost"], f["acks duplicated"]) == (99, 0, 0, 0)
    finally:
        with d.system.engine.begin() as conn:
            conn.execute(sql("DROP TRIGGER IF EXISTS drill_poison"))
    # Fixed: the replay answers the member through the outbox.
    mark = d.log.mark()
    replayed = d.admin("POST", f"/dead-letters/{letter['id']}/replay")
    assert replayed.status_code == 200, replayed.text
    d.log.wait(
        lambda ms: any(d.members[0] in m["mention_ids"] for m in ms[mark:]),
        "the replayed command answered",
        30,
    )


def test_a_read_only_ledger_holds_the_spool_and_logs_everything_once_writable(
    drill: Drill,
) -> None:
    d, mark = drill, drill.log.mark()
    rw_url = d.system.db_url
    path = rw_url.removeprefix("sqlite:///")
    d.system.stop_api()
    d.system.db_url = f"sqlite:///file:{path}?mode=ro&uri=true"
    try:
        d.system.start_api()
        health = d.health()
        assert health.status_code == 503 and health.json()["ledger_writable"] is False
        assert d.admin("GET", "/wishes").status_code == 200  # reads still served
        refused = d.admin("POST", "/offices", {"name": "新妇联", "code": "NEW", "level": "city"})
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "ledger_read_only"
        before = d.spooled()
        texts = wishes(f"只读{_uid()}", 20)
        ids = [d.say(d.members[i % 5], text) for i, text in enumerate(texts)]
        poll(lambda: d.spooled() >= before + 20, "20 wishes held in the spool")
        assert d.system.bot_log is not None
        d.system.bot_log.wait_for("API unreachable, spooling", 30)
        assert d.ledger(ids) == {}
    finally:
        d.system.stop_api()
        d.system.db_url = rw_url
        d.system.start_api()  # the next drills need it, whatever happened here
    assert d.health().status_code == 200
    d.wait_acked(ids, mark, "20 acknowledgements after the ledger is writable")
    f = d.figures("read-only ledger", ids, mark, held_while_read_only=20)
    assert (f["logged"], f["lost"], f["logged twice"], f["acks lost"]) == (20, 0, 0, 0)


def test_sigkill_at_random_points_while_500_messages_flow(drill: Drill) -> None:
    d, mark = drill, drill.log.mark()
    seed = random.randrange(10**6)
    rng = random.Random(seed)
    texts = wishes(f"强停{_uid()}", 500)
    ids = [f"kill-{i}-{_uid()}" for i in range(500)]
    members = [d.members[i % 5] for i in range(500)]

    def deliver(only: set[str] | None = None) -> int:
        """A real puppet re-delivers recent messages after a restart: every message not yet in
        the ledger (spooled ones among them) and the 50 logged last, which must be dropped."""
        sent = 0
        for mid, text, member in zip(ids, texts, members, strict=True):
            if only is None or mid in only:
                d.say(member, text, mid=mid)
                sent += 1
        return sent

    def recent() -> set[str]:
        logged = d.ledger(ids)
        newest = sorted(logged, key=lambda mid: logged[mid][0][1])[-50:]
        return (set(ids) - set(logged)) | set(newest)

    kills = sorted(rng.sample(range(20, 480), 4))
    deliveries = deliver()
    for at in kills:
        d.log.wait(lambda _ms, at=at: sum(1 for _ in d.acks(mark)) >= at, f"{at} acks", 120)
        d.system.kill_bot(signal.SIGKILL)
        d.system.start_bot_ready()
        deliveries += deliver(recent())
    d.wait_acked(ids, mark, "500 acknowledgements", 120)
    d.marker()
    f = d.figures(
        "SIGKILL x4, 500 messages", ids, mark, kills=len(kills), deliveries=deliveries,
        seed=seed,
    )  # fmt: skip
    assert (f["logged"], f["lost"], f["logged twice"], f["acks lost"]) == (500, 0, 0, 0)
    # Only a reply whose send returned just before the kill can repeat: at most one per kill.
    assert f["acks duplicated"] <= len(kills)


def test_gateway_restarted_three_times_while_120_wishes_flow(drill: Drill) -> None:
    d, mark = drill, drill.log.mark()
    assert d.system.bot_log is not None
    texts = wishes(f"网关{_uid()}", 120)
    ids = [f"gw-{i}-{_uid()}" for i in range(120)]
    chunks = [range(i, i + 30) for i in range(0, 120, 30)]
    port, token = d.gw.grpc_port, d.gw.token
    for n, chunk in enumerate(chunks):
        for i in chunk:
            d.say(d.members[i % 5], texts[i], mid=ids[i])
        if n == len(chunks) - 1:
            break
        # Stop while the bot is still answering this chunk.
        d.log.wait(lambda _ms, c=chunk: sum(1 for _ in d.acks(mark)) >= c.start + 5,
                   "a few acks of this chunk", 60)  # fmt: skip
        old = d.gw
        old.stop()
        new = FakeGateway(grpc_port=port, token=token, bot_id=old.bot_id, bot_name=old.bot_name)
        new.start()
        d.gw = new
        d.populate(new)
        poll(lambda g=new: g.health()["client_connected"], "the bot reconnected", 30)
        for i in chunk:  # the new gateway re-delivers what the old one may not have handed over
            d.say(d.members[i % 5], texts[i], mid=ids[i])
    d.wait_acked(ids, mark, "120 acknowledgements", 120)
    d.marker()
    f = d.figures("gateway restarted x3, 120 wishes", ids, mark, restarts=3)
    assert (f["logged"], f["lost"], f["logged twice"], f["acks lost"]) == (120, 0, 0, 0)
    assert f["acks duplicated"] <= 3  # a send in flight when its gateway stopped
