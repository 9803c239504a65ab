"""Bot commands written in Chinese: ``认领 42``, ``#匹配 ４２ 资源7 资源9``, ``@小助手 帮助`` …

``parse_command`` returns a typed command, ``None`` for ordinary chatter or a wish, and raises
``CommandError`` (polite Chinese saying the right form) when the text is clearly meant as a
command but malformed. A text is "clearly meant" when it starts with # or an @mention of the bot,
or when the command word stands alone, separated by a space, or is followed by a number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from models.enums import CATEGORY_LABELS, CLOSE_REASON_LABELS, Category, CloseReason
from nlp.command_types import (
    COMMAND_TYPES,
    AcceptTriageCommand,
    ClaimCommand,
    CloseCommand,
    Command,
    CommandError,
    CompleteCommand,
    ConfirmCommand,
    ConfirmEraseCommand,
    EraseMyDataCommand,
    HelpCommand,
    IgnoreTriageCommand,
    LedgerCommand,
    MatchCommand,
    MyDataCommand,
    MyWishesCommand,
    NotWishCommand,
    QueryCommand,
    RecategoriseCommand,
    RegisterForMemberCommand,
    RequestResourceCommand,
    ResourcesCommand,
    StartCommand,
    SuggestCommand,
    SupplementCommand,
    TodoCommand,
    ToResourceCommand,
    WishCommand,
    WithdrawCommand,
    command_type,
)
from nlp.entities import BENEFICIARIES, VALUE, scaled
from nlp.text import fold

# The command types live in nlp/command_types.py; they are imported from here too.
__all__ = [
    "COMMAND_TYPES",
    "MAX_BENEFICIARIES",
    "MAX_NUMBER",
    "MAX_VALUE_YUAN",
    "PRIVATE_CHOICE",
    "AcceptTriageCommand",
    "ClaimCommand",
    "CloseCommand",
    "Command",
    "CommandError",
    "CompleteCommand",
    "ConfirmCommand",
    "ConfirmEraseCommand",
    "EraseMyDataCommand",
    "HelpCommand",
    "IgnoreTriageCommand",
    "LedgerCommand",
    "MatchCommand",
    "MyDataCommand",
    "MyWishesCommand",
    "NotWishCommand",
    "QueryCommand",
    "RecategoriseCommand",
    "RegisterForMemberCommand",
    "RequestResourceCommand",
    "ResourcesCommand",
    "StartCommand",
    "SuggestCommand",
    "SupplementCommand",
    "ToResourceCommand",
    "TodoCommand",
    "WishCommand",
    "WithdrawCommand",
    "command_type",
    "parse_command",
    "private_choice",
    "strip_mentions",
]

_T = TypeVar("_T")


# The largest number a command may name: wish, resource and triage numbers are 32-bit
# integers in the database, and anything longer is a typo.
MAX_NUMBER = 2**31 - 1
MAX_BENEFICIARIES = 100_000
MAX_VALUE_YUAN = 100_000_000

_ID = r"#?\s*(\d+)\s*号?"
_ID_ONLY = re.compile(_ID)
_ID_HEAD = re.compile(_ID + r"(?:\s+|$|(?=\D))")
_SPACE = re.compile(r"\s+")
_MENTION_END = re.compile(r"\s")
_RESOURCE = re.compile(r"(?:资源)?\s*#?\s*(\d+)")
_RESOURCE_HEAD = re.compile(r"资源|#|\d")
_TRIAGE = re.compile(r"[Tt]\s*(\d+)")
_MEMBER = re.compile(r"@(?P<name>[^\s@]{1,50})\s+(?P<text>\S.*)")
# WeChat hands a quote reply over as the quote, a dashed line, then what was written.
_QUOTE = re.compile(
    r"^\s*「(?P<name>[^:：」\n]{1,50})[:：](?P<text>.+)」\s*\n\s*(?:-\s*){3,}\n(?P<reply>.*)$",
    re.DOTALL,
)
_LIST_SEP = re.compile(r"[\s,，、和]+")
_SUMMARY_LABEL = re.compile(r"^\s*(说明|备注)\s*[:：]?")
_PUBLIC_LABEL = re.compile(r"(?:^|(?<=\s)|(?<=[,;，；。]))公开\s*[:：]")
_SUMMARY_SEP = re.compile(r"^[\s,;，；.。、]+|[\s,;，；、]+$")
_TRAILING_PUNCT = " \t.,!?~。！？～"
# How to write a command, quoted back when it is malformed; any other is "<word> 42".
_FORMS = {
    "心愿": "#心愿 想说的心愿",
    "补充": "补充 42 要补充的内容",
    "我要": "我要 资源7",
    "匹配": "匹配 42 资源7（可以写多个：匹配 42 资源7 资源9）",
    "完成": "完成 42 受益30人 价值5000元 说明…… 公开：群里可以看到的说明",
    "关闭": f"关闭 42 重复（原因可写：{'/'.join(CLOSE_REASON_LABELS.values())}）",
    "改类": f"改类 42 健康（类别可写：{'、'.join(CATEGORY_LABELS.values())}）",
    "登记": "登记 T12，或 登记 @成员 心愿内容",
    "忽略": "忽略 T12",
}


def _bad(word: str) -> CommandError:
    return CommandError(f"格式不对哦，请这样写：{_FORMS.get(word, f'{word} 42')}")


def _number(digits: str) -> int:
    """A number a command names, within what the ledger can hold (1 … MAX_NUMBER)."""
    number = int(digits) if len(digits) <= 10 else MAX_NUMBER + 1
    if not 1 <= number <= MAX_NUMBER:
        raise CommandError(f"编号不对哦：编号是 1 到 {MAX_NUMBER} 之间的数字，请检查后再写")
    return number


def _id_and_rest(rest: str, word: str) -> tuple[int, str]:
    m = _ID_HEAD.match(rest)
    if not m:
        raise _bad(word)
    return _number(m.group(1)), rest[m.end() :].strip()


def _id_and_value(rest: str, word: str, read: Callable[[str], _T | None]) -> tuple[int, _T]:
    """``42 <something>``: the id and ``read(something)``; nothing or None is malformed."""
    seq, tail = _id_and_rest(rest, word)
    value = read(tail) if tail else None
    if value is None:
        raise _bad(word)
    return seq, value


def _take(patterns: Sequence[re.Pattern[str]], tail: str) -> tuple[re.Match[str] | None, str]:
    """The first pattern that matches (its first match), and the tail without it."""
    for pattern in patterns:
        if m := pattern.search(tail):
            return m, tail[: m.start()] + " " + tail[m.end() :]
    return None, tail


def _complete(rest: str) -> CompleteCommand:
    """完成 42 and what was achieved, in any order: 受益/服务/帮助 N 人, 价值 N 元, the rest is
    the summary. A count or sum beyond any real service is a typo, refused before it is kept.
    Everything after 公开： is the public summary, the only words the 圆梦 post may carry."""
    seq, tail = _id_and_rest(rest, "完成")
    public = ""
    if m := _PUBLIC_LABEL.search(tail):
        tail, public = tail[: m.start()], _SPACE.sub(" ", tail[m.end() :]).strip()
        public = _SUMMARY_SEP.sub("", public)
    people = value = None
    m, tail = _take(BENEFICIARIES, tail)
    if m is not None:
        counted = scaled(m.group("n"))
        if counted is not None and not 0 <= counted <= MAX_BENEFICIARIES:
            raise CommandError(
                f"受益人数最多可以记 {MAX_BENEFICIARIES} 人，请检查后再写，"
                f"例如：完成 {seq} 受益30人"
            )
        people = int(counted) if counted is not None else None
    m, tail = _take(VALUE, tail)
    if m is not None:
        value = scaled(m.group("n"), m.group("m"), m.group("u") or "")
        if value is not None and not 0 <= value <= MAX_VALUE_YUAN:
            raise CommandError(
                f"价值最多可以记 {MAX_VALUE_YUAN} 元（1亿元），请检查后再写，"
                f"例如：完成 {seq} 价值5000元"
            )
        value = round(value, 2) if value is not None else None
    summary = _SPACE.sub(" ", tail).strip()
    summary = re.sub(r"\s*([,;，；])(?:\s*[,;，；])+\s*", r"\1", summary)
    summary = _SUMMARY_SEP.sub("", _SUMMARY_LABEL.sub("", _SUMMARY_SEP.sub("", summary)))
    return CompleteCommand(seq, people, value, summary.strip(), public)


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
            ids.append(_number(m.group(1)))
    return tuple(ids) or None


def _request(rest: str) -> RequestResourceCommand:
    m = _RESOURCE.fullmatch(rest.strip(_TRAILING_PUNCT))
    if not m:
        raise _bad("我要")
    return RequestResourceCommand(_number(m.group(1)))


_Parser = Callable[[str], Command]


def _numbered(cls: type[Command]) -> _Parser:
    """A command whose one argument is a wish number; its word is the class's ``name``."""

    def parse(rest: str) -> Command:
        m = _ID_ONLY.fullmatch(rest.strip(_TRAILING_PUNCT))
        if not m:
            raise _bad(cls.name)
        return cls(_number(m.group(1)))  # type: ignore[call-arg]

    return parse


