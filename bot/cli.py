"""`wishpool bot`: run the WeChat bridge (registered by api/cli.py; also `python -m bot`)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import typer

from models.files import restrict_umask
from models.logformat import configure_logging


def bot_command(
    endpoint: Annotated[
        str | None, typer.Option(help="Puppet service host:port (default: settings)")
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Spool, seen ids and health.json (default: settings)")
    ] = None,
) -> None:
    """Run the WeChat bot: group messages → ledger, and the ledger's messages → groups."""
    from bot.app import run
    from bot.settings import BotSettings

    overrides: dict[str, object] = {}
    if endpoint:
        overrides["puppet_endpoint"] = endpoint
    if data_dir:
        overrides["data_dir"] = data_dir
    settings = BotSettings(**overrides)  # type: ignore[arg-type]
    # office.log_format; no library's traceback quotes a message (scrubbed handler).
    configure_logging(settings.log_level)
    # python-wechaty logs every event, message texts included, at INFO (its own handlers,
    # level from WECHATY_LOG, read when its loggers are created). Its warnings are start-up
    # notices (the endpoint and the puppet token, in clear, given twice; no web blueprint; a
    # payload set twice): keep it to errors. The bot logs its own connection state.
    os.environ.setdefault("WECHATY_LOG", "error")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per API call is noise
    raise typer.Exit(run(settings))


def main() -> None:
    restrict_umask()  # spool, health file and caches are owner-only
    typer.run(bot_command)
