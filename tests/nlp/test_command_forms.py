"""Commands as staff really write them: amounts anywhere, Chinese numerals, sane bounds, and the
new staff commands (推荐, 转资源, 登记 T12 / @成员 / a quote reply, 忽略)."""

from __future__ import annotations

import pytest

from nlp import CommandError, parse_command
from nlp.commands import (
    MAX_NUMBER,
    AcceptTriageCommand,
    ClaimCommand,
    Command,
    CompleteCommand,
    IgnoreTriageCommand,
    MatchCommand,
    QueryCommand,
    RegisterForMemberCommand,
    SuggestCommand,
    ToResourceCommand,
)
from nlp.entities import cn_number

BOT = ("妇联小助手",)
DASHES = "- - - - - - - - - - - - - - -"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "完成 6 服务了3人，价值600元，心理咨询师上门",
            CompleteCommand(6, 3, 600.0, "心理咨询师上门"),
        ),
        (
            "完成 6 心理咨询师上门，服务三十人，价值五千元",
            CompleteCommand(6, 30, 5000.0, "心理咨询师上门"),
        ),
        ("完成 6 帮助12户 两百元慰问品", CompleteCommand(6, 12, 200.0, "慰问品")),
        ("完成 6 受益三十户 价值1.2万元", CompleteCommand(6, 30, 12000.0, "")),
        ("完成 6 价值一万二 30人受益", CompleteCommand(6, 30, 12000.0, "")),
        ("完成 6 惠及 45 名 价值两千零五元", CompleteCommand(6, 45, 2005.0, "")),
        ("完成 6 五位律师上门 价值3千元", CompleteCommand(6, 5, 3000.0, "律师上门")),
        ("完成 6 共计1.5万元 受益 20 位 说明：暖心包", CompleteCommand(6, 20, 15000.0, "暖心包")),
        ("完成 6 服务3次 大家很满意", CompleteCommand(6, None, None, "服务3次 大家很满意")),
        ("完成 6 受益0人", CompleteCommand(6, 0, None, "")),
    ],
)
def test_complete_reads_people_and_value_anywhere(text: str, expected: Command) -> None:
    assert parse_command(text, BOT) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("三十", 30),
        ("五千", 5000),
        ("两百", 200),
        ("一万二", 12000),
        ("两千五", 2500),
        ("两千零五", 2005),
        ("三十五", 35),
        ("一百二十", 120),
    ],
)
def test_chinese_numerals(text: str, value: int) -> None:
    assert cn_number(text) == value


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("完成 2 受益99999999999人", "100000 人"),
        ("完成 2 服务了十万零一人", "100000 人"),
        ("完成 2 价值2亿元", "100000000 元"),
        ("完成 2 受益3人 价值99999999999元", "100000000 元"),
    ],
)
def test_impossible_amounts_are_refused_politely(text: str, limit: str) -> None:
    with pytest.raises(CommandError) as err:
        parse_command(text, BOT)
    assert limit in err.value.message and "请检查后再写" in err.value.message


@pytest.mark.parametrize(
    "text",
    [
        "认领 0",
        "认领 99999999999",
        f"查询 {MAX_NUMBER + 1}",
        "补充 3000000000 周六有空",
        "匹配 4 资源99999999999",
        "我要 资源0",
        "推荐 99999999999",
        "登记 T99999999999",
        "完成 99999999999 受益3人",
    ],
)
def test_numbers_beyond_the_ledger_are_refused_politely(text: str) -> None:
    with pytest.raises(CommandError) as err:
        parse_command(text, BOT)
    assert err.value.message == f"编号不对哦：编号是 1 到 {MAX_NUMBER} 之间的数字，请检查后再写"


def test_the_largest_number_is_accepted() -> None:
    assert parse_command(f"认领 {MAX_NUMBER}", BOT) == ClaimCommand(MAX_NUMBER)
    assert parse_command(f"匹配 1 资源{MAX_NUMBER}", BOT) == MatchCommand(1, (MAX_NUMBER,))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("推荐 42", SuggestCommand(42)),
        ("推荐#42", SuggestCommand(42)),
        ("@妇联小助手\u2005推荐 42", SuggestCommand(42)),
        ("转资源 7", ToResourceCommand(7)),
        ("转资源＃７", ToResourceCommand(7)),
        ("登记 T12", AcceptTriageCommand(12)),
        ("登记 t12", AcceptTriageCommand(12)),
        ("登记Ｔ１２", AcceptTriageCommand(12)),
        ("忽略 T3", IgnoreTriageCommand(3)),
        (
            "登记 @张秀英\u2005想学电商直播带货",
            RegisterForMemberCommand("张秀英", "想学电商直播带货"),
        ),
        (
            "登记 @李娟 孩子上小学，想了解幼小衔接",
            RegisterForMemberCommand("李娟", "孩子上小学,想了解幼小衔接"),
        ),
        (
            f"「张秀英：能不能请律师讲讲劳动合同」\n{DASHES}\n登记",
            RegisterForMemberCommand("张秀英", "能不能请律师讲讲劳动合同"),
        ),
        (
            f"「王梅:想给孩子报个书法班」\n{DASHES}\n@妇联小助手\u2005登记",
            RegisterForMemberCommand("王梅", "想给孩子报个书法班"),
        ),
        (f"「王梅：想给孩子报个书法班」\n{DASHES}\n认领 42", ClaimCommand(42)),
        (f"「王梅：我的心愿有消息吗」\n{DASHES}\n查询 5", QueryCommand(5)),
    ],
)
def test_new_staff_commands(text: str, expected: Command) -> None:
    assert parse_command(text, BOT) == expected


@pytest.mark.parametrize(
    "text",
    [
        "推荐一下好的培训班",
        "推荐 一家好的培训班给我吧",
        "推荐",
        "登记",
        "登记了吗",
        "登记 一下我的信息",
        "忽略 这个吧",
        "忽略",
        "转资源这个词好新鲜",
        f"「王梅：想给孩子报个书法班」\n{DASHES}\n好的，谢谢",
        f"「王梅：想给孩子报个书法班」\n{DASHES}\n@张姐 登记",
    ],
)
def test_everyday_sentences_with_the_new_words_are_not_commands(text: str) -> None:
    assert parse_command(text, BOT) is None


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("#登记 一下", "登记 T12"),
        ("#登记 T", "登记 T12"),
        ("#忽略 一下", "忽略 T12"),
        ("#推荐 abc", "推荐 42"),
        ("转资源 abc", "转资源 42"),
    ],
)
def test_malformed_new_commands(text: str, hint: str) -> None:
    with pytest.raises(CommandError) as err:
        parse_command(text, BOT)
    assert hint in err.value.message


def test_the_new_commands_are_for_staff_only() -> None:
    for cls in (
        SuggestCommand,
        ToResourceCommand,
        AcceptTriageCommand,
        IgnoreTriageCommand,
        RegisterForMemberCommand,
    ):
        assert cls.staff_only, cls
    assert {"推荐", "转资源", "登记", "忽略", "代登记"} <= {
        c.name for c in Command.__subclasses__()
    }