def _triage(cls: type[Command]) -> _Parser:
    """登记 T12 / 忽略 T12: the triage item's number."""

    def parse(rest: str) -> Command:
        m = _TRIAGE.fullmatch(rest.strip(_TRAILING_PUNCT))
        if not m:
            raise _bad(cls.name)
        return cls(_number(m.group(1)))  # type: ignore[call-arg]

    return parse


def _register(rest: str) -> Command:
    """登记 T12 accepts a triage item; 登记 @张三 内容 logs a wish for the member named."""
    if m := _MEMBER.fullmatch(rest):
        return RegisterForMemberCommand(m.group("name"), m.group("text").strip())
    return _triage(AcceptTriageCommand)(rest)


# Longest words first so 我的心愿 wins over 心愿 and 不是心愿 is not read as 不….
# A bare class is a command without arguments.
_COMMANDS: tuple[tuple[str, _Parser | type[Command]], ...] = (
    ("不是心愿", _numbered(NotWishCommand)),
    ("我的心愿", MyWishesCommand),
    # Personal-data rights: no arguments, so only the bare words (or addressed to the bot).
    ("删除我的信息", EraseMyDataCommand),
    ("我的信息", MyDataCommand),
    ("确认删除", ConfirmEraseCommand),
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
    ("推荐", _numbered(SuggestCommand)),
    ("转资源", _numbered(ToResourceCommand)),
    ("登记", _register),
    ("忽略", _triage(IgnoreTriageCommand)),
)
_CONFIRM = {"是", "是的", "确认", "对的"}
# Words that alone are everyday chat ("完成！", "开始"), so alone they are not a command.
_CHATTY = {"心愿", "完成", "开始", "我要", "关闭", "推荐", "登记", "忽略"}
# Everyday words whose command always names something (推荐 42, 登记 T12, 登记 @张三 …): not
# written that way and not addressed to the bot, they are chat ("推荐 一家好的培训班").
_ARGUMENT_HEAD = {
    "推荐": re.compile(r"#?\s*\d"),
    "登记": re.compile(r"[Tt]\s*\d|@"),
    "忽略": re.compile(r"[Tt]\s*\d"),
}


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
    if quoted := _QUOTE.match(text):
        return _quote_reply(quoted, bot_names)
    body, explicit = _addressed(text, bot_names)
    if body is None:
        return None
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
        head = _ARGUMENT_HEAD.get(word)
        if head is not None and not explicit and not head.match(rest):
            return None
        numbered = (
            rest[0] in "#0123456789"
            or (word == "我要" and rest.startswith("资源"))
            or head is not None  # its argument's shape was just checked (登记T12)
        )
        if not (explicit or separated or numbered):
            return None
        if word == "我要" and not explicit and not _RESOURCE_HEAD.match(rest):
            return None  # 我要 报名 / 我要 去上班了
        if word in ("服务", "资源") and not explicit and len(rest) > 8:
            return None  # "资源 共享真好啊，大家…" is chatter, a keyword is short
        return parse(rest)
    return None


