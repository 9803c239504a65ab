"""Bot commands written in Chinese: ``认领 42``, ``#匹配 ４２ 资源7 资源9``, ``@小助手 帮助`` …

``parse_command`` returns a typed command, ``None`` for ordinary chatter or a wish, and raises
``CommandError`` (polite Chinese saying the right form) when the text is clearly meant as a
command but malformed. A text is "clearly meant" when it starts with # or an @mention of the bot,
or when the command word stands alone, separated by a space, or is followed by a number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from models.enums import CATEGORY_LABELS, CLOSE_REASON_LABELS, Category, CloseReason
from nlp.entities import BENEFICIARIES, VALUE, scaled
from nlp.text import fold

_T = TypeVar("_T")


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


# Every command by its (Chinese) name, the name the bot sends to the API.
COMMAND_TYPES: dict[str, type[Command]] = {cls.name: cls for cls in Command.__subclasses__()}


def command_type(name: str) -> type[Command] | None:
    return COMMAND_TYPES.get(name)


_ID = r"#?\s*(\d{1,9})\s*号?"
_ID_ONLY = re.compile(_ID)
_ID_HEAD = re.compile(_ID + r"(?:\s+|$|(?=\D))")
_SPACE = re.compile(r"\s+")
_MENTION_END = re.compile(r"\s")
_RESOURCE = re.compile(r"(?:资源)?\s*#?\s*(\d{1,9})")
_RESOURCE_HEAD = re.compile(r"资源|#|\d")
_LIST_SEP = re.compile(r"[\s,，、和]+")
_SUMMARY_LABEL = re.compile(r"^\s*(说明|备注)\s*[:：]?")
_TRAILING_PUNCT = " \t.,!?~。！？～"
# How to write a command, quoted back when it is malformed; any other is "<word> 42".
_FORMS = {
    "心愿": "#心愿 想说的心愿",
    "补充": "补充 42 要补充的内容",
    "我要": "我要 资源7",
    "匹配": "匹配 42 资源7（可以写多个：匹配 42 资源7 资源9）",
    "完成": "完成 42 受益30人 价值5000元 说明……",
    "关闭": f"关闭 42 重复（原因可写：{'/'.join(CLOSE_REASON_LABELS.values())}）",
    "改类": f"改类 42 健康（类别可写：{'、'.join(CATEGORY_LABELS.values())}）",
}


def _bad(word: str) -> CommandError:
    return CommandError(f"格式不对哦，请这样写：{_FORMS.get(word, f'{word} 42')}")


def _id_and_rest(rest: str, word: str) -> tuple[int, str]:
    m = _ID_HEAD.match(rest)
    if not m:
        raise _bad(word)
    return int(m.group(1)), rest[m.end() :].strip()


def _id_and_value(rest: str, word: str, read: Callable[[str], _T | None]) -> tuple[int, _T]:
    """``42 <something>``: the id and ``read(something)``; nothing or None is malformed."""
    seq, tail = _id_and_rest(rest, word)
    value = read(tail) if tail else None
    if value is None:
        raise _bad(word)
    return seq, value


def _complete(rest: str) -> CompleteCommand:
    seq, tail = _id_and_rest(rest, "完成")
    people = value = None
    if m := BENEFICIARIES.search(tail):
        counted = scaled(m.group(1))
        people = int(counted) if counted is not None else None
        tail = tail[: m.start()] + tail[m.end() :]
    if m := VALUE.search(tail):
        value = scaled(m.group(1), m.group(2))
        tail = tail[: m.start()] + tail[m.end() :]
    summary = _SUMMARY_LABEL.sub("", tail.strip()).strip()
    return CompleteCommand(seq, people, value, summary)


def _reason_and_note(tail: str) -> tuple[CloseReason, str] | None:
    word, _, note = tail.partition(" ")
    reason = CloseReason.from_label(word)
    return None if reason is None else (reason, note.strip())


def _close(rest: str) -> CloseCommand:
    seq, (reason, note) = _id_and_value(rest, "关闭", _reason_and_note)
    return CloseCommand(seq, reason, note)


def _resource_ids(tail: str) -> tuple[int, ...] | None:
    ids = []
    for part in _LIST_SEP.split(tail):
        if part:
            m = _RESOURCE.fullmatch(part)
            if not m:
                return None
            ids.append(int(m.group(1)))
    return tuple(ids) or None


def _request(rest: str) -> RequestResourceCommand:
    m = _RESOURCE.fullmatch(rest.strip(_TRAILING_PUNCT))
    if not m:
        raise _bad("我要")
    return RequestResourceCommand(int(m.group(1)))


_Parser = Callable[[str], Command]


def _numbered(cls: type[Command]) -> _Parser:
    """A command whose one argument is a wish number; its word is the class's ``name``."""

    def parse(rest: str) -> Command:
        m = _ID_ONLY.fullmatch(rest.strip(_TRAILING_PUNCT))
        if not m:
            raise _bad(cls.name)
        return cls(int(m.group(1)))  # type: ignore[call-arg]

    return parse


