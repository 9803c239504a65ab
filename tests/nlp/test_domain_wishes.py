"""Fresh probes in the voice of new-employment-group women and their groups (own sentences).

Wishes must reach staff (ack, each alone as a member's message); chatter, notices and staff
answers must not be acknowledged in the group.
"""

from __future__ import annotations

import pytest

from models.enums import Category
from nlp.context import Context, Conversation
from nlp.recogniser import Recogniser

WISHES = [
    ("酒店拖欠保洁阿姨工资", Category.legal),
    ("我在民宿打工，老板不签合同", Category.legal),
    ("前台小妹被客人骚扰，该找谁", Category.legal),
    ("我是设计师，想参加创业培训", Category.career),
    ("我觉得我们小区需要一个妇女儿童之家", Category.organization),
    ("送外卖超时被平台罚了两百，申诉也没人理，怎么办", Category.legal),
    ("跑网约车的押金交了三千，退出平台一直不退", Category.legal),
    ("快递站老板说我们是合作关系，不给交社保，这合法吗", Category.legal),
    ("做育儿嫂签的是口头约定，雇主突然辞退还不结工钱", Category.legal),
    ("主播公司扣着我三个月提成不发，想找律师咨询", Category.legal),
    ("骑车送单摔伤了腿，站点说不算工伤，我该怎么维权", Category.legal),
    ("想学短视频剪辑，给自己的小店拍点视频，有课吗", Category.career),
    ("家政干了五年，想考个高级育婴师证，哪里能报", Category.career),
    ("想开个卤味小店，听说有巾帼创业贷，怎么申请", Category.career),
    ("女儿上一年级了放学早，我跑单走不开，附近有没有托管班", Category.family),
    ("孩子沉迷手机不写作业，有没有家庭教育的讲座", Category.family),
    ("我们骑手姐妹想组队参加区里的趣味运动会，能帮忙报名吗", Category.culture),
    ("长期熬夜送餐胃疼得厉害，能不能安排一次免费体检", Category.health),
    ("最近情绪特别差，总想哭，想找心理老师聊聊", Category.health),
    ("老公嫌我跑外卖不顾家，天天冷战，能请调解员帮帮我们吗", Category.marriage),
    ("站里好几个大龄姑娘还单着，能不能办个联谊", Category.marriage),
    ("同事大姐老伴瘫痪在床，家里困难，能不能申请点救助", Category.care),
    ("我们直播基地想成立妇联，需要准备哪些材料", Category.organization),
    ("想加入社区妇联当执委，怎么报名", Category.organization),
    ("夜里下班公交早停了，希望加开一趟末班车", Category.other),
]

OFFERS = [
    "我是律师，周末可以免费给骑手姐妹解答劳动纠纷",
    "我们店愿意捐五十箱矿泉水给暖蜂驿站",
    "要组织慰问的话我也出一份，两百块",
    "我们民宿淡季房间空着，可以免费借给姐妹们开培训",
]

CHATTER = [
    "今天单子好多，跑得腿都软了",
    "下雨天路滑，姐妹们骑慢点",
    "哈哈我家娃又把作业本弄丢了",
    "婆婆做的饺子真香",
    "有没有人一起去吃新开的火锅？",
    "好的，收到",
    "谢谢姐妹们的红包[抱拳]",
    "周末带孩子去公园转了一圈",
    "希望大家都平平安安的",
    "我表妹也在做家政，挺辛苦的",
    "这个月终于冲到单王了",
    "晚安各位",
]

STAFF = [
    "@小林 收到，押金的事我明天约维权站律师跟你聊",
    "【通知】本周五下午三点在街道二楼开骑手座谈会，欢迎参加",
    "这期培训还有十个名额，需要的私信我",
    "上周慰问了12户困难家庭，感谢爱心企业支持",
    "可以的，我帮你对接人社局，有结果群里说",
]


@pytest.mark.parametrize(("text", "category"), WISHES)
def test_new_employment_wishes(rec: Recogniser, text: str, category: Category) -> None:
    c = rec.classify(text)
    assert c.outcome == "ack", (text, c)
    assert c.category == category, (text, c)


@pytest.mark.parametrize("text", OFFERS)
def test_offers_are_volunteer(rec: Recogniser, text: str) -> None:
    c = rec.classify(text)
    assert c.outcome == "ack", (text, c)
    assert c.category == Category.volunteer, (text, c)


@pytest.mark.parametrize("text", CHATTER)
def test_member_chatter_is_not_acknowledged(rec: Recogniser, text: str) -> None:
    assert rec.classify(text).outcome != "ack", text


@pytest.mark.parametrize("text", STAFF)
def test_staff_messages_are_ignored(rec: Recogniser, text: str) -> None:
    assert rec.classify(text, Context(speaker="staff")).outcome == "ignore"


def test_a_day_in_a_riders_group(rec: Recogniser) -> None:
    """A short room: only the two real wishes reach staff, nothing else is acknowledged."""
    day = [
        ("staff", "姐妹们早，今天有暴雨，跑单注意安全"),
        ("member", "早[玫瑰]"),
        ("staff", "【通知】周六上午在暖蜂驿站免费量血压测血糖，9点开始"),
        ("member", "驿站几点关门呀？"),
        ("member", "能带家里老人去吗"),
        ("member", "平台这周无故扣了我五百块，客服一直踢皮球，想请律师帮看看"),
        ("staff", "@阿芳 收到，截图留好，我下午联系律师"),
        ("member", "谢谢[抱拳]"),
        ("member", "#接龙 周六测血压\n1. 阿芳\n2. 小周"),
        ("member", "@心愿池 我们几个女骑手想学点电动车简单维修"),
    ]
    conv = Conversation()
    got = [conv.classify(rec, text, room="riders", speaker=who).outcome for who, text in day]
    assert got.count("ack") == 2
    assert got[5] == "ack" and got[9] == "ack"
