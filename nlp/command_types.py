"""The commands the bot understands, as typed values: one frozen dataclass per command.

nlp/commands.py parses text into them; the bot sends ``name`` and the fields to the API, and
the chat service (api/chat/commands.py) runs the handler registered under that name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from models.enums import Category, CloseReason


class CommandError(ValueError):
    """Meant as a command but malformed; ``message`` is the polite reply for the member."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Command:
    """A parsed command. ``seq`` fields hold the office's wish number (#42), never a row id.

    ``staff_only`` is THE rule for who may run a command: the chat service refuses members the
    ones flagged here (api/chat/commands.py reads it through ``command_type``)."""

    name: ClassVar[str] = ""
    staff_only: ClassVar[bool] = False


@dataclass(frozen=True)
class WishCommand(Command):
    name: ClassVar[str] = "心愿"
    text: str


@dataclass(frozen=True)
class QueryCommand(Command):
    name: ClassVar[str] = "查询"
    seq: int


@dataclass(frozen=True)
class MyWishesCommand(Command):
    name: ClassVar[str] = "我的心愿"


@dataclass(frozen=True)
class SupplementCommand(Command):
    name: ClassVar[str] = "补充"
    seq: int
    text: str


@dataclass(frozen=True)
class WithdrawCommand(Command):
    name: ClassVar[str] = "撤回"
    seq: int


@dataclass(frozen=True)
class ResourcesCommand(Command):
    name: ClassVar[str] = "资源"
    keyword: str | None = None


@dataclass(frozen=True)
class RequestResourceCommand(Command):
    name: ClassVar[str] = "我要"
    resource_id: int


@dataclass(frozen=True)
class ClaimCommand(Command):
    name: ClassVar[str] = "认领"
    staff_only: ClassVar[bool] = True
    seq: int


@dataclass(frozen=True)
class MatchCommand(Command):
    name: ClassVar[str] = "匹配"
    staff_only: ClassVar[bool] = True
    seq: int
    resource_ids: tuple[int, ...]


@dataclass(frozen=True)
class StartCommand(Command):
    name: ClassVar[str] = "开始"
    staff_only: ClassVar[bool] = True
    seq: int


@dataclass(frozen=True)
class CompleteCommand(Command):
    name: ClassVar[str] = "完成"
    staff_only: ClassVar[bool] = True
    seq: int
    beneficiaries: int | None = None
    value_yuan: float | None = None
    summary: str = ""
    # What the group's 圆梦 post may say (完成 42 … 公开：…); empty: a neutral post.
    public_summary: str = ""


@dataclass(frozen=True)
class CloseCommand(Command):
    name: ClassVar[str] = "关闭"
    staff_only: ClassVar[bool] = True
    seq: int
    reason: CloseReason
    note: str = ""


@dataclass(frozen=True)
class RecategoriseCommand(Command):
    name: ClassVar[str] = "改类"
    staff_only: ClassVar[bool] = True
    seq: int
    category: Category


@dataclass(frozen=True)
class NotWishCommand(Command):
    name: ClassVar[str] = "不是心愿"
    staff_only: ClassVar[bool] = True
    seq: int


@dataclass(frozen=True)
class TodoCommand(Command):
    name: ClassVar[str] = "待办"
    staff_only: ClassVar[bool] = True


@dataclass(frozen=True)
class LedgerCommand(Command):
    name: ClassVar[str] = "台账"
    staff_only: ClassVar[bool] = True


@dataclass(frozen=True)
class HelpCommand(Command):
    name: ClassVar[str] = "帮助"


@dataclass(frozen=True)
class ConfirmCommand(Command):
    name: ClassVar[str] = "是"


@dataclass(frozen=True)
class SuggestCommand(Command):
    """推荐 42: the library resources most likely to fulfil wish #42."""

    name: ClassVar[str] = "推荐"
    staff_only: ClassVar[bool] = True
    seq: int


@dataclass(frozen=True)
class ToResourceCommand(Command):
    """转资源 42: an offer (爱心提供) becomes a draft in the resource library."""

    name: ClassVar[str] = "转资源"
    staff_only: ClassVar[bool] = True
    seq: int


@dataclass(frozen=True)
class AcceptTriageCommand(Command):
    """登记 T12: a message the triage list holds (T12) is logged as a wish."""

    name: ClassVar[str] = "登记"
    staff_only: ClassVar[bool] = True
    seq: int  # the triage item's number (T12 → 12), not a wish number


@dataclass(frozen=True)
class IgnoreTriageCommand(Command):
    """忽略 T12: the triage item is not a wish."""

    name: ClassVar[str] = "忽略"
    staff_only: ClassVar[bool] = True
    seq: int  # the triage item's number


@dataclass(frozen=True)
class RegisterForMemberCommand(Command):
    """A wish the bot missed, logged by staff for a member: ``登记 @张三 内容`` or a quote of
    her message answered with ``登记``."""

    name: ClassVar[str] = "代登记"
    staff_only: ClassVar[bool] = True
    member_name: str
    text: str


# ---- Personal-data rights (个人信息权利): answered privately only -------------------------------


@dataclass(frozen=True)
class MyDataCommand(Command):
    """我的信息: what the ledger keeps about me (answered in a private chat only)."""

    name: ClassVar[str] = "我的信息"


@dataclass(frozen=True)
class EraseMyDataCommand(Command):
    """删除我的信息: asks to erase it all; done once she answers 确认删除 in time."""

    name: ClassVar[str] = "删除我的信息"


@dataclass(frozen=True)
class ConfirmEraseCommand(Command):
    """确认删除: the answer to 删除我的信息 that makes the erasure happen."""

    name: ClassVar[str] = "确认删除"


# Every command by its (Chinese) name, the name the bot sends to the API.
COMMAND_TYPES: dict[str, type[Command]] = {cls.name: cls for cls in Command.__subclasses__()}


def command_type(name: str) -> type[Command] | None:
    return COMMAND_TYPES.get(name)
