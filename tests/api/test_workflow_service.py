"""The status workflow at the service level, on both databases."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from api.domain.errors import InvalidTransition
from api.domain.wishes import Actor, create_wish, transition_wish
from api.domain.workflow import TRANSITIONS, Action, allowed_actions
from models import Office, WishEvent
from models.enums import CloseReason, OfficeLevel, WishStatus
from models.wish import WishCreate

ACTOR = Actor(name="测试员")


@pytest.fixture
def office(session: Session) -> Office:
    office = Office(name="东风街道妇联", code="DF", level=OfficeLevel.street)
    session.add(office)
    session.commit()
    return office


def make_wish(session: Session, office: Office, message_id: str | None = None):  # type: ignore[no-untyped-def]
    wish_in = WishCreate(text="希望组织亲子活动", office_id=office.id, source_message_id=message_id)
    return create_wish(session=session, wish_in=wish_in, actor=ACTOR)


def test_numbers_are_sequential_per_office(session: Session, office: Office) -> None:
    first, _ = make_wish(session, office)
    second, _ = make_wish(session, office)
    assert (first.seq, second.seq) == (1, 2)
    assert second.number.startswith("DF-") and second.number.endswith("-0002")


def test_same_message_id_returns_the_first_wish(session: Session, office: Office) -> None:
    first, created = make_wish(session, office, "msg-1")
    again, created_again = make_wish(session, office, "msg-1")
    assert created and not created_again
    assert again.id == first.id


PATH = [Action.claim, Action.match, Action.start, Action.fulfil]


def test_happy_path_writes_a_timeline(session: Session, office: Office) -> None:
    wish, _ = make_wish(session, office)
    for action in PATH:
        wish = transition_wish(session=session, wish=wish, action=action, actor=ACTOR)
    assert wish.status == WishStatus.fulfilled
    assert wish.fulfilled_at is not None and wish.claimed_at is not None
    events = session.exec(select(WishEvent).where(WishEvent.wish_id == wish.id)).all()
    assert [e.to_status for e in events] == [
        WishStatus.new,
        WishStatus.claimed,
        WishStatus.matched,
        WishStatus.in_service,
        WishStatus.fulfilled,
    ]


def _wish_in(session: Session, office: Office, status: WishStatus):  # type: ignore[no-untyped-def]
    wish, _ = make_wish(session, office)
    steps = {
        WishStatus.new: [],
        WishStatus.claimed: PATH[:1],
        WishStatus.matched: PATH[:2],
        WishStatus.in_service: PATH[:3],
        WishStatus.fulfilled: PATH[:4],
        WishStatus.closed: [],
    }[status]
    for action in steps:
        wish = transition_wish(session=session, wish=wish, action=action, actor=ACTOR)
    if status == WishStatus.closed:
        wish = transition_wish(
            session=session,
            wish=wish,
            action=Action.close,
            actor=ACTOR,
            close_reason=CloseReason.duplicate,
        )
    return wish


@pytest.mark.parametrize("status", list(WishStatus))
@pytest.mark.parametrize("action", list(Action))
def test_every_transition_is_allowed_or_refused(
    session: Session, office: Office, status: WishStatus, action: Action
) -> None:
    wish = _wish_in(session, office, status)
    sources, target = TRANSITIONS[action]
    reason = CloseReason.invalid if action == Action.close else None
    if status in sources:
        moved = transition_wish(
            session=session, wish=wish, action=action, actor=ACTOR, close_reason=reason
        )
        assert moved.status == target
    else:
        with pytest.raises(InvalidTransition) as err:
            transition_wish(
                session=session, wish=wish, action=action, actor=ACTOR, close_reason=reason
            )
        assert status.label in err.value.message
        for allowed in allowed_actions(status):
            assert allowed.label in err.value.message
        session.refresh(wish)
        assert wish.status == status
