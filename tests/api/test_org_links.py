"""Wishes linked to organisations, organisation leads and branch coverage (api/domain/org_links)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.domain import resources as resources_domain
from api.domain.errors import InvalidInput
from api.domain.org_links import (
    core_name,
    coverage,
    link_organisation,
    propose_organisation_name,
    record_lead,
)
from api.domain.resources import draft_resource_from_offer
from api.domain.wishes import Actor, create_wish
from models import Organisation, Resource, Wish
from models.enums import Category, OrganisationKind, WishKind
from models.wish import WishCreate
from tests.api.apitools import Tree

ECONOMIC = OrganisationKind.new_economic


def _org(session: Session, name: str, office_id: int, **fields: Any) -> Organisation:
    org = Organisation(name=name, kind=fields.pop("kind", ECONOMIC), office_id=office_id, **fields)
    session.add(org)
    session.flush()
    return org


def _wish(session: Session, tree: Tree, text: str, **fields: Any) -> Wish:
    fields.setdefault("office_id", tree.street)
    fields.setdefault("submitter_wechat_id", "wx_member")
    wish, _ = create_wish(
        session=session, wish_in=WishCreate(text=text, **fields), actor=Actor("bot")
    )
    return wish


@pytest.mark.parametrize(
    ("registered", "text"),
    [
        ("城东阳光幼儿园", "我们阳光幼儿园想办一次亲子运动会"),
        ("阳光幼儿园", "城东阳光幼儿园的老师想学急救知识"),
        ("东风街道阳光幼儿园", "孩子在阳光幼儿园上学，想了解幼小衔接"),
        ("江城顺丰速运有限公司", "顺丰速运公司的姐妹想学育儿知识"),
        ("东风街道巾帼家政服务协会", "巾帼家政服务协会想给会员办技能培训"),
        ("幸福里爱心驿站", "我在幸福里爱心驿站做志愿者，想组织读书会"),
    ],
)
def test_a_wish_is_linked_to_the_organisation_it_names(
    session: Session, tree: Tree, registered: str, text: str
) -> None:
    org = _org(session, registered, tree.community)  # below the wish's office: in its area
    wish = _wish(session, tree, text)
    assert link_organisation(session=session, wish=wish) is org
    assert wish.organisation_id == org.id


@pytest.mark.parametrize(
    ("registered", "office", "text"),
    [
        ("西区阳光幼儿园", "west", "我们阳光幼儿园想办亲子运动会"),  # another district's
        ("市阳光幼儿园", "city", "我们阳光幼儿园想办亲子运动会"),  # above the wish's office
        ("阳光", "street", "阳光明媚，想组织徒步"),  # too short to mean one organisation
        ("城东阳光幼儿园", "street", "希望社区办个读书会"),  # not named at all
    ],
)
def test_no_link_outside_the_area_or_without_a_real_name(
    session: Session, tree: Tree, registered: str, office: str, text: str
) -> None:
    _org(session, registered, getattr(tree, office))
    wish = _wish(session, tree, text, submitter_wechat_id="wx_new")
    assert link_organisation(session=session, wish=wish) is None
    assert wish.organisation_id is None


def test_two_organisations_named_equally_well_are_not_guessed(session: Session, tree: Tree) -> None:
    _org(session, "城东阳光幼儿园", tree.street)
    _org(session, "城西阳光幼儿园", tree.street)
    wish = _wish(session, tree, "阳光幼儿园想办亲子运动会")
    assert link_organisation(session=session, wish=wish) is None


def test_the_members_earlier_organisation_is_hers_when_the_text_names_none(
    session: Session, tree: Tree
) -> None:
    earlier = _wish(session, tree, "想学电商直播", organisation_id=tree.org)
    assert earlier.organisation_id == tree.org
    later = _wish(session, tree, "想给孩子报个书法班")
    linked = link_organisation(session=session, wish=later)
    assert linked is not None and linked.id == tree.org and later.organisation_id == tree.org
    other = _wish(session, tree, "想给孩子报个书法班", submitter_wechat_id="wx_other")
    assert link_organisation(session=session, wish=other) is None  # someone else's history


def test_a_new_organisation_name_is_a_proposal_not_her_old_organisation(
    session: Session, tree: Tree
) -> None:
    _wish(session, tree, "想学电商直播", organisation_id=tree.org)
    wish = _wish(session, tree, "我开了一家晨光花店，想学网店运营")
    assert link_organisation(session=session, wish=wish) is None
    assert propose_organisation_name(wish.text) == "晨光花店"


@pytest.mark.parametrize(
    ("text", "proposal"),
    [
        ("我们阳光幼儿园想组织亲子活动", "阳光幼儿园"),
        ("孩子在梦想幼儿园上学", "梦想幼儿园"),
        ("小区门口的爱心驿站想招募志愿者", "爱心驿站"),
        ("我开了一家晨光花店", "晨光花店"),
        ("江城顺丰速运有限公司想捐书", "江城顺丰速运有限公司"),
        ("东风街道巾帼家政服务协会想建妇联", "东风街道巾帼家政服务协会"),
        ("我们公司想捐书", None),
        ("希望办个读书会", None),
        ("去幼儿园接孩子来不及", None),
    ],
)
def test_propose_organisation_name(text: str, proposal: str | None) -> None:
    assert propose_organisation_name(text) == proposal


@pytest.mark.parametrize(
    ("name", "core"),
    [
        ("东风街道阳光幼儿园", "阳光幼儿园"),
        ("江城顺丰速运有限公司", "江城顺丰速运"),
        ("江城市巾帼家政服务协会", "巾帼家政服务协会"),
        ("东区妇联", "东区妇联"),  # what is left would be too short
    ],
)
def test_core_name(name: str, core: str) -> None:
    assert core_name(name) == core


def test_a_wish_to_found_a_branch_makes_its_organisation_a_lead(
    session: Session, tree: Tree
) -> None:
    org = _org(session, "城东阳光幼儿园", tree.street)
    first = _wish(session, tree, "我们幼儿园想成立妇联", category=Category.organization)
    second = _wish(session, tree, "想问问建妇联的流程", category=Category.organization)
    record_lead(session=session, wish=first, organisation=org)
    assert org.lead_wish_id == first.id and org.lead_at is not None
    assert first.organisation_id == org.id
    heard = org.lead_at
    record_lead(session=session, wish=second, organisation=org)
    assert org.lead_wish_id == first.id and org.lead_at == heard  # the first wish stays
    need = _wish(session, tree, "想学电商直播", category=Category.career)
    with pytest.raises(InvalidInput):
        record_lead(session=session, wish=need, organisation=org)


def test_coverage_counts_branches_and_leads_of_the_area(session: Session, tree: Tree) -> None:
    # tree.org (幸福快递站, 幸福社区, no branch) is already there.
    _org(session, "城东阳光幼儿园", tree.street, has_branch=True, women_count=12)
    lead = _org(session, "巾帼家政服务协会", tree.community, women_count=30)
    _org(session, "西区电商协会", tree.west, has_branch=True, women_count=50)
    wish = _wish(session, tree, "我们协会想成立妇联", category=Category.organization)
    record_lead(session=session, wish=wish, organisation=lead)
    street = coverage(session=session, office_id=tree.street)
    assert street == {
        "organisations": 3,
        "with_branch": 1,
        "leads": 1,
        "rate": 0.3333,
        "women": 42,
        "women_in_branches": 12,
    }
    city = coverage(session=session, office_id=tree.city)
    assert (city["organisations"], city["with_branch"], city["leads"]) == (4, 2, 1)
    assert coverage(session=session, office_id=tree.west)["rate"] == 1.0
    with pytest.raises(InvalidInput):
        coverage(session=session, office_id=99999)


def test_one_draft_per_offer_even_when_two_make_it_at_once(
    session: Session, tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    offer = _wish(session, tree, "我们公司想捐一批图书", category=Category.volunteer)
    assert offer.kind == WishKind.need  # filed under 公益参与: an offer all the same
    winner, created = draft_resource_from_offer(session=session, wish=offer)
    assert created and winner.active is False and winner.source_wish_id == offer.id
    # The other request looked before the winner's row was there: the unique index decides.
    monkeypatch.setattr(resources_domain, "offer_resource", _none_then(resources_domain))
    loser, created = draft_resource_from_offer(session=session, wish=offer)
    assert (loser.id, created) == (winner.id, False)
    rows = session.exec(select(Resource).where(col(Resource.source_wish_id) == offer.id)).all()
    assert len(rows) == 1
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(Resource(name="重复", provider="x", source_wish_id=offer.id))


def _none_then(module: Any) -> Any:
    """offer_resource that misses once (the race), then looks for real."""
    real, missed = module.offer_resource, []

    def lookup(session: Session, wish: Wish) -> Resource | None:
        if not missed:
            missed.append(wish.id)
            return None
        found: Resource | None = real(session, wish)
        return found

    return lookup
