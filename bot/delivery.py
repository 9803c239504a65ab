"""Delivering the outbox: one leased message sent through the governed sender, then acked."""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path
from typing import Any

from bot.client import ApiRejected, ApiUnavailable, BotApiClient
from bot.sender import SendDeferred, Sender
from bot.spool import Spool
from models.files import write_private_text

logger = logging.getLogger(__name__)


async def deliver(
    item: dict[str, Any], *, sender: Sender, spool: Spool, client: BotApiClient
) -> None:
    """Sends one leased outbox message and acknowledges it.

    The local record comes before the ack, so a lost ack re-offers the entry only to be acked,
    not sent again. What a kill between the send and the record can repeat is one message."""
    outbox_id = int(item["id"])
    already, sent_id = spool.outbox_sent(outbox_id)
    if not already:
        try:
            if item["target_kind"] == "room":
                sent_id = await sender.to_room(
                    item["target_id"], item["text"], item.get("mention_ids") or (),
                    urgent=bool(item.get("urgent")),
                )  # fmt: skip
            else:
                sent_id = await sender.to_contact(
                    item["target_id"], item["text"], urgent=bool(item.get("urgent"))
                )
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
