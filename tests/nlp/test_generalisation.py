"""Patterns added so the rules generalise beyond the development corpus (own sentences)."""

from __future__ import annotations

import pytest

from models.enums import Category, WishKind
from nlp.recogniser import Recogniser
from nlp.rules import parse_rules


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("周末想约姐妹们去露营烧烤，能帮忙找个营地吗", Category.culture),
        ("想组织骑手们来一次爬山，有没有路线推荐", Category.culture),
        ("我妈中风后瘫在床上，家里积蓄都花光了，有没有救助政策", Category.care),
        ("女儿是脑瘫儿，康复训练一个月要三千，有没有补贴", Category.care),
        ("外卖员在商圈没地方歇脚，能不能设个爱心驿站", Category.care),
        ("想在家做点副业补贴家用，有没有靠谱的兼职介绍", Category.career),
        ("试用期干了一个月被辞退，工资一分没结", Category.legal),
        ("建议在地铁口增设非机动车停放点", Category.other),
    ],
)
def test_broader_vocabulary(rec: Recogniser, text: str, category: Category) -> None:
    c = rec.classify(text)
    assert c.is_wish and c.kind == WishKind.need, (text, c)
    assert c.category == category, (text, c)


@pytest.mark.parametrize(
    "text",
    [
        "我可以每周三晚上来做志愿者，给孩子们辅导功课",
        "我们店可以免费提供场地给姐妹们开会",
        "我会剪纸，过年办活动需要的话可以来教大家",
        "公司想赞助这次亲子运动会的奖品",
    ],
)
def test_offer_phrasing(rec: Recogniser, text: str) -> None:
    c = rec.classify(text)
    assert c.is_wish and c.kind == WishKind.offer, (text, c)
    assert c.category == Category.volunteer


def test_asking_whether_i_can_apply_is_a_need(rec: Recogniser) -> None:
    c = rec.classify("家里就我一个劳动力，我可以申请低保吗")
    assert c.is_wish and c.kind == WishKind.need and c.category == Category.care


@pytest.mark.parametrize(
    "text",
    [
        "上周的育儿讲座很有用，希望以后多办几场",  # feedback after an event
        "本周六的插花课名额已满，没报上的下次再来",  # staff notice
        "今晚八点家长课堂准时开讲，请提前进群",
        "经核实，您反映的路灯问题已由街道修复",  # official reply
        "社区妇女微家已于上周正式挂牌成立",  # report of work done
        "转发：人社部出台新政策支持灵活就业",  # forwarded news
        "希望儿子这次期末考个好成绩",  # well-wishing
        "多亏社区帮忙，我家的补助批下来了",  # thanks
    ],
)
def test_hard_negatives(rec: Recogniser, text: str) -> None:
    c = rec.classify(text)
    assert not c.is_wish, (text, c)


def test_offer_patterns_parse_and_merge() -> None:
    base = parse_rules("offer_patterns:\n  - name: a\n    regex: '我们可以'\n    weight: 1.5\n")
    extra = parse_rules("offer_patterns:\n  - name: b\n    regex: '免费'\n    weight: 1.0\n")
    merged = base.merge(extra)
    assert set(merged.offer_patterns) == {"a", "b"}
    assert merged.offer_patterns["a"].weight == 1.5
