"""Make python-wechaty 0.10.7 (the last release, 2022) work on Python 3.11.

Three things break when ``import wechaty`` runs on Python 3.11:

1. ``pyee`` 9 removed ``AsyncIOEventEmitter``: pinned ``pyee<9`` in pyproject.toml.
2. ``urllib3`` 2 removed ``get_host`` (used by ``wechaty/user/url_link.py``): pinned ``urllib3<2``.
3. ``wechaty.WechatyOptions`` is a dataclass whose field ``puppet_options`` defaults to a
   ``PuppetOptions()`` *instance*. Python 3.11 rejects any default whose class is unhashable
   (dataclasses treat that as a mutable default), and ``PuppetOptions`` is an ``eq=True``
   dataclass, so its ``__hash__`` is ``None``. :func:`patch_wechaty` gives ``PuppetOptions`` the
   identity ``object.__hash__`` *before* ``wechaty`` is imported for the first time, which lets
   the import succeed. Side effect: that one default instance is shared by every
   ``WechatyOptions()``, and ``Wechaty.__init__`` writes into it; so always build the options
   with :func:`make_options`, which passes a fresh ``PuppetOptions``.

Also handled here:

- python-wechaty keeps a cache folder (``job.db`` for its scheduler, plugin folders) in
  ``$CACHE_DIR``, default ``./.wechaty`` relative to the working directory. Some defaults are
  computed when ``wechaty`` is imported, so the folder must be chosen before that:
  ``patch_wechaty(cache_dir=...)`` sets ``CACHE_DIR``.
- On login the plugin manager refuses to start (``WechatyPluginError``) if something listens on
  ``WechatyOptions.port`` (default 5000), even when no plugin serves HTTP. :func:`make_options`
  picks a free local port unless one is given.
- The scheduler defaults to an SQLite job store in the cache folder; :func:`make_options` gives
  it an in-memory scheduler instead.

Faults of python-wechaty 0.10.7 that the fake account hides and a real account does not
(:func:`patch_puppet_service`, applied by :func:`patch_wechaty`; tests/bot/test_e2e_compat.py
reproduces each against the gateway in real mode):

1. ``PuppetService.start()`` sends ``stop()`` then ``start()`` to the gateway, and a real puppet's
   ``stop()`` logs the account out: every reconnect would log the office's account out. Here
   ``start()`` sends only ``start()``, and ``stop()`` only closes the channel (the account is the
   gateway's to keep; our gateway ignores a client's ``stop()`` as well).
2. An error event from wechaty-puppet 1.x is ``{gerror: ...}`` while ``EventErrorPayload``
   requires ``data``: the first error raised inside the event loop and ended the stream. Here the
   payload takes ``data`` from ``gerror`` (or the whole payload). And ``Wechaty.emit('error')``
   with no listener raised the payload itself (pyee); :func:`make_options` gives every Wechaty a
   logging fallback instead (:func:`patch_wechaty_class`).
3. A bot that connects while the account waits for a scan must still get the QR code: the
   gateway replays the last scan event to a new event stream (its PuppetServer keeps it), and
   ``on_scan`` receives it like a live one. Nothing to patch on this side.
4. Without an endpoint the client asked the public discovery service (api.chatie.io), which is
   unreachable from most offices and gone for most tokens. Here there is no discovery: the
   endpoint from the options (else ``WECHATY_PUPPET_SERVICE_ENDPOINT``) is used, and none is a
   configuration error raised before any network call.

5. ``Wechaty`` handles the ``login`` event once per instance: a re-login after a logout and a
   rescan on the same stream never reaches ``on_login``. bot/app.py reconnects with a new
   instance after a logout (the gateway replays the login or the scan to the new stream).

Message ids are deduplicated in memory per process only by python-wechaty; the bot persists the
ids it handled (bot/spool.py), which covers redeliveries after a restart.

Import order matters: call :func:`patch_wechaty` before anything imports ``wechaty``.
:func:`make_options` calls it itself.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wechaty import WechatyOptions

log = logging.getLogger(__name__)

PUPPET_SERVICE = "wechaty-puppet-service"

_patched = False


def patch_wechaty(cache_dir: str | os.PathLike[str] | None = None) -> None:
    """Apply the Python 3.11 import fix for python-wechaty; safe to call many times.

    ``cache_dir``: where python-wechaty keeps its ``.wechaty`` cache (``CACHE_DIR``). Only
    fully effective before the first ``import wechaty``; ``None`` keeps ``$CACHE_DIR`` or the
    library default ``./.wechaty``.
    """
    global _patched
    if cache_dir is not None:
        path = Path(cache_dir)
        path.mkdir(parents=True, exist_ok=True)
        if "wechaty" in sys.modules and os.environ.get("CACHE_DIR") != str(path):
            log.warning(
                "wechaty already imported: CACHE_DIR=%s only applies to folders made from now on",
                path,
            )
        os.environ["CACHE_DIR"] = str(path)

    if _patched:
        return
    from wechaty_puppet.schemas.puppet import PuppetOptions

    if PuppetOptions.__hash__ is None:
        if "wechaty" in sys.modules:  # pragma: no cover - only if imported elsewhere first
            log.warning("wechaty was imported before patch_wechaty(); the import fix came late")
        PuppetOptions.__hash__ = object.__hash__
    patch_puppet_service()
    _patched = True


# The library's own methods, kept so a test can show the fault each patch fixes.
ORIGINAL: dict[str, Any] = {}


def patch_puppet_service() -> None:
    """Fixes faults 1, 2 and 4 of the module docstring in ``wechaty_puppet_service``; idempotent.

    Does not import ``wechaty`` itself (only wechaty-puppet-service and wechaty-puppet).
    """
    import wechaty_puppet_service.puppet as service
    from wechaty_puppet import EventErrorPayload

    cls = service.PuppetService
    if getattr(cls, "_wishpool_patched", False):
        return
    ORIGINAL.update(
        start=cls.start,
        stop=cls.stop,
        init_puppet=cls._init_puppet,
        error_payload=service.EventErrorPayload,
    )

    class TolerantErrorPayload(EventErrorPayload):
        """An error payload in either shape: ``{data}`` (python) or ``{gerror}`` (node 1.x)."""

        def __init__(self, **kwargs: Any) -> None:
            data = kwargs.get("data")
            if not isinstance(data, str):
                data = kwargs.get("gerror")
            if not isinstance(data, str):
                data = str(kwargs)
            super().__init__(data=data)

    def init_puppet(self: Any) -> None:
        endpoint = self.options.end_point
        if not endpoint:
            raise service.WechatyPuppetConfigurationError(
                "no puppet service endpoint: set host:port (WECHATY_PUPPET_SERVICE_ENDPOINT); "
                "endpoint discovery is not used"
            )
        if service.ping_endpoint(endpoint) is False:
            raise service.WechatyPuppetConfigurationError(f"can not reach endpoint {endpoint}")
        host, port = service.extract_host_and_port(endpoint)
        self.channel = service.Channel(host=host, port=port)
        self.channel._authority = self.options.token  # the token travels as :authority
        self._puppet_stub = service.PuppetStub(self.channel)

    async def start(self: Any) -> None:
        self._init_puppet()
        # No stop() first: on a real gateway it would log the account out.
        await self.puppet_stub.start()
        log.info("puppet service started; listening for events")
        await self._listen_for_event()

    async def stop(self: Any) -> None:
        # Close our side only; stop() on the gateway would log the account out.
        self._event_stream.remove_all_listeners()
        self._puppet_stub = None
        if self.channel:
            self.channel.close()
            self.channel = None

    setattr(cls, "_init_puppet", init_puppet)  # noqa: B010 - patching the library's class
    setattr(cls, "start", start)  # noqa: B010
    setattr(cls, "stop", stop)  # noqa: B010
    setattr(service, "EventErrorPayload", TolerantErrorPayload)  # noqa: B010
    setattr(cls, "_wishpool_patched", True)  # noqa: B010


def patch_wechaty_class() -> None:
    """Two fixes on ``Wechaty`` itself; imports ``wechaty``: only call after :func:`patch_wechaty`.

    - ``Wechaty.emit('error', payload)`` with no error listener raises (pyee) inside the event
      loop; it is logged instead.
    - The user classes' object caches are per instance (see ``init_puppet`` below): a bot that
      reconnects with a new Wechaty must not get rooms bound to the old one.
    """
    from wechaty import Wechaty

    if getattr(Wechaty, "_wishpool_patched", False):
        return
    original_emit = Wechaty.emit

    def emit(self: Any, event: str, *args: Any, **kwargs: Any) -> bool:
        if event == "error" and not self.listeners("error"):
            log.warning("puppet error event: %s", args[0] if args else "")
            return False
        return bool(original_emit(self, event, *args, **kwargs))

    original_init_puppet = Wechaty.init_puppet

    async def init_puppet(self: Any) -> None:
        await original_init_puppet(self)
        # Contact, Room and Tag keep a cache (``_pool``) on the library's base class, shared by
        # every Wechaty instance: after a reconnect it handed out objects bound to the stopped
        # instance (whose puppet is gone). Give this instance's classes their own.
        for name in ("Contact", "ContactSelf", "Room", "Tag"):
            user_class = getattr(self, name, None)
            if user_class is not None and hasattr(user_class, "_pool"):
                user_class._pool = {}

    setattr(Wechaty, "init_puppet", init_puppet)  # noqa: B010
    setattr(Wechaty, "emit", emit)  # noqa: B010 - patching the library's class
    setattr(Wechaty, "_wishpool_patched", True)  # noqa: B010


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def make_options(
    endpoint: str,
    token: str,
    name: str = "wishpool",
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    plugin_port: int | None = None,
) -> WechatyOptions:
    """Options for a Wechaty bot that talks to a puppet-service gateway.

    ``endpoint`` is ``host:port`` of the gateway's gRPC server (plaintext), ``token`` its token.
    The bot does not care whether it is the local fake gateway or a real one.
    ``plugin_port``: the port python-wechaty checks on login for its (unused) plugin web server;
    default: a free local port.
    """
    if not endpoint or ":" not in endpoint:
        raise ValueError(f"endpoint must be host:port, got {endpoint!r}")
    if not token:
        raise ValueError("a gateway token is required")
    patch_wechaty(cache_dir)

    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from wechaty import WechatyOptions
    from wechaty_puppet.schemas.puppet import PuppetOptions

    patch_wechaty_class()

    return WechatyOptions(
        name=name,
        puppet=PUPPET_SERVICE,
        puppet_options=PuppetOptions(end_point=endpoint, token=token),
        endpoint=endpoint,
        token=token,
        host="127.0.0.1",
        port=plugin_port if plugin_port is not None else free_port(),
        scheduler=AsyncIOScheduler(),
    )
