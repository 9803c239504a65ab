"""GET /api/v1/corrections/quality: the recogniser's false alarms, misses and recategorisations
per ISO week (Asia/Shanghai) against the wishes logged, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from api.domain.triage import create_triage_item, ignore_triage_item, record_missed_wish
from api.domain.wishes import Actor, create_wish
from models import Correction, Wish
from models.enums import Category
from models.wish import WishCreate
from nlp.learning import suggest
from tests.api.apitools import Tree, new_wish

URL = "/api/v1/corrections/quality"
UNTIL = "2025-03-12"  # a Wednesday of 2025-W11: three weeks are W09, W10 and W11

# Moments in UTC; Shanghai is 8 hours ahead.
W09 = datetime(2025, 2, 25, 4, 0, tzinfo=UTC)  # Tuesday 12:00 local
W10 = datetime(2025, 3, 5, 4, 0, tzinfo=UTC)  # Wednesday 12:00 local
W10_SUNDAY_NIGHT = datetime(2025, 3, 9, 15, 30, tzinfo=UTC)  # Sunday 23:30 local: still W10
W11_MONDAY_MORNING = datetime(2025, 3, 9, 16, 10, tzinfo=UTC)  # Monday 00:10 local: W11
W11 = datetime(2025, 3, 12, 4, 0, tzinfo=UTC)  # Wednesday 12:00 local
BEFORE = datetime(2025, 2, 23, 15, 0, tzinfo=UTC)  # Sunday 23:00 local of W08
AFTER = datetime(2025, 3, 16, 16, 5, tzinfo=UTC)  # Monday 00:05 local of W12


def _wish_in(client: TestClient, admin: dict[str, str], office_id: int) -> int:
    return int(new_wish(client, admin, office_id=office_id, confidence=0.8)["id"])


def _seed(client: TestClient, admin: dict[str, str], tree: Tree, session: Session) -> None:
    logged = [
        (tree.street, W09),
        (tree.community, W09),
        *[(tree.street, W10)] * 4,
        (tree.west, W10),
        (tree.street, W11_MONDAY_MORNING),
    ]
    ids = [_wish_in(client, admin, office) for office, _ in logged]
    for wish_id, (_, when) in zip(ids, logged, strict=True):
        session.execute(sa.update(Wish).where(col(Wish.id) == wish_id).values(created_at=when))
    east, west = ids[0], ids[6]

    def corr(
        when: datetime,
        predicted: bool,
        corrected: bool,
        *,
        wish_id: int | None = None,
        staff_id: int | None = None,
        before: Category | None = Category.family,
        after: Category | None = Category.legal,
        source: str | None = None,
    ) -> Correction:
        return Correction(
            wish_id=wish_id,
            staff_id=staff_id,
            predicted_is_wish=predicted,
            predicted_category=before,
            corrected_is_wish=corrected,
            corrected_category=after if corrected else None,
            features={"tokens": ["补课"], **({"source": source} if source else {})},
            created_at=when,
        )

    session.add_all(
        [
            # W09 (east): 不是心愿 on a wish, 改类.
            corr(W09, True, False, wish_id=east),
            corr(W09, True, True, wish_id=ids[1]),
            # W10: 忽略 T12 by an east staff member (no wish: the staff member's office),
            # a late-Sunday 不是心愿, a triaged wish accepted (east), a miss and a 改类 in 西区,
            # a category confirmed unchanged and a non-wish confirmed: neither counts.
            corr(W10, True, False, staff_id=tree.staff, source="triage"),
            corr(W10_SUNDAY_NIGHT, True, False, wish_id=east),
            corr(W10, False, True, wish_id=ids[2], source="triage"),
            corr(W10, False, True, wish_id=west, before=None, source="missed"),
            corr(W10, True, True, wish_id=west),
            corr(W10, True, True, wish_id=ids[3], after=Category.family),
            corr(W10, False, False, wish_id=ids[4], after=None),
            # W11: a miss (quote + 登记) just after midnight on Monday, 忽略 in 西区, and a
            # free-standing false alarm (no wish, no staff member): admin only.
            corr(W11_MONDAY_MORNING, False, True, wish_id=ids[7], before=None, source="missed"),
            corr(W11, True, False, staff_id=tree.west_staff),
            corr(W11_MONDAY_MORNING, True, False),
            # Outside the three weeks.
            corr(BEFORE, True, False, wish_id=east),
            corr(AFTER, True, False, wish_id=east),
        ]
    )
    session.commit()


def _week(
    week: str, logged: int, false_alarms: int, triaged: int, misses: int, recat: int
) -> dict[str, Any]:
    def rate(n: int) -> float | None:
        return round(100 * n / logged, 1) if logged else None

    return {
        "week": week,
        "wishes_logged": logged,
        "false_alarms": false_alarms,
        "false_alarms_triaged": triaged,
        "misses": misses,
        "recategorised": recat,
        "false_alarm_rate": rate(false_alarms),
        "miss_rate": rate(misses),
        "recategorised_rate": rate(recat),
    }


def _get(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get(URL, params=params, headers=headers)
    assert response.status_code == 200, response.text
    weeks: list[dict[str, Any]] = response.json()
    return weeks


def _without_dates(weeks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in w.items() if k != "starts_on"} for w in weeks]


def test_admin_sees_every_office_per_shanghai_week(
    client: TestClient, admin: dict[str, str], tree: Tree, session: Session
) -> None:
    _seed(client, admin, tree, session)
    weeks = _get(client, admin, weeks=3, until=UNTIL)
    assert [w["starts_on"] for w in weeks] == ["2025-02-24", "2025-03-03", "2025-03-10"]
    assert _without_dates(weeks) == [
        _week("2025-W09", 2, 1, 0, 0, 1),
        _week("2025-W10", 5, 2, 1, 2, 1),
        _week("2025-W11", 1, 2, 2, 1, 0),
    ]
    assert weeks[1]["false_alarm_rate"] == 40.0 and weeks[1]["miss_rate"] == 40.0


def test_staff_see_only_their_office_subtree(
    client: TestClient,
    admin: dict[str, str],
    staff: dict[str, str],
    west_staff: dict[str, str],
    tree: Tree,
    session: Session,
) -> None:
    _seed(client, admin, tree, session)
    assert _without_dates(_get(client, staff, weeks=3, until=UNTIL)) == [
        _week("2025-W09", 2, 1, 0, 0, 1),
        _week("2025-W10", 4, 2, 1, 1, 0),
        _week("2025-W11", 1, 0, 0, 1, 0),
    ]
    assert _without_dates(_get(client, west_staff, weeks=3, until=UNTIL)) == [
        _week("2025-W09", 0, 0, 0, 0, 0),
        _week("2025-W10", 1, 0, 0, 1, 1),
        _week("2025-W11", 0, 1, 1, 0, 0),
    ]


def test_a_week_without_wishes_has_no_rate(
    client: TestClient, admin: dict[str, str], tree: Tree, session: Session
) -> None:
    _seed(client, admin, tree, session)
    [week] = _get(client, admin, weeks=1, until="2025-03-20")
    assert week["week"] == "2025-W12" and week["starts_on"] == "2025-03-17"
    assert (week["wishes_logged"], week["false_alarms"], week["false_alarm_rate"]) == (0, 1, None)


def test_defaults_to_twelve_weeks_ending_this_week(
    client: TestClient, staff: dict[str, str]
) -> None:
    weeks = _get(client, staff)
    assert len(weeks) == 12
    assert len({w["week"] for w in weeks}) == 12
    assert weeks == sorted(weeks, key=lambda w: str(w["starts_on"]))
    assert all(w["wishes_logged"] == 0 and w["false_alarm_rate"] is None for w in weeks)


@pytest.mark.parametrize("weeks", [0, 53, -1])
def test_weeks_out_of_range_are_refused(
    client: TestClient, staff: dict[str, str], weeks: int
) -> None:
    response = client.get(URL, params={"weeks": weeks}, headers=staff)
    assert response.status_code == 422


def test_needs_a_staff_or_admin_token(client: TestClient, bot: dict[str, str]) -> None:
    assert client.get(URL).status_code == 401
    assert client.get(URL, headers=bot).status_code == 403


def test_openapi_summary_is_chinese(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][URL]["get"]
    assert "识别质量" in operation["summary"]


def test_admin_page_has_the_quality_panel(client: TestClient) -> None:
    html = client.get("/admin").text
    js = client.get("/admin/static/admin.js").text
    assert "识别质量" in html
    assert f"'{URL}'" in js


# ---- `rules suggest` learns from the queue and from misses ----------------------------------


@pytest.mark.parametrize(
    ("missed", "ignored"),
    [
        (
            ["老师说孩子奥数跟不上", "家里孩子奥数成绩差", "儿子奥数作业不会做"],
            ["我想说今天天气真好", "我想说一声大家辛苦了", "想说的都在群公告里了"],
        )
    ],
)
def test_rules_suggest_learns_from_misses_and_ignored_triage(
    session: Session, tree: Tree, missed: list[str], ignored: list[str]
) -> None:
    now = datetime(2025, 3, 5, 4, 0, tzinfo=UTC)
    staff = Actor(name="李红", staff_id=tree.staff)
    for text in missed:  # quote + 登记: wishes the recogniser did not acknowledge
        wish, _ = create_wish(
            session=session,
            wish_in=WishCreate(text=text, category=Category.family, office_id=tree.street),
            actor=staff,
        )
        record_missed_wish(session=session, wish=wish, staff_id=tree.staff, now=now)
    for n, text in enumerate(ignored):  # 忽略 T12: false alarms caught in the queue
        item, _ = create_triage_item(
            session=session,
            office_id=tree.street,
            room_id=None,
            message_id=f"ignored-{n}",
            talker_id="wx_member",
            talker_name="张姐",
            text=text,
            now=now,
        )
        ignore_triage_item(
            session=session, office_id=tree.street, seq=item.seq, staff=staff, now=now
        )
    session.commit()
    rows = list(session.exec(select(Correction)).all())
    session.commit()
    assert sorted(str(r.features["source"]) for r in rows) == ["missed"] * 3 + ["triage"] * 3
    out = {(s.action, s.target) for s in suggest(rows, min_support=3)}
    assert ("add_keyword", "family:奥数") in out  # from the misses
    assert ("lower_weight", "trigger:想") in out  # from the ignored triage items
