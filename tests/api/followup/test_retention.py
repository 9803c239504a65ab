"""The daily retention job: closed and fulfilled wishes lose the person after 24 months (the
statistics stay), the command log, sent messages and the audit log after theirs; idempotent."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, col, func, select

from api.followup.jobs import JOB_RETENTION
from api.followup.retention import months_before
from api.followup.runner import FollowUpRunner
from api.followup.scheduler import FollowUpScheduler, job_triggers
from api.followup.settings import SchedulerSettings
from api.settings import ApiSettings
from models import BotCommand, Fulfilment, Outbox, SchedulerRun, Wish
from models.audit import AuditEntry
from models.clock import SHANGHAI
from models.enums import AuditAction, Category, OutboxStatus, OutboxTarget, WishStatus
from models.wording.staff import ERASED_TEXT
from tests.api.followup.fu_world import SUBMITTER_NAME, World, at, make_settings

NOW = at(2028, 6, 15, 3, 30)


def _closed(world: World, when: datetime, status: WishStatus, **kw: object) -> Wish:
    wish = world.wish(created_at=when - timedelta(days=30), status=status, **kw)  # type: ignore[arg-type]
    if status == WishStatus.closed:
        wish.closed_at = when
    else:
        wish.fulfilled_at = when
    world.session.add(wish)
    world.session.commit()
    world.release()
    return wish


def _statistics(session: Session) -> list[tuple[object, ...]]:
    session.expire_all()
    rows = session.exec(
        select(Wish.office_id, Wish.category, Wish.status, func.count())
        .group_by(Wish.office_id, Wish.category, Wish.status)
        .order_by(Wish.office_id, Wish.category, Wish.status)
    ).all()
    session.rollback()
    return [tuple(r) for r in rows]


def test_months_before_keeps_the_wall_clock_and_clamps_the_day() -> None:
    assert months_before(at(2026, 3, 31, 10), 1) == at(2026, 2, 28, 10)
    assert months_before(at(2028, 6, 15, 3, 30), 24) == at(2026, 6, 15, 3, 30)
    assert months_before(at(2026, 1, 15), 13) == at(2024, 12, 15)


def test_wishes_closed_or_fulfilled_24_months_ago_lose_the_person_not_the_count(
    world: World, followup: FollowUpRunner, session: Session
) -> None:
    old_fulfilled = _closed(world, NOW - timedelta(days=800), WishStatus.fulfilled)
    old_closed = _closed(world, at(2026, 6, 15, 3, 29), WishStatus.closed, category=Category.legal)
    recent = _closed(world, at(2026, 6, 15, 3, 31), WishStatus.fulfilled)  # 1 minute short
    still_open = world.wish(created_at=NOW - timedelta(days=1200), status=WishStatus.claimed)
    session.add(
        Fulfilment(wish_id=old_fulfilled.id or 0, delivered_on=NOW.date(), beneficiaries=30)
    )
    session.commit()
    before = _statistics(session)

    report = followup.run_retention(now=NOW)
    assert report.counts["wishes_anonymised"] == 2

    assert _statistics(session) == before
    for gone in (old_fulfilled, old_closed):
        wish = world.reload(gone)
        assert (wish.text, wish.submitter_wechat_id, wish.submitter_name) == (
            ERASED_TEXT,
            None,
            None,
        )
        assert wish.number == gone.number and wish.status == gone.status
    for kept in (recent, still_open):
        wish = world.reload(kept)
        assert wish.submitter_name == SUBMITTER_NAME and wish.text != ERASED_TEXT
    session.expire_all()
    assert session.exec(select(func.sum(Fulfilment.beneficiaries))).one() == 30
    [entry] = session.exec(select(AuditEntry)).all()
    assert entry.action == AuditAction.retention and entry.actor_kind == "system"
    assert entry.counts["wishes_anonymised"] == 2
    run = session.exec(select(SchedulerRun).where(SchedulerRun.job_id == JOB_RETENTION)).one()
    assert run.counts["wishes_anonymised"] == 2
    session.rollback()

    # A second run at the same moment (another scheduler, a restart) changes nothing.
    again = followup.run_retention(now=NOW)
    assert {k: v for k, v in again.counts.items() if k != "duration_ms"} == {
        "wishes_anonymised": 0,
        "triage_blanked": 0,
        "commands_deleted": 0,
        "messages_deleted": 0,
        "audit_deleted": 0,
    }
    session.expire_all()
    assert session.exec(select(func.count()).select_from(AuditEntry)).one() == 1
    session.rollback()


def test_the_period_is_the_shared_setting(world: World, engine: object, session: Session) -> None:
    wish = _closed(world, NOW - timedelta(days=400), WishStatus.closed)
    runner = FollowUpRunner(engine, make_settings(retention_months=12))  # type: ignore[arg-type]
    assert runner.run_retention(now=NOW).counts["wishes_anonymised"] == 1
    assert world.reload(wish).text == ERASED_TEXT


def test_command_log_sent_messages_and_old_audit_entries_expire(
    world: World, followup: FollowUpRunner, session: Session
) -> None:
    old, fresh = NOW - timedelta(days=91), NOW - timedelta(days=89)
    session.add(BotCommand(message_id="old", name="查询", talker_wechat_id="wx", created_at=old))
    session.add(BotCommand(message_id="new", name="查询", talker_wechat_id="wx", created_at=fresh))
    for key, status, when in (
        ("sent-old", OutboxStatus.sent, old),
        ("failed-old", OutboxStatus.failed, old),
        ("pending-old", OutboxStatus.pending, old),
        ("sent-new", OutboxStatus.sent, fresh),
    ):
        session.add(
            Outbox(
                target_kind=OutboxTarget.contact,
                target_id="wx_duty",
                text="新心愿 #1",
                kind="alert",
                dedupe_key=key,
                status=status,
                created_at=when,
            )
        )
    session.add(
        AuditEntry(
            action=AuditAction.person_export,
            actor_kind="admin",
            at=months_before(NOW, 36) - timedelta(days=1),
        )
    )
    session.add(AuditEntry(action=AuditAction.person_export, actor_kind="admin", at=fresh))
    session.commit()

    counts = followup.run_retention(now=NOW).counts
    assert (counts["commands_deleted"], counts["messages_deleted"], counts["audit_deleted"]) == (
        1,
        2,
        1,
    )
    session.expire_all()
    assert [c.message_id for c in session.exec(select(BotCommand)).all()] == ["new"]
    keys = session.exec(select(Outbox.dedupe_key).order_by(col(Outbox.dedupe_key))).all()
    assert list(keys) == ["pending-old", "sent-new"]  # nothing waiting to go out is dropped
    actions = session.exec(select(AuditEntry.action).order_by(col(AuditEntry.id))).all()
    assert list(actions) == [AuditAction.person_export, AuditAction.retention]
    session.rollback()


def test_the_job_is_registered_daily_in_shanghai_with_a_fixed_id(engine: object) -> None:
    settings = make_settings()
    trigger = job_triggers(settings)[JOB_RETENTION]
    fire = trigger.get_next_fire_time(None, datetime(2026, 12, 2, 4, 0, tzinfo=SHANGHAI))
    assert fire == datetime(2026, 12, 3, 3, 30, tzinfo=SHANGHAI)
    scheduler = FollowUpScheduler(engine, settings)  # type: ignore[arg-type]
    assert JOB_RETENTION in {job.id for job in scheduler.scheduler.get_jobs()}


def test_one_retention_setting_for_the_api_and_the_scheduler(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("WISHPOOL_OFFICE__RETENTION_MONTHS", "18")
    assert SchedulerSettings().retention_months == 18
    assert ApiSettings().retention_months == 18
    monkeypatch.delenv("WISHPOOL_OFFICE__RETENTION_MONTHS")
    monkeypatch.setenv("WISHPOOL_SCHEDULER__RETENTION_MONTHS", "6")
    with pytest.raises(ValueError, match=r"office\.retention_months"):
        SchedulerSettings()
