"""The running bot: python-wechaty wired to the bridge, the outbox and a supervisor.

Tasks, all in one event loop:
- connection: starts Wechaty, exits non-zero when the gateway never logs us in (bad endpoint or
  token: ``Wechaty.start()`` itself only prints), reconnects with backoff when the event stream
  ends or goes silent;
- spool worker: sends spooled wishes/commands to the API in order (bot/handlers.py);
- outbox: long-polls the API for messages to deliver, sends them governed, acknowledges each;
- health: writes data_dir/health.json {connected, logged_in, login_state, qrcode, alerts, …}.

A real account may wait for its QR code to be scanned: once the gateway has sent a scan event the
bot waits for the login as long as the stream lives (the login timeout only catches a wrong
endpoint or token). A logout and a silent stream (no heartbeat for 60 s) are alerts: logged at
WARNING, counted and listed in health.json until the account is logged in again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Sequence
from typing import Any

from bot.client import ApiAuthError, ApiRejected, ApiUnavailable, BotApiClient
from bot.compat import make_options, patch_wechaty
from bot.delivery import deliver, write_json_atomically
from bot.handlers import Bridge, Incoming
from bot.metrics import serve_metrics
from bot.ordering import ArrivalOrder
from bot.sender import Sender
from bot.settings import BotSettings
from bot.spool import Spool
from models.files import restrict_dir
from models.logsafe import scrub_exceptions
from models.wording import staff as for_staff
from nlp.recogniser import Recogniser

logger = logging.getLogger(__name__)
scrub_exceptions(logger)  # tracebacks without exception messages (they quote input)

EXIT_OK, EXIT_LOGIN, EXIT_CONFIG = 0, 2, 3
# The gateway sends a heartbeat every 15 s; three missed ones mean the stream is gone.
STALE_SECONDS = 60.0
HEALTH_EVERY = 2.0
PRUNE_EVERY = 3600.0


class Fatal(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code


class WechatyTransport:
    """Sends through whichever Wechaty instance is connected now."""

    def __init__(self, app: BotApp) -> None:
        self.app = app

    async def send_room(self, room_id: str, text: str, mention_ids: Sequence[str]) -> str | None:
        wechaty = self.app.require_wechaty()
        room = wechaty.Room.load(room_id)
        await room.ready()
        sent = await room.say(text, mention_ids=list(mention_ids) or None)
        return getattr(sent, "message_id", None)

    async def send_contact(self, contact_id: str, text: str) -> str | None:
        wechaty = self.app.require_wechaty()
        contact = wechaty.Contact.load(contact_id)
        await contact.ready()
        sent = await contact.say(text)
        return getattr(sent, "message_id", None)


class BotApp:
    def __init__(self, settings: BotSettings) -> None:
        self.settings = settings
        self.spool = Spool(settings.spool_path)
        self.client = BotApiClient(
            settings.api_url, settings.api_token, timeout=settings.api_timeout_seconds
        )
        self.sender = Sender(
            WechatyTransport(self),
            rate_per_minute=settings.rate_per_minute,
            burst=settings.rate_burst,
            delay_range=(settings.delay_min_seconds, settings.delay_max_seconds),
            quiet=settings.quiet_hours,
            max_length=settings.max_message_length,
        )
        self.bridge = Bridge(
            spool=self.spool,
            client=self.client,
            sender=self.sender,
            bot_names=settings.bot_names,
            confirm_timeout=settings.confirm_timeout_seconds,
            group_cache_seconds=settings.group_cache_seconds,
            max_attempts=settings.max_attempts,
            holding_reply_after=settings.holding_reply_after_seconds,
            connected=lambda: self.logged_in.is_set(),
        )
        self.wechaty: Any = None
        self.connected = False
        self.logged_in = asyncio.Event()
        self.last_event_at: float | None = None
        # Login state as the puppet reports it: starting | waiting_scan | logged_in | logged_out.
        self.login_state = "starting"
        self.qrcode: str | None = None
        self.alerts: list[dict[str, Any]] = []  # since the last login; cleared by a login
        self.alert_counts: dict[str, int] = {"logout": 0, "heartbeat_missing": 0}
        self._tell_task: asyncio.Task[None] | None = None
        # python-wechaty handles `login` once per Wechaty instance: after a logout the bot
        # reconnects with a new one, or the next login (after a rescan) would go unheard.
        self._logged_out = asyncio.Event()
        self._handle_lock = asyncio.Lock()
        self._order = ArrivalOrder()
        self._stop = asyncio.Event()
        self._fatal: Fatal | None = None
        self._wechaty_task: asyncio.Task[None] | None = None

    def require_wechaty(self) -> Any:
        if self.wechaty is None or not self.logged_in.is_set():
            raise ConnectionError("not connected to the puppet service")
        return self.wechaty

    # ---- events -------------------------------------------------------------------------------
    def _event(self) -> None:
        self.last_event_at = time.time()

    async def on_message(self, msg: Any) -> None:
        self._event()
        ticket = self._order.take()  # before any await: the arrival order
        try:
            from wechaty_puppet import MessageType

            if msg.is_self() or msg.type() != MessageType.MESSAGE_TYPE_TEXT:
                return  # our own echo, or a picture/voice/system message
            room = msg.room()
            talker = msg.talker()
            incoming = Incoming(
                message_id=msg.message_id,
                talker_id=talker.contact_id,
                talker_name=talker.name or "",
                text=msg.text() or "",
                room_id=room.room_id if room is not None else None,
                room_topic=(await room.topic()) if room is not None else "",
                mention_self=bool(await msg.mention_self()) if room is not None else False,
            )
            await self._order.wait_turn(ticket)  # every earlier message is handled first
            async with self._handle_lock:
                outcome = await self.bridge.handle(incoming)
            logger.debug("message %s: %s", incoming.message_id, outcome)
        except ApiAuthError as exc:
            self.fail(EXIT_CONFIG, f"the API refused the bot token ({exc})")
        except Exception:
            # The one boundary for incoming messages: log, never crash the bot, never echo.
            logger.exception("failed to handle message %s", getattr(msg, "message_id", "?"))
        finally:
            await self._order.finish(ticket)

    def alert(self, kind: str, detail: str) -> None:
        """Something an admin must know (the account logged out, the gateway went silent)."""
        self.alert_counts[kind] = self.alert_counts.get(kind, 0) + 1
        self.alerts.append({"kind": kind, "detail": detail, "at": time.time()})
        del self.alerts[:-20]
        logger.warning("ALERT %s: %s", kind, detail)

    async def _tell_admins(self, kinds: list[str]) -> None:
        text = for_staff.account_back_online(kinds)
        for contact_id in self.settings.alert_wechat_ids:
            try:
                await self.sender.to_contact(contact_id, text)
            except Exception:
                logger.exception("could not tell %s that the account is back", contact_id)

    async def on_scan(self, qr_code: str, status: Any, data: Any = None) -> None:
        self._event()
        self.login_state = "waiting_scan"
        self.qrcode = qr_code or None
        logger.warning(
            "the WeChat account waits for a QR scan (status %s): %s", status, qr_code or "-"
        )

    async def on_login(self, contact: Any) -> None:
        self._event()
        logger.info("logged in to the puppet service as %s", contact.contact_id)
        if self.alerts:
            logger.warning("logged in again after: %s", ", ".join(a["kind"] for a in self.alerts))
        missed = [a["kind"] for a in self.alerts]
        self.login_state, self.qrcode, self.alerts = "logged_in", None, []
        self.connected = True
        self.logged_in.set()
        if missed and self.settings.alert_wechat_ids:
            self._tell_task = asyncio.create_task(self._tell_admins(missed))
        with contextlib.suppress(OSError):
            write_json_atomically(self.settings.health_path, self.health())
        with contextlib.suppress(Exception):
            # python-wechaty listens for "heart-beat" while the puppet emits "heartbeat":
            # subscribe directly so heartbeats keep the liveness clock fresh.
            self.wechaty.puppet.on("heartbeat", lambda *_: self._event())

    async def on_logout(self, contact: Any) -> None:
        self._event()
        self.login_state = "logged_out"
        self.alert("logout", "the WeChat account was logged out: someone must scan the QR code")
        self.logged_in.clear()
        self._logged_out.set()

    async def on_room_join(self, room: Any, invitees: Any, inviter: Any, date: Any) -> None:
        self._event()
        with contextlib.suppress(ApiUnavailable, ApiRejected):
            # Registers a new group (disabled until an admin enables it).
            await self.bridge.refresh_group(room.room_id, await room.topic())

    def fail(self, code: int, reason: str) -> None:
        if self._fatal is None:
            logger.error("stopping: %s", reason)
            self._fatal = Fatal(code, reason)
        self._stop.set()

    # ---- connection ---------------------------------------------------------------------------
    def _new_wechaty(self) -> Any:
        patch_wechaty(self.settings.data_dir / "wechaty-cache")
        from wechaty import Wechaty

        app = self

        class WishpoolWechaty(Wechaty):
            async def start(self) -> None:
                # Wechaty.start() without its error handling, which prints and returns on a bad
                # endpoint, sleeps 60 s on a dropped stream, or stops the whole event loop on a
                # puppet error: here errors end the task and the supervisor decides.
                await self.init_puppet()
                await self.init_puppet_event_bridge(self.puppet)
                self.started = True
                await self.puppet.start()  # returns when the event stream ends

            async def on_message(self, msg: Any) -> None:
                await app.on_message(msg)

            async def on_login(self, contact: Any) -> None:
                await app.on_login(contact)

            async def on_logout(self, contact: Any) -> None:
                await app.on_logout(contact)

            async def on_scan(self, qr_code: str, status: Any, data: Any = None) -> None:
                await app.on_scan(qr_code, status, data)

            async def on_room_join(self, room: Any, invitees: Any, inviter: Any, date: Any) -> None:
                await app.on_room_join(room, invitees, inviter, date)

        options = make_options(
            self.settings.puppet_endpoint,
            self.settings.puppet_token,
            name=self.settings.name,
            cache_dir=self.settings.data_dir / "wechaty-cache",
        )
        return WishpoolWechaty(options)

    async def _stop_wechaty(self, task: asyncio.Task[None] | None) -> None:
        # Cancel start() first: closing the channel under a live stream makes python-wechaty
        # sleep 60 s and reconnect by itself.
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        wechaty, self.wechaty = self.wechaty, None
        self.connected = False
        self.logged_in.clear()
        if wechaty is None:
            return
        with contextlib.suppress(Exception):
            scheduler = wechaty._plugin_manager.scheduler
            if scheduler.running:
                scheduler.shutdown(wait=False)
        with contextlib.suppress(Exception):
            if wechaty.puppet is not None:
                await asyncio.wait_for(wechaty.stop(), 5)

    async def connection(self) -> None:
        s = self.settings
        backoff = s.retry_min_seconds
        ever_logged_in = False
        while not self._stop.is_set():
            if self.login_state == "waiting_scan":
                self.login_state = "starting"  # this stream must say so again (it replays scan)
            self._logged_out.clear()
            self.wechaty = self._new_wechaty()
            task = asyncio.create_task(self.wechaty.start(), name="wechaty")
            # Kept so shutdown can reap it even if this coroutine is cancelled mid-cleanup.
            self._wechaty_task = task
            login = asyncio.create_task(self.logged_in.wait())
            await asyncio.wait({task, login}, timeout=s.login_timeout_seconds,
                               return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
            login.cancel()
            if not self.logged_in.is_set() and self.login_state in ("waiting_scan", "logged_out"):
                # The gateway is there and waits for someone to scan: wait as long as it lives.
                await self._wait_login(task)
            if not self.logged_in.is_set():
                if task.done() and not task.cancelled() and task.exception() is not None:
                    logger.error("puppet service connection failed: %r", task.exception())
                await self._stop_wechaty(task)
                if not ever_logged_in:
                    self.fail(
                        EXIT_LOGIN,
                        f"not logged in to the puppet service at {s.puppet_endpoint} within "
                        f"{s.login_timeout_seconds:g}s: check the endpoint and the token",
                    )
                    return
                logger.warning("reconnect failed; retrying in %.1fs", backoff)
            else:
                ever_logged_in = True
                backoff = s.retry_min_seconds
                self._event()
                await self._watch(task)
                await self._stop_wechaty(task)
                if self._stop.is_set():
                    return
                logger.warning("puppet event stream ended; reconnecting in %.1fs", backoff)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), backoff)
            backoff = min(backoff * 2, s.retry_max_seconds)

    async def _wait_login(self, task: asyncio.Task[None]) -> None:
        login = asyncio.create_task(self.logged_in.wait())
        stopping = asyncio.create_task(self._stop.wait())
        try:
            await asyncio.wait({task, login, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            login.cancel()
            stopping.cancel()

    async def _watch(self, task: asyncio.Task[None]) -> None:
        """Returns when the stream ended, went silent, or the bot is stopping."""
        stopping = asyncio.create_task(self._stop.wait())
        logged_out = asyncio.create_task(self._logged_out.wait())
        try:
            while True:
                done, _ = await asyncio.wait(
                    {task, stopping, logged_out}, timeout=5, return_when=asyncio.FIRST_COMPLETED
                )
                if logged_out in done:
                    logger.warning("logged out: reconnecting to hear the next login")
                    return
                if done:
                    return
                if self.last_event_at and time.time() - self.last_event_at > STALE_SECONDS:
                    self.alert(
                        "heartbeat_missing",
                        f"no event from the puppet service for {STALE_SECONDS:.0f}s: reconnecting",
                    )
                    return
        finally:
            stopping.cancel()
            logged_out.cancel()

    # ---- workers ------------------------------------------------------------------------------
    async def spool_worker(self) -> None:
        s = self.settings
        backoff = s.retry_min_seconds
        while not self._stop.is_set():
            await self.logged_in.wait()  # replies need the connection
            self.bridge.wakeup.clear()
            try:
                ok = await self.bridge.drain()
            except ApiAuthError as exc:
                self.fail(EXIT_CONFIG, f"the API refused the bot token ({exc})")
                return
            self.bridge.expire()
            if ok:
                backoff = s.retry_min_seconds
                timeout = 30.0
            else:
                timeout, backoff = backoff, min(backoff * 2, s.retry_max_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.bridge.wakeup.wait(), timeout)

    async def outbox_worker(self) -> None:
        s = self.settings
        backoff = s.retry_min_seconds
        while not self._stop.is_set():
            await self.logged_in.wait()
            try:
                items = await self.client.lease_outbox(
                    wait=s.outbox_wait_seconds,
                    limit=s.outbox_batch,
                    urgent_only=self.sender.quiet_now(),
                )
                backoff = s.retry_min_seconds
            except ApiAuthError as exc:
                self.fail(EXIT_CONFIG, f"the API refused the bot token ({exc})")
                return
            except (ApiUnavailable, ApiRejected) as exc:
                logger.debug("outbox poll failed: %s", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), backoff)
                backoff = min(backoff * 2, s.retry_max_seconds)
                continue
            for item in items:
                await deliver(item, sender=self.sender, spool=self.spool, client=self.client)
            if self.bridge.groups.note_version(self.client.groups_version):
                await self._refresh_groups()

    async def _refresh_groups(self) -> None:
        """A group changed in the ledger: re-read the known ones (batched, outside the lock)."""
        try:
            await self.bridge.groups.refresh()
        except ApiAuthError as exc:
            self.fail(EXIT_CONFIG, f"the API refused the bot token ({exc})")
        except (ApiUnavailable, ApiRejected) as exc:
            # Entries stay behind the version: each is checked again when its group speaks.
            logger.debug("group refresh failed: %s", exc)

    def health(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "connected": self.connected,
            "logged_in": self.logged_in.is_set(),
            "login_state": self.login_state,
            "qrcode": self.qrcode,
            "alerts": list(self.alerts),
            "alert_counts": dict(self.alert_counts),
            "last_event_at": self.last_event_at,
            "api_reachable": self.bridge.api_up,
            "spooled": self.spool.count(),
            "dead_letters": self.spool.dead_count(),
            "messages_sent": self.sender.sent_count,
            "updated_at": time.time(),
        }

    async def health_worker(self) -> None:
        pruned_at = 0.0
        while not self._stop.is_set():
            try:
                write_json_atomically(self.settings.health_path, self.health())
            except OSError as exc:
                logger.warning("could not write %s: %s", self.settings.health_path, exc)
            if time.time() - pruned_at > PRUNE_EVERY:
                pruned_at = time.time()
                # Puppets redeliver recent history after a restart, not months-old messages.
                retention = self.settings.seen_retention_days * 86400
                forgotten = self.spool.forget_seen_before(pruned_at - retention)
                logger.debug("forgot %d handled message ids", forgotten)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), HEALTH_EVERY)

    # ---- main ---------------------------------------------------------------------------------
    async def check_api(self) -> None:
        """Fails fast on a wrong API token; an unreachable API is fine (the spool covers it)."""
        try:
            await self.client.whoami()
        except ApiAuthError as exc:
            raise Fatal(EXIT_CONFIG, f"the API refused the bot token ({exc})") from None
        except (ApiUnavailable, ApiRejected):
            pass

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, self._stop.set)
        tasks: list[asyncio.Task[None]] = []
        try:
            await self.check_api()
            # Load the recogniser (jieba dictionary, ≈0.7 s) now, not on the first member's wish.
            await asyncio.to_thread(Recogniser.default)
            tasks = [
                asyncio.create_task(self.connection(), name="connection"),
                asyncio.create_task(self.spool_worker(), name="spool"),
                asyncio.create_task(self.outbox_worker(), name="outbox"),
                asyncio.create_task(self.health_worker(), name="health"),
            ]
            await self._stop.wait()
        except Fatal as fatal:
            self.fail(fatal.code, str(fatal))
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await self._stop_wechaty(self._wechaty_task)
            with contextlib.suppress(Exception):
                write_json_atomically(self.settings.health_path, self.health())
            await self.client.aclose()
            self.spool.close()
        return self._fatal.code if self._fatal else EXIT_OK


def run(settings: BotSettings) -> int:
    if not settings.puppet_endpoint or not settings.puppet_token:
        logger.error(
            "set the puppet service endpoint and token (WECHATY_PUPPET_SERVICE_ENDPOINT, "
            "WECHATY_PUPPET_SERVICE_TOKEN)"
        )
        return EXIT_CONFIG
    if not settings.api_token:
        logger.error("set the bot's API token: WISHPOOL_BOT__API_TOKEN (wishpool token create)")
        return EXIT_CONFIG
    restrict_dir(settings.data_dir)
    serve_metrics(settings)  # bot.metrics_port: spool depth, login state (from health.json)
    return asyncio.run(BotApp(settings).run())
