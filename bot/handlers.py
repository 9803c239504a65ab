"""What the bot does with a message: ignore it, ask, or spool a wish/command for the API.

No python-wechaty here: :class:`Incoming` is a plain description of a message and replies go
through a :class:`~bot.sender.Sender`, so the logic is unit-tested with a fake API client and a
fake transport.

Flow: ``handle`` decides and, for a wish or a command, writes the message id and a spool entry
in one SQLite transaction, then wakes the spool worker. ``drain`` sends spooled entries to the
API strictly in order, replies, and deletes each entry only after its reply went out; when the
send rate would make several acknowledgements to one group wait, they share one message. When the
API has been unreachable for a while every waiting member is told once that the wish is received
and its number will follow; the entries stay spooled and are replayed when the API returns. A
reply that cannot be sent stays spooled until the gateway is back; an entry that keeps failing
while the API answers others becomes a dead letter (``drain``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import nlp
from bot import burst
from bot.client import ApiAuthError, ApiRejected, ApiUnavailable
from bot.groups import GroupCache
from bot.sender import Sender
from bot.spool import ANSWERED, NEW, Spool, SpoolEntry
from models.logsafe import scrub_exceptions
from models.wording import members as for_members
from nlp.commands import (
    PRIVATE_CHOICE,
    Command,
    ConfirmCommand,
    RequestResourceCommand,
    WishCommand,
    private_choice,
    strip_mentions,
)
from nlp.context import DEFAULT_BOT_NAMES, Context, Conversation
from nlp.recogniser import Classification

logger = logging.getLogger(__name__)
scrub_exceptions(logger)  # tracebacks without exception messages (they quote input)

MIN_MENTION_REQUEST = 4  # characters: "@心愿池 你好" is a greeting, not a request
# Privately she is talking to the bot: a text this long that is not a greeting, thanks or an
# "ok" is a request even when the recogniser would stay silent in a group.
MIN_PRIVATE_REQUEST = 6


def is_private_request(text: str, result: Classification) -> bool:
    """Whether a private text (not a command) is a wish: anything the recogniser would log or
    ask about in a group, or a longer text that none of its negative rules calls chatter."""
    if result.outcome in ("ack", "triage"):
        return True
    chatter = any(rule.startswith("negative:") for rule in result.rules)
    return not chatter and len(text) >= MIN_PRIVATE_REQUEST


@dataclass(frozen=True)
class Incoming:
    message_id: str
    talker_id: str
    talker_name: str
    text: str
    room_id: str | None = None  # None: a private chat with the bot
    room_topic: str = ""
    mention_self: bool = False


class Outcome(enum.StrEnum):
    """What ``handle`` did, for tests and DEBUG logs."""

    ignored_group = "ignored_group"
    duplicate = "duplicate"
    chatter = "chatter"
    asked = "asked"
    spooled = "spooled"
    triaged = "triaged"  # uncertain: routed privately to staff, nothing said in the group
    bad_command = "bad_command"
    hinted = "hinted"  # private chat that is not a request: a short hint how to send a wish


class ApiClient(Protocol):
    async def group_seen(self, room_id: str, topic: str) -> dict[str, Any]: ...

    async def check_groups(self, room_ids: Sequence[str]) -> dict[str, Any]: ...

    async def submit_wish(self, payload: dict[str, Any]) -> dict[str, Any]: ...

    async def submit_command(self, payload: dict[str, Any]) -> dict[str, Any]: ...

    async def submit_triage(self, payload: dict[str, Any]) -> dict[str, Any]: ...

    async def ledger_ok(self) -> bool: ...

    async def report_dead_letter(self, payload: dict[str, Any]) -> dict[str, Any]: ...


Classifier = Callable[[str, Context], Classification]
CommandParser = Callable[[str, Sequence[str]], Command | None]


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value


def command_payload(command: Command) -> dict[str, Any]:
    """The wire form of a parsed command: its (Chinese) name and its fields."""
    args = {f.name: _jsonable(getattr(command, f.name)) for f in dataclasses.fields(command)}
    return {"name": command.name, "args": args}


class Bridge:
    def __init__(
        self,
        *,
        spool: Spool,
        client: ApiClient,
        sender: Sender,
        bot_names: Sequence[str] = (),
        confirm_timeout: float = 600.0,
        group_cache_seconds: float = 60.0,
        classify: Classifier = nlp.classify,
        parse: CommandParser = nlp.parse_command,
        clock: Callable[[], float] = time.time,
        conversation: Conversation | None = None,
        max_attempts: int = 5,
        holding_reply_after: float = 0.0,
        connected: Callable[[], bool] = lambda: True,
    ) -> None:
        self.spool = spool
        self.client = client
        self.sender = sender
        self.bot_names = tuple(bot_names)
        self.confirm_timeout = confirm_timeout
        self.classify = classify
        self.parse = parse
        self.clock = clock
        self.wakeup = asyncio.Event()
        self.api_up = True
        # Reliability (bot settings max_attempts, holding_reply_after_seconds): a poison entry
        # is given up after max_attempts; the holding reply waits for a long outage; whether
        # the gateway is connected tells "WeChat is away" from "this one send failed".
        self.max_attempts = max_attempts
        self.holding_reply_after = holding_reply_after
        self.connected = connected
        self._down_since: float | None = None
        self._send_failures: dict[int, int] = {}
        # The last few messages of each room, in memory only and for minutes: the recogniser
        # reads a member's question together with the notice it follows. Never persisted.
        self.conversation = conversation or Conversation(
            bot_names=self.bot_names or DEFAULT_BOT_NAMES
        )
        # Per room, from the ledger: enabled, who speaks for the federation there (never
        # auto-logged), whether uncertain messages are asked about in the group (bot/groups.py).
        self.groups = GroupCache(
            client=client, spool=spool, cache_seconds=group_cache_seconds, clock=clock
        )

    # ---- incoming -----------------------------------------------------------------------------
    async def handle(self, msg: Incoming) -> Outcome:
        """``msg`` is never the bot's own message: the app drops the puppet's echoes first."""
        if msg.room_id is not None and not await self._group_enabled(msg.room_id, msg.room_topic):
            return Outcome.ignored_group
        if self.spool.is_seen(msg.message_id):
            return Outcome.duplicate
        try:
            command = self.parse(msg.text, self.bot_names)
        except nlp.CommandError as exc:
            if not self.spool.mark_seen(msg.message_id):
                return Outcome.duplicate
            await self._reply(msg.room_id, msg.talker_id, for_members.command_error(exc.message))
            return Outcome.bad_command
        if msg.room_id is None:
            return await self._private(msg, command)
        if command is not None:
            return await self._command(msg, command)
        return await self._free_text(msg)

    # ---- the private channel ------------------------------------------------------------------
    async def _private(self, msg: Incoming, command: Command | None) -> Outcome:
        """A private chat: never silent. A command goes to the ledger (which decides whether it
        knows her); a request is a private wish; greetings and thanks get a short hint."""
        if command is not None and not isinstance(command, ConfirmCommand):
            return await self._command(msg, command)
        text = msg.text.strip()
        choice = private_choice(text) if command is None else None
        if choice is not None:  # her answer to 「回复 1 或 2」: the ledger holds the question
            payload = {
                **self._who(msg),
                "command": {"name": PRIVATE_CHOICE, "args": {"choice": choice}},
            }
            return self._spool(msg.message_id, "command", payload)
        result = self.classify(text, Context())
        if command is None and is_private_request(text, result):
            return self._spool_wish(msg, text, classification=result)
        if not self.spool.mark_seen(msg.message_id):
            return Outcome.duplicate
        await self._reply(None, msg.talker_id, for_members.PRIVATE_HINT)
        return Outcome.hinted

    async def _group_enabled(self, room_id: str, topic: str) -> bool:
        return await self.groups.enabled(room_id, topic)

    async def refresh_group(self, room_id: str, topic: str) -> bool:
        """Tells the API about the group (registered disabled if new); caches whether enabled."""
        return (await self.groups.see(room_id, topic)).enabled

    def _speaker(self, msg: Incoming) -> str:
        staff = self.groups.staff_ids(msg.room_id or "")
        return "staff" if msg.talker_id in staff else "member"

    async def _command(self, msg: Incoming, command: Command) -> Outcome:
        if isinstance(command, ConfirmCommand):
            return await self._confirm(msg)
        if isinstance(command, WishCommand):
            return self._spool_wish(msg, command.text, explicit=True)
        if isinstance(command, RequestResourceCommand):
            text = self._body(msg) or msg.text
            return self._spool_wish(msg, text, resource_id=command.resource_id)
        payload = {**self._who(msg), "command": command_payload(command)}
        return self._spool(msg.message_id, "command", payload)

    async def _free_text(self, msg: Incoming) -> Outcome:
        assert msg.room_id is not None
        text = self._body(msg) or msg.text.strip()
        speaker, now = self._speaker(msg), self.clock()
        # The recogniser sees the raw text: @mentions of the bot and #心愿 tags are signals.
        result = self.classify(msg.text, self.conversation.context(msg.room_id, speaker, now))
        self.conversation.add(msg.text, msg.room_id, speaker, now)
        if result.outcome == "ack" or (speaker == "member" and self._mention_request(msg, result)):
            # A member who @-mentions the bot with something to say is asking it for help.
            return self._spool_wish(msg, text, classification=result)
        if result.outcome != "triage":
            return Outcome.chatter  # never stored, never sent anywhere
        payload = self._wish_payload(msg, text, result)
        if self.groups.ask_members(msg.room_id):
            # This group chose to ask the member in public instead of routing to staff.
            if not self.spool.add_pending(msg.room_id, msg.talker_id, msg.message_id, payload):
                return Outcome.duplicate
            await self._reply(msg.room_id, msg.talker_id, for_members.GREY_QUESTION)
            return Outcome.asked
        outcome = self._spool(msg.message_id, "triage", payload)
        return Outcome.triaged if outcome is Outcome.spooled else outcome

    def _mention_request(self, msg: Incoming, result: Classification) -> bool:
        if not msg.mention_self:
            return False
        body = self._body(msg)
        thanks = any(rule.startswith("negative:") for rule in result.rules)
        return len(body) >= MIN_MENTION_REQUEST and not thanks

    async def _confirm(self, msg: Incoming) -> Outcome:
        if msg.room_id is None:
            return Outcome.chatter
        pending = self.spool.pending_for(msg.room_id, msg.talker_id, self.confirm_timeout)
        if pending is None:
            return Outcome.chatter  # a plain "是" in conversation
        original_id, payload = pending
        # The wish keeps the original message id: a replay of either message logs nothing new.
        if not self.spool.enqueue(original_id, "wish", payload, also_seen=msg.message_id):
            return Outcome.duplicate
        self.wakeup.set()
        return Outcome.spooled

    def _body(self, msg: Incoming) -> str:
        """The text without its leading @mentions (a bot name may contain spaces)."""
        return strip_mentions(msg.text, self.bot_names)[0]

    def _who(self, msg: Incoming) -> dict[str, Any]:
        return {
            "room_id": msg.room_id,
            "talker_id": msg.talker_id,
            "talker_name": msg.talker_name,
            "message_id": msg.message_id,
        }

    def _wish_payload(
        self,
        msg: Incoming,
        text: str,
        classification: Classification | None = None,
        resource_id: int | None = None,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {**self._who(msg), "text": text, "resource_id": resource_id}
        if classification is not None:
            payload.update(
                category=classification.category.value,
                kind=classification.kind.value,
                confidence=classification.confidence,
                keywords=list(classification.keywords),
            )
        return payload

    def _spool_wish(
        self,
        msg: Incoming,
        text: str,
        *,
        explicit: bool = False,
        resource_id: int | None = None,
        classification: Classification | None = None,
    ) -> Outcome:
        text = text.strip()
        if explicit and not text:
            return Outcome.chatter
        if classification is None and resource_id is None:
            classification = self.classify(text, Context())
        payload = self._wish_payload(msg, text, classification, resource_id)
        return self._spool(msg.message_id, "wish", payload)

    def _spool(self, message_id: str, kind: str, payload: dict[str, Any]) -> Outcome:
        if not self.spool.enqueue(message_id, kind, payload):
            return Outcome.duplicate
        self.wakeup.set()
        return Outcome.spooled

    # ---- spool worker -------------------------------------------------------------------------
    async def drain(self) -> bool:
        """One pass over the spool. True when nothing is left to retry soon.

        All entries are submitted first, then the replies go out: acknowledgements due together
        may share one message (bot.burst). Order is kept per lane (a room, or one member's
        private chat), never across lanes: an entry that cannot go on holds back only the later
        entries of its own lane. What stops a whole pass is an outage (the API unreachable, or
        a 5xx while its ledger is not writable) or the gateway being down. A 5xx for one entry
        while the ledger is fine is that entry's fault: it counts an attempt, and after
        ``max_attempts`` it becomes a dead letter (kept locally, reported to the API, the member
        told politely) and its lane moves on. An entry is deleted only after its reply went out.
        """
        ready: list[SpoolEntry] = []
        reachable, settled = True, True
        held: set[str] = set()  # lanes in which an earlier entry waits
        for entry in self.spool.entries():
            if entry.lane in held:
                continue
            if entry.state != ANSWERED:
                try:
                    reply = await self._submit(entry)
                except ApiUnavailable as exc:
                    if not await self._entry_at_fault(exc):
                        self._api_down(exc)
                        reachable = settled = False
                        break
                    buried = self._retry_or_bury(entry, exc)
                    if buried is None:
                        held.add(entry.lane)
                        settled = False
                        continue
                    entry = buried
                else:
                    self.spool.mark_answered(entry.id, reply)
                    entry = dataclasses.replace(entry, state=ANSWERED, reply=reply)
                self._api_back()
            ready.append(entry)
        if reachable:
            await self._report_dead()
        delivered = await self._deliver_all(ready)
        if not reachable:
            await self._notify_waiting()
        return settled and delivered

    async def _entry_at_fault(self, exc: ApiUnavailable) -> bool:
        """After a 5xx: is the ledger fine (so this entry is the problem), or is it an outage?"""
        if exc.status is None:
            return False  # not reachable at all
        try:
            return await self.client.ledger_ok()
        except Exception:
            logger.warning("health check after a %s failed", exc.status, exc_info=True)
            return False

    def _retry_or_bury(self, entry: SpoolEntry, exc: ApiUnavailable) -> SpoolEntry | None:
        """Counts the failed try; the entry as answered with its polite reply once it is dead."""
        attempts = self.spool.count_attempt(entry.id, str(exc))
        if attempts < self.max_attempts:
            logger.warning(
                "spool entry %s failed (%s), attempt %d of %d",
                entry.id,
                exc.status,
                attempts,
                self.max_attempts,
            )
            return None
        logger.error(
            "spool entry %s failed %d times while the API answered others: dead letter",
            entry.id,
            attempts,
        )
        # A triage item was never announced in the group: nothing to say there either.
        reply = {"reply": None if entry.kind == "triage" else for_members.DEAD_LETTER, "dead": True}
        entry = dataclasses.replace(entry, attempts=attempts)
        self.spool.bury(entry, str(exc), reply)
        return dataclasses.replace(entry, state=ANSWERED, reply=reply)

    async def _report_dead(self) -> None:
        """Hands dead letters to the API (kept locally until it has them)."""
        for dead in self.spool.dead_unreported():
            try:
                await self.client.report_dead_letter(
                    {
                        "message_id": dead.message_id,
                        "kind": dead.kind,
                        "payload": dead.payload,
                        "attempts": dead.attempts,
                        "error": (dead.last_error or "")[:500],
                    }
                )
            except ApiUnavailable:
                return  # next pass
            except ApiAuthError:
                raise
            except ApiRejected as exc:
                # Retrying cannot help; the copy stays in the local table (spool.db).
                logger.error("API refused dead letter %s: %s", dead.id, exc)
            self.spool.mark_dead_reported(dead.id)

    def _api_down(self, exc: ApiUnavailable) -> None:
        if self.api_up:
            logger.warning("API unreachable, spooling: %s", exc)
            self.api_up = False
        if self._down_since is None:
            self._down_since = self.clock()

    def _api_back(self) -> None:
        if not self.api_up:
            logger.info("API reachable again, replaying the spool")
            self.api_up = True
        self._down_since = None

    async def _submit(self, entry: SpoolEntry) -> dict[str, Any]:
        try:
            if entry.kind == "wish":
                return await self.client.submit_wish(entry.payload)
            if entry.kind == "triage":
                return await self.client.submit_triage(entry.payload)
            return await self.client.submit_command(entry.payload)
        except ApiAuthError:
            raise  # a configuration error: the app's boundary stops the bot
        except ApiRejected as exc:
            # The API's messages are written for people; anything else gets the generic one.
            logger.warning("API refused spool entry %s: %s", entry.id, exc)
            return {"reply": exc.message or for_members.GENERIC_ERROR}

    async def _deliver_all(self, ready: Sequence[SpoolEntry]) -> bool:
        """Sends the replies; False if one is left for later (the gateway down, a failed send).

        An entry whose reply could not be sent stays in the spool (answered, not delivered) and
        holds back later replies of its lane; when the gateway is down nothing else is tried."""
        held: set[str] = set()
        delivered = True
        for batch in burst.plan(ready):
            lane = batch.entries[0].lane
            if lane in held:
                continue
            was_connected = self.connected()
            try:
                await self._deliver_batch(batch)
            except Exception as exc:
                delivered = False
                # A stream that ends mid-send may be noticed only just after: connected both
                # before and after, or it is the gateway's outage, not this reply's fault.
                if not (was_connected and self.connected()):
                    logger.warning("gateway not connected: replies wait in the spool (%r)", exc)
                    return False
                held.add(lane)
                self._send_failed(batch, exc)
        return delivered

    def _send_failed(self, batch: burst.Batch, exc: Exception) -> None:
        """A send failed while connected: retried, and given up after max_attempts (logged)."""
        for entry in batch.entries:
            failures = self._send_failures.get(entry.id, 0) + 1
            self._send_failures[entry.id] = failures
            if failures >= self.max_attempts:
                logger.error(
                    "reply to spool entry %s failed %d times (%r): given up",
                    entry.id,
                    failures,
                    exc,
                )
                self.spool.done(entry.id)
                self._send_failures.pop(entry.id, None)
            else:
                logger.warning("reply to spool entry %s failed (%r); will retry", entry.id, exc)

    async def _deliver_batch(self, batch: burst.Batch) -> None:
        """Raises if a reply could not be sent: its entry (and the batch's rest) stays."""
        entries = batch.entries
        if len(entries) < 2 or self.sender.can_send_now(len(entries)):
            for entry in entries:
                await self._deliver_reply(entry)
                self.spool.done(entry.id)
                self._send_failures.pop(entry.id, None)
            return
        # Each would wait for the send rate: one message names every member and her number.
        room_id = batch.room_id
        assert room_id is not None
        await self.sender.to_room(
            room_id, for_members.wishes_received(batch.seqs()), batch.talkers()
        )
        for entry in entries:
            self.spool.done(entry.id)
            self._send_failures.pop(entry.id, None)

    async def _deliver_reply(self, entry: SpoolEntry) -> None:
        reply = (entry.reply or {}).get("reply")
        if not reply:
            return  # e.g. a wish from a group that was disabled meanwhile
        payload = entry.payload
        await self._reply(payload.get("room_id"), payload["talker_id"], reply)

    async def _notify_waiting(self) -> None:
        """The holding reply, once the API has been unreachable for ``holding_reply_after``:
        a short outage costs one message per wish (the number), not two."""
        if self._down_since is None or self.clock() - self._down_since < self.holding_reply_after:
            return
        for entry in self.spool.entries():
            if entry.state != NEW or entry.kind == "triage":
                continue  # a triage item was never announced in the group: nothing to hold
            text = for_members.WISH_HELD if entry.kind == "wish" else for_members.COMMAND_HELD
            try:
                await self._reply(entry.payload.get("room_id"), entry.payload["talker_id"], text)
            except Exception:
                logger.warning("could not send the holding reply to spool entry %s", entry.id)
                return  # the gateway is down too: the next pass tries again
            self.spool.mark_notified(entry.id)

    async def _reply(self, room_id: str | None, talker_id: str, text: str) -> None:
        if room_id is not None:
            await self.sender.to_room(room_id, text, [talker_id])
        else:
            await self.sender.to_contact(talker_id, text)

    def expire(self) -> None:
        self.spool.expire_pending(self.confirm_timeout)
