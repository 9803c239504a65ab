"""The reminder run also sweeps triage items past their lifetime: their words are deleted."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from api.domain.triage import create_triage_item
from api.followup.runner import FollowUpRunner
from models import TriageItem
from tests.api.followup.fu_world import World, at


def test_a_reminder_run_deletes_the_words_of_expired_triage_items(
    world: World, followup: FollowUpRunner
) -> None:
    s, group = world.session, world.groups["members"]
    assert group.office_id is not None
    start = at(2026, 3, 2, 9)
    create_triage_item(
        session=s,
        office_id=group.office_id,
        room_id=group.room_id,
        message_id="late-1",
        talker_id="wx_member",
        talker_name="王秀兰",
        text="这个月工资拖了",
        now=start,
        lifetime_hours=48,
    )
    s.commit()
    early = followup.run_reminders(start + timedelta(hours=47))
    assert early.counts["triage_expired"] == 0
    late = followup.run_reminders(start + timedelta(hours=49))
    assert late.counts["triage_expired"] == 1
    s.expire_all()
    item = s.exec(select(TriageItem)).one()
    assert not item.text and not item.talker_wechat_id and not item.talker_name
    s.commit()  # SQLite: the test's read must not hold the lock the next run needs
    assert followup.run_reminders(start + timedelta(hours=50)).counts["triage_expired"] == 0
