"""The bot's boundaries log tracebacks without exception messages (they quote members)."""

from __future__ import annotations

import logging

import pytest

import bot.app
import bot.handlers

TEXT = "请帮我找回外婆留下的青瓷茶壶"


@pytest.mark.parametrize("module", [bot.app, bot.handlers])
def test_bot_boundary_logs_no_message_text(
    module: object, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logger: logging.Logger = module.logger  # type: ignore[attr-defined]
    try:
        raise KeyError(TEXT)
    except KeyError:
        # As the message boundary does: the id in the message, the traceback attached.
        logger.exception("failed to handle message %s", "msg-7")
    text = caplog.text
    assert "failed to handle message msg-7" in text
    assert "KeyError" in text and "test_bot_boundary_logs_no_message_text" in text
    assert TEXT not in text
