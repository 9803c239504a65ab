"""Starts and stops the gateway: ``node gateway/server.js`` as a child process.

:class:`FakeGateway` (the fake account) and :class:`RealGateway` (a real WeChat account through a
puppet package, ``--mode real``) pick free ports (or the ones given), wait for the server's
``GATEWAY READY`` line, and are :class:`gateway.control.GatewayControl` clients (a real gateway
answers only ``health()`` and ``login_state()``). They need the source checkout: server.js and
its npm packages (``npm ci`` in gateway/) are not in the wheel.
"""

from __future__ import annotations

import collections
import logging
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from gateway.control import AsyncGatewayControl, GatewayControl, GatewayError

log = logging.getLogger(__name__)

GATEWAY_DIR = Path(__file__).resolve().parent
SERVER_JS = GATEWAY_DIR / "server.js"
DEFAULT_TOKEN = "wishpool-local-gateway"
DEFAULT_BOT_ID = "wxid_wishpool_bot"
DEFAULT_BOT_NAME = "心愿池"
DEFAULT_REAL_PUPPET = "wechaty-puppet-wechat4u"
_READY_RE = re.compile(r"^GATEWAY READY grpc=(\d+) control=(\d+)\s*$")


def server_installed(gateway_dir: Path = GATEWAY_DIR) -> bool:
    """Whether ``gateway_dir`` holds server.js and its npm packages (a source checkout after
    ``npm ci``); an installed wheel has neither."""
    return (gateway_dir / "server.js").is_file() and (
        gateway_dir / "node_modules" / "wechaty-puppet-service"
    ).is_dir()


class GatewayProcess(GatewayControl):
    """Runs ``node gateway/server.js`` as a child process; a context manager.

    Ports default to 0: the gateway binds free ports and reports them on its READY line, so
    parallel gateways never race for a port. Attributes once started: ``endpoint``
    (``127.0.0.1:PORT``, for the bot), ``token``, ``grpc_port``, ``control_port``, ``base_url``,
    ``bot_id``, ``bot_name``, ``startup_seconds``.
    """

    def __init__(
        self,
        *,
        grpc_port: int = 0,
        control_port: int = 0,
        token: str = DEFAULT_TOKEN,
        bot_id: str = DEFAULT_BOT_ID,
        bot_name: str = DEFAULT_BOT_NAME,
        host: str = "127.0.0.1",
        node: str | None = None,
        start_timeout: float = 30.0,
        timeout: float = 10.0,
        mode: str = "fake",
        puppet: str | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        super().__init__(None, timeout=timeout)
        self.mode = mode
        self.puppet = puppet
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.extra_env = dict(env or {})
        self.grpc_port = grpc_port
        self.control_port = control_port
        self.token = token
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.host = host
        self.node = node or os.environ.get("WISHPOOL_NODE") or shutil.which("node") or "node"
        self.start_timeout = start_timeout
        self.startup_seconds: float | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._ready = threading.Event()
        self._threads: list[threading.Thread] = []
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=200)

    @property
    def endpoint(self) -> str:
        """``host:port`` of the gRPC puppet service, what the bot connects to."""
        if not self.grpc_port:
            raise GatewayError("gateway not started")
        return f"{self.host}:{self.grpc_port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def async_control(self) -> AsyncGatewayControl:
        """A new asyncio client for this gateway (close it with ``aclose``)."""
        if not self.base_url:
            raise GatewayError("gateway not started")
        return AsyncGatewayControl(self.base_url, timeout=self.timeout)

    def start(self) -> Self:
        if self._proc is not None:
            raise GatewayError("gateway already started")
        if not server_installed():
            raise GatewayError(
                f"no server.js or npm packages in {GATEWAY_DIR}: the fake gateway runs from a "
                "source checkout after `cd gateway && npm ci` (make install does it)"
            )
        cmd = [
            self.node,
            str(SERVER_JS),
            "--grpc-host", self.host,
            "--grpc-port", str(self.grpc_port),
            "--control-host", "127.0.0.1",
            "--control-port", str(self.control_port),
            "--token", self.token,
            "--bot-id", self.bot_id,
            "--bot-name", self.bot_name,
            "--mode", self.mode,
        ]  # fmt: skip
        if self.puppet is not None:
            cmd += ["--puppet", self.puppet]
        if self.data_dir is not None:
            cmd += ["--data-dir", str(self.data_dir)]
        log.info("starting %s gateway: %s", self.mode, " ".join(cmd))
        started = time.monotonic()
        self._proc = subprocess.Popen(
            cmd,
            cwd=GATEWAY_DIR,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            env={
                **os.environ,
                "WECHATY_LOG": os.environ.get("WECHATY_LOG", "warn"),
                **self.extra_env,
            },
        )
        self._threads = [
            threading.Thread(target=self._read_stdout, name="gateway-stdout", daemon=True),
            threading.Thread(target=self._read_stderr, name="gateway-stderr", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        if not self._ready.wait(self.start_timeout) or not self.running or not self.grpc_port:
            tail = self.stderr_tail()
            self.stop()
            raise GatewayError(f"{self.mode} gateway did not become ready; its stderr:\n{tail}")
        self.startup_seconds = time.monotonic() - started
        self.base_url = f"http://127.0.0.1:{self.control_port}"
        log.info(
            "%s gateway ready in %.2fs: grpc %s, control %s",
            self.mode,
            self.startup_seconds,
            self.endpoint,
            self.base_url,
        )
        return self

    def _read_stdout(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        for line in proc.stdout:
            match = _READY_RE.match(line)
            if match and not self._ready.is_set():
                self.grpc_port, self.control_port = int(match[1]), int(match[2])
                self._ready.set()
            else:
                log.info("gateway stdout: %s", line.rstrip())
        self._ready.set()  # EOF: the process ended; start() sees it is not running

    def _read_stderr(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stderr is not None
        for line in proc.stderr:
            line = line.rstrip()
            self._stderr_tail.append(line)
            log.debug("gateway: %s", line)

    def stderr_tail(self) -> str:
        """The last lines the gateway logged (for failure messages)."""
        return "\n".join(self._stderr_tail)

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout``; safe to call twice."""
        self.close()
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("%s gateway ignored SIGTERM; killing it", self.mode)
                proc.kill()
                proc.wait()
        for thread in self._threads:
            thread.join(timeout)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        log.info("%s gateway stopped (exit code %s)", self.mode, proc.returncode)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class FakeGateway(GatewayProcess):
    """The fake WeChat account (``--mode fake``): logged in at start, driven by the control
    interface (contacts, rooms, messages in, what the bot said)."""


class RealGateway(GatewayProcess):
    """A real WeChat account (``--mode real``) through ``puppet`` (an npm package name, default
    wechaty-puppet-wechat4u; a path to an ES module also works), its session kept in
    ``data_dir``. The fake account's control endpoints are off; ``login_state()`` tells whether
    it waits for a scan (``qrcode``), is logged in, or was logged out."""

    def __init__(
        self,
        *,
        data_dir: str | os.PathLike[str],
        puppet: str = DEFAULT_REAL_PUPPET,
        **kwargs: Any,
    ) -> None:
        super().__init__(mode="real", puppet=puppet, data_dir=data_dir, **kwargs)
