"""The 圆梦 announcement a group reads: neutral by default, the public summary staff chose to
write, and nothing at all for a sensitive wish. Never who asked or how to reach her."""

from __future__ import annotations

from datetime import date

import pytest

from api.domain.announcements import fulfilment_text
from models import Fulfilment, Wish
from models.enums import Category
from models.wording.members import SUMMARY_LIMIT

PRIVATE = ("李红", "13812345678", "暑假有人带", "家庭教育", "联系人王老师")


def _wish(*, sensitive: bool = False, category: Category = Category.family) -> Wish:
    return Wish(
        text="我叫李红，电话13812345678，希望孩子暑假有人带",
        category=category,
        office_id=1,
        seq=42,
        number="DF-2026-0042",
        submitter_name="李红",
        sensitive=sensitive,
    )


def _record(public: str | None = None, summary: str = "联系人王老师13900001111") -> Fulfilment:
    return Fulfilment(
        wish_id=1,
        delivered_on=date(2026, 7, 1),
        beneficiaries=30,
        summary=summary,
        public_summary=public,
    )


@pytest.mark.parametrize("public", [None, "", "   "])
def test_without_a_public_summary_the_post_is_neutral(public: str | None) -> None:
    text = fulfilment_text(wish=_wish(), fulfilment=_record(public), providers=["市图书馆"])
    assert text is not None and text.startswith("🎉 圆梦啦！心愿 #42 已经实现")
    # The staff's own summary, the category, the providers and the count stay out.
    assert not any(word in text for word in PRIVATE)
    assert "市图书馆" not in text and "受益" not in text and "139" not in text


def test_a_public_summary_is_said_masked_with_the_providers() -> None:
    public = "暑期托管班开班，咨询请找13900001111"
    text = fulfilment_text(
        wish=_wish(), fulfilment=_record(public), providers=["市图书馆", "区少年宫"]
    )
    assert text is not None
    assert "服务内容：暑期托管班开班" in text and "受益 30 人" in text
    assert "感谢市图书馆、区少年宫的支持" in text
    assert "139****1111" in text and "13900001111" not in text  # staff typed a number
    assert not any(word in text for word in PRIVATE)


@pytest.mark.parametrize("public", [None, "为她提供家暴法律援助"])
def test_a_sensitive_wish_gets_no_post(public: str | None) -> None:
    wish = _wish(sensitive=True, category=Category.legal)
    assert fulfilment_text(wish=wish, fulfilment=_record(public), providers=["市律协"]) is None


def test_long_public_summaries_are_cut() -> None:
    text = fulfilment_text(wish=_wish(), fulfilment=_record("好" * 200), providers=[])
    assert text is not None
    assert "好" * SUMMARY_LIMIT + "…" in text and "好" * (SUMMARY_LIMIT + 1) not in text
    assert "感谢" not in text  # no provider to thank
