"""A small demo world for `wishpool run`: an office tree, two groups, staff and resources.

Everything here is fictional. Seeding is idempotent: a database that already has the demo city
office is left alone, so a restarted demo keeps its wishes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from api.domain.offices import create_office
from models import Group, Office, Organisation, Resource, Staff
from models.enums import Category, OfficeLevel, OrganisationKind, StaffRole
from models.org import OfficeCreate

DEMO_CITY_CODE = "SF"
MEMBER_ROOM = "demo-members@chatroom"
MEMBER_ROOM_TOPIC = "幸福社区·三新姐妹群"
STAFF_ROOM = "demo-staff@chatroom"
STAFF_ROOM_TOPIC = "幸福社区妇联工作群"


@dataclass(frozen=True)
class DemoPerson:
    key: str
    wechat_id: str
    name: str


# Members and staff who appear in the fake WeChat account; `wishpool demo say --as KEY`.
MEMBERS = (
    DemoPerson("zhang", "wxid_demo_zhang", "张姐（快递驿站）"),
    DemoPerson("liu", "wxid_demo_liu", "刘老师（阳光幼儿园）"),
)
STAFF = (
    DemoPerson("wang", "wxid_demo_wang", "王主任"),
    DemoPerson("li", "wxid_demo_li", "李干事"),
)
PEOPLE = {p.key: p for p in (*MEMBERS, *STAFF)}


def seed_demo(*, session: Session) -> bool:
    """Creates the demo world unless it exists. Returns whether anything was created.
    Flushes only: the launcher commits the world together with the demo tokens."""
    if session.exec(select(Office).where(Office.code == DEMO_CITY_CODE)).first() is not None:
        return False
    city = _office(session, "示范市妇联", DEMO_CITY_CODE, OfficeLevel.city, None)
    district = _office(session, "示范区妇联", "SFQ", OfficeLevel.district, city)
    street = _office(session, "示范街道妇联", "SFJD", OfficeLevel.street, district)
    community = _office(session, "幸福社区妇联", "XF", OfficeLevel.community, street)
    wang = Staff(wechat_id=STAFF[0].wechat_id, name=STAFF[0].name, office_id=_id(community))
    li = Staff(
        wechat_id=STAFF[1].wechat_id,
        name=STAFF[1].name,
        office_id=_id(street),
        role=StaffRole.admin,
    )
    session.add_all([wang, li])
    session.flush()
    community.on_duty_staff_id = wang.id
    street.on_duty_staff_id = li.id
    session.add_all(
        [
            Group(
                room_id=MEMBER_ROOM,
                topic=MEMBER_ROOM_TOPIC,
                office_id=community.id,
                enabled=True,
            ),
            Group(
                room_id=STAFF_ROOM,
                topic=STAFF_ROOM_TOPIC,
                office_id=community.id,
                enabled=True,
                is_staff_group=True,
            ),
            Organisation(
                name="阳光幼儿园",
                kind=OrganisationKind.new_economic,
                industry="学前教育",
                women_count=18,
                office_id=_id(community),
                liaison_staff_id=wang.id,
            ),
            Organisation(
                name="城东快递驿站",
                kind=OrganisationKind.new_employment,
                industry="快递物流",
                women_count=6,
                office_id=_id(community),
            ),
            *_resources(community, street),
        ]
    )
    session.flush()
    return True


def _resources(community: Office, street: Office) -> list[Resource]:
    return [
        Resource(
            name="消防站开放日",
            provider="城东消防救援站",
            categories=[Category.family],
            description="幼儿园、亲子家庭参观消防站，学习安全知识",
            office_id=street.id,
            capacity=40,
            availability="每月第二个周六上午",
        ),
        Resource(
            name="法律援助咨询",
            provider="明理律师事务所",
            categories=[Category.legal],
            description="劳动争议、欠薪、合同纠纷免费咨询",
            office_id=street.id,
            availability="每周三下午",
        ),
        Resource(
            name="电商直播培训",
            provider="区妇女创业就业服务中心",
            categories=[Category.career],
            description="直播带货入门课程，8 课时",
            office_id=community.id,
            capacity=30,
        ),
        Resource(
            name="两癌筛查",
            provider="社区卫生服务中心",
            categories=[Category.health],
            description="适龄妇女免费两癌筛查",
            office_id=community.id,
            capacity=100,
        ),
    ]


def _office(
    session: Session, name: str, code: str, level: OfficeLevel, parent: Office | None
) -> Office:
    office_in = OfficeCreate(
        name=name, code=code, level=level, parent_id=parent.id if parent else None
    )
    return create_office(session=session, office_in=office_in)


def _id(office: Office) -> int:
    assert office.id is not None
    return office.id


@dataclass(frozen=True)
class DemoRoom:
    key: str
    room_id: str | None  # None: a private chat with the bot
    topic: str


ROOMS = (
    DemoRoom("members", MEMBER_ROOM, MEMBER_ROOM_TOPIC),
    DemoRoom("staff", STAFF_ROOM, STAFF_ROOM_TOPIC),
    DemoRoom("private", None, "私聊机器人"),
)


def find_person(name: str) -> DemoPerson | None:
    """A demo person by key (``liu``) or by a part of her name (``刘老师``)."""
    name = name.strip()
    if name in PEOPLE:
        return PEOPLE[name]
    found = [p for p in PEOPLE.values() if name and name in p.name]
    return found[0] if len(found) == 1 else None


def find_room(name: str) -> DemoRoom | None:
    """A demo room by key (``members``) or by a part of its topic (``三新姐妹群``)."""
    name = name.strip()
    found = [r for r in ROOMS if name in (r.key, r.room_id) or (name and name in r.topic)]
    return found[0] if len(found) == 1 else None
