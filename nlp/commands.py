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
from typing import ClassVar

from models.enums import CATEGORY_LABELS, CLOSE_REASON_LABELS, Category, CloseReason
from nlp.text import fold


class CommandError(ValueError):
    """Meant as a command but malformed; ``message`` is the polite reply for the member."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Command:
    name: ClassVar[str] = ""
    staff_only: ClassVar[bool] = False


@dataclass(frozen=True)
class WishCommand(Command):
    name: ClassVar[str] = "心愿"
    text: str


@dataclass(frozen=True)
class QueryCommand(Command):
    name: ClassVar[str] = "查询"
    wish_id: int


@dataclass(frozen=True)
class MyWishesCommand(Command):
    name: ClassVar[str] = "我的心愿"


@dataclass(frozen=True)
class SupplementCommand(Command):
    name: ClassVar[str] = "补充"
    wish_id: int
    text: str


@dataclass(frozen=True)
class WithdrawCommand(Command):
    name: ClassVar[str] = "撤回"
    wish_id: int


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
    wish_id: int


@dataclass(frozen=True)
class MatchCommand(Command):
    name: ClassVar[str] = "匹配"
    staff_only: ClassVar[bool] = True
    wish_id: int
    resource_ids: tuple[int, ...]


@dataclass(frozen=True)
class StartCommand(Command):
    name: ClassVar[str] = "开始"
    staff_only: ClassVar[bool] = True
    wish_id: int


@dataclass(frozen=True)
class CompleteCommand(Command):
    name: ClassVar[str] = "完成"
    staff_only: ClassVar[bool] = True
    wish_id: int
    beneficiaries: int | None = None
    value_yuan: float | None = None
    summary: str = ""


@dataclass(frozen=True)
class CloseCommand(Command):
    name: ClassVar[str] = "关闭"
    staff_only: ClassVar[bool] = True
    wish_id: int
    reason: CloseReason
    note: str = ""


@dataclass(frozen=True)
class RecategoriseCommand(Command):
    name: ClassVar[str] = "改类"
    staff_only: ClassVar[bool] = True
    wish_id: int
    category: Category


@dataclass(frozen=True)
class NotWishCommand(Command):
    name: ClassVar[str] = "不是心愿"
    staff_only: ClassVar[bool] = True
    wish_id: int


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


_ID = r"#?\s*(\d{1,9})\s*号?"
_SPACE = re.compile(r"\s+")
_MENTION = re.compile(r"^@(\S+?)(?:\s|$)")
_RESOURCE = re.compile(r"(?:资源)?\s*#?\s*(\d{1,9})")
_TRAILING_PUNCT = " \t.,!?~。！？～"


def _bad(form: str) -> CommandError:
    return CommandError(f"格式不对哦，请这样写：{form}")


def _number(rest: str, form: str) -> int:
    m = re.fullmatch(_ID, rest.strip(_TRAILING_PUNCT))
    if not m:
        raise _bad(form)
    return int(m.group(1))


def _id_and_rest(rest: str, form: str) -> tuple[int, str]:
    m = re.match(_ID + r"(?:\s+|$|(?=\D))", rest)
    if not m:
        raise _bad(form)
    return int(m.group(1)), rest[m.end() :].strip()


def _complete(rest: str) -> CompleteCommand:
    form = "完成 42 受益30人 价值5000元 说明……"
    wish_id, tail = _id_and_rest(rest, form)
    people = value = None
    if m := re.search(r"受益\s*(\d+)\s*(?:人次|人|名|户|组)?", tail):
        people = int(m.group(1))
        tail = tail[: m.start()] + tail[m.end() :]
    if m := re.search(r"价值\s*(\d+(?:\.\d+)?)\s*(万)?\s*(?:元|块)?", tail):
        value = float(m.group(1)) * (10000 if m.group(2) else 1)
        tail = tail[: m.start()] + tail[m.end() :]
    summary = re.sub(r"^\s*(说明|备注)\s*[:：]?", "", tail.strip()).strip()
    return CompleteCommand(wish_id, people, value, summary)


def _close(rest: str) -> CloseCommand:
    reasons = "/".join(CLOSE_REASON_LABELS.values())
    form = f"关闭 42 重复（原因可写：{reasons}）"
    wish_id, tail = _id_and_rest(rest, form)
    word, _, note = tail.partition(" ")
    reason = CloseReason.from_label(word) if word else None
    if reason is None:
        raise _bad(form)
    return CloseCommand(wish_id, reason, note.strip())


def _recategorise(rest: str) -> RecategoriseCommand:
    labels = "、".join(CATEGORY_LABELS.values())
    form = f"改类 42 健康（类别可写：{labels}）"
    wish_id, tail = _id_and_rest(rest, form)
    category = Category.from_label(tail) if tail else None
    if category is None:
        raise _bad(form)
    return RecategoriseCommand(wish_id, category)


def _match(rest: str) -> MatchCommand:
    form = "匹配 42 资源7（可以写多个：匹配 42 资源7 资源9）"
    wish_id, tail = _id_and_rest(rest, form)
    parts = [p for p in re.split(r"[\s,，、和]+", tail) if p]
    ids = []
    for part in parts:
        m = _RESOURCE.fullmatch(part)
        if not m:
            raise _bad(form)
        ids.append(int(m.group(1)))
    if not ids:
        raise _bad(form)
    return MatchCommand(wish_id, tuple(ids))


def _supplement(rest: str) -> SupplementCommand:
    form = "补充 42 要补充的内容"
    wish_id, tail = _id_and_rest(rest, form)
    if not tail:
        raise _bad(form)
    return SupplementCommand(wish_id, tail)


def _request(rest: str) -> RequestResourceCommand:
    m = _RESOURCE.fullmatch(rest.strip(_TRAILING_PUNCT))
    if not m:
        raise _bad("我要 资源7")
    return RequestResourceCommand(int(m.group(1)))


def _numbered(cls: Callable[[int], Command], word: str) -> Callable[[str], Command]:
    return lambda rest: cls(_number(rest, f"{word} 42"))


def _bare(cls: Callable[[], Command]) -> Callable[[str], Command]:
    return lambda rest: cls()


_Parser = Callable[[str], Command]
# Longest words first so 我的心愿 wins over 心愿 and 不是心愿 is not read as 不….
_COMMANDS: tuple[tuple[str, _Parser, bool], ...] = (
    # (word, parser, takes arguments)
    ("不是心愿", _numbered(NotWishCommand, "不是心愿"), True),
    ("我的心愿", _bare(MyWishesCommand), False),
    ("心愿", lambda rest: WishCommand(rest), True),
    ("查询", _numbered(QueryCommand, "查询"), True),
    ("补充", _supplement, True),
    ("撤回", _numbered(WithdrawCommand, "撤回"), True),
    ("服务", lambda rest: ResourcesCommand(rest or None), True),
    ("资源", lambda rest: ResourcesCommand(rest or None), True),
    ("我要", _request, True),
    ("认领", _numbered(ClaimCommand, "认领"), True),
    ("匹配", _match, True),
    ("开始", _numbered(StartCommand, "开始"), True),
    ("完成", _complete, True),
    ("关闭", _close, True),
    ("改类", _recategorise, True),
    ("待办", _bare(TodoCommand), False),
    ("台账", _bare(LedgerCommand), False),
    ("帮助", _bare(HelpCommand), False),
)
_CONFIRM = {"是", "是的", "确认", "对的"}
# Words that alone are everyday chat ("完成！", "开始"), so alone they are not a command.
_CHATTY = {"心愿", "完成", "开始", "我要", "关闭"}


def _strip_mention(text: str, bot_names: Sequence[str]) -> tuple[str, bool] | None:
    """Remove a leading @bot; None when the text addresses someone else."""
    m = _MENTION.match(text)
    if not m:
        return text, False
    folded_names = {fold(n).strip().lstrip("@") for n in bot_names}
    if folded_names and m.group(1) not in folded_names:
        # Names may contain spaces: try them literally.
        for name in folded_names:
            if text.startswith("@" + name) and text[len(name) + 1 : len(name) + 2] in ("", " "):
                return text[len(name) + 1 :].strip(), True
        return None
    return text[m.end() :].strip(), True


def parse_command(text: str, bot_names: Sequence[str] = ()) -> Command | None:
    folded = _SPACE.sub(" ", fold(text)).strip()
    stripped = _strip_mention(folded, bot_names)
    if stripped is None:
        return None
    body, mentioned = stripped
    hashed = body.startswith("#")
    if hashed:
        body = body[1:].strip()
    explicit = hashed or mentioned
    if body.strip(_TRAILING_PUNCT) in _CONFIRM:
        return ConfirmCommand()
    for word, parse, takes_args in _COMMANDS:
        if not body.startswith(word):
            continue
        rest = body[len(word) :]
        bare = rest.strip(_TRAILING_PUNCT) == ""
        if not takes_args:
            return parse("") if bare or explicit else None
        # Shape check: ordinary sentences (完成了…, 服务态度…, 开始吧) are not commands.
        separated = rest.startswith(" ")
        rest = rest.strip()
        if bare:
            if word in ("服务", "资源"):
                return parse("")
            if explicit or word not in _CHATTY:
                raise _bad(_example(word))
            return None
        numbered = rest[0] in "#0123456789" or (word == "我要" and rest.startswith("资源"))
        if not (explicit or separated or numbered):
            return None
        if word == "我要" and not explicit and not re.match(r"资源|#|\d", rest):
            return None  # 我要 报名 / 我要 去上班了
        if word in ("服务", "资源") and not explicit and len(rest) > 8:
            return None  # "资源 共享真好啊，大家…" is chatter, a keyword is short
        return parse(rest)
    return None


def _example(word: str) -> str:
    return {
        "心愿": "#心愿 想说的心愿",
        "补充": "补充 42 要补充的内容",
        "我要": "我要 资源7",
        "匹配": "匹配 42 资源7",
        "完成": "完成 42 受益30人 价值5000元 说明……",
        "关闭": "关闭 42 重复",
        "改类": "改类 42 健康",
    }.get(word, f"{word} 42")
