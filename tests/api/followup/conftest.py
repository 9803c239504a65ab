"""A city → district → street → community hierarchy with staff, groups and organisations.

Wishes are written straight into the ledger with chosen timestamps, and every test passes `now`
explicitly: time moves forward without sleeping.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.followup.runner import FollowUpRunner
from models import Group, Office, Organisation, Staff
from models.enums import OfficeLevel, OrganisationKind
from tests.api.followup.fu_world import World, make_settings


@pytest.fixture(autouse=True)
def _no_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests state every setting they rely on; the repository's config.yaml must not leak in.
    empty = tmp_path / "empty-config.yaml"
    empty.write_text("scheduler: {}\napi: {}\n")
    monkeypatch.setenv("WISHPOOL_CONFIG", str(empty))


def _office(session: Session, name: str, code: str, level: OfficeLevel, parent: Office | None):
    office = Office(name=name, code=code, level=level, parent_id=parent.id if parent else None)
    session.add(office)
    session.flush()
    office.path = f"{parent.path if parent else '/'}{office.id}/"
    return office


@pytest.fixture
def world(session: Session) -> World:
    city = _office(session, "江城市妇联", "JC", OfficeLevel.city, None)
    district = _office(session, "东湖区妇联", "DH", OfficeLevel.district, city)
    street = _office(session, "东风街道妇联", "DF", OfficeLevel.street, district)
    community = _office(session, "幸福社区妇联", "XF", OfficeLevel.community, street)
    offices = {"city": city, "district": district, "street": street, "community": community}
    people = {
        "liaison": ("wx_liaison", "李分片", community, []),
        "zone": ("wx_zone", "赵片区", community, ["东片"]),
        "duty": ("wx_duty", "周值班", community, []),
        "assignee": ("wx_assignee", "陈经办", community, []),
        "street_duty": ("wx_street", "吴街道", street, []),
        "district_duty": ("wx_district", "郑区级", district, []),
        "city_duty": ("wx_city", "孙市级", city, []),
    }
    staff: dict[str, Staff] = {}
    for key, (wx, name, office, zones) in people.items():
        staff[key] = Staff(wechat_id=wx, name=name, office_id=office.id, zones=zones)
        session.add(staff[key])
    session.flush()
    community.on_duty_staff_id = staff["duty"].id
    street.on_duty_staff_id = staff["street_duty"].id
    district.on_duty_staff_id = staff["district_duty"].id
    city.on_duty_staff_id = staff["city_duty"].id
    groups = {}
    for key, office in offices.items():
        groups[key] = Group(
            room_id=f"{key}-staff@chatroom",
            topic=f"{office.name}工作群",
            office_id=office.id,
            enabled=True,
            is_staff_group=True,
        )
    groups["members"] = Group(
        room_id="members@chatroom", topic="幸福社区心愿群", office_id=community.id, enabled=True
    )
    for group in groups.values():
        session.add(group)
    orgs = {
        "with_liaison": Organisation(
            name="快递驿站",
            kind=OrganisationKind.new_employment,
            office_id=community.id,  # type: ignore[arg-type]
            zone="东片",
            liaison_staff_id=staff["liaison"].id,
        ),
        "zone_only": Organisation(
            name="直播基地",
            kind=OrganisationKind.new_economic,
            office_id=community.id,  # type: ignore[arg-type]
            zone="东片",
        ),
    }
    for org in orgs.values():
        session.add(org)
    session.commit()
    return World(session, offices, staff, groups, orgs)


@pytest.fixture
def followup(engine: Engine) -> Iterator[FollowUpRunner]:
    yield FollowUpRunner(engine, make_settings())
