"""A sensitive wish in the staff group's reminder: its number, never its category."""

from __future__ import annotations

from api.followup.runner import FollowUpRunner
from models.enums import Category, OutboxTarget
from tests.api.followup.fu_world import World, at


def test_a_sensitive_wish_is_reminded_by_number_only(
    world: World, followup: FollowUpRunner
) -> None:
    plain = world.wish(created_at=at(2026, 3, 2, 10), org="with_liaison")
    private = world.wish(created_at=at(2026, 3, 2, 10), org="with_liaison", category=Category.legal)
    private.sensitive = True
    world.session.add(private)
    world.session.commit()
    followup.run_reminders(at(2026, 3, 2, 14, 0))
    [message] = world.outbox()
    assert message.target_kind == OutboxTarget.room  # the staff group, @-mentioning the liaison
    assert f"#{plain.seq}（家庭教育）" in message.text
    assert f"#{private.seq}，" in message.text or f"#{private.seq}\n" in message.text
    assert f"#{private.seq}（" not in message.text and "法律维权" not in message.text
