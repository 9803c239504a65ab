from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from models.enums import Category, WishKind
from nlp.recogniser import Recogniser

REPO = Path(__file__).resolve().parents[2]

WISHES = [
    ("我们小区幼儿园的孩子想去科技馆研学，妇联能帮忙联系吗", Category.family),
    ("女儿上小学后作业拖拉，希望有家庭教育讲座", Category.family),
    ("厂里欠了我们两个月工资，老板电话也不接，怎么办", Category.legal),
    ("签了劳动合同却不给交五险，想问问怎么维权", Category.legal),
    ("想参加电商直播培训，请问哪里报名", Category.career),
    ("四十岁了想转行做家政，有没有免费的技能培训", Category.career),
    ("请问今年的两癌筛查什么时候开始", Category.health),
    ("最近压力很大老是失眠，能不能约个心理咨询", Category.health),
    ("能不能组织一场女职工羽毛球比赛", Category.culture),
    ("希望街道图书室周末也开放", Category.culture),
    ("老公天天打牌不回家，婆婆还护着他，谁能来调解一下", Category.marriage),
    ("站里单身姑娘多，能不能办个相亲联谊", Category.marriage),
    ("邻居大爷一个人住，腿脚残疾，生活很困难，能申请救助吗", Category.care),
    ("村里留守儿童春节前能不能上门看看他们", Category.care),
    ("我们网点打算成立妇女微家，要办哪些手续", Category.organization),
    ("想当社区妇联执委，怎么报名", Category.organization),
    ("小区门口的路灯坏了半个月了，希望尽快修好", Category.other),
    ("公交车晚上八点就停了，能不能延长末班车", Category.other),
]

NOT_WISHES = [
    "收到",
    "好的，马上到",
    "谢谢各位姐妹的帮助，辛苦了",
    "【通知】请各单位于本周五前报送妇女儿童工作统计表",
    "本周三的亲子阅读活动已于上午顺利举行，共有40余名家长参加",
    "【转发】暑期防溺水安全提醒 https://example.com/a",
    "这家酒店的早餐一般，希望以后能改进",
    "这本书内容不错，建议大家买来看看",
    "祝大家中秋快乐，阖家幸福",
    "今天风好大，骑车差点被吹倒了哈哈",
    "您好，来信所提问题已收到，现已转交有关部门核实处理",
    "你是机器人吗",
    "希望各单位务必重视，认真抓好落实",
    "昨天的讲座讲得真好，老师很专业",
]


@pytest.mark.parametrize(("text", "category"), WISHES)
def test_wishes_and_their_category(rec: Recogniser, text: str, category: Category) -> None:
    c = rec.classify(text)
    assert c.is_wish, (text, c)
    assert c.category == category, (text, c)
    assert c.kind == WishKind.need
    assert c.keywords  # staff can see why


@pytest.mark.parametrize("text", NOT_WISHES)
def test_not_wishes(rec: Recogniser, text: str) -> None:
    c = rec.classify(text)
    assert not c.is_wish, (text, c)
    assert c.confidence < 0.5


@pytest.mark.parametrize(
    "text",
    [
        "我们公司愿意捐一百套学习用品给困难家庭的孩子",
        "我是律师，每月可以免费给姐妹们做一次法律咨询，有需要私聊我",
        "我们饭店周末场地空着，可以免费借给姐妹们搞活动",
    ],
)
def test_offers_are_volunteer(rec: Recogniser, text: str) -> None:
    c = rec.classify(text)
    assert c.is_wish and c.kind == WishKind.offer
    assert c.category == Category.volunteer


def test_asking_for_donations_is_a_need(rec: Recogniser) -> None:
    c = rec.classify("孩子学费交不上，求资助")
    assert c.is_wish and c.kind == WishKind.need and c.category == Category.care


def test_trigger_and_negative_are_reported(rec: Recogniser) -> None:
    c = rec.classify("谢谢大家")
    assert "negative:thanks_only" in c.rules
    c = rec.classify("请问哪里可以办居住证")
    assert "trigger:请问" in c.keywords
    assert "other:居住证" in c.keywords


def test_longest_keyword_wins(rec: Recogniser) -> None:
    c = rec.classify("残疾人有什么补贴政策")
    assert "care:残疾人" in c.keywords
    assert "care:残疾" not in c.keywords


def test_grey_zone_asks_instead_of_deciding(rec: Recogniser) -> None:
    # A grievance with no ask is uncertain: staff see it privately (a bare "希望明年好一点"
    # used to be the example; in a group that is well-wishing, now ignored).
    c = rec.classify("工资拖了两个月")
    assert not c.is_wish
    assert c.needs_confirmation and c.outcome == "triage"
    assert 0.3 <= c.confidence < 0.5
    sure = rec.classify("收到")
    assert not sure.needs_confirmation


def test_thresholds_are_configurable(rec: Recogniser) -> None:
    strict = Recogniser(rec.rules, wish_threshold=0.99, grey_lower=0.2)
    c = strict.classify("想学直播带货")
    assert not c.is_wish and c.needs_confirmation


def test_full_width_and_mentions_do_not_matter(rec: Recogniser) -> None:
    a = rec.classify("@妇联小助手\u2005请问两癌筛查在哪里做？")
    b = rec.classify("请问两癌筛查在哪里做?")
    assert a.is_wish and b.is_wish and a.category == b.category == Category.health


def test_global_jieba_untouched() -> None:
    code = (
        "import jieba\n"
        "from nlp.recogniser import Recogniser\n"
        "from nlp.rules import DEFAULT_RULES, load_rules\n"
        "r = Recogniser(load_rules(DEFAULT_RULES), user_words=['心愿小助手专用词'])\n"
        "r.classify('希望妇联办个幼小衔接讲座')\n"
        "print(jieba.dt.initialized, '心愿小助手专用词' in jieba.dt.FREQ,\n"
        "      '心愿小助手专用词' in r.tokenizer.FREQ, '幼小衔接' in r.tokenizer.FREQ)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False", "True", "True"]
    assert "Building prefix dict" not in out.stderr  # jieba's chatter is silenced
