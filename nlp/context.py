"""Where a message was said: who said it, what it looks like, and what the room said just before.

In a group, silence is cheaper than a wrong answer: a public "已收到您的心愿" to a staff answer,
a sign-up chain or a question about a notice costs more than a wish routed quietly to staff. So
the recogniser reads a message together with a ``Context``:

* ``speaker`` — staff (and admins) are never logged unless they tag a relay with ``#心愿``;
* ``history`` — the last few turns of the same room, oldest first (``Conversation`` keeps them);
* ``bot_names`` — the names members address the bot by (``@心愿池 …``).

The shape of the message itself (``Shape``) is read with the ``context`` regexes of the rules
file, so what counts as a chain, a forwarded card or a detail question stays data.
"""

from __future__ import annotations

import re
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from nlp.recogniser import Classification, Recogniser

Speaker = Literal["member", "staff", "admin"]
SPEAKERS: tuple[str, ...] = ("member", "staff", "admin")
DEFAULT_BOT_NAMES: tuple[str, ...] = ("心愿池", "妇联小助手")


@dataclass(frozen=True)
class Turn:
    """One earlier message of the room."""

    text: str
    speaker: str = "member"
    ts: float | None = None  # seconds (any epoch, the same for a room)


@dataclass(frozen=True)
class Context:
    """What the caller knows about a message besides its text. ``Context()`` = a member, alone."""

    speaker: str = "member"
    history: tuple[Turn, ...] = ()  # the room's recent messages before this one, oldest first
    bot_names: tuple[str, ...] = DEFAULT_BOT_NAMES
    ts: float | None = None

    def __post_init__(self) -> None:
        if self.speaker not in SPEAKERS:
            raise ValueError(f"speaker must be one of {SPEAKERS}, not {self.speaker!r}")

    @property
    def from_staff(self) -> bool:
        return self.speaker != "member"


class Conversation:
    """A bounded window of recent messages per room, shared by the bot and the classify CLI.

    ``classify`` reads the room's window, classifies, then appends the message, so a caller
    that feeds every message of a room in order gets the same answers wherever it runs.
    Turns older than ``max_age`` seconds (when timestamps are given) no longer count.
    """

    def __init__(
        self,
        window: int = 6,
        *,
        bot_names: tuple[str, ...] = DEFAULT_BOT_NAMES,
        max_age: float | None = 2 * 3600,
        max_rooms: int = 10_000,
    ) -> None:
        self.window = window
        self.bot_names = tuple(bot_names)
        self.max_age = max_age
        self.max_rooms = max_rooms
        self._rooms: OrderedDict[str | None, deque[Turn]] = OrderedDict()

    def context(
        self, room: str | None = None, speaker: str = "member", ts: float | None = None
    ) -> Context:
        """The context of a new message in ``room`` (nothing is recorded)."""
        turns: tuple[Turn, ...] = tuple(self._rooms.get(room, ()))
        if ts is not None and self.max_age is not None:
            turns = tuple(t for t in turns if t.ts is None or ts - t.ts <= self.max_age)
        return Context(speaker=speaker, history=turns, bot_names=self.bot_names, ts=ts)

    def add(
        self, text: str, room: str | None = None, speaker: str = "member", ts: float | None = None
    ) -> None:
        turns = self._rooms.get(room)
        if turns is None:
            turns = self._rooms[room] = deque(maxlen=self.window)
            while len(self._rooms) > self.max_rooms:  # forget the least recently active room
                self._rooms.popitem(last=False)
        else:
            self._rooms.move_to_end(room)
        turns.append(Turn(text, speaker, ts))

    def classify(
        self,
        rec: Recogniser,
        text: str,
        *,
        room: str | None = None,
        speaker: str = "member",
        ts: float | None = None,
    ) -> Classification:
        """Classify ``text`` in its room's context, then remember it."""
        c = rec.classify(text, self.context(room, speaker, ts))
        self.add(text, room, speaker, ts)
        return c


@dataclass(frozen=True)
class Shape:
    """What a message looks like, read from its text and its context."""

    body: str  # the text to score: mentions, quotes, tag and placeholders stripped
    tagged: bool = False  # starts with #心愿
    to_bot: bool = False  # addresses the bot by one of its names
    smalltalk: bool = False  # a greeting or thanks to the bot, nothing asked
    chain: bool = False  # a #接龙 link
    forward: bool = False  # a forwarded post, link, poster or card
    follow_up: bool = False  # a question about the details of an event staff just announced
    after_staff_reply: bool = False  # said right after staff answered someone

    @property
    def structural(self) -> str | None:
        """Why the message is not a wish whatever its words, or None."""
        if self.chain:
            return "context:chain"
        if self.forward:
            return "context:forward"
        if self.follow_up:
            return "context:follow_up"
        if not self.body:
            return "context:empty"
        return None


_NEVER = re.compile(r"(?!)")
# A detail question is short: a long message after a notice states something of its own.
_FOLLOW_UP_MAX_CHARS = 40
# How many earlier turns of the room may hold the notice a question follows up on.
_FOLLOW_UP_TURNS = 6


def read_shape(folded: str, ctx: Context, signals: dict[str, re.Pattern[str]]) -> Shape:
    """Strip what is not the message's own words and note its shape; ``folded`` is fold()ed."""

    def sig(name: str) -> re.Pattern[str]:
        return signals.get(name, _NEVER)

    text = sig("quote").sub("", folded).strip()
    mention = sig("mention").match(text)
    mentions = mention.group(0) if mention else ""
    body = text[len(mentions) :].strip()
    to_bot = any(f"@{name}" in text for name in ctx.bot_names)
    tag = sig("wish_tag").match(body)
    if tag:
        body = body[tag.end() :].strip()
    body = sig("placeholder").sub("", body).strip()
    follow_up = (
        not ctx.from_staff
        and len(body) <= _FOLLOW_UP_MAX_CHARS
        and sig("detail_question").search(body) is not None
        and sig("question").search(body) is not None
        and any(
            t.speaker != "member" and sig("notice").search(t.text)
            for t in ctx.history[-_FOLLOW_UP_TURNS:]
        )
    )
    last = ctx.history[-1] if ctx.history else None
    after_staff_reply = (
        last is not None and last.speaker != "member" and bool(sig("staff_reply").search(last.text))
    )
    return Shape(
        body=body,
        after_staff_reply=after_staff_reply,
        tagged=tag is not None,
        to_bot=to_bot,
        smalltalk=to_bot and sig("smalltalk").search(body) is not None,
        chain=sig("chain").search(folded) is not None,
        forward=sig("forward").search(folded) is not None,
        follow_up=follow_up,
    )
