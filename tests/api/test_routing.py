"""Who hears of a new wish or triage item: liaison → zone staff → on-duty staff."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import Session

from api.domain.offices import create_office
from api.domain.routing import choose_responsible, responsible_staff
from models import Group, Office, Organisation, Staff
from models.enums import OfficeLevel, OrganisationKind
from models.org import OfficeCreate


@dataclass
class Area:
    office: Office
    other: Office
    staff: dict[str, Staff]
    groups: dict[str, Group]
    orgs: dict[str, Organisation]


@pytest.fixture
def area(session: Session) -> Area:
    office = create_office(
        session=session,
        office_in=OfficeCreate(name="幸福社区妇联", code="XF", level=OfficeLevel.community),
    )
    other = create_office(
        session=session,
        office_in=OfficeCreate(name="和平社区妇联", code="HP", level=OfficeLevel.community),
    )
    people = {
        "liaison": ("wx_liaison", "李分片", office, []),
        "east_a": ("wx_east_a", "赵东片", office, ["东片"]),
        "east_b": ("wx_east_b", "钱东片", office, ["东片", "西片"]),
        "group_keeper": ("wx_group", "孙群管", office, ["幸福姐妹群"]),
        "room_keeper": ("wx_room", "周房号", office, ["north@chatroom"]),
        "duty": ("wx_duty", "吴值班", office, []),
        "other_east": ("wx_other", "郑外社区", other, ["东片", "幸福姐妹群"]),
    }
    staff = {
        key: Staff(wechat_id=wx, name=name, office_id=o.id, zones=zones)  # type: ignore[arg-type]
        for key, (wx, name, o, zones) in people.items()
    }
    session.add_all(staff.values())
    session.flush()
    office.on_duty_staff_id = staff["duty"].id
    groups = {
        "sisters": Group(room_id="xf@chatroom", topic="幸福姐妹群", office_id=office.id),
        "north": Group(room_id="north@chatroom", topic="北片群", office_id=office.id),
        "plain": Group(room_id="plain@chatroom", topic="闲聊群", office_id=office.id),
    }
    assert office.id is not None
    orgs = {
        "with_liaison": Organisation(
            name="快递驿站",
            kind=OrganisationKind.new_employment,
            office_id=office.id,
            zone="东片",
            liaison_staff_id=staff["liaison"].id,
        ),
        "zone_only": Organisation(
            name="直播基地", kind=OrganisationKind.new_economic, office_id=office.id, zone="东片"
        ),
        "nowhere": Organisation(
            name="家政公司", kind=OrganisationKind.new_economic, office_id=office.id, zone="南片"
        ),
    }
    session.add_all([*groups.values(), *orgs.values()])
    session.commit()
    return Area(office, other, staff, groups, orgs)


def _names(found: list[Staff]) -> list[str]:
    return [s.name for s in found]


def _route(
    session: Session, area: Area, *, group: str | None = None, org: str | None = None
) -> list[str]:
    assert area.office.id is not None
    return _names(
        responsible_staff(
            session=session,
            office_id=area.office.id,
            group_id=area.groups[group].id if group else None,
            organisation_id=area.orgs[org].id if org else None,
        )
    )


@pytest.mark.parametrize(
    ("group", "org", "expected"),
    [
        ("sisters", "with_liaison", ["李分片"]),  # the liaison first, whatever the group
        (None, "with_liaison", ["李分片"]),
        (None, "zone_only", ["赵东片", "钱东片"]),  # the office's staff of the zone, not others
        ("sisters", "zone_only", ["赵东片", "钱东片", "孙群管"]),  # zone and group both count
        ("sisters", None, ["孙群管"]),  # a group listed by topic
        ("north", None, ["周房号"]),  # a group listed by room id
        ("plain", None, ["吴值班"]),  # nobody covers it: on duty
        (None, "nowhere", ["吴值班"]),
        (None, None, ["吴值班"]),
    ],
)
def test_routing_order(
    session: Session, area: Area, group: str | None, org: str | None, expected: list[str]
) -> None:
    assert _route(session, area, group=group, org=org) == expected


def test_inactive_people_are_skipped(session: Session, area: Area) -> None:
    area.staff["liaison"].active = False
    area.staff["east_a"].active = False
    session.commit()
    assert _route(session, area, org="with_liaison") == ["钱东片"]
    area.staff["east_b"].active = False
    session.commit()
    assert _route(session, area, org="with_liaison") == ["吴值班"]
    area.staff["duty"].active = False
    session.commit()
    assert _route(session, area, org="with_liaison") == []


def test_no_on_duty_means_nobody(session: Session, area: Area) -> None:
    area.office.on_duty_staff_id = None
    session.commit()
    assert _route(session, area, group="plain") == []


def test_the_rule_works_on_rows_in_memory(area: Area) -> None:
    """The follow-up engine's Directory holds the rows already; the rule needs no session."""
    by_id = {s.id: s for s in area.staff.values()}
    found = choose_responsible(
        office=area.office,
        office_staff=[s for s in area.staff.values() if s.office_id == area.office.id],
        organisation=area.orgs["zone_only"],
        staff_by_id=by_id.get,  # type: ignore[arg-type]
    )
    assert _names(found) == ["赵东片", "钱东片"]
