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

Import order matters: call :func:`patch_wechaty` before anything imports ``wechaty``.
:func:`make_options` calls it itself.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

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
    _patched = True


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
