"""The staff triage queue: idempotent intake, accept/ignore/expire forget the words, corrections
keep features only. Every test passes `now`: time moves without sleeping."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from api.domain import triage
from api.domain.errors import Conflict, NotFound
from api.domain.offices import create_office
from api.domain.triage import (
    accept_triage_item,
    create_triage_item,
    get_triage_item,
    ignore_triage_item,
    list_pending_triage,
    purge_expired_triage,
    record_missed_wish,
    triage_alert_fields,
)
from api.domain.wishes import Actor, create_wish
from models import Correction, Group, Staff, TriageItem, Wish, WishEvent
from models.enums import Category, EventKind, OfficeLevel, WishKind
from models.org import OfficeCreate
from models.triage import TriageStatus
from models.wish import WishCreate

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
PHONE = "13912345678"

UNSURE = [
    "有没有姐妹知道哪里可以免费学电脑的",
    "孩子放学没人接，不知道社区能不能想想办法",
    "最近总是睡不好，心里堵得慌",
    f"我们驿站想办个读书角，有意向的联系我{PHONE}",
]


@dataclass
class Place:
    office: int
    other_office: int
    group: Group
    staff: Staff


@pytest.fixture
def place(session: Session) -> Place:
    office = create_office(
        session=session,
        office_in=OfficeCreate(name="东风街道妇联", code="DF", level=OfficeLevel.street),
    )
    other = create_office(
        session=session,
        office_in=OfficeCreate(name="西区妇联", code="XQ", level=OfficeLevel.district),
    )
    assert office.id is not None and other.id is not None
    group = Group(room_id="df@chatroom", topic="东风姐妹群", office_id=office.id, enabled=True)
    staff = Staff(wechat_id="wx_li", name="李红", office_id=office.id)
    session.add_all([group, staff])
    session.commit()
    return Place(office=office.id, other_office=other.id, group=group, staff=staff)


def _queue(
    session: Session,
    place: Place,
    text: str,
    message_id: str = "m1",
    *,
    now: datetime = T0,
    office: int | None = None,
    **extra: object,
) -> tuple[TriageItem, bool]:
    return create_triage_item(
        session=session,
        office_id=office or place.office,
        room_id=place.group.room_id,
        message_id=message_id,
        talker_id="wx_member",
        talker_name="王秀兰",
        text=text,
        category=Category.career,
        kind=WishKind.need,
        confidence=0.42,
        keywords=["trigger:想"],
        rules=["context:question"],
        now=now,
        **extra,  # type: ignore[arg-type]
    )


def _count(session: Session, model: type) -> int:
    return len(session.exec(select(model)).all())


# ---- intake -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", UNSURE)
def test_create_is_idempotent_on_message_id(session: Session, place: Place, text: str) -> None:
    item, created = _queue(session, place, text)
    again, created_again = _queue(session, place, "另一段话", now=T0 + timedelta(hours=1))
    assert (created, created_again) == (True, False)
    assert again.id == item.id and again.text == text[:2000]
    assert _count(session, TriageItem) == 1
    assert item.seq == 1 and item.group_id == place.group.id
    assert item.status == TriageStatus.pending
    assert item.expires_at == T0 + timedelta(hours=48)


def test_seq_counts_per_office(session: Session, place: Place) -> None:
    first, _ = _queue(session, place, UNSURE[0], "m1")
    second, _ = _queue(session, place, UNSURE[1], "m2")
    elsewhere, _ = _queue(session, place, UNSURE[2], "m3", office=place.other_office)
    assert [first.seq, second.seq, elsewhere.seq] == [1, 2, 1]
    found = get_triage_item(session=session, office_id=place.office, seq=2)
    assert found.id == second.id
    with pytest.raises(NotFound, match="T9"):
        get_triage_item(session=session, office_id=place.office, seq=9)


def test_create_flushes_and_leaves_the_commit_to_the_caller(session: Session, place: Place) -> None:
    _queue(session, place, UNSURE[0])
    session.rollback()
    assert _count(session, TriageItem) == 0


def test_a_lost_number_race_retries_without_undoing_the_callers_work(
    session: Session, place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    _queue(session, place, UNSURE[0], "m1")
    session.commit()
    handed_out = iter([1, 2])  # the first number was just taken by a concurrent insert
    monkeypatch.setattr(triage, "_next_seq", lambda _session, _office: next(handed_out))
    session.add(Staff(wechat_id="wx_new", name="新同事", office_id=place.office))
    item, created = _queue(session, place, UNSURE[1], "m2")
    session.commit()
    assert created and item.seq == 2
    assert session.exec(select(Staff).where(Staff.wechat_id == "wx_new")).first() is not None


def test_unknown_group_is_refused(session: Session, place: Place) -> None:
    with pytest.raises(NotFound, match="群"):
        create_triage_item(
            session=session,
            office_id=place.office,
            room_id="nowhere@chatroom",
            message_id="m1",
            talker_id="wx_member",
            talker_name="王秀兰",
            text=UNSURE[0],
            now=T0,
        )


# ---- accept -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", UNSURE)
def test_accept_creates_one_wish_and_forgets_the_words(
    session: Session, place: Place, text: str
) -> None:
    item, _ = _queue(session, place, text)
    session.commit()
    later = T0 + timedelta(hours=3)
    wish = accept_triage_item(
        session=session, office_id=place.office, seq=item.seq, staff=place.staff, now=later
    )
    session.commit()
    again = accept_triage_item(
        session=session, office_id=place.office, seq=item.seq, staff=place.staff, now=later
    )
    session.commit()
    assert again.id == wish.id
    assert _count(session, Wish) == 1
    assert wish.text == text and wish.category == Category.career
    assert wish.submitter_wechat_id == "wx_member" and wish.submitter_name == "王秀兰"
    assert wish.group_id == place.group.id and wish.office_id == place.office
    stored = session.get(TriageItem, item.id)
    assert stored is not None
    session.refresh(stored)
    assert stored.status == TriageStatus.accepted and stored.wish_id == wish.id
    assert stored.text is None and stored.talker_name is None and stored.talker_wechat_id is None
    assert stored.decided_by_staff_id == place.staff.id and stored.decided_at == later
    notes = session.exec(
        select(WishEvent).where(WishEvent.wish_id == wish.id, WishEvent.kind == EventKind.note)
    ).all()
    assert [n.note for n in notes] == ["由待确认消息 T1 登记"]
    corrections = session.exec(select(Correction)).all()
    assert len(corrections) == 1
    assert corrections[0].corrected_is_wish and not corrections[0].predicted_is_wish
    assert text not in json.dumps(corrections[0].features, ensure_ascii=False)


def test_accept_can_choose_the_category(session: Session, place: Place) -> None:
    item, _ = _queue(session, place, UNSURE[1])
    wish = accept_triage_item(
        session=session,
        office_id=place.office,
        seq=item.seq,
        staff=Actor(name="admin:测试"),
        now=T0,
        category=Category.family,
    )
    session.commit()
    assert wish.category == Category.family
    stored = session.get(TriageItem, item.id)
    assert stored is not None and stored.decided_by_staff_id is None


def test_accept_after_ignore_is_refused_politely(session: Session, place: Place) -> None:
    item, _ = _queue(session, place, UNSURE[0])
    ignore_triage_item(
        session=session, office_id=place.office, seq=item.seq, staff=place.staff, now=T0
    )
    session.commit()
    with pytest.raises(Conflict, match="T1 已忽略"):
        accept_triage_item(
            session=session, office_id=place.office, seq=item.seq, staff=place.staff, now=T0
        )
    assert _count(session, Wish) == 0


def test_accept_after_the_lifetime_is_refused(session: Session, place: Place) -> None:
    item, _ = _queue(session, place, UNSURE[2], lifetime_hours=2)
    session.commit()
    with pytest.raises(Conflict, match="T1 已过期"):
        accept_triage_item(
            session=session,
            office_id=place.office,
            seq=item.seq,
            staff=place.staff,
            now=T0 + timedelta(hours=2),
        )
    assert _count(session, Wish) == 0


# ---- ignore -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", UNSURE)
def test_ignore_records_a_false_alarm_without_the_words(
    session: Session, place: Place, text: str
) -> None:
    item, _ = _queue(session, place, text)
    session.commit()
    for _ in range(2):  # ignoring twice records one correction
        ignored = ignore_triage_item(
            session=session, office_id=place.office, seq=item.seq, staff=place.staff, now=T0
        )
        session.commit()
    assert ignored.status == TriageStatus.ignored
    assert ignored.text is None and ignored.talker_name is None
    corrections = session.exec(select(Correction)).all()
    assert len(corrections) == 1
    correction = corrections[0]
    assert correction.predicted_is_wish and not correction.corrected_is_wish
    assert correction.wish_id is None and correction.staff_id == place.staff.id
    dumped = json.dumps(correction.features, ensure_ascii=False)
    assert text not in dumped and PHONE not in dumped
    assert correction.features["source"] == "triage"
    assert correction.features["tokens"]  # the recogniser's view is kept to learn from
    assert _count(session, Wish) == 0


def test_ignore_after_accept_is_refused(session: Session, place: Place) -> None:
    item, _ = _queue(session, place, UNSURE[1])
    wish = accept_triage_item(
        session=session, office_id=place.office, seq=item.seq, staff=place.staff, now=T0
    )
    session.commit()
    with pytest.raises(Conflict, match=f"T1 已登记为心愿 #{wish.seq}"):
        ignore_triage_item(
            session=session, office_id=place.office, seq=item.seq, staff=place.staff, now=T0
        )


# ---- lifetime -----------------------------------------------------------------------------


@pytest.mark.parametrize("lifetime", [48, 6])
def test_purge_forgets_the_words_after_the_lifetime_and_not_before(
    session: Session, place: Place, lifetime: int
) -> None:
    item, _ = _queue(session, place, UNSURE[3], lifetime_hours=lifetime)
    session.commit()
    just_before = T0 + timedelta(hours=lifetime) - timedelta(seconds=1)
    assert purge_expired_triage(session=session, now=just_before) == 0
    session.commit()
    kept = session.get(TriageItem, item.id)
    assert kept is not None and kept.text == UNSURE[3] and kept.status == TriageStatus.pending
    assert [i.id for i in list_pending_triage(session=session, office_id=place.office, now=T0)] == [
        item.id
    ]

    at_end = T0 + timedelta(hours=lifetime)
    assert purge_expired_triage(session=session, now=at_end) == 1
    session.commit()
    assert purge_expired_triage(session=session, now=at_end + timedelta(days=1)) == 0
    session.commit()
    gone = session.get(TriageItem, item.id)
    assert gone is not None
    assert gone.status == TriageStatus.expired
    assert gone.text is None and gone.talker_name is None and gone.talker_wechat_id is None
    assert gone.category == Category.career and gone.confidence == pytest.approx(0.42)
    assert gone.keywords == ["trigger:想"]
    assert list_pending_triage(session=session, office_id=place.office, now=at_end) == []
    assert _count(session, Correction) == 0  # nobody decided: nothing to learn


# ---- missed wishes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["想给孩子报个暑假托管班，不知道咱们这儿有没有", "家里老人需要有人上门看看"]
)
def test_missed_wish_records_a_correction_and_settles_its_triage_item(
    session: Session, place: Place, text: str
) -> None:
    item, _ = _queue(session, place, text, "m-quoted")
    session.commit()
    wish, _ = create_wish(
        session=session,
        wish_in=WishCreate(
            text=text, category=Category.family, group_id=place.group.id, source_message_id="s1"
        ),
        actor=Actor(name=place.staff.name, staff_id=place.staff.id),
    )
    correction = record_missed_wish(
        session=session, wish=wish, staff_id=place.staff.id, now=T0, message_id="m-quoted"
    )
    session.commit()
    assert correction.wish_id == wish.id
    assert correction.corrected_is_wish and not correction.predicted_is_wish
    assert correction.corrected_category == Category.family
    assert correction.features["source"] == "missed"
    assert text not in json.dumps(correction.features, ensure_ascii=False)
    settled = session.get(TriageItem, item.id)
    assert settled is not None
    session.refresh(settled)
    assert settled.status == TriageStatus.accepted and settled.wish_id == wish.id
    assert settled.text is None


# ---- alert fields -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"请问哪位姐妹知道社区的法律咨询怎么预约，我电话{PHONE}，麻烦帮忙看看，谢谢大家了，"
        "最近单位一直拖着工资不发，心里很着急，也不知道该找谁好",
        "身份证110101199003071234丢了怎么补办",
    ],
)
def test_alert_fields_are_masked_and_short(session: Session, place: Place, text: str) -> None:
    item, _ = _queue(session, place, text)
    fields = triage_alert_fields(item, place.group)
    shown = str(fields["text"])
    assert len(shown) <= triage.ALERT_TEXT_CHARS
    assert PHONE not in shown and "110101199003071234" not in shown
    assert fields["label"] == "T1" and fields["seq"] == 1
    assert fields["group_topic"] == "东风姐妹群" and fields["talker_name"] == "王秀兰"
    assert "wx_member" not in json.dumps(fields, ensure_ascii=False, default=str)