def _addressed(text: str, bot_names: Sequence[str]) -> tuple[str | None, bool]:
    """The text without its mentions and # (None: addressed to someone else), and whether it
    was addressed to the bot explicitly (# or an @mention)."""
    folded = _SPACE.sub(" ", fold(text)).strip()
    body, names = strip_mentions(folded, bot_names)
    known = {fold(n).strip().lstrip("@") for n in bot_names} - {""}
    if known and any(name not in known for name in names):
        return None, False  # addressed to someone else (too)
    hashed = body.startswith("#")
    if hashed:
        body = body[1:].strip()
    return body, hashed or bool(names)


def _quote_reply(quoted: re.Match[str], bot_names: Sequence[str]) -> Command | None:
    """A quote reply: ``登记`` alone logs the quoted message for its author; anything else is
    read as if written without the quote (staff quoting a wish and writing 认领 42)."""
    reply = quoted.group("reply")
    body, _ = _addressed(reply, bot_names)
    if body is not None and body.strip(_TRAILING_PUNCT) == "登记":
        name = quoted.group("name").strip()
        content = _SPACE.sub(" ", quoted.group("text")).strip()
        if name and content:
            return RegisterForMemberCommand(name, content)
        raise _bad("登记")
    return parse_command(reply, bot_names) if reply.strip() else None


# ---- the private channel: a member answers which office her private wish is for ---------------

PRIVATE_CHOICE = "选择"  # the name the bot gives her answer when it sends it to the ledger
_PRIVATE_CHOICE = re.compile(r"(?:选择?|第)?\s*(\d)\s*(?:个|号)?")


def private_choice(text: str) -> int | None:
    """A bare 「1」「２」「选2」 sent privately: her pick from a numbered list, else None."""
    found = _PRIVATE_CHOICE.fullmatch(fold(text).strip(_TRAILING_PUNCT))
    return int(found.group(1)) if found else None
