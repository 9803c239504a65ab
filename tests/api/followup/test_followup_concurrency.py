"""Two runners on two Engine objects (as two processes would have) never double-remind."""

from __future__ import annotations

import re
import threading
from collections import Counter

import pytest
from sqlmodel import Session, select

from api.followup.jobs import RunReport
from api.followup.runner import FollowUpRunner
from models import SchedulerRun, WishEvent
from models.db import make_engine
from models.enums import EventKind
from tests.api.followup.fu_world import World, at, make_settings


def test_two_runners_at_once_remind_each_wish_once(world: World, db_url: str) -> None:
    for hour in range(9, 17):
        world.wish(created_at=at(2026, 3, 2, hour), org="with_liaison")
        world.wish(created_at=at(2026, 3, 2, hour))  # → on duty
    engines = [make_engine(db_url), make_engine(db_url)]
    barrier = threading.Barrier(2)
    reports: list[RunReport] = []
    errors: list[BaseException] = []

    def run(engine_index: int) -> None:
        followup = FollowUpRunner(engines[engine_index], make_settings())
        barrier.wait()
        try:
            reports.append(followup.run_reminders(at(2026, 3, 4, 9)))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for engine in engines:
        engine.dispose()
    assert not errors
    assert sum(r.counts["reminded"] for r in reports) == 16
    refs = Counter(
        ref
        for message in world.outbox()
        if message.kind == "reminder"
        for ref in re.findall(r"#\d+（", message.text)
    )
    assert len(refs) == 16 and set(refs.values()) == {1}
    events = world.session.exec(select(WishEvent).where(WishEvent.kind == EventKind.reminded)).all()
    assert len(events) == 16 and len({e.wish_id for e in events}) == 16
    runs = world.session.exec(select(SchedulerRun)).all()
    assert len(runs) == 2 and all(r.finished_at and r.error is None for r in runs)


def test_a_claimed_wish_cannot_be_claimed_again(
    world: World, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.wish(created_at=at(2026, 3, 2, 9), org="with_liaison")
    engine = make_engine(db_url)
    first, second = (FollowUpRunner(engine, make_settings()) for _ in range(2))
    now = at(2026, 3, 2, 14)
    # The second runner read the wish before the first claimed it (a stale snapshot): only the
    # conditional UPDATE stands between it and a second reminder.
    with Session(engine) as session:
        stale = second.selector.candidates(session, now)
    assert len(stale) == 1
    monkeypatch.setattr(second.selector, "candidates", lambda *_a, **_k: stale)
    assert first.run_reminders(now).counts["reminded"] == 1
    late = second.run_reminders(now)
    assert late.counts["overdue"] == 1 and late.counts["reminded"] == 0
    assert late.messages == []
    engine.dispose()
    assert len(world.outbox()) == 1
