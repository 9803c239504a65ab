from __future__ import annotations

import pytest

from nlp import extract, mask


@pytest.mark.parametrize(
    "text",
    [
        "联系我13812345678",
        "联系我 138 1234 5678 谢谢",
        "电话+86 13812345678",
        "电话+86-138-1234-5678",
        "电话１３８１２３４５６７８",
        "电话 138-1234-5678。",
    ],
)
def test_phone_forms(text: str) -> None:
    assert extract(text).phones == ("13812345678",)
    masked = mask(text)
    assert "138****5678" in masked
    assert "1234" not in masked and "１２３４" not in masked
    assert masked.startswith(text[:2])  # the rest of the text is kept as written


@pytest.mark.parametrize(
    ("text", "expected", "masked"),
    [
        ("身份证11010519491231002X", "11010519491231002X", "110105********002X"),
        ("身份证号 11010519491231002x 。", "11010519491231002X", "110105********002X"),
        ("号码４４０３０４２０００１２３１１２３４", "440304200012311234", "440304********1234"),
    ],
)
def test_id_numbers(text: str, expected: str, masked: str) -> None:
    assert extract(text).id_numbers == (expected,)
    assert masked in mask(text)
    assert extract(text).phones == ()  # digits inside an ID are not a phone


def test_not_a_phone() -> None:
    assert extract("订单号 213812345678901").phones == ()
    assert mask("今年来了340名孩子") == "今年来了340名孩子"


def test_counts_money_dates_and_organisations() -> None:
    e = extract(
        "阳光幼儿园母亲节给30组家庭送去暖心包，价值5000元，下周三下午3点在社区开展，60余人次参加"
    )
    assert "阳光幼儿园" in e.organisations
    people = {a.text: a for a in e.people}
    assert people["30组"].value == 30
    assert people["60余人次"].value == 60 and people["60余人次"].approximate
    assert [m.value for m in e.money] == [5000]
    assert "下周三" in e.dates and "下午3点" in e.dates


@pytest.mark.parametrize(
    ("text", "value"),
    [("预算1千元", 1000), ("捐了五万块", 50000), ("花了两千五百元", 2500), ("共1.5万元", 15000)],
)
def test_money_values(text: str, value: float) -> None:
    assert extract(text).money[0].value == value


@pytest.mark.parametrize(
    ("text", "org"),
    [
        ("我在顺达物流有限公司上班", "顺达物流有限公司"),
        ("市第一人民医院的医生来义诊", "市第一人民医院"),
        ("我们是城南女企业家商会", "城南女企业家商会"),
        ("这是家政服务协会的活动", "家政服务协会"),
    ],
)
def test_organisations(text: str, org: str) -> None:
    assert org in extract(text).organisations


def test_dates() -> None:
    e = extract("2025年3月8日和5月12日，还有周六 14:30")
    assert e.dates[:2] == ("2025年3月8日", "5月12日")
    assert "周六" in e.dates and "14:30" in e.dates


# ---- masking: numbers people break up for reading, landlines, and what must stay ----------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("我的身份证号是 110101 19900307 1234，麻烦登记", "110101********1234"),
        ("身份证：110101-19900307-123X", "110101********123X"),
        ("证件号 1101 0119 9003 0712 34 请核对", "110101********1234"),
        ("身份证号１１０１０１　１９９００３０７　１２３４", "110101********1234"),
    ],
)
def test_id_numbers_written_in_groups(text: str, masked: str) -> None:
    assert masked in mask(text)
    assert "19900307" not in mask(text).replace(" ", "").replace("-", "")
    assert extract(text).id_numbers == (masked[:6] + "19900307" + masked[-4:],)
    assert extract(text).phones == ()


@pytest.mark.parametrize(
    "text",
    [
        "有事请打 138 1234 5678 找我",
        "电话138-1234-5678，白天都在",
        "手机 1 3 8 1 2 3 4 5 6 7 8 谢谢",
        "手机1-3-8-1-2-3-4-5-6-7-8",
        "联系 1381234 5678",
        "联系人王姐 138 12345678",
    ],
)
def test_mobiles_written_in_groups(text: str) -> None:
    masked = mask(text)
    assert "138****5678" in masked, masked
    assert extract(text).phones == ("13812345678",)
    digits = "".join(ch for ch in masked if ch.isdigit())
    assert "1234" not in digits[3:-4]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("社区电话021-12345678，工作日有人", "社区电话021-****5678，工作日有人"),
        ("请拨打0755-1234567咨询", "请拨打0755-***4567咨询"),
        ("热线(010)12345678", "热线010-****5678"),
        ("热线（010）12345678。", "热线010-****5678。"),
        ("办公室 010 8765 4321 找李老师", "办公室 010-****4321 找李老师"),
        ("座机02112345678", "座机021-****5678"),
    ],
)
def test_landlines(text: str, masked: str) -> None:
    assert mask(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "活动定在2026-12-01上午九点",
        "日期 2026/12/01，地点社区活动室",
        "心愿XF-2026-000123已经办好了",
        "编号 XF-2026-000123 请跟进",
        "共捐款 12000 元，受益 340 人",
        "今年服务了1500人次，价值2.5万元",
        "快递站有 30 名骑手",
        "订单号 213812345678901",
        "时间 09:30-11:30",
        "邮编 518000",
        "2026年12月1日 14:00 开会",
    ],
)
def test_not_masked(text: str) -> None:
    assert mask(text) == text
    assert extract(text).phones == () and extract(text).id_numbers == ()


def test_masking_several_numbers_in_one_message() -> None:
    text = "我叫张丽，电话13812345678，座机021-12345678，身份证110101 19900307 1234"
    masked = mask(text)
    assert masked == "我叫张丽，电话138****5678，座机021-****5678，身份证110101********1234"
