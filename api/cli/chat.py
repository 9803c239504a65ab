"""`wishpool chat`: talk to the demo's bot as one of its people, in one terminal.

Each line typed is said by the chosen person in the chosen room of the fake WeChat account
(`wishpool run` must be running); a thread long-polls the account's record of what the bot
said and prints, as they come, the bot's messages in that room and those sent privately to her.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable

import httpx

from api.cli.demo import MEMBERS, ROOMS, STAFF, DemoPerson, DemoRoom
from gateway import GatewayControl, SentMessage

# A command against a system that is not running says so in one line (no traceback).
NOT_RUNNING = "心愿池没有在运行（连不上模拟微信号 {where}）：请先在另一个终端运行 make run"
POLL_MS = 1_000  # one long-poll slice: how soon the thread notices it should stop


def not_running(control: GatewayControl) -> str:
    return NOT_RUNNING.format(where=(control.base_url or "").removeprefix("http://"))


def persona_lines() -> list[str]:
    """The `--list`: who can speak and where."""
    lines = ["成员 members:"]
    lines += [f"  {p.name}  （--as {p.key}）" for p in MEMBERS]
    lines.append("工作人员 staff:")
    lines += [f"  {p.name}  （--as {p.key}）" for p in STAFF]
    lines.append("群 rooms:")
    lines += [f"  {r.topic}  （--room {r.key}）" for r in ROOMS]
    return lines


def describe(message: SentMessage, room: DemoRoom) -> str:
    where = room.topic if message["room_id"] else "私信给您"
    return f"机器人 → {where}：{message['text']}"


class ChatSession:
    """One person in one room: ``say`` sends, a background thread prints the bot's replies."""

    def __init__(
        self,
        control: GatewayControl,
        person: DemoPerson,
        room: DemoRoom,
        out: Callable[[str], None],
    ) -> None:
        self.control = control
        self.person = person
        self.room = room
        self.out = out
        self._stop = threading.Event()
        self._cursor = 0
        self._thread: threading.Thread | None = None
        self.shown = 0  # bot messages printed so far

    def start(self) -> None:
        """Starts listening from now on (raises httpx.ConnectError when nothing runs)."""
        self._cursor = self.control.last_seq()
        self._thread = threading.Thread(target=self._listen, name="chat-replies", daemon=True)
        self._thread.start()

    def say(self, text: str) -> None:
        self.control.say(self.person.wechat_id, text, room_id=self.room.room_id)

    def relevant(self, message: SentMessage) -> bool:
        if self.room.room_id is not None and message["room_id"] == self.room.room_id:
            return True  # the whole group sees it
        return message["to_id"] == self.person.wechat_id

    def _listen(self) -> None:
        # Its own client: httpx clients are not shared between threads here.
        control = GatewayControl(self.control.base_url)
        try:
            while not self._stop.is_set():
                try:
                    batch = control.sent(after=self._cursor, wait_ms=POLL_MS)
                except httpx.HTTPError:
                    self.out(not_running(control))
                    return
                self._show(batch)
        finally:
            control.close()

    def _show(self, batch: Iterable[SentMessage]) -> None:
        for message in batch:
            self._cursor = max(self._cursor, message["seq"])
            if self.relevant(message):
                self.shown += 1
                self.out(describe(message, self.room))

    def close(self, linger: float = 0.0) -> None:
        """Stops listening; ``linger`` seconds more for replies still on their way."""
        if self._thread is not None and linger > 0:
            self._thread.join(linger)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(POLL_MS / 1000 + 5)


def run_chat(session: ChatSession, lines: Iterable[str], *, linger: float) -> None:
    """Says every non-empty line in turn; at the end waits ``linger`` seconds for replies."""
    session.start()
    try:
        for line in lines:
            text = line.strip()
            if text:
                session.say(text)
    except KeyboardInterrupt:
        linger = 0.0
    finally:
        session.close(linger)


def typed_lines(prompt: str) -> Iterable[str]:
    """Lines from the terminal (with a prompt) or from a pipe (without)."""
    if not sys.stdin.isatty():
        yield from sys.stdin
        return
    while True:
        try:
            yield input(prompt)
        except EOFError:
            return
