"""Context-aware recognition: speaker, explicit markers, message shape, the room's recent talk.

All sentences are written for these tests.
"""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from models.enums import Category
from nlp.context import Context, Conversation, Turn
from nlp.recogniser import Classification, Recogniser

NOTICE = "【通知】本周六上午9点在街道二楼开展免费两癌筛查，请需要的姐妹提前报名"


def in_room(rec: Recogniser, *lines: tuple[str, str]) -> list[Classification]:
    conv = Conversation()
    return [conv.classify(rec, text, room="r", speaker=who) for who, text in lines]


@pytest.mark.parametrize(
    "text",
    [
        "@陈姐 收到，工资的事我下午请律师打给你，别着急",
        "这个情况我私信你，明天一起去人社局问问",
        "【报名】下周三晚上七点线上直播带货培训，扫码进群",
        "大家有困难随时在群里说，我们尽快对接",
    ],
)
def test_staff_lines_are_never_logged(rec: Recogniser, text: str) -> None:
    c = rec.classify(text, Context(speaker="staff"))
    assert c.outcome == "ignore" and not c.is_wish and not c.needs_confirmation
    assert "context:staff" in c.rules


def test_staff_relay_with_tag_is_a_wish(rec: Recogniser) -> None:
    c = rec.classify("#心愿 辖区一位快递员大姐被站点扣了两个月押金，想请律师帮忙", Context("staff"))
    assert c.outcome == "ack" and c.is_wish
    assert c.category == Category.legal


@pytest.mark.parametrize(
    "text",
    [
        "#心愿 下班后想学点化妆，有没有便宜的课",
        "@妇联小助手 #心愿 能不能给我们站点的姐妹安排一次体检",
        "＃心愿 女儿放暑假没人带，附近有托管吗",
    ],
)
def test_wish_tag_is_explicit(rec: Recogniser, text: str) -> None:
    c = rec.classify(text)
    assert c.outcome == "ack", c
    assert "context:wish_tag" in c.rules


def test_empty_tag_and_named_pool_are_not_wishes(rec: Recogniser) -> None:
    assert rec.classify("#心愿").outcome == "ignore"
    assert "context:wish_tag" not in rec.classify("#心愿池 本周办结情况").rules


def test_addressing_the_bot_with_a_request_is_explicit(rec: Recogniser) -> None:
    c = rec.classify("@心愿池\u2005我们这边女司机想学点防身术")
    assert c.outcome == "ack" and "context:to_bot" in c.rules


@pytest.mark.parametrize("text", ["@心愿池 你好呀", "@妇联小助手 谢谢你", "@心愿池 你是真人吗"])
def test_greeting_the_bot_is_not_a_wish(rec: Recogniser, text: str) -> None:
    assert rec.classify(text).outcome == "ignore"


def test_bot_names_are_configurable(rec: Recogniser) -> None:
    ctx = Context(bot_names=("暖新小帮手",))
    c = rec.classify("@暖新小帮手 我们想学点防身术", ctx)
    assert "context:to_bot" in c.rules
    assert "context:to_bot" not in rec.classify("@心愿池 我们想学点防身术", ctx).rules


@pytest.mark.parametrize(
    "text",
    [
        "#接龙 周日亲子烘焙报名\n1. 王芳+儿子\n2. 李娜+女儿",
        "亲子烘焙接龙\n1. 王芳 想带孩子来\n2. 刘敏 希望能参加",
        "【转发】关于开展灵活就业人员参保补贴申请的通知 https://example.org/x",
        "【海报】巾帼家政技能培训开班啦，长按识别二维码报名",
        "[动画表情]",
        "[图片][图片]",
        "[红包]",
    ],
)
def test_chains_forwards_and_stickers_are_ignored(rec: Recogniser, text: str) -> None:
    c = rec.classify(text)
    assert c.outcome == "ignore", c
    assert any(r.startswith("context:") for r in c.rules)


def test_quoted_reply_is_scored_on_the_reply_only(rec: Recogniser) -> None:
    quote = "「王姐：谢谢大家的红包」\n- - - - - - -\n"
    assert rec.classify(quote + "哈哈哈").outcome == "ignore"
    assert rec.classify(quote + "想问下站点押金被扣了怎么要回来").outcome == "ack"


@pytest.mark.parametrize(
    "question",
    ["几点开始呀？", "在哪个门进？", "那边好停车吗", "需要带身份证吗", "可以带孩子一起去吗"],
)
def test_detail_question_after_a_notice_is_not_a_wish(rec: Recogniser, question: str) -> None:
    notice, follow = in_room(rec, ("staff", NOTICE), ("member", question))
    assert notice.outcome == "ignore"
    assert follow.outcome == "ignore" and "context:follow_up" in follow.rules


