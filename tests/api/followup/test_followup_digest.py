"""The daily digest and the monthly 圆梦榜: their texts, privacy and idempotency."""

from __future__ import annotations

from datetime import date

from api.followup.runner import FollowUpRunner
from models import Fulfilment, Match, Resource
from models.enums import Category, OutboxTarget, WishStatus
from tests.api.followup.fu_world import SUBMITTER_NAME, SUBMITTER_PHONE, World, at


def _private(text: str) -> None:
    assert SUBMITTER_NAME not in text and SUBMITTER_PHONE not in text
    assert "wxid_member_1" not in text and "暑假" not in text


def test_daily_digest_counts_and_text(world: World, followup: FollowUpRunner) -> None:
    world.wish(created_at=at(2026, 3, 2, 10))  # new since yesterday, overdue by Tuesday
    world.wish(
        created_at=at(2026, 3, 2, 11),
        status=WishStatus.claimed,
        claimed_at=at(2026, 3, 2, 13),
        assignee="assignee",
    )
    world.wish(
        created_at=at(2026, 2, 20, 9),
        status=WishStatus.fulfilled,
        claimed_at=at(2026, 2, 20, 10),
        fulfilled_at=at(2026, 3, 2, 16),
    )
    report = followup.run_digest(at(2026, 3, 3, 8, 30))
    by_room = {m.target_id: m.text for m in world.outbox()}
    assert report.counts["messages"] == 4  # one staff group per office
    text = by_room["community-staff@chatroom"]
    assert "【每日简报】幸福社区妇联 3月3日" in text
    assert "新增心愿：2 个" in text and "已圆梦：1 个" in text
    assert "超时待跟进：1 个" in text and "在办心愿：2 个" in text
    assert "首次响应：平均 2 小时（1 个心愿）" in text
    _private(text)
    # The city's digest covers its whole subtree.
    city = by_room["city-staff@chatroom"]
    assert "新增心愿：2 个" in city and "超时待跟进：1 个" in city
    # A second instance (or a retried job) sends nothing more.
    assert followup.run_digest(at(2026, 3, 3, 8, 31)).counts["already_sent"] == 4
    assert len(world.outbox()) == 4


def test_no_digest_on_a_non_working_day(world: World, followup: FollowUpRunner) -> None:
    report = followup.run_digest(at(2026, 3, 7, 8, 30))
    assert report.counts["skipped_non_working_day"] == 1 and world.outbox() == []


def test_monthly_summary_thanks_providers_without_personal_data(
    world: World, followup: FollowUpRunner
) -> None:
    done = world.wish(
        created_at=at(2026, 2, 2, 9),
        category=Category.culture,
        status=WishStatus.fulfilled,
        fulfilled_at=at(2026, 2, 20, 15),
    )
    world.wish(created_at=at(2026, 2, 2, 9), status=WishStatus.claimed)  # not fulfilled
    world.wish(  # fulfilled in March: next month's list
        created_at=at(2026, 2, 2, 9), status=WishStatus.fulfilled, fulfilled_at=at(2026, 3, 1, 9)
    )
    resource = Resource(
        name="音乐疗愈音乐会",
        provider="江城交响乐团",
        contact_person="刘联系",
        contact_phone="13800001111",
    )
    world.session.add(resource)
    world.session.commit()
    world.session.add(Match(wish_id=done.id, resource_id=resource.id))  # type: ignore[arg-type]
    world.session.add(
        Fulfilment(
            wish_id=done.id,  # type: ignore[arg-type]
            delivered_on=date(2026, 2, 20),
            beneficiaries=340,
            public_summary="音乐疗愈音乐会",
        )
    )
    world.session.commit()
    report = followup.run_monthly(at(2026, 3, 2, 10))  # March 1 is a Sunday
    [message] = world.outbox()
    assert report.counts["messages"] == 1
    assert message.target_kind == OutboxTarget.room and message.target_id == "members@chatroom"
    text = message.text
    assert "【2026年2月圆梦榜】幸福社区妇联" in text
    assert "本月共圆梦 1 个心愿，惠及 340 人" in text
    assert f"#{done.seq}已圆梦：音乐疗愈音乐会，惠及 340 人，感谢江城交响乐团" in text
    assert "文体活动" not in text  # a wish is named by its number only
    assert "刘联系" not in text and "13800001111" not in text
    _private(text)
    assert followup.run_monthly(at(2026, 3, 3, 10)).counts["already_sent"] == 1
    assert len(world.outbox()) == 1


def test_monthly_waits_for_a_working_day(world: World, followup: FollowUpRunner) -> None:
    assert followup.run_monthly(at(2026, 3, 1, 10)).counts["skipped"] == 1  # Sunday


def test_monthly_names_plain_wishes_by_number_and_leaves_sensitive_ones_out(
    world: World, followup: FollowUpRunner
) -> None:
    plain = world.wish(
        created_at=at(2026, 2, 2, 9), status=WishStatus.fulfilled, fulfilled_at=at(2026, 2, 10, 9)
    )
    private = world.wish(
        created_at=at(2026, 2, 3, 9),
        category=Category.legal,
        status=WishStatus.fulfilled,
        fulfilled_at=at(2026, 2, 11, 9),
    )
    private.sensitive = True
    lawyer = Resource(name="家事法律援助", provider="江城律师事务所")
    world.session.add_all([private, lawyer])
    world.session.commit()
    for wish in (plain, private):
        world.session.add(Match(wish_id=wish.id, resource_id=lawyer.id))  # type: ignore[arg-type]
        world.session.add(
            Fulfilment(
                wish_id=wish.id,  # type: ignore[arg-type]
                delivered_on=date(2026, 2, 10),
                beneficiaries=1,
                summary="为她提供家暴法律援助",
                public_summary="法律援助" if wish is private else None,
            )
        )
    world.session.commit()
    followup.run_monthly(at(2026, 3, 2, 10))
    [message] = world.outbox()
    text = message.text
    assert f"#{plain.seq}已圆梦" in text and "本月共圆梦 1 个心愿" in text
    # The sensitive wish is not there at all; the plain one says nothing of what it was, nor
    # who helped (the lawyers' name beside a bare number would).
    assert f"#{private.seq}" not in text
    assert "法律" not in text and "律师" not in text and "家暴" not in text
    _private(text)
