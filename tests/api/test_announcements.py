"""The 圆梦 announcement a group reads: what was done, never who asked or how to reach her."""

from __future__ import annotations

from datetime import date

from api.domain.announcements import fulfilment_text
from models import Fulfilment, Wish
from models.enums import Category
from models.wording.members import SUMMARY_LIMIT


def _wish() -> Wish:
    return Wish(
        text="我叫李红，电话13812345678，希望孩子暑假有人带",
        category=Category.family,
        office_id=1,
        seq=42,
        number="DF-2026-0042",
        submitter_name="李红",
    )


def test_announcement_names_the_wish_and_providers_not_the_member() -> None:
    fulfilment = Fulfilment(
        wish_id=1,
        delivered_on=date(2026, 7, 1),
        beneficiaries=30,
        summary="暑期托管班开班，联系人王老师13900001111",
    )
    text = fulfilment_text(wish=_wish(), fulfilment=fulfilment, providers=["市图书馆", "区少年宫"])
    assert "#42（家庭教育）" in text and "受益 30 人" in text
    assert "感谢市图书馆、区少年宫的支持" in text
    assert "139****1111" in text and "13900001111" not in text  # staff typed a number
    assert "李红" not in text and "13812345678" not in text and "暑假有人带" not in text


def test_long_summaries_are_cut() -> None:
    fulfilment = Fulfilment(wish_id=1, delivered_on=date(2026, 7, 1), summary="好" * 200)
    text = fulfilment_text(wish=_wish(), fulfilment=fulfilment, providers=[])
    assert "好" * SUMMARY_LIMIT + "…" in text and "好" * (SUMMARY_LIMIT + 1) not in text
    assert "受益" not in text and "感谢" not in text  # nothing to say about either
