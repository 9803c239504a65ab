"""Which spooled replies may share one group message when many are due at once.

Under the WeChat-safe send rate a busy group would otherwise hear "已收到您的心愿 #n" once per
member, seconds apart, for minutes. Plain acknowledgements of new wishes in the same room that
are ready in one drain pass are planned as one batch; the drain sends a batch as ONE message
only when the sender could not send its members separately without waiting.

Only plain acknowledgements are batched: a reply that says more (a 点单, the contact-number
warning, a sensitive wish's "staff will contact you privately", a refusal) and every command or
triage reply keeps its own message. Per room, replies
keep spool order: another reply to the same room closes the batch before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.spool import SpoolEntry
from models.wording import members as for_members

MAX_BATCH = 10  # mentions in one message: beyond this the list gets hard to read


@dataclass
class Batch:
    """Replies to send in this order; 2+ entries may go out as one combined message."""

    entries: list[SpoolEntry]

    @property
    def room_id(self) -> str | None:
        return self.entries[0].payload.get("room_id")

    def seqs(self) -> list[int]:
        return [seq for seq in map(plain_ack, self.entries) if seq is not None]

    def talkers(self) -> list[str]:
        return [str(e.payload["talker_id"]) for e in self.entries]


def plain_ack(entry: SpoolEntry) -> int | None:
    """The wish number if the entry's reply is exactly the plain acknowledgement, else None.

    A sensitive wish's acknowledgement (no number: SENSITIVE_RECEIVED) is never plain, so it
    keeps its own message and the combined one never names it."""
    reply = entry.reply or {}
    seq = reply.get("seq")
    if entry.kind != "wish" or reply.get("ok") is False or reply.get("ignored"):
        return None
    if not isinstance(seq, int) or isinstance(seq, bool):
        return None
    return seq if reply.get("reply") == for_members.wish_received(seq) else None


def plan(entries: Sequence[SpoolEntry]) -> list[Batch]:
    """The answered entries as batches, each placed where its first entry stood."""
    batches: list[Batch] = []
    open_batch: dict[str, Batch] = {}  # per room: the batch a plain acknowledgement may join
    for entry in entries:
        room_id = entry.payload.get("room_id")
        if room_id is None or plain_ack(entry) is None:
            batches.append(Batch([entry]))
            if room_id is not None and (entry.reply or {}).get("reply"):
                open_batch.pop(room_id, None)  # a reply said in between keeps its place
            continue
        batch = open_batch.get(room_id)
        full = batch is not None and len(batch.entries) >= MAX_BATCH
        # One mention per member: the numbers are read against the mentions in order.
        again = batch is not None and entry.payload["talker_id"] in batch.talkers()
        if batch is None or full or again:
            batch = open_batch[room_id] = Batch([])
            batches.append(batch)
        batch.entries.append(entry)
    return batches
