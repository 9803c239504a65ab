"""The first-run scenario of `wishpool run`: the whole loop, played once through the fake group.

On a ledger without any wish, members post wishes in the demo members' group, one of them
chats (the bot stays silent), a staff member claims, matches, starts and fulfils one from the
staff group, and the members' group receives the 圆梦 post. Everything goes through the fake
WeChat account's control interface, as a person would: the bot, the API and the ledger do the
real work, so afterwards the admin page has something to show.

During quiet hours (office.quiet_hours) the 圆梦 post waits for the morning like any non-urgent
message; the scenario says so instead of waiting for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from api.cli.demo import MEMBER_ROOM, PEOPLE, STAFF_ROOM, DemoPerson
from gateway import GatewayControl, SentMessage
from models import Resource, Wish
from models.clock import utcnow
from models.quiet import QuietHours
from models.wording import staff as for_staff

REPLY_TIMEOUT = 30.0
_SEQ = re.compile(r"#(\d+)")

# What the members say: two wishes the recogniser takes with confidence and one line of chat.
FIRST_WISH = ("zhang", "我们驿站的快递姐妹想学点电商直播，能不能办个培训班？")
CHATTER = ("zhang", "大家早上好，今天降温了，出门多穿点")
FULFILLED_WISH = ("liu", "希望能带孩子们去消防站参观学习")
STAFF_KEY = "wang"
RESOURCE_NAME = "消防站开放日"
PUBLIC_SUMMARY = "阳光幼儿园的孩子们参观了消防站，学习了安全知识"


@dataclass
class ScenarioReport:
    """What the scenario did: the wish numbers, and whether the 圆梦 post went out."""

    wish_seqs: list[int] = field(default_factory=list)
    fulfilled_seq: int | None = None
    announcement: SentMessage | None = None
    held_until: datetime | None = None  # the post waits for quiet hours to end


def needs_scenario(engine: Engine) -> bool:
    """The scenario plays once: on a ledger that holds no wish yet."""
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Wish)).one() == 0


class Scenario:
    """Plays the scenario; ``echo`` prints each step for the console."""

    def __init__(
        self,
        control: GatewayControl,
        engine: Engine,
        *,
        quiet: QuietHours,
        echo: Callable[[str], None] = lambda _line: None,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.control = control
        self.engine = engine
        self.quiet = quiet
        self.echo = echo
        self.now = now

    def _show(self, who: str, text: str) -> None:
        self.echo(f"  {who}：" + text.replace("\n", "\n      "))

    def play(self) -> ScenarioReport:
        report = ScenarioReport()
        self.echo("演示场景 / first-run scenario:")
        first = self._member_wish(*FIRST_WISH)
        report.wish_seqs.append(first)
        # Chat, then a wish: the bot handles messages in order, so once the wish's
        # acknowledgement is in, the chat line has had its (empty) answer.
        after = self.control.last_seq()
        self._say(PEOPLE[CHATTER[0]], CHATTER[1], MEMBER_ROOM)
        seq = self._member_wish(*FULFILLED_WISH, after=after)
        report.wish_seqs.append(seq)
        staff = PEOPLE[STAFF_KEY]
        resource_id = self._resource_id(RESOURCE_NAME)
        for command in (
            f"认领 {seq}",
            f"匹配 {seq} 资源{resource_id}",
            f"开始 {seq}",
            f"完成 {seq} 服务了25人，价值2000元 公开：{PUBLIC_SUMMARY}",
        ):
            self._staff_command(staff, command)
        report.fulfilled_seq = seq
        now = self.now()
        if self.quiet.is_quiet(now):
            report.held_until = self.quiet.next_end(now)
            self.echo(f"  {for_staff.quiet_hours_hold(report.held_until)}")
            return report
        post = f"#{seq}"
        report.announcement = self.control.wait_for_sent(
            lambda m: m["room_id"] == MEMBER_ROOM and not m["mention_ids"] and post in m["text"],
            timeout=REPLY_TIMEOUT,
        )
        self._show("机器人 → 群", report.announcement["text"])
        return report

    def _say(self, person: DemoPerson, text: str, room_id: str) -> None:
        where = "工作群" if room_id == STAFF_ROOM else "群"
        self._show(f"{person.name} → {where}", text)
        self.control.say(person.wechat_id, text, room_id=room_id)

    def _member_wish(self, key: str, text: str, after: int | None = None) -> int:
        """Says a wish and waits for its acknowledgement; returns the wish number. Refuses a
        bot message to the chatter in between: chat gets no answer."""
        person = PEOPLE[key]
        if after is None:
            after = self.control.last_seq()
        self._say(person, text, MEMBER_ROOM)
        chatter = PEOPLE[CHATTER[0]].wechat_id
        ack = self.control.wait_for_sent(
            lambda m: m["room_id"] == MEMBER_ROOM and person.wechat_id in m["mention_ids"],
            timeout=REPLY_TIMEOUT,
            after=after,
        )
        answered_chat = [
            m
            for m in self.control.sent(after=after)
            if m["seq"] < ack["seq"] and m["room_id"] == MEMBER_ROOM and chatter in m["mention_ids"]
        ]
        if answered_chat and chatter != person.wechat_id:  # the bot must stay silent on chat
            raise RuntimeError("the bot answered a line of chat")
        self._show("机器人 → 群", ack["text"])
        found = _SEQ.search(ack["text"])
        if found is None:
            raise RuntimeError("the acknowledgement carries no wish number")
        return int(found.group(1))

    def _staff_command(self, staff: DemoPerson, text: str) -> None:
        after = self.control.last_seq()
        self._say(staff, text, STAFF_ROOM)
        reply = self.control.wait_for_sent(
            lambda m: m["room_id"] == STAFF_ROOM and staff.wechat_id in m["mention_ids"],
            timeout=REPLY_TIMEOUT,
            after=after,
        )
        self._show("机器人 → 工作群", reply["text"])

    def _resource_id(self, name: str) -> int:
        with Session(self.engine) as session:
            resource = session.exec(select(Resource).where(Resource.name == name)).first()
        if resource is None or resource.id is None:
            raise RuntimeError(f"the demo resource {name!r} is missing")
        return resource.id
