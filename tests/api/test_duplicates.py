"""api/domain/duplicates.py: the scoring (pure) and the one query, with a controllable clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from api.domain.duplicates import (
    DEFAULT_WINDOW_DAYS,
    find_duplicate,
    near_duplicate,
    normalise,
    similarity,
)
from api.domain.wishes import Actor, create_wish, transition_wish
from api.domain.workflow import Action
from api.settings import ApiSettings
from models import Wish
from models.enums import CloseReason
from models.wish import WishCreate
from tests.api.apitools import Tree

BOT = Actor(name="bot")


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("希望组织亲子阅读！", "希望组织亲子阅读"),
        ("@心愿池\u2005希望组织 亲子阅读", "希望组织亲子阅读"),
        ("希望组织亲子阅读🙏🙏", "希望组织亲子阅读"),
        ("想学ＡＢＣ英语，。", "想学abc英语"),
        ("🙏🙏", ""),
    ],
)
def test_normalise(text: str, normalised: str) -> None:
    assert normalise(text) == normalised


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("希望社区组织一次亲子阅读活动", "希望社区组织一次亲子阅读活动！！"),
        ("希望组织亲子阅读", "希望组织亲子阅读活动"),
        ("孩子暑假没人带，希望有托管班", "孩子暑假没人带 希望有托管班🙏"),
        ("希望能学习直播带货技巧", "希望能学习直播带货的技巧"),
        ("求助法律援助", "@心愿池 求助法律援助"),
    ],
)
def test_near_identical_texts_are_duplicates(a: str, b: str) -> None:
    assert near_duplicate(a, b) and near_duplicate(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("希望社区组织一次亲子阅读活动", "希望社区组织一次法律知识讲座"),
        ("想咨询一下劳动合同纠纷怎么维权", "想报名参加家政技能培训"),
        ("求助法律援助", "求助心理咨询"),
        ("希望组织第1次亲子阅读活动", "希望组织第2次亲子阅读活动"),
        ("孩子3岁，想找托班", "孩子5岁，想找托班"),
        ("🙏", "🙏"),  # nothing to compare: never a duplicate
    ],
)
def test_different_wishes_are_not(a: str, b: str) -> None:
    assert not near_duplicate(a, b)
    assert similarity(a, b) < 0.7


def test_the_setting_and_the_domain_default_agree() -> None:
    assert ApiSettings().duplicate_window_days == DEFAULT_WINDOW_DAYS == 7


def _wish(session: Session, tree: Tree, text: str, mid: str, talker: str = "wx_m") -> Wish:
    wish, _ = create_wish(
        session=session,
        wish_in=WishCreate(
            text=text, group_id=tree.group, submitter_wechat_id=talker, source_message_id=mid
        ),
        actor=BOT,
    )
    return wish


@pytest.mark.parametrize(("days", "found"), [(0.5, True), (6.9, True), (7.1, False)])
def test_the_window_counts_from_the_wish(
    session: Session, tree: Tree, days: float, found: bool
) -> None:
    wish = _wish(session, tree, "希望组织亲子阅读", "w1")
    hit = find_duplicate(
        session=session,
        office_id=tree.street,
        submitter_wechat_id="wx_m",
        text="希望组织亲子阅读！",
        now=wish.created_at + timedelta(days=days),
    )
    assert (hit is not None and hit.id == wish.id) is found


def test_only_the_same_member_open_wish_in_the_same_office(session: Session, tree: Tree) -> None:
    wish = _wish(session, tree, "希望组织亲子阅读", "w1")

    def look(**overrides: object) -> Wish | None:
        args: dict[str, object] = {
            "session": session,
            "office_id": tree.street,
            "submitter_wechat_id": "wx_m",
            "text": "希望组织亲子阅读",
            **overrides,
        }
        return find_duplicate(**args)  # type: ignore[arg-type]

    assert look() is wish
    assert look(submitter_wechat_id="wx_other") is None
    assert look(submitter_wechat_id=None) is None
    assert look(office_id=tree.community) is None
    assert look(window_days=0) is None  # 0: never merge
    transition_wish(
        session=session,
        wish=wish,
        action=Action.close,
        actor=BOT,
        close_reason=CloseReason.withdrawn,
    )
    assert look() is None


def test_the_most_similar_open_wish_wins(session: Session, tree: Tree) -> None:
    _wish(session, tree, "希望组织亲子阅读活动", "w1")
    exact = _wish(session, tree, "希望组织亲子阅读", "w2")
    _wish(session, tree, "希望组织亲子阅读分享活动", "w3")
    hit = find_duplicate(
        session=session,
        office_id=tree.street,
        submitter_wechat_id="wx_m",
        text="希望组织亲子阅读。",
    )
    assert hit is exact
