from __future__ import annotations

import pytest

from models.enums import Category, CloseReason
from nlp import CommandError, parse_command
from nlp.commands import (
    COMMAND_TYPES,
    ClaimCommand,
    CloseCommand,
    Command,
    CompleteCommand,
    ConfirmCommand,
    HelpCommand,
    LedgerCommand,
    MatchCommand,
    MyWishesCommand,
    NotWishCommand,
    QueryCommand,
    RecategoriseCommand,
    RequestResourceCommand,
    ResourcesCommand,
    StartCommand,
    SupplementCommand,
    TodoCommand,
    WishCommand,
    WithdrawCommand,
    strip_mentions,
)

BOT = ("妇联小助手",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#心愿 想给孩子报个书法班", WishCommand("想给孩子报个书法班")),
        ("＃心愿　想学烘焙", WishCommand("想学烘焙")),
        ("查询 42", QueryCommand(42)),
        ("查询 #42", QueryCommand(42)),
        ("查询＃42", QueryCommand(42)),
        ("查询 ４２", QueryCommand(42)),
        ("#查询42", QueryCommand(42)),
        ("我的心愿", MyWishesCommand()),
        ("补充 42 孩子今年五岁", SupplementCommand(42, "孩子今年五岁")),
        ("撤回 7", WithdrawCommand(7)),
        ("服务", ResourcesCommand(None)),
        ("资源", ResourcesCommand(None)),
        ("资源 法律", ResourcesCommand("法律")),
        ("我要 资源7", RequestResourceCommand(7)),
        ("我要资源７", RequestResourceCommand(7)),
        ("认领 42", ClaimCommand(42)),
        ("匹配 42 资源7", MatchCommand(42, (7,))),
        ("匹配 42 资源7 资源9", MatchCommand(42, (7, 9))),
        ("匹配 #42 资源7，资源9", MatchCommand(42, (7, 9))),
        ("开始 42", StartCommand(42)),
        ("完成 42", CompleteCommand(42)),
        (
            "完成 42 受益30人 价值5000元 说明 母亲节送暖心包",
            CompleteCommand(42, 30, 5000.0, "母亲节送暖心包"),
        ),
        ("完成 42 价值1.5万元", CompleteCommand(42, None, 15000.0, "")),
        ("关闭 42 重复", CloseCommand(42, CloseReason.duplicate, "")),
        ("关闭 42 无法帮助 超出范围", CloseCommand(42, CloseReason.cannot_help, "超出范围")),
        ("改类 42 健康", RecategoriseCommand(42, Category.health)),
        ("改类 42 family", RecategoriseCommand(42, Category.family)),
        ("改类 42 婚姻家庭", RecategoriseCommand(42, Category.marriage)),
        ("不是心愿 42", NotWishCommand(42)),
        ("待办", TodoCommand()),
        ("台账", LedgerCommand()),
        ("帮助", HelpCommand()),
        ("帮助？", HelpCommand()),
        ("是", ConfirmCommand()),
        ("是的", ConfirmCommand()),
        ("@妇联小助手\u2005认领 42", ClaimCommand(42)),
        ("@妇联小助手 帮助", HelpCommand()),
        ("@妇联小助手\u2005#匹配 42 资源3", MatchCommand(42, (3,))),
    ],
)
def test_commands(text: str, expected: Command) -> None:
    assert parse_command(text, bot_names=BOT) == expected


