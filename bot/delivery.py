"""Delivering the outbox: one leased message sent through the governed sender, then acked.

Exactly-once is not something a WeChat send offers: the puppet call either returns (sent) or
the process dies while it is in flight, and then nobody can tell whether WeChat got it. So the
bot keeps the window as small as the transport allows and records on either side of it:

1. the intent (``outbox_sending``) is written before the first chunk;
2. each chunk is recorded the moment its send returns (one fsync'd SQLite write, ~1 ms);
3. the whole message is recorded sent (``outbox_sent``) before the API is acknowledged.

A SIGKILL at any point re-sends at most the ONE chunk whose puppet call was in flight (a short
announcement is one chunk), and only if WeChat had taken it before the kill: earlier chunks are
skipped, and a message recorded sent is only acknowledged again. The bot logs a warning when it
resumes an interrupted send, so a possible repeat is visible in the log.
"""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path
from typing import Any

from bot.client import ApiRejected, ApiUnavailable, BotApiClient
from bot.sender import ChunkProgress, SendDeferred, Sender
from bot.spool import Spool
from models.files import write_private_text

logger = logging.getLogger(__name__)


async def deliver(
    item: dict[str, Any], *, sender: Sender, spool: Spool, client: BotApiClient
) -> None:
    """Sends one leased outbox message and acknowledges it.

    The local record comes before the ack, so a lost ack re-offers the entry only to be acked,
    not sent again. What a kill can repeat is the one chunk in flight (module docstring)."""
    outbox_id = int(item["id"])
    already, sent_id = spool.outbox_sent(outbox_id)
    if not already:
        # A row exists from the first chunk sent on: without one, nothing of it went out (a
        # message deferred by quiet hours leaves none, and is not "interrupted").
        resumed = spool.outbox_progress(outbox_id)
        if resumed is not None:
            logger.warning(
                "outbox %s: resuming a send interrupted after %d chunk(s); the chunk in flight"
                " then may repeat",
                outbox_id,
                resumed[0],
            )
        done, first = resumed or (0, None)
        progress = ChunkProgress(
            done=done,
            first_id=first,
            record=lambda index, mid: spool.record_outbox_chunk(outbox_id, index, mid),
        )
        try:
            if item["target_kind"] == "room":
                sent_id = await sender.to_room(
                    item["target_id"], item["text"], item.get("mention_ids") or (),
                    urgent=bool(item.get("urgent")), progress=progress,
                )  # fmt: skip
            else:
                sent_id = await sender.to_contact(
                    item["target_id"], item["text"], urgent=bool(item.get("urgent")),
                    progress=progress,
                )  # fmt: skip
        except SendDeferred:
            return  # the lease runs out and the API offers it again after quiet hours
        except Exception as exc:
            # The type only: the puppet's error text may quote the message being sent.
            logger.warning("outbox %s: send failed: %s", outbox_id, type(exc).__name__)
            with contextlib.suppress(ApiUnavailable, ApiRejected):
                await client.fail_outbox(outbox_id, f"send failed: {type(exc).__name__}")
            return
        # Recorded before the ack: if the ack is lost, the re-offered entry is only acked.
        spool.record_outbox_sent(outbox_id, sent_id)
    try:
        await client.ack_outbox(outbox_id, sent_id)
        logger.info("outbox %s delivered and acknowledged", outbox_id)
    except (ApiUnavailable, ApiRejected) as exc:
        logger.warning("outbox %s: ack failed (will ack when offered again): %s", outbox_id, exc)


def write_json_atomically(path: Path, data: dict[str, Any]) -> None:
    """health.json is read by supervisors while the bot runs: never a half-written file."""
    write_private_text(path, json.dumps(data))
