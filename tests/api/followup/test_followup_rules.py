"""Each follow-up rule, batching, intervals, quiet hours, 调休 and escalation, on both databases."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import select

from api.domain.wishes import Actor, transition_wish
from api.domain.workflow import Action
from api.followup.runner import FollowUpRunner
from models import Resource, WishEvent
from models.enums import EventKind, OutboxTarget, WishKind, WishStatus
from tests.api.followup.fu_world import SUBMITTER_NAME, SUBMITTER_PHONE, World, at, make_settings


def _no_personal_data(text: str) -> None:
    assert SUBMITTER_NAME not in text and SUBMITTER_PHONE not in text and "暑假" not in text


def test_unclaimed_wish_reminds_the_liaison_after_n_working_hours(
    world: World, followup: FollowUpRunner
) -> None:
    wish = world.wish(created_at=at(2026, 3, 2, 10), org="with_liaison")
    assert followup.run_reminders(at(2026, 3, 2, 13, 59)).counts["messages"] == 0
    report = followup.run_reminders(at(2026, 3, 2, 14, 0))
    [message] = world.outbox()
    assert report.counts["unclaimed"] == 1 and report.counts["reminded"] == 1
    assert message.target_kind == OutboxTarget.room
    assert message.target_id == "community-staff@chatroom"
    assert message.mention_ids == ["wx_liaison"]
    assert "李分片" in message.text and f"#{wish.seq}（家庭教育）" in message.text
    assert "尚未认领" in message.text and "已等待4 小时" in message.text
    _no_personal_data(message.text)
    assert world.reload(wish).reminded_at is not None


def test_routing_zone_staff_then_on_duty_and_private_channel(world: World, engine: Engine) -> None:
    followup = FollowUpRunner(engine, make_settings(channel="private"))
    world.wish(created_at=at(2026, 3, 2, 9), org="zone_only")
    world.wish(created_at=at(2026, 3, 2, 9))
    followup.run_reminders(at(2026, 3, 2, 14))
    messages = world.outbox()
    assert {(m.target_kind, m.target_id) for m in messages} == {
        (OutboxTarget.contact, "wx_zone"),
        (OutboxTarget.contact, "wx_duty"),
    }


def test_per_office_override(world: World, engine: Engine) -> None:
    followup = FollowUpRunner(engine, make_settings(offices={"XF": {"unclaimed_working_hours": 1}}))
    world.wish(created_at=at(2026, 3, 2, 10))
    assert followup.run_reminders(at(2026, 3, 2, 11)).counts["unclaimed"] == 1


def test_claimed_but_unmatched_reminds_the_assignee(world: World, followup: FollowUpRunner) -> None:
    world.wish(
        created_at=at(2026, 3, 2, 9),
        status=WishStatus.claimed,
        claimed_at=at(2026, 3, 2, 10),
        assignee="assignee",
    )
    assert followup.run_reminders(at(2026, 3, 4, 16)).counts["messages"] == 0  # Wednesday
    report = followup.run_reminders(at(2026, 3, 5, 9))  # Thursday: 3 working days
    assert report.counts["unmatched"] == 1
    [message] = world.outbox()
    assert message.mention_ids == ["wx_assignee"] and "尚未对接资源" in message.text


def test_matched_past_its_planned_date_reminds_the_assignee(
    world: World, followup: FollowUpRunner
) -> None:
    world.wish(
        created_at=at(2026, 3, 2, 9),
        status=WishStatus.matched,
        claimed_at=at(2026, 3, 2, 10),
        matched_at=at(2026, 3, 2, 11),
        planned_date=date(2026, 3, 3),
        assignee="assignee",
    )
    assert followup.run_reminders(at(2026, 3, 3, 16)).counts["messages"] == 0
    report = followup.run_reminders(at(2026, 3, 4, 9))
    assert report.counts["overdue_plan"] == 1
    assert "计划日期3月3日已过" in world.outbox()[0].text


def test_matched_without_a_planned_date_is_not_forgotten(
    world: World, followup: FollowUpRunner
) -> None:
    world.wish(
        created_at=at(2026, 3, 2, 9),
        status=WishStatus.matched,
        claimed_at=at(2026, 3, 2, 10),
        matched_at=at(2026, 3, 2, 11),
        assignee="assignee",
    )
    # Matched on Monday 2 March: the 10th working day after it is Monday 16 March.
    assert followup.run_reminders(at(2026, 3, 13, 10)).counts["messages"] == 0
    report = followup.run_reminders(at(2026, 3, 16, 10))
    assert report.counts["unfulfilled"] == 1
    [message] = world.outbox()
    assert message.mention_ids == ["wx_assignee"] and "迟迟没有完成" in message.text


def test_offer_not_turned_into_a_resource(world: World, followup: FollowUpRunner) -> None:
    kept = world.wish(
        created_at=at(2026, 3, 2, 9),
        kind=WishKind.offer,
        status=WishStatus.claimed,
        claimed_at=at(2026, 3, 10, 9),
        assignee="assignee",
    )
    done = world.wish(
        created_at=at(2026, 3, 2, 9),
        kind=WishKind.offer,
        status=WishStatus.claimed,
        claimed_at=at(2026, 3, 10, 9),
        assignee="assignee",
    )
    world.session.add(Resource(name="捐赠图书", provider="某书店", source_wish_id=done.id))
    world.session.commit()
    report = followup.run_reminders(at(2026, 3, 10, 10))  # 8 days later, claim is fresh
    assert report.counts["offer"] == 1
    [message] = world.outbox()
    assert f"#{kept.seq}（家庭教育）" in message.text and f"#{done.seq}（" not in message.text
    assert "爱心提供尚未转为资源" in message.text


def test_one_message_per_staff_member_per_run(world: World, followup: FollowUpRunner) -> None:
    for hour in (9, 10, 11):
        world.wish(created_at=at(2026, 3, 2, hour), org="with_liaison")
    report = followup.run_reminders(at(2026, 3, 3, 16))
    assert report.counts["reminded"] == 3
    [message] = world.outbox()
    assert "以下 3 个心愿" in message.text and message.text.count("尚未认领") == 3


def test_no_re_reminder_inside_the_interval(world: World, followup: FollowUpRunner) -> None:
    wish = world.wish(created_at=at(2026, 3, 2, 9), org="with_liaison")
    followup.run_reminders(at(2026, 3, 2, 14))
    assert followup.run_reminders(at(2026, 3, 2, 14, 30)).counts["messages"] == 0
    assert followup.run_reminders(at(2026, 3, 3, 13, 30)).counts["messages"] == 0
    assert followup.run_reminders(at(2026, 3, 3, 14, 0)).counts["reminded"] == 1
    assert len(world.outbox()) == 2
    events = world.session.exec(
        select(WishEvent).where(WishEvent.wish_id == wish.id, WishEvent.kind == EventKind.reminded)
    ).all()
    assert len(events) == 2


def test_quiet_hours_defer_to_the_next_allowed_run(world: World, followup: FollowUpRunner) -> None:
    world.wish(created_at=at(2026, 3, 2, 15), org="with_liaison")  # due Tue 10:30
    world.wish(created_at=at(2026, 3, 2, 16), org="with_liaison")
    report = followup.run_reminders(at(2026, 3, 3, 21, 30))
    assert report.counts["deferred_quiet"] == 2 and world.outbox() == []
    assert followup.run_reminders(at(2026, 3, 4, 7, 30)).counts["messages"] == 0
    assert followup.run_reminders(at(2026, 3, 4, 8, 0)).counts["reminded"] == 2


def test_weekend_is_quiet_and_the_adjusted_saturday_is_not(
    world: World, followup: FollowUpRunner
) -> None:
    world.wish(created_at=at(2026, 3, 6, 9), org="with_liaison")
    assert followup.run_reminders(at(2026, 3, 7, 10)).counts["deferred_quiet"] == 1  # Saturday
    # 2026-02-13 (Fri) 15:00 + 4 working hours = Saturday 2026-02-14 10:30, a 调休 working day.
    world.wish(created_at=at(2026, 2, 13, 15), org="with_liaison")
    assert followup.run_reminders(at(2026, 2, 14, 10, 29)).counts["messages"] == 0
    assert followup.run_reminders(at(2026, 2, 14, 10, 30)).counts["reminded"] == 1


def test_national_day_holiday_sends_nothing(world: World, followup: FollowUpRunner) -> None:
    world.wish(created_at=at(2026, 9, 29, 9), org="with_liaison")
    report = followup.run_reminders(at(2026, 10, 1, 10))
    assert report.counts["deferred_quiet"] == 1 and world.outbox() == []


def test_escalation_climbs_one_level_at_a_time_and_stops_at_the_top(
    world: World, followup: FollowUpRunner
) -> None:
    wish = world.wish(created_at=at(2026, 3, 2, 9), org="with_liaison")  # overdue Mon 13:00
    followup.run_reminders(at(2026, 3, 2, 13))
    assert world.reload(wish).escalation_level == 0
    # +2 working days (Wed): street; +2 (Fri): district; +2 (Tue): city, urgent; then the top.
    expected = [
        (at(2026, 3, 4, 13), 1, "street-staff@chatroom", "东风街道妇联", False),
        (at(2026, 3, 6, 13), 2, "district-staff@chatroom", "东湖区妇联", False),
        (at(2026, 3, 10, 13), 3, "city-staff@chatroom", "江城市妇联", True),
    ]
    for now, level, room, office, urgent in expected:
        before = len(world.outbox())
        report = followup.run_reminders(now)
        assert report.counts["escalated"] == 1
        assert world.reload(wish).escalation_level == level
        [escalation] = [m for m in world.outbox()[before:] if m.kind == "escalation"]
        assert escalation.target_id == room and escalation.urgent is urgent
        assert office in escalation.text and f"第 {level} 级督办" in escalation.text
        assert "幸福社区妇联#1（家庭教育）" in escalation.text and "已等待" in escalation.text
        assert "经办：无人认领" in escalation.text
        _no_personal_data(escalation.text)
    report = followup.run_reminders(at(2026, 3, 16, 13))
    assert report.counts["escalated"] == 0 and world.reload(wish).escalation_level == 3


def test_escalation_names_who_had_it(world: World, followup: FollowUpRunner) -> None:
    world.wish(
        created_at=at(2026, 3, 2, 9),
        status=WishStatus.claimed,
        claimed_at=at(2026, 3, 2, 10),
        assignee="assignee",
    )
    followup.run_reminders(at(2026, 3, 5, 9))  # overdue Thursday
    followup.run_reminders(at(2026, 3, 9, 9))  # +2 working days: Monday
    escalation = next(m for m in world.outbox() if m.kind == "escalation")
    assert "经办：陈经办" in escalation.text and "已等待7 天" in escalation.text


def test_urgent_escalation_goes_out_in_quiet_hours(world: World, engine: Engine) -> None:
    followup = FollowUpRunner(engine, make_settings(urgent_from_level=1))
    world.wish(created_at=at(2026, 3, 2, 9), org="with_liaison")
    report = followup.run_reminders(at(2026, 3, 7, 10))  # Saturday, level 1 is due
    messages = world.outbox()
    assert report.counts["escalated"] == 1 and len(messages) == 1
    assert messages[0].urgent and messages[0].kind == "escalation"


def test_a_transition_restarts_the_follow_up_clock(world: World, followup: FollowUpRunner) -> None:
    wish = world.wish(created_at=at(2026, 3, 2, 9), org="with_liaison")
    followup.run_reminders(at(2026, 3, 2, 14))
    followup.run_reminders(at(2026, 3, 4, 14))  # +2 working days: escalated to the street
    before = world.reload(wish)
    assert before.next_reminder_at is not None and before.escalation_level == 1
    claimed = transition_wish(
        session=world.session,
        wish=before,
        action=Action.claim,
        actor=Actor(name="陈经办", staff_id=world.staff["assignee"].id),
    )
    assert claimed.next_reminder_at is None and claimed.escalation_level == 0


def test_dry_run_writes_nothing(world: World, followup: FollowUpRunner) -> None:
    wish = world.wish(created_at=at(2026, 3, 2, 9), org="with_liaison")
    plan = followup.plan(at(2026, 3, 2, 14))
    assert len(plan.messages) == 1 and "李分片" in plan.messages[0].text
    assert world.outbox() == [] and world.reload(wish).reminded_at is None
    real = followup.run_reminders(at(2026, 3, 2, 14))
    assert [m.text for m in real.messages] == [m.text for m in plan.messages]
