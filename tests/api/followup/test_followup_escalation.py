"""Follow-up never stops silently: empty levels are skipped, nobody responsible means the
office hears of it, nobody anywhere means the administrators do; on both databases."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from api.followup.runner import FollowUpRunner
from models import Staff, WishEvent
from models.enums import EventKind, StaffRole
from tests.api.followup.fu_world import World, at


def _empty(world: World, *levels: str) -> None:
    """These offices lose every active person and their staff group."""
    for level in levels:
        office = world.offices[level]
        for member in world.session.exec(select(Staff).where(Staff.office_id == office.id)):
            member.active = False
            world.session.add(member)
        group = world.groups[level]
        group.enabled = False
        world.session.add(group)
    world.session.commit()


def _admin(world: World, wechat_id: str = "wx_admin") -> Staff:
    # An administrator sits in an office like anyone; the community keeps the test's chain
    # above it empty.
    admin = Staff(
        wechat_id=wechat_id,
        name="钱管理",
        office_id=world.offices["community"].id,  # type: ignore[arg-type]
        role=StaffRole.admin,
    )
    world.session.add(admin)
    world.session.commit()
    return admin


def _notes(world: World, kind: EventKind) -> list[str]:
    rows = world.session.exec(select(WishEvent).where(WishEvent.kind == kind)).all()
    world.release()
    return [r.note or "" for r in rows]


def test_escalation_skips_an_empty_district_to_the_city(
    world: World, followup: FollowUpRunner
) -> None:
    _empty(world, "district")
    wish = world.wish(office="street", created_at=at(2026, 3, 2, 9))  # street's on-duty person
    followup.run_reminders(at(2026, 3, 2, 13))
    assert world.reload(wish).escalation_level == 0
    before = len(world.outbox())
    report = followup.run_reminders(at(2026, 3, 4, 13))  # +2 working days: level 1 is due
    assert report.counts["escalated"] == 1 and report.counts["skipped_levels"] == 1
    [escalation] = [m for m in world.outbox()[before:] if m.kind == "escalation"]
    assert escalation.target_id == "city-staff@chatroom"
    assert "江城市妇联" in escalation.text and "第 2 级督办" in escalation.text
    assert world.reload(wish).escalation_level == 2  # the city is two levels above the street
    [note] = _notes(world, EventKind.escalated)
    assert "上报江城市妇联" in note and "东湖区妇联没有人，已跳过" in note
    # The same moment again: the wish is claimed, nothing more goes out.
    again = followup.run_reminders(at(2026, 3, 4, 13))
    assert again.counts["escalated"] == 0 and len(world.outbox()) == before + len(report.messages)


def test_nobody_up_the_chain_alerts_the_administrators_once(
    world: World, followup: FollowUpRunner
) -> None:
    _empty(world, "street", "district", "city")
    admin = _admin(world)
    wish = world.wish(created_at=at(2026, 3, 2, 9), org="with_liaison")
    followup.run_reminders(at(2026, 3, 2, 13))
    first_day = [m for m in world.outbox() if m.kind == "admin_alert"]
    # Offices with nobody at all: once that day, in one private message to each admin.
    [empty] = first_day
    assert empty.target_kind == "contact" and empty.target_id == admin.wechat_id
    assert "江城市妇联、东湖区妇联、东风街道妇联" in empty.text
    before = len(world.outbox())
    report = followup.run_reminders(at(2026, 3, 4, 13))  # the escalation is due: nobody above
    assert report.counts["escalated"] == 0 and report.counts["to_admins"] == 1
    added = [m for m in world.outbox()[before:] if m.kind == "admin_alert"]
    [stuck] = [m for m in added if "找不到可以提醒或督办的人" in m.text]
    assert "幸福社区妇联#1" in stuck.text and stuck.target_id == admin.wechat_id
    assert len(added) == 2  # and a new day's note of the empty offices
    assert world.reload(wish).escalation_level == 0
    assert any("提醒管理员" in n for n in _notes(world, EventKind.reminded))
    # Idempotent: a second run at the same moment (another instance) adds nothing.
    again = followup.run_reminders(at(2026, 3, 4, 13))
    assert again.counts["to_admins"] == 0 and again.messages == []
    assert len(world.outbox()) == before + len(report.messages)


def test_the_empty_offices_alert_goes_once_a_day(world: World, followup: FollowUpRunner) -> None:
    _empty(world, "district")
    _admin(world)
    for now in (at(2026, 3, 2, 9), at(2026, 3, 2, 9, 30), at(2026, 3, 2, 15)):
        followup.run_reminders(now)
    alerts = [m for m in world.outbox() if m.kind == "admin_alert"]
    assert len(alerts) == 1 and "东湖区妇联" in alerts[0].text
    followup.run_reminders(at(2026, 3, 3, 9))  # the next working day: told again
    assert len([m for m in world.outbox() if m.kind == "admin_alert"]) == 2
    followup.run_reminders(at(2026, 3, 7, 10))  # Saturday: quiet, nothing ordinary goes out
    assert len([m for m in world.outbox() if m.kind == "admin_alert"]) == 2


def test_a_reminder_nobody_is_responsible_for_goes_to_the_office(
    world: World, followup: FollowUpRunner
) -> None:
    community = world.offices["community"]
    community.on_duty_staff_id = None  # no liaison, no 片区, no on-duty person
    world.session.add(community)
    world.session.commit()
    world.wish(created_at=at(2026, 3, 2, 9))
    report = followup.run_reminders(at(2026, 3, 2, 14))
    assert report.counts["unrouted"] == 0 and report.counts["to_office"] == 1
    [message] = world.outbox()
    assert message.target_id == "community-staff@chatroom"
    assert "没有负责的同志" in message.text and "幸福社区妇联#1" in message.text
    assert any("提醒幸福社区妇联（没有负责人）" in n for n in _notes(world, EventKind.reminded))


def test_an_office_with_nobody_hands_its_reminders_up(
    world: World, followup: FollowUpRunner
) -> None:
    _empty(world, "community")
    world.wish(created_at=at(2026, 3, 2, 9))
    followup.run_reminders(at(2026, 3, 2, 14))
    reminders = [m for m in world.outbox() if m.kind == "reminder"]
    assert [m.target_id for m in reminders] == ["street-staff@chatroom"]
    assert "东风街道妇联" in reminders[0].text and "没有负责的同志" in reminders[0].text


def test_nobody_and_no_administrator_is_loud_and_keeps_the_wish(
    world: World, followup: FollowUpRunner, caplog: pytest.LogCaptureFixture
) -> None:
    _empty(world, "community", "street", "district", "city")
    wish = world.wish(created_at=at(2026, 3, 2, 9))
    with caplog.at_level(logging.WARNING, logger="api.followup.reminders"):
        report = followup.run_reminders(at(2026, 3, 2, 14))
    assert report.counts["unreachable"] == 1 and report.counts["unrouted"] == 1
    assert world.outbox() == []
    assert any("no active administrator" in r.getMessage() for r in caplog.records)
    assert world.reload(wish).next_reminder_at is None  # tried again by the next run
    # An administrator joins the community: the next run tells her (the only one there).
    _admin(world)
    later = followup.run_reminders(at(2026, 3, 2, 14, 30))
    assert later.counts["unrouted"] == 0
    assert any(m.target_id == "wx_admin" and "幸福社区妇联#1" in m.text for m in world.outbox())
