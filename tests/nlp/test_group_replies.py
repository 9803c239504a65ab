"""What a federation group says all day that is not a wish (own sentences).

Sign-up replies to a notice, remarks about one's own lapses, retold questions and invitations
among members must not get a public acknowledgement; the same topics asked for still do.
"""

from __future__ import annotations

import pytest

from models.enums import Category
from nlp.context import Conversation
from nlp.recogniser import Recogniser

NOT_ACKED = {
    "sign_up_reply": [
        "插花课我报名",
        "亲子运动会我也报一个",
        "周六的健步走算我一个",
        "我和闺女报两个，谢谢主任",
        "+1 我家也去",
    ],
    "lapse_remark": [
        "唉，我都好几年没体检了",
        "我五年没回过娘家了",
        "说起来我三个月没休息过",
    ],
    "retold_question": [
        "昨天有个顾客问我外卖为什么这么慢",
        "有位老人问过我这个码怎么扫，我也不会",
        "刚才有人问我孩子为什么不能带进来",
    ],
    "invite": [
        "有没有人一起去小区门口那家火锅，我请",
        "下班谁想一起去新开的奶茶店",
        "今天发工资了，我请大家",
    ],
}

STILL_WISHES = [
    ("我想报名电商直播培训，在哪报", Category.career),
    ("两癌筛查我也想报一个，怎么报名？", Category.health),
    ("我们村好几年没通公交了，希望能开一条线路", Category.other),
    ("好几年没体检了，能不能组织一次免费体检", Category.health),
    ("有个家长问我能不能办个家庭教育讲座，妇联能组织吗", Category.family),
    ("老板拖欠了我们三个月工资，有没有人一起去劳动监察反映", Category.legal),
]


@pytest.mark.parametrize(
    ("rule", "text"), [(rule, text) for rule, texts in NOT_ACKED.items() for text in texts]
)
def test_group_talk_is_not_acknowledged(rec: Recogniser, rule: str, text: str) -> None:
    c = rec.classify(text)
    assert c.outcome != "ack", (text, c.confidence, c.rules)
    assert f"negative:{rule}" in c.rules


@pytest.mark.parametrize(("text", "category"), STILL_WISHES)
def test_asked_for_it_is_still_a_wish(rec: Recogniser, text: str, category: Category) -> None:
    c = rec.classify(text)
    assert c.outcome == "ack", (text, c.confidence, c.rules)
    assert c.category == category


def test_sign_up_replies_after_a_notice_stay_quiet(rec: Recogniser) -> None:
    conv = Conversation()
    notice = "【活动预告】本周日上午九点湿地公园亲子徒步，欢迎姐妹们带娃参加，群里接龙报名"
    assert conv.classify(rec, notice, room="r", speaker="staff").outcome == "ignore"
    replies = ["徒步我报名，带娃两个", "算我一个", "我也报一个"]
    assert [conv.classify(rec, t, room="r").outcome for t in replies] == ["ignore"] * 3
    wish = conv.classify(rec, "孩子放学没人接，附近有没有托管班？", room="r")
    assert wish.outcome == "ack"
