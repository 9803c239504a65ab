"""API fixtures: the real app over the test database, tokens per role and a seeded office tree.

Tree: 市妇联 SZ (city) → 东区 DQ (district) → 东风街道 DF (street) → 幸福社区 XF (community),
and 西区 XQ (district). The staff token is scoped to 东区.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.domain.auth import create_token
from api.domain.offices import create_office
from models import Group, Organisation, Resource, Staff
from models.enums import Category, OfficeLevel, OrganisationKind, Role
from models.org import OfficeCreate
from tests.api.apitools import Tree, bearer, make_client


@pytest.fixture
def client(db_url: str, engine: Engine) -> Iterator[TestClient]:
    with make_client(db_url, engine) as test_client:
        yield test_client


def _office(session: Session, name: str, code: str, level: OfficeLevel, parent: int | None) -> int:
    office = create_office(
        session=session,
        office_in=OfficeCreate(name=name, code=code, level=level, parent_id=parent),
    )
    assert office.id is not None
    session.commit()
    return office.id


def _add(session: Session, obj: Any) -> int:
    session.add(obj)
    session.commit()
    session.refresh(obj)
    obj_id = int(obj.id)
    # SQLite: the refresh began a BEGIN IMMEDIATE transaction; end it so the app can write.
    session.commit()
    return obj_id


@pytest.fixture
def tree(session: Session) -> Tree:
    city = _office(session, "市妇联", "SZ", OfficeLevel.city, None)
    east = _office(session, "东区妇联", "DQ", OfficeLevel.district, city)
    street = _office(session, "东风街道妇联", "DF", OfficeLevel.street, east)
    community = _office(session, "幸福社区妇联", "XF", OfficeLevel.community, street)
    west = _office(session, "西区妇联", "XQ", OfficeLevel.district, city)
    return Tree(
        city=city,
        east=east,
        street=street,
        community=community,
        west=west,
        group=_add(
            session,
            Group(room_id="df@chatroom", topic="东风姐妹群", office_id=street, enabled=True),
        ),
        west_group=_add(session, Group(room_id="xq@chatroom", topic="西区群", office_id=west)),
        staff=_add(session, Staff(wechat_id="wx_li", name="李红", office_id=street)),
        west_staff=_add(session, Staff(wechat_id="wx_wang", name="王芳", office_id=west)),
        org=_add(
            session,
            Organisation(
                name="幸福快递站", kind=OrganisationKind.new_employment, office_id=community
            ),
        ),
        resource=_add(
            session,
            Resource(name="法律援助", provider="市律师协会", categories=[Category.legal]),
        ),
        west_resource=_add(
            session,
            Resource(
                name="西区亲子课堂",
                provider="西区少年宫",
                categories=[Category.family],
                office_id=west,
            ),
        ),
    )


def _token(session: Session, role: Role, office_id: int | None = None) -> str:
    _, clear = create_token(
        session=session, name=f"测试{role.value}", role=role, office_id=office_id
    )
    session.commit()  # release SQLite's write lock taken by the refresh
    return clear


@pytest.fixture
def admin(session: Session, tree: Tree) -> dict[str, str]:
    return bearer(_token(session, Role.admin))


@pytest.fixture
def staff(session: Session, tree: Tree) -> dict[str, str]:
    """A staff token scoped to 东区 (and so 东风街道 and 幸福社区)."""
    return bearer(_token(session, Role.staff, tree.east))


@pytest.fixture
def west_staff(session: Session, tree: Tree) -> dict[str, str]:
    return bearer(_token(session, Role.staff, tree.west))


@pytest.fixture
def bot(session: Session, tree: Tree) -> dict[str, str]:
    return bearer(_token(session, Role.bot))