# Longest words first so 我的心愿 wins over 心愿 and 不是心愿 is not read as 不….
# A bare class is a command without arguments.
_COMMANDS: tuple[tuple[str, _Parser | type[Command]], ...] = (
    ("不是心愿", _numbered(NotWishCommand)),
    ("我的心愿", MyWishesCommand),
    ("心愿", lambda rest: WishCommand(rest)),
    ("查询", _numbered(QueryCommand)),
    ("补充", lambda rest: SupplementCommand(*_id_and_value(rest, "补充", str))),
    ("撤回", _numbered(WithdrawCommand)),
    ("服务", lambda rest: ResourcesCommand(rest or None)),
    ("资源", lambda rest: ResourcesCommand(rest or None)),
    ("我要", _request),
    ("认领", _numbered(ClaimCommand)),
    ("匹配", lambda rest: MatchCommand(*_id_and_value(rest, "匹配", _resource_ids))),
    ("开始", _numbered(StartCommand)),
    ("完成", _complete),
    ("关闭", _close),
    ("改类", lambda rest: RecategoriseCommand(*_id_and_value(rest, "改类", Category.from_label))),
    ("待办", TodoCommand),
    ("台账", LedgerCommand),
    ("帮助", HelpCommand),
)
_CONFIRM = {"是", "是的", "确认", "对的"}
# Words that alone are everyday chat ("完成！", "开始"), so alone they are not a command.
_CHATTY = {"心愿", "完成", "开始", "我要", "关闭"}


def strip_mentions(text: str, bot_names: Sequence[str] = ()) -> tuple[str, tuple[str, ...]]:
    """Splits the leading "@Name" mentions off a message: (the rest, the names as folded).

    WeChat ends each mention with U+2005 or a space. A name in ``bot_names`` may itself contain
    spaces, so those are tried literally first. Works on raw and on folded text alike (folding
    keeps one character for one); the rest is returned as written."""
    known = sorted({fold(n).strip().lstrip("@") for n in bot_names} - {""}, key=len, reverse=True)
    body, names = text.strip(), []
    while (folded := fold(body)).startswith("@"):
        name = next(
            (
                n
                for n in known
                if folded.startswith("@" + n) and folded[len(n) + 1 :][:1] in ("", " ")
            ),
            None,
        )
        if name is None:
            end = _MENTION_END.search(folded)
            name = folded[1 : end.start()] if end else folded[1:]
        names.append(name)
        body = body[len(name) + 1 :].strip()
    return body, tuple(names)


def parse_command(text: str, bot_names: Sequence[str] = ()) -> Command | None:
    folded = _SPACE.sub(" ", fold(text)).strip()
    body, names = strip_mentions(folded, bot_names)
    known = {fold(n).strip().lstrip("@") for n in bot_names} - {""}
    if known and any(name not in known for name in names):
        return None  # addressed to someone else (too)
    mentioned = bool(names)
    hashed = body.startswith("#")
    if hashed:
        body = body[1:].strip()
    explicit = hashed or mentioned
    if body.strip(_TRAILING_PUNCT) in _CONFIRM:
        return ConfirmCommand()
    for word, parse in _COMMANDS:
        if not body.startswith(word):
            continue
        rest = body[len(word) :]
        bare = rest.strip(_TRAILING_PUNCT) == ""
        if isinstance(parse, type):  # no arguments
            return parse() if bare or explicit else None
        # Shape check: ordinary sentences (完成了…, 服务态度…, 开始吧) are not commands.
        separated = rest.startswith(" ")
        rest = rest.strip()
        if bare:
            if word in ("服务", "资源"):
                return parse("")
            if explicit or word not in _CHATTY:
                raise _bad(word)
            return None
        numbered = rest[0] in "#0123456789" or (word == "我要" and rest.startswith("资源"))
        if not (explicit or separated or numbered):
            return None
        if word == "我要" and not explicit and not _RESOURCE_HEAD.match(rest):
            return None  # 我要 报名 / 我要 去上班了
        if word in ("服务", "资源") and not explicit and len(rest) > 8:
            return None  # "资源 共享真好啊，大家…" is chatter, a keyword is short
        return parse(rest)
    return None
