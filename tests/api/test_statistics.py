"""Statistics against hand-computed values on a seeded ledger (both backends).

The ledger is written with explicit timestamps (the clock is the data), in the office tree of
tests/api/conftest.py; the period is 2026-09-01 … 2026-10-31 for 东区 (东风街道, 幸福社区).
Calendar facts (chinesecalendar, office hours 09:00–17:30 = 8.5 h a day): 2026-09-25 (Fri) is
the Mid-Autumn holiday, 09-26/27 a weekend, 10-01 … 10-07 National Day, 10-10 (Sat) a working
day (调休).

Wishes posted in the period under 东区 (times Beijing):
  W1 need/health  东风  09-24 16:00; claimed 09-28 10:00; matched 09-28 15:00; fulfilled 10-09 11:00
  W2 need/legal   幸福  09-29 17:00; org A; bot note, reminder, member note (none is staff);
                        admin-token note 10-08 09:30; matched 10-08 14:00
  W3 need/health  东风  10-10 10:00 (调休 Saturday); org A; staff claim 10-10 11:00
  W4 need/family  东风  09-01 00:30 (still August in UTC); closed as duplicate 09-01 01:00
  W5 offer/volunteer 东风 10-12 09:00; org B; nothing done
Outside: W6 in 西区 (other subtree), W7 posted 08-31 in 东风 but delivered 09-05.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.domain.auth import Principal
from api.domain.errors import Forbidden, InvalidInput
from api.domain.statistics import office_statistics
from api.followup.calendar import WorkCalendar
from models import Fulfilment, Organisation, Wish, WishEvent
from models.clock import SHANGHAI
from models.enums import (
    Category,
    CloseReason,
    EventKind,
    OrganisationKind,
    Role,
    WishKind,
    WishStatus,
)
from tests.api.apitools import Tree
from tests.api.test_migrations import empty_url

START, END = date(2026, 9, 1), date(2026, 10, 31)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A Beijing wall-clock moment of 2026 as the aware UTC the ledger stores."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


class Ledger:
    def __init__(self, session: Session, tree: Tree) -> None:
        self.session = session
        self.tree = tree
        self.seq = 0

    def org(
        self,
        name: str,
        kind: OrganisationKind,
        office: int,
        created: datetime,
        branch_since: date | None = None,
    ) -> int:
        org = Organisation(
            name=name,
            kind=kind,
            office_id=office,
            has_branch=branch_since is not None,
            branch_since=branch_since,
            created_at=created,
        )
        self.session.add(org)
        self.session.flush()
        return int(org.id or 0)

    def wish(
        self,
        office: int,
        created: datetime,
        *,
        category: Category,
        kind: WishKind = WishKind.need,
        status: WishStatus = WishStatus.new,
        org: int | None = None,
        **stamps: Any,
    ) -> Wish:
        self.seq += 1
        wish = Wish(
            text=f"心愿{self.seq}",
            category=category,
            kind=kind,
            office_id=office,
            seq=self.seq,
            number=f"T-{self.seq}",
            status=status,
            organisation_id=org,
            created_at=created,
            **stamps,
        )
        self.session.add(wish)
        self.session.flush()
        self.event(wish, EventKind.created, created, "bot")
        return wish

    def event(
        self, wish: Wish, kind: EventKind, when: datetime, actor: str, staff_id: int | None = None
    ) -> None:
        self.session.add(
            WishEvent(
                wish_id=int(wish.id or 0), kind=kind, at=when, actor=actor, actor_staff_id=staff_id
            )
        )
        self.session.flush()

    def fulfilment(self, wish: Wish, on: date, people: int, value: float) -> None:
        self.session.add(
            Fulfilment(
                wish_id=int(wish.id or 0), delivered_on=on, beneficiaries=people, value_yuan=value
            )
        )
        self.session.flush()


@pytest.fixture
def ledger(session: Session, tree: Tree) -> Tree:
    led = Ledger(session, tree)
    street, community, west = tree.street, tree.community, tree.west
    org_a = led.org(
        "甲科技公司", OrganisationKind.new_economic, street, at(8, 1, 10), date(2026, 9, 15)
    )
    org_b = led.org(
        "乙商会", OrganisationKind.new_social, community, at(8, 1, 10), date(2026, 7, 1)
    )
    led.org("丙电商", OrganisationKind.new_economic, street, at(8, 15, 10))
    led.org(
        "丁骑手站", OrganisationKind.new_employment, community, at(10, 5, 10), date(2026, 10, 20)
    )
    led.org("西区公司", OrganisationKind.new_economic, west, at(8, 1, 10), date(2026, 9, 2))

    w1 = led.wish(
        street,
        at(9, 24, 16),
        category=Category.health,
        status=WishStatus.fulfilled,
        claimed_at=at(9, 28, 10),
        matched_at=at(9, 28, 15),
        fulfilled_at=at(10, 9, 11),
    )
    led.event(w1, EventKind.transition, at(9, 28, 10), "李红", tree.staff)
    led.event(w1, EventKind.matched, at(9, 28, 15), "李红", tree.staff)
    led.fulfilment(w1, date(2026, 10, 9), 30, 5000)

    w2 = led.wish(
        community,
        at(9, 29, 17),
        category=Category.legal,
        status=WishStatus.matched,
        org=org_a,
        matched_at=at(10, 8, 14),
    )
    led.event(w2, EventKind.note, at(9, 29, 17), "bot")
    led.event(w2, EventKind.reminded, at(9, 30, 10), "system")
    led.event(w2, EventKind.note, at(9, 30, 12), "成员 张敏")
    led.event(w2, EventKind.note, at(10, 8, 9, 30), "测试admin")
    led.event(w2, EventKind.transition, at(10, 8, 14), "测试admin")

    w3 = led.wish(
        street,
        at(10, 10, 10),
        category=Category.health,
        status=WishStatus.claimed,
        org=org_a,
        claimed_at=at(10, 10, 11),
    )
    led.event(w3, EventKind.transition, at(10, 10, 11), "李红", tree.staff)

    w4 = led.wish(
        street,
        at(9, 1, 0, 30),
        category=Category.family,
        status=WishStatus.closed,
        close_reason=CloseReason.duplicate,
        closed_at=at(9, 1, 1),
    )
    led.event(w4, EventKind.transition, at(9, 1, 1), "李红", tree.staff)

    led.wish(street, at(10, 12, 9), category=Category.volunteer, kind=WishKind.offer, org=org_b)

    w6 = led.wish(
        west,
        at(10, 12, 9),
        category=Category.career,
        status=WishStatus.fulfilled,
        fulfilled_at=at(10, 13, 9),
    )
    led.fulfilment(w6, date(2026, 10, 13), 99, 999)
    w7 = led.wish(
        street,
        at(8, 31, 10),
        category=Category.care,
        status=WishStatus.fulfilled,
        fulfilled_at=at(9, 5, 10),
    )
    led.fulfilment(w7, date(2026, 9, 5), 10, 100)
    led.session.commit()
    return tree


def east_staff(tree: Tree) -> Principal:
    return Principal(
        token_id=1,
        name="东区",
        role=Role.staff,
        office_id=tree.east,
        office_path=f"/{tree.city}/{tree.east}/",
    )


CALENDAR = WorkCalendar()  # chinesecalendar's 2026, 09:00–17:30


def _stats(session: Session, tree: Tree, **kw: Any) -> dict[str, Any]:
    result = office_statistics(
        session=session, principal=east_staff(tree), calendar=CALENDAR, start=START, end=END, **kw
    )
    return result.model_dump(mode="json")


def _by_code(rows: list[dict[str, Any]]) -> dict[Any, tuple[int, int]]:
    return {r["code"]: (r["posted"], r["fulfilled"]) for r in rows}


def test_working_hours_across_a_weekend_and_holidays() -> None:
    # Thu 16:00 → Mon 10:00 over Mid-Autumn (Fri) and the weekend: 1.5 + 1 working hours.
    assert CALENDAR.working_hours_between(at(9, 24, 16), at(9, 28, 10)) == 2.5
    # Tue 17:00 → Thu 10-08 09:30 over National Day: 0.5 + 8.5 (Wed) + 0.5.
    assert CALENDAR.working_hours_between(at(9, 29, 17), at(10, 8, 9, 30)) == 9.5
    # The 调休 Saturday 10-10 counts; Sunday 10-11 does not.
    assert CALENDAR.working_hours_between(at(10, 10, 10), at(10, 12, 10)) == 7.5 + 1
    assert CALENDAR.working_hours_between(at(9, 1, 0, 30), at(9, 1, 1)) == 0
    assert CALENDAR.working_hours_between(at(9, 2, 10), at(9, 1, 10)) == 0


@pytest.mark.parametrize("hours", [0.5, 3, 8.5, 20, 60, 200])
@pytest.mark.parametrize("start", [at(9, 24, 16), at(9, 30, 12), at(10, 10, 8), at(12, 31, 17)])
def test_working_hours_between_inverts_add_working_hours(start: datetime, hours: float) -> None:
    # The follow-up engine's own arithmetic, walked forward: the two must agree.
    assert CALENDAR.working_hours_between(
        start, CALENDAR.add_working_hours(start, hours)
    ) == pytest.approx(hours)


def test_durations_hand_computed(session: Session, ledger: Tree) -> None:
    d = _stats(session, ledger)["durations"]
    # First response (elapsed / working hours): W1 90 / 2.5, W2 208.5 / 9.5 (the bot's note,
    # the reminder and the member's note do not count), W3 1 / 1, W4 0.5 / 0 (before 09:00).
    # Median of 0.5, 1, 90, 208.5 = 45.5; p90 (inclusive) = x[2] + 0.7·(x[3] − x[2]).
    assert d["first_response"] == {
        "count": 4,
        "pending": 1,
        "median_hours": 45.5,
        "p90_hours": round(90 + 0.7 * 118.5, 2),  # 172.95
        "working_median_hours": 1.75,
        "working_p90_hours": round(2.5 + 0.7 * 7, 2),  # 7.4
    }
    # To match: W1 Thu 16:00 → Mon 15:00 = 95 h, 1.5 + 6 = 7.5 working;
    # W2 Tue 17:00 → 10-08 14:00 = 213 h, 0.5 + 8.5 + 5 = 14 working.
    assert d["to_match"] == {
        "count": 2,
        "pending": 3,
        "median_hours": 154.0,
        "p90_hours": round(95 + 0.9 * 118, 2),
        "working_median_hours": 10.75,
        "working_p90_hours": round(7.5 + 0.9 * 6.5, 2),
    }
    # To fulfil: W1 09-24 16:00 → 10-09 11:00 = 14 d 19 h = 355 h; working: 1.5 (Thu)
    # + 3 × 8.5 (Mon–Wed) + 8.5 (10-08) + 2 (10-09) = 37.5.
    assert d["to_fulfil"] == {
        "count": 1,
        "pending": 4,
        "median_hours": 355.0,
        "p90_hours": 355.0,
        "working_median_hours": 37.5,
        "working_p90_hours": 37.5,
    }


def test_counts_hand_computed(session: Session, ledger: Tree) -> None:
    s = _stats(session, ledger)
    assert s["office_id"] == ledger.east  # a staff token's own office by default
    assert s["posted"] == 5
    # Needs W1–W4; W4 closed as a duplicate is no wish to fulfil: 1 of 3.
    assert s["fulfilment_rate"] == {"fulfilled": 1, "eligible": 3, "rate": 0.3333}
    assert _by_code(s["by_status"]) == {
        "new": (1, 0),
        "claimed": (1, 0),
        "matched": (1, 0),
        "in_service": (0, 0),
        "fulfilled": (1, 1),
        "closed": (1, 0),
    }
    by_category = _by_code(s["by_category"])
    assert by_category["health"] == (2, 1)
    assert (by_category["legal"], by_category["family"], by_category["volunteer"]) == (
        (1, 0),
        (1, 0),
        (1, 0),
    )
    assert by_category["care"] == (0, 0)  # W7 was posted in August
    assert {r["code"]: r["label"] for r in s["by_category"]}["health"] == "身心健康"
    assert _by_code(s["by_kind"]) == {"need": (4, 1), "offer": (1, 0)}
    assert _by_code(s["by_organisation_kind"]) == {
        "new_economic": (2, 0),
        "new_social": (1, 0),
        "new_employment": (0, 0),
        None: (2, 1),
    }
    # W4 at 00:30 Beijing on 09-01 is September's, though still August in UTC.
    assert s["by_month"] == [
        {"month": "2026-09", "posted": 3, "fulfilled": 1},
        {"month": "2026-10", "posted": 2, "fulfilled": 0},
    ]
    offices = {o["office_id"]: o for o in s["by_office"]}
    assert set(offices) == {ledger.east, ledger.street, ledger.community}
    assert (offices[ledger.street]["posted"], offices[ledger.street]["fulfilled"]) == (4, 1)
    assert offices[ledger.community]["posted"] == 1
    assert (offices[ledger.east]["posted"], offices[ledger.east]["posted_total"]) == (0, 5)
    assert offices[ledger.street]["posted_total"] == 5 - 0  # 幸福社区 is below 东风街道
    # Delivered in the period, whenever posted: W1 (30, 5000) and W7 (10, 100); not 西区's W6.
    assert s["delivered"] == {"fulfilments": 2, "beneficiaries": 40, "value_yuan": 5100.0}
    per_org = s["wishes_per_organisation"]
    assert (per_org["organisations"], per_org["organisations_with_wishes"]) == (4, 2)
    assert (per_org["wishes_with_organisation"], per_org["average"]) == (3, 1.5)
    assert [(t["name"], t["posted"]) for t in per_org["top"]] == [("甲科技公司", 2), ("乙商会", 1)]


def test_coverage_hand_computed(session: Session, ledger: Tree) -> None:
    c = _stats(session, ledger)["coverage"]
    # Start (08-31): 甲, 乙, 丙 registered; only 乙's branch (07-01) exists: 1 / 3.
    # End (10-31): + 丁 (registered 10-05); branches 甲 (09-15), 乙, 丁 (10-20): 3 / 4.
    # The fixture's 幸福快递站 was registered after the period and is not counted.
    assert {k: c[k] for k in c if k != "by_kind"} == {
        "organisations": 4,
        "with_branch": 3,
        "rate": 0.75,
        "organisations_at_start": 3,
        "with_branch_at_start": 1,
        "rate_at_start": 0.3333,
        "rate_change": 0.4167,
        "new_branches": 2,
    }
    kinds = {k["code"]: k for k in c["by_kind"]}
    assert (kinds["new_economic"]["with_branch"], kinds["new_economic"]["organisations"]) == (1, 2)
    assert kinds["new_economic"]["rate_at_start"] == 0.0
    assert kinds["new_social"]["rate"] == kinds["new_social"]["rate_at_start"] == 1.0
    assert (kinds["new_employment"]["organisations_at_start"], kinds["new_employment"]["rate"]) == (
        0,
        1.0,
    )
    s = _stats(session, ledger)
    offices = {o["office_id"]: o for o in s["by_office"]}
    assert offices[ledger.street]["coverage"]["rate"] == 0.5  # 甲 of 甲, 丙
    assert offices[ledger.community]["coverage"]["with_branch"] == 2
    assert offices[ledger.east]["coverage_total"]["organisations"] == 4
    assert offices[ledger.east]["coverage"]["organisations"] == 0


def test_narrower_period_and_office(session: Session, ledger: Tree) -> None:
    s = office_statistics(
        session=session,
        principal=east_staff(ledger),
        calendar=CALENDAR,
        office_id=ledger.community,
        start=date(2026, 10, 1),
        end=END,
    )
    assert s.posted == 0  # W2 (幸福社区) was posted in September
    assert s.coverage.organisations_at_start == 1 and s.coverage.new_branches == 1  # 乙; 丁
    assert [m.month for m in s.by_month] == ["2026-10"]


def test_scope_and_bad_periods(session: Session, ledger: Tree) -> None:
    with pytest.raises(Forbidden):
        office_statistics(
            session=session, principal=east_staff(ledger), calendar=CALENDAR, office_id=ledger.west
        )
    with pytest.raises(InvalidInput):
        office_statistics(
            session=session, principal=east_staff(ledger), calendar=CALENDAR, start=END, end=START
        )
    with pytest.raises(InvalidInput):
        office_statistics(
            session=session,
            principal=east_staff(ledger),
            calendar=CALENDAR,
            start=date(9999, 12, 31),
        )
    admin = Principal(token_id=1, name="admin", role=Role.admin)
    everything = office_statistics(
        session=session, principal=admin, calendar=CALENDAR, start=START, end=END
    )
    assert everything.posted == 6 and everything.office_id is None  # W1–W5 and 西区's W6
    assert everything.delivered.beneficiaries == 30 + 99 + 10


def test_route(
    client: TestClient,
    staff: dict[str, str],
    west_staff: dict[str, str],
    admin: dict[str, str],
    ledger: Tree,
) -> None:
    query = {"start": START.isoformat(), "end": END.isoformat()}
    response = client.get("/api/v1/statistics", params=query, headers=staff)
    assert response.status_code == 200, response.text
    body = response.json()
    # The API's calendar is the follow-up engine's (config.yaml: 09:00–17:30, no extra days).
    assert body["durations"]["first_response"]["working_median_hours"] == 1.75
    assert body["coverage"]["rate"] == 0.75
    refused = client.get(
        "/api/v1/statistics", params={**query, "office_id": ledger.east}, headers=west_staff
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"]
    bad = client.get(
        "/api/v1/statistics", params={"start": "2026-10-01", "end": "2026-09-01"}, headers=admin
    )
    assert bad.status_code == 422
    whole = client.get("/api/v1/statistics", params=query, headers=admin)
    assert whole.json()["posted"] == 6


def test_branch_since_follows_has_branch(
    client: TestClient, admin: dict[str, str], tree: Tree
) -> None:
    url = f"/api/v1/organisations/{tree.org}"
    marked = client.patch(url, json={"has_branch": True}, headers=admin).json()
    assert marked["branch_since"] == datetime.now(SHANGHAI).date().isoformat()
    dated = client.patch(url, json={"branch_since": "2026-03-08"}, headers=admin).json()
    assert dated["branch_since"] == "2026-03-08"
    assert (
        client.patch(url, json={"has_branch": False}, headers=admin).json()["branch_since"] is None
    )
    made = client.post(
        "/api/v1/organisations",
        json={
            "name": "新公司",
            "kind": "new_economic",
            "office_id": tree.street,
            "has_branch": True,
            "branch_since": "2025-12-01",
        },
        headers=admin,
    ).json()
    assert made["branch_since"] == "2025-12-01"


def test_migration_backfills_branch_since(empty_url: str) -> None:
    """0014 gives organisations that already have a branch their registration date (Beijing)."""
    import sqlalchemy as sa

    from models.migrate import upgrade

    upgrade(empty_url, "0013_list_scale")
    engine = sa.create_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO office (id, name, code, level, path, wish_seq, created_at) "
                "VALUES (1, '市妇联', 'SZ', 'city', '/1/', 0, '2026-01-01 00:00:00')"
            )
        )
        for org_id, branch, created in (
            (1, True, "2026-03-07 17:00:00"),
            (2, False, "2026-03-07 00:00:00"),
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO organisation (id, name, kind, industry, women_count, has_branch, "
                    "office_id, zone, created_at, updated_at) VALUES "
                    "(:id, :name, 'new_social', '', 0, :branch, 1, '', :at, :at)"
                ),
                {"id": org_id, "name": f"o{org_id}", "branch": branch, "at": created},
            )
    upgrade(empty_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, branch_since FROM organisation ORDER BY id")).all()
    engine.dispose()
    # 17:00 UTC on 03-07 is 01:00 on 03-08 in Beijing (SQLite hands back text, PostgreSQL a date).
    found = [(r[0], None if r[1] is None else str(r[1])[:10]) for r in rows]
    assert found == [(1, "2026-03-08"), (2, None)]


__all__ = ["empty_url"]