@pytest.mark.parametrize(
    "text",
    [
        "完成了，谢谢大家",
        "开始吧",
        "开始",
        "完成",
        "服务态度很好",
        "资源共享很重要",
        "我要报名",
        "我要 去上班了",
        "心愿池真好",
        "帮助别人快乐自己",
        "@张姐 认领 42",  # addressed to someone else
        "希望能办个读书会",
        "",
    ],
)
def test_not_commands(text: str) -> None:
    assert parse_command(text, bot_names=BOT) is None


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("认领 abc", "认领 42"),
        ("认领", "认领 42"),
        ("查询", "查询 42"),
        ("匹配 42", "匹配 42 资源7"),
        ("匹配 42 资源x", "匹配 42 资源7"),
        ("关闭 42", "关闭 42 重复"),
        ("关闭 42 不想要了", "关闭 42 重复"),
        ("改类 42 火星", "改类 42 健康"),
        ("补充 42", "补充 42"),
        ("#开始", "开始 42"),
        ("我要 资源abc", "我要 资源7"),
    ],
)
def test_malformed_commands(text: str, hint: str) -> None:
    with pytest.raises(CommandError) as err:
        parse_command(text, bot_names=BOT)
    assert err.value.message.startswith("格式不对哦，请这样写：")
    assert hint in err.value.message


def test_staff_only_flags() -> None:
    assert ClaimCommand.staff_only and CloseCommand.staff_only and TodoCommand.staff_only
    assert not QueryCommand.staff_only and not WishCommand.staff_only
    assert ClaimCommand(1).name == "认领"


def test_any_mention_is_stripped_without_bot_names() -> None:
    assert parse_command("@小助手 查询 5") == QueryCommand(5)


@pytest.mark.parametrize(
    ("text", "names", "body", "mentioned"),
    [
        ("@妇联小助手\u2005查询 5", BOT, "查询 5", ("妇联小助手",)),
        ("@妇联小助手 @张姐\u2005你好", BOT, "你好", ("妇联小助手", "张姐")),
        ("@心愿 小助手 认领 42", ("心愿 小助手",), "认领 42", ("心愿 小助手",)),
        ("＠妇联小助手　最近睡眠不好", BOT, "最近睡眠不好", ("妇联小助手",)),
        ("@妇联小助手", BOT, "", ("妇联小助手",)),
        ("希望办个读书会 @妇联小助手", BOT, "希望办个读书会 @妇联小助手", ()),
    ],
)
def test_strip_mentions(
    text: str, names: tuple[str, ...], body: str, mentioned: tuple[str, ...]
) -> None:
    assert strip_mentions(text, names) == (body, mentioned)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@心愿 小助手 认领 42", ClaimCommand(42)),  # a bot name with a space
        ("完成 42 受益三十人", CompleteCommand(42, 30, None, "")),
        ("完成 42 受益 12 户 价值两千五百元", CompleteCommand(42, 12, 2500.0, "")),
        ("完成 42 价值3万 说明 暖心包", CompleteCommand(42, None, 30000.0, "暖心包")),
    ],
)
def test_shared_mention_and_amount_rules(text: str, expected: Command) -> None:
    assert parse_command(text, bot_names=("心愿 小助手",)) == expected


def test_a_command_names_its_wish_by_number() -> None:
    assert ClaimCommand(42).seq == 42 and SupplementCommand(7, "补充").seq == 7
    assert not any(
        "wish_id" in getattr(cls, "__dataclass_fields__", {}) for cls in COMMAND_TYPES.values()
    )


def test_the_command_table_knows_every_command_the_parser_makes() -> None:
    assert COMMAND_TYPES["认领"] is ClaimCommand and COMMAND_TYPES["资源"] is ResourcesCommand


@pytest.mark.parametrize(
    ("text", "summary", "public"),
    [
        ("完成 42 受益30人 公开：开办了育儿讲座", "", "开办了育儿讲座"),
        ("完成 42 为她提供法律援助 公开:举办了法律讲座", "为她提供法律援助", "举办了法律讲座"),
        ("完成 42 受益30人，公开：开办了育儿讲座", "", "开办了育儿讲座"),
        ("完成 42 说明 公开课很受欢迎", "公开课很受欢迎", ""),  # 公开 without a colon is words
        ("完成 42 送了暖心包", "送了暖心包", ""),
    ],
)
def test_complete_takes_a_public_summary(text: str, summary: str, public: str) -> None:
    command = parse_command(text)
    assert isinstance(command, CompleteCommand)
    assert (command.summary, command.public_summary) == (summary, public)