def test_same_question_without_a_notice_is_not_a_follow_up(rec: Recogniser) -> None:
    (c,) = in_room(rec, ("member", "需要带身份证吗"))
    assert "context:follow_up" not in c.rules


def test_a_real_wish_after_a_notice_still_reaches_staff(rec: Recogniser) -> None:
    _, c = in_room(
        rec, ("staff", NOTICE), ("member", "我在酒店做保洁，老板三个月没发工资了，能帮忙吗")
    )
    assert c.outcome == "ack" and c.category == Category.legal


def test_reaction_right_after_a_staff_answer_goes_to_triage(rec: Recogniser) -> None:
    answer = "@小周 收到，我跟社区说一声，明天给你回话"
    _, c = in_room(rec, ("staff", answer), ("member", "小区门口的路灯坏了好几天，希望尽快修"))
    assert c.outcome == "triage" and "context:after_staff_reply" in c.rules
    (alone,) = in_room(rec, ("member", "小区门口的路灯坏了好几天，希望尽快修"))
    assert alone.outcome == "ack"


def test_conversation_is_per_room_and_bounded(rec: Recogniser) -> None:
    conv = Conversation(window=2)
    conv.add(NOTICE, room="a", speaker="staff")
    assert "context:follow_up" not in conv.classify(rec, "几点开始？", room="b").rules
    assert "context:follow_up" in conv.classify(rec, "几点开始？", room="a").rules
    conv.add("好的", room="a")
    conv.add("好的", room="a")
    assert [t.text for t in conv.context("a").history] == ["好的", "好的"]
    assert "context:follow_up" not in conv.classify(rec, "几点开始？", room="a").rules


def test_old_turns_stop_counting() -> None:
    conv = Conversation(max_age=60)
    conv.add(NOTICE, room="a", speaker="staff", ts=0.0)
    assert conv.context("a", ts=30.0).history
    assert conv.context("a", ts=3600.0).history == ()


def test_context_rejects_unknown_speaker() -> None:
    with pytest.raises(ValueError):
        Context(speaker="boss")
    assert Turn("收到").speaker == "member"


def test_outcome_matches_old_flags(rec: Recogniser) -> None:
    for text in ("收到", "工资拖了两个月", "老板拖欠我三个月工资，怎么维权"):
        c = rec.classify(text)
        assert c.is_wish == (c.outcome == "ack")
        assert c.needs_confirmation == (c.outcome == "triage")
    with pytest.raises(ValueError):
        Classification(True, c.kind, c.category, 0.9, (), (), False, outcome="ignore")


def test_thresholds_move_the_bands(rec: Recogniser) -> None:
    text = "工资拖了两个月"
    assert rec.classify(text).outcome == "triage"
    assert Recogniser(rec.rules, wish_threshold=0.4, grey_lower=0.2).classify(text).outcome == "ack"
    strict = Recogniser(rec.rules, wish_threshold=0.9, grey_lower=0.8)
    assert strict.classify(text).outcome == "ignore"


@pytest.fixture
def app() -> typer.Typer:
    from nlp import cli

    app = typer.Typer()
    app.command("classify")(cli.classify_command)
    app.command("noop")(lambda: None)  # a second command keeps "classify" a subcommand
    return app


def test_cli_uses_the_room_conversation(app: typer.Typer) -> None:
    lines = [
        {"id": 1, "text": NOTICE, "speaker": "staff", "room": "g1"},
        {"id": 2, "text": "几点开始呀？", "room": "g1"},
        {"id": 3, "text": "几点开始呀？", "room": "g2"},
        {"id": 4, "text": "网约车平台无故封号，押金也不退，想找律师", "room": "g2"},
    ]
    stdin = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)
    result = CliRunner().invoke(app, ["classify"], input=stdin)
    assert result.exit_code == 0, result.output
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, 2, 3, 4]
    assert out[0]["outcome"] == "ignore" and out[1]["outcome"] == "ignore"
    assert out[3]["outcome"] == "ack" and out[3]["is_wish"] and out[3]["category"] == "legal"
    assert all(o["is_wish"] == (o["outcome"] == "ack") for o in out)
    assert {"id", "is_wish", "outcome", "kind", "category", "confidence"} == set(out[0])


@pytest.mark.parametrize(
    "line", ['{"id": 1, "text": "好", "speaker": "boss"}', '{"id": 1}', '{"text": "x", "ts": "n"}']
)
def test_cli_rejects_bad_lines(app: typer.Typer, line: str) -> None:
    result = CliRunner().invoke(app, ["classify"], input=line + "\n")
    assert result.exit_code == 2
    assert "第 1 行" in result.output
