"""What every chat handler needs: the group and staff lookups and the command's context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from api.chat.schemas import BotCommandIn
from api.domain.errors import NotFound
from api.domain.visibility import SensitiveRule
from api.domain.wishes import Actor, get_wish_by_seq
from models import Group, Office, Staff, Wish
from models.quiet import NO_QUIET_HOURS, QuietHours
from models.wording import members as for_members


def find_group(session: Session, room_id: str) -> Group | None:
    return session.exec(select(Group).where(Group.room_id == room_id)).first()


def find_staff(session: Session, wechat_id: str) -> Staff | None:
    return session.exec(
        select(Staff).where(Staff.wechat_id == wechat_id, col(Staff.active).is_(True))
    ).first()


class Refusal(Exception):
    """A command refused with a reply written for the member (not found, not hers …)."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


@dataclass
class CommandContext:
    """One command: who sent it, in which office's group, with which arguments.

    ``office`` is the group's office (a private chat: the staff member's own, or for a member
    the office of her groups, api/chat/private.py); ``home`` is the staff member's own office,
    None for a member."""

    session: Session
    cmd: BotCommandIn
    office: Office
    staff: Staff | None = None
    home: Office | None = None
    privacy_notice: str = ""  # api.privacy_notice: sent the first time a member's wish is logged
    # The configured api.sensitive_* (None: their defaults), for wishes staff log (登记).
    sensitive_rule: SensitiveRule | None = None
    # office.quiet_hours: 完成 tells staff when the group's 圆梦 post waits for the morning.
    quiet_hours: QuietHours = NO_QUIET_HOURS

    @property
    def args(self) -> dict[str, Any]:
        return self.cmd.command.args

    @property
    def actor(self) -> Actor:
        if self.staff is not None:
            return Actor(name=self.staff.name, staff_id=self.staff.id)
        return Actor(name=f"成员 {self.cmd.talker_name[:40]}".strip())

    def seq(self) -> int:
        """The wish number (#42) the command names."""
        try:
            return int(self.args["seq"])
        except (KeyError, TypeError, ValueError):
            raise Refusal(for_members.command_error(for_members.MISSING_WISH_NUMBER)) from None

    def wish(self) -> Wish:
        """A wish of this office, by its number."""
        seq = self.seq()
        try:
            return get_wish_by_seq(session=self.session, office_id=self.office.id or 0, seq=seq)
        except NotFound:
            raise Refusal(for_members.wish_not_found(seq)) from None

    def own_wish(self) -> Wish:
        """A member's own wish (staff may look at any wish of the office)."""
        seq = self.seq()
        try:
            wish = self.wish()
        except Refusal:
            raise Refusal(for_members.not_your_wish(seq)) from None
        if self.staff is None and wish.submitter_wechat_id != self.cmd.talker_id:
            raise Refusal(for_members.not_your_wish(seq))
        return wish
