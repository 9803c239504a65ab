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
